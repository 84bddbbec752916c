/* checksum.c: the Internet checksum (RFC 1071), summed a 64-bit word at a time in host byte order. */
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

/* Add `word` to `sum` with end-around carry: the carry out of bit 63 comes back in at bit 0, which keeps the
 * ones'-complement sum of 64-bit words (RFC 1071 section 2(C): any word size folds to the same 16-bit sum). */
static inline uint64_t add_with_carry(uint64_t sum, uint64_t word)
{
    sum += word;
    return sum + (sum < word);
}

/* A 64-bit word as it lies in memory, at any alignment. __builtin_memcpy, because -ffreestanding turns the plain
 * name into a call per word where the builtin is one load. */
static inline uint64_t load64(const uint8_t *data)
{
    uint64_t word;
    __builtin_memcpy(&word, data, sizeof(word));
    return word;
}

uint64_t checksum_add(uint64_t sum, const uint8_t *data, size_t len)
{
    /* Most of a segment's bytes pass here: 64-bit words, four to a turn, halve the work per byte of 32-bit ones. */
    while (len >= 32) {
        sum = add_with_carry(sum, load64(data));
        sum = add_with_carry(sum, load64(data + 8));
        sum = add_with_carry(sum, load64(data + 16));
        sum = add_with_carry(sum, load64(data + 24));
        data += 32;
        len -= 32;
    }
    while (len >= 8) {
        sum = add_with_carry(sum, load64(data));
        data += 8;
        len -= 8;
    }
    /* At most 7 bytes are left: in 32 and 16-bit pieces they cannot carry out of 64 bits more than once. */
    uint64_t tail = 0;
    if (len >= 4) {
        uint32_t word;
        __builtin_memcpy(&word, data, sizeof(word));
        tail += word;
        data += 4;
        len -= 4;
    }
    if (len >= 2) {
        uint16_t half;
        __builtin_memcpy(&half, data, sizeof(half));
        tail += half;
        data += 2;
        len -= 2;
    }
    if (len == 1) {
        /* The odd byte is the high-order byte of a zero-padded word in network order. */
        tail += HOST_IS_LITTLE_ENDIAN ? data[0] : (uint64_t)data[0] << 8;
    }
    return add_with_carry(sum, tail);
}

uint64_t checksum_add16(uint64_t sum, uint16_t value)
{
    return add_with_carry(sum, HOST_IS_LITTLE_ENDIAN ? (uint16_t)(value << 8 | value >> 8) : value);
}

uint16_t checksum_finish(uint64_t sum)
{
    sum = (sum & 0xffffffff) + (sum >> 32); /* fold 64 bits to 16, each step adding its carry back in */
    sum = (sum & 0xffffffff) + (sum >> 32);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t folded = (uint16_t)sum;
    if (HOST_IS_LITTLE_ENDIAN)
        folded = (uint16_t)(folded << 8 | folded >> 8);
    return (uint16_t)~folded;
}
