/* checksum.c: the Internet checksum (RFC 1071), summed a 32-bit word at a time in host byte order. */
#include <stdint.h>
#include <string.h>

#include "lib/tcpip/wire.h"

/* The ones'-complement sum is the same in either byte order up to a final swap (RFC 1071 section 2(B)), so words
 * are added as they lie in memory and swapped once in checksum_finish; checksum_add16 swaps its value to match. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_IS_LITTLE_ENDIAN 1
#else
#define HOST_IS_LITTLE_ENDIAN 0
#endif

uint64_t checksum_add(uint64_t sum, const uint8_t *data, size_t len)
{
    /* 2^32 words of at most 2^32 - 1 cannot overflow 64 bits; our packets are far shorter. */
    while (len >= 16) {
        uint32_t words[4];
        memcpy(words, data, sizeof(words));
        sum += (uint64_t)words[0] + words[1] + words[2] + words[3];
        data += 16;
        len -= 16;
    }
    while (len >= 4) {
        uint32_t word;
        memcpy(&word, data, sizeof(word));
        sum += word;
        data += 4;
        len -= 4;
    }
    if (len >= 2) {
        uint16_t half;
        memcpy(&half, data, sizeof(half));
        sum += half;
        data += 2;
        len -= 2;
    }
    if (len == 1) {
        /* The odd byte is the high-order byte of a zero-padded word in network order. */
        sum += HOST_IS_LITTLE_ENDIAN ? data[0] : (uint64_t)data[0] << 8;
    }
    return sum;
}

uint64_t checksum_add16(uint64_t sum, uint16_t value)
{
    return sum + (HOST_IS_LITTLE_ENDIAN ? (uint16_t)(value << 8 | value >> 8) : value);
}

uint16_t checksum_finish(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t folded = (uint16_t)sum;
    if (HOST_IS_LITTLE_ENDIAN)
        folded = (uint16_t)(folded << 8 | folded >> 8);
    return (uint16_t)~folded;
}
