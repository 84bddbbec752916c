/* tcp_ring.c: the byte ring: copies split in at most two pieces at the buffer's end. */
#include "lib/tcpip/tcp_ring.h"

#include <string.h>

void tcp_ring_init(struct tcp_ring *ring, uint8_t *bytes, uint32_t capacity)
{
    *ring = (struct tcp_ring){.bytes = bytes, .capacity = capacity};
}

/* The buffer index `offset` bytes past the head (offset < capacity). */
static uint32_t index_of(const struct tcp_ring *ring, uint32_t offset)
{
    uint32_t room_to_end = ring->capacity - ring->head;
    return offset < room_to_end ? ring->head + offset : offset - room_to_end;
}

static void copy_in(struct tcp_ring *ring, uint32_t offset, const uint8_t *data, uint32_t len)
{
    if (len == 0)
        return;
    uint32_t at = index_of(ring, offset);
    uint32_t first = ring->capacity - at < len ? ring->capacity - at : len;
    memcpy(ring->bytes + at, data, first);
    memcpy(ring->bytes, data + first, len - first);
}

uint32_t tcp_ring_append(struct tcp_ring *ring, const uint8_t *data, uint32_t len)
{
    uint32_t taken = len < tcp_ring_free(ring) ? len : tcp_ring_free(ring);
    copy_in(ring, ring->len, data, taken);
    ring->len += taken;
    return taken;
}

void tcp_ring_place(struct tcp_ring *ring, uint32_t offset, const uint8_t *data, uint32_t len)
{
    copy_in(ring, ring->len + offset, data, len);
}

void tcp_ring_commit(struct tcp_ring *ring, uint32_t len)
{
    ring->len += len;
}

void tcp_ring_peek(const struct tcp_ring *ring, uint32_t offset, uint8_t *out, uint32_t len)
{
    if (len == 0)
        return;
    uint32_t at = index_of(ring, offset);
    uint32_t first = ring->capacity - at < len ? ring->capacity - at : len;
    memcpy(out, ring->bytes + at, first);
    memcpy(out + first, ring->bytes, len - first);
}

uint32_t tcp_ring_discard(struct tcp_ring *ring, uint32_t len)
{
    uint32_t removed = len < ring->len ? len : ring->len;
    if (removed < ring->capacity) /* a whole lap lands where it started */
        ring->head = index_of(ring, removed);
    /* The head stays where the bytes ended even when none are left: bytes parked past the end (tcp_ring_place)
     * are where the next ones will be. */
    ring->len -= removed;
    return removed;
}
