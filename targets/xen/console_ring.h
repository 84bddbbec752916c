/* console_ring.h: the guest's side of the Xen console ring's output half: the producer. Pure (no hypercalls), so
 * host tests drive it against a backend that lies. */
#ifndef MIRAGE_TARGETS_XEN_CONSOLE_RING_H
#define MIRAGE_TARGETS_XEN_CONSOLE_RING_H

#include <stdbool.h>
#include <stddef.h>

#include "targets/xen/xen_public.h"

/* The producer index lives here, not only in the shared page: the backend can write the page, and a producer
 * index read back from it could make the guest overwrite bytes not yet consumed. */
struct xen_console_ring {
    volatile struct xencons_interface *page;
    XENCONS_RING_IDX produced;
    bool broken; /* the backend's consumer index was impossible once: no more output */
};

void xen_console_ring_init(struct xen_console_ring *ring, volatile struct xencons_interface *page);

/* Copy as much of `text` as the ring has room for, publish it, and return how many bytes that was (0 when the
 * ring is full or broken). A consumer index more than the ring's size behind the producer, or ahead of it, marks
 * the ring broken. */
size_t xen_console_ring_write(struct xen_console_ring *ring, const char *text, size_t len);

/* Whether the backend consumed everything published (a broken ring counts as drained: nothing will move). */
bool xen_console_ring_drained(struct xen_console_ring *ring);

#endif
