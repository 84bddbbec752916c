/* tcp_ring.h: a byte ring over a caller's fixed buffer: the send queue (unacknowledged and unsent bytes) and the
 * receive queue (in-order bytes the application has not read, with out-of-order bytes parked behind them). */
#ifndef MIRAGE_TCPIP_TCP_RING_H
#define MIRAGE_TCPIP_TCP_RING_H

#include <stdint.h>

struct tcp_ring {
    uint8_t *bytes;
    uint32_t capacity;
    uint32_t head; /* index of the first queued byte */
    uint32_t len;  /* queued bytes */
};

void tcp_ring_init(struct tcp_ring *ring, uint8_t *bytes, uint32_t capacity);

static inline uint32_t tcp_ring_free(const struct tcp_ring *ring)
{
    return ring->capacity - ring->len;
}

/* Append up to `len` bytes; returns how many fitted. */
uint32_t tcp_ring_append(struct tcp_ring *ring, const uint8_t *data, uint32_t len);

/* Place `len` bytes `offset` bytes past the queued ones without queueing them (out-of-order data); the caller
 * keeps offset + len <= tcp_ring_free. */
void tcp_ring_place(struct tcp_ring *ring, uint32_t offset, const uint8_t *data, uint32_t len);

/* Queue `len` bytes placed right behind the queued ones (len <= tcp_ring_free). */
void tcp_ring_commit(struct tcp_ring *ring, uint32_t len);

/* Copy `len` queued bytes from `offset` into `out` without removing them (offset + len <= ring->len). */
void tcp_ring_peek(const struct tcp_ring *ring, uint32_t offset, uint8_t *out, uint32_t len);

/* Remove up to `len` bytes from the front; returns how many were removed. */
uint32_t tcp_ring_discard(struct tcp_ring *ring, uint32_t len);

#endif
