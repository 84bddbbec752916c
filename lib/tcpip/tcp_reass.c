/* tcp_reass.c: the sorted list of out-of-order sequence ranges. */
#include "lib/tcpip/tcp_reass.h"

#include <string.h>

#include "lib/tcpip/tcp_seq.h"

static void remove_at(struct tcp_reass *reass, uint32_t index)
{
    memmove(&reass->ranges[index], &reass->ranges[index + 1], (reass->count - index - 1) * sizeof(reass->ranges[0]));
    reass->count--;
}

bool tcp_reass_add(struct tcp_reass *reass, uint32_t start, uint32_t end)
{
    uint32_t at = 0;
    /* Skip the ranges that end before `start` without touching it. */
    while (at < reass->count && seq_lt(reass->ranges[at].end, start))
        at++;
    if (at < reass->count && seq_leq(reass->ranges[at].start, end)) {
        /* Overlaps or touches range `at`: widen it, then swallow the ones it now reaches. */
        if (seq_lt(start, reass->ranges[at].start))
            reass->ranges[at].start = start;
        if (seq_gt(end, reass->ranges[at].end))
            reass->ranges[at].end = end;
        while (at + 1 < reass->count && seq_leq(reass->ranges[at + 1].start, reass->ranges[at].end)) {
            reass->ranges[at].end = seq_max(reass->ranges[at].end, reass->ranges[at + 1].end);
            remove_at(reass, at + 1);
        }
        return true;
    }
    if (reass->count == TCP_REASS_RANGES)
        return false;
    memmove(&reass->ranges[at + 1], &reass->ranges[at], (reass->count - at) * sizeof(reass->ranges[0]));
    reass->ranges[at].start = start;
    reass->ranges[at].end = end;
    reass->count++;
    return true;
}

uint32_t tcp_reass_advance(struct tcp_reass *reass, uint32_t rcv_nxt)
{
    while (reass->count > 0 && seq_leq(reass->ranges[0].start, rcv_nxt)) {
        rcv_nxt = seq_max(rcv_nxt, reass->ranges[0].end);
        remove_at(reass, 0);
    }
    return rcv_nxt;
}
