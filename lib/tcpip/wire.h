/* wire.h: big-endian field access and the Internet checksum (RFC 1071), shared by the lib/tcpip layers. */
#ifndef MIRAGE_TCPIP_WIRE_H
#define MIRAGE_TCPIP_WIRE_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t wire_get16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t wire_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wire_put16(uint8_t *p, uint16_t value)
{
    p[0] = (uint8_t)(value >> 8);
    p[1] = (uint8_t)value;
}

static inline void wire_put32(uint8_t *p, uint32_t value)
{
    p[0] = (uint8_t)(value >> 24);
    p[1] = (uint8_t)(value >> 16);
    p[2] = (uint8_t)(value >> 8);
    p[3] = (uint8_t)value;
}

/* Add `len` bytes to a running ones'-complement sum. Every chunk but the last must have an even length. */
uint64_t checksum_add(uint64_t sum, const uint8_t *data, size_t len);

/* Add a 16-bit field value (host byte order) to a running sum. */
uint64_t checksum_add16(uint64_t sum, uint16_t value);

/* The checksum field value (host byte order, to store with wire_put16) for a running sum: the complement of its
 * fold. Over data that includes a correct checksum field it is 0. */
uint16_t checksum_finish(uint64_t sum);

#endif
