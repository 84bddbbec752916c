/* console_ring.c: the producer of the Xen console ring's output half (console_ring.h). */
#include "targets/xen/console_ring.h"

#define RING_SIZE ((XENCONS_RING_IDX)sizeof(((struct xencons_interface *)0)->out))

_Static_assert((RING_SIZE & (RING_SIZE - 1)) == 0, "indices wrap by masking");

void xen_console_ring_init(struct xen_console_ring *ring, volatile struct xencons_interface *page)
{
    ring->page = page;
    /* Start where the page says (a console already written to by the loader, or zero). */
    ring->produced = page->out_prod;
    ring->broken = false;
}

/* Bytes the backend has not consumed yet, or RING_SIZE + 1 when its index is impossible. */
static XENCONS_RING_IDX unconsumed(struct xen_console_ring *ring)
{
    XENCONS_RING_IDX consumed = __atomic_load_n(&ring->page->out_cons, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX used = ring->produced - consumed; /* modulo 2^32, as the protocol's indices are */
    if (used > RING_SIZE) {
        ring->broken = true;
        return RING_SIZE + 1;
    }
    return used;
}

size_t xen_console_ring_write(struct xen_console_ring *ring, const char *text, size_t len)
{
    if (ring->broken)
        return 0;
    XENCONS_RING_IDX used = unconsumed(ring);
    if (ring->broken)
        return 0;
    size_t room = RING_SIZE - used, written = len < room ? len : room;
    for (size_t i = 0; i < written; i++)
        ring->page->out[(ring->produced + i) & (RING_SIZE - 1)] = text[i];
    ring->produced += (XENCONS_RING_IDX)written;
    /* The bytes before the index that publishes them. */
    __atomic_store_n(&ring->page->out_prod, ring->produced, __ATOMIC_RELEASE);
    return written;
}

bool xen_console_ring_drained(struct xen_console_ring *ring)
{
    if (ring->broken)
        return true;
    XENCONS_RING_IDX used = unconsumed(ring);
    return used == 0 || ring->broken;
}
