/* tcp_seq.h: TCP sequence number arithmetic modulo 2^32 (RFC 9293 3.4): comparisons that hold across wrap-around. */
#ifndef MIRAGE_TCPIP_TCP_SEQ_H
#define MIRAGE_TCPIP_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/* a < b: b lies less than 2^31 ahead of a. */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static inline bool seq_leq(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}

static inline bool seq_gt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

static inline bool seq_geq(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}

/* low <= x < high, measured from low so that it holds across wrap-around (for windows under 2^31). */
static inline bool seq_in_window(uint32_t x, uint32_t low, uint32_t high)
{
    return x - low < high - low;
}

static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
    return seq_gt(a, b) ? a : b;
}

#endif
