/* evtchn.h: the 2-level event channel bitmaps in shared info: one bit per port in 64 words of 64 bits. Pure, so
 * host tests check the bit arithmetic and the refusal of ports beyond the ABI. */
#ifndef MIRAGE_TARGETS_XEN_EVTCHN_H
#define MIRAGE_TARGETS_XEN_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>

#include "targets/xen/xen_public.h"

/* Whether `port` (as Xen or an HVM parameter gave it, 64 bits) names a channel of the 2-level ABI. */
bool xen_evtchn_port_valid(uint64_t port);

/* Atomically clear `port`'s bit in `bitmap` (evtchn_pending or evtchn_mask) and return whether it was set; false
 * for an invalid port, whose bit is not touched. */
bool xen_evtchn_test_and_clear(volatile uint64_t bitmap[64], uint64_t port);

/* Atomically set `port`'s bit; false for an invalid port. */
bool xen_evtchn_set(volatile uint64_t bitmap[64], uint64_t port);

#endif
