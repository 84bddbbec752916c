/* tcp_reass.h: the out-of-order ranges of a receive queue: a bounded list of sequence ranges whose bytes are parked
 * in the receive ring behind the in-order ones, until the gap before them fills. */
#ifndef MIRAGE_TCPIP_TCP_REASS_H
#define MIRAGE_TCPIP_TCP_REASS_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_REASS_RANGES 8 /* holes tracked per connection; a segment that would need a ninth is dropped */

struct tcp_reass {
    uint32_t count;
    struct {
        uint32_t start; /* sequence numbers: [start, end) */
        uint32_t end;
    } ranges[TCP_REASS_RANGES]; /* sorted, disjoint, not adjacent */
};

/* Record [start, end) (start != end), merging with what it touches; false when the list is full and the range
 * touches none (its bytes are then to be forgotten). */
bool tcp_reass_add(struct tcp_reass *reass, uint32_t start, uint32_t end);

/* The in-order edge moved to `rcv_nxt`: remove the ranges it reached or passed and return the new edge (the end
 * of a range that began at or before it, else `rcv_nxt`). */
uint32_t tcp_reass_advance(struct tcp_reass *reass, uint32_t rcv_nxt);

#endif
