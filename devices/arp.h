/* arp.h: the ARP device (RFC 826): resolves IPv4 next hops to Ethernet addresses with a bounded cache, answers for
 * our address, and holds packets briefly while their next hop is being resolved (MirageOS ARP). */
#ifndef MIRAGE_DEVICES_ARP_H
#define MIRAGE_DEVICES_ARP_H

#include <stddef.h>
#include <stdint.h>

#define ARP_PENDING 1 /* output: the packet waits for the next hop's address */

enum arp_error {
    ARP_ERROR_SEND = -1,       /* the Ethernet layer failed the write */
    ARP_ERROR_QUEUE_FULL = -2, /* output: the next hop is unresolved and no room is left to hold the packet */
    ARP_ERROR_TOO_BIG = -3,    /* output: longer than the Ethernet MTU; output_segment: next hop unresolved, or too
                                  long for the Ethernet layer's segments */
};

struct arp;

struct arp_counters {
    uint64_t requests_received;
    uint64_t replies_sent;
    uint64_t requests_sent;
    uint64_t replies_received;
    uint64_t malformed;   /* dropped: short, or not Ethernet/IPv4 */
    uint64_t queued;      /* packets held for a resolution */
    uint64_t queue_drops; /* packets dropped: queue full, or their resolution timed out */
    uint64_t evictions;   /* cache entries replaced while still valid because the cache was full */
};

struct arp_ops {
    /* Answer requests for `address` (IPv4, host byte order; 0: none) and announce it with a gratuitous ARP;
     * returns 0 or ARP_ERROR_SEND. */
    int (*set_address)(struct arp *self, uint32_t address);
    /* Send the `len` bytes of `ethertype` in the Ethernet transmit payload to the host `next_hop` is: at once if
     * its Ethernet address is known (0), else copied into a bounded queue while a request goes out
     * (ARP_PENDING); or a negative arp_error. The transmit payload is reused either way. */
    int (*output)(struct arp *self, uint32_t next_hop, uint16_t ethertype, size_t len);
    /* Send the `len` bytes of an IPv4 TCP segment in the Ethernet transmit payload (ethernet's write_segment) to
     * `next_hop` if its Ethernet address is known: 0, ARP_ERROR_SEND, or ARP_ERROR_TOO_BIG when it is not known
     * (nothing is queued: the caller sends the segment's bytes within the MTU through output, which asks). */
    int (*output_segment)(struct arp *self, uint32_t next_hop, size_t len, uint32_t segment_size);
    /* Timers: expire entries, resend requests, drop packets whose next hop did not answer. Call it from the event
     * loop; returns the nanoseconds until it next has work (UINT64_MAX: none until the next output). */
    uint64_t (*tick)(struct arp *self);
};

struct arp {
    const struct arp_ops *ops;
    void *state;
    uint32_t address; /* the address we answer for, host byte order; 0 before set_address */
    struct arp_counters counters;
};

static inline int arp_set_address(struct arp *self, uint32_t address)
{
    return self->ops->set_address(self, address);
}

static inline int arp_output(struct arp *self, uint32_t next_hop, uint16_t ethertype, size_t len)
{
    return self->ops->output(self, next_hop, ethertype, len);
}

static inline int arp_output_segment(struct arp *self, uint32_t next_hop, size_t len, uint32_t segment_size)
{
    return self->ops->output_segment(self, next_hop, len, segment_size);
}

static inline uint64_t arp_tick(struct arp *self)
{
    return self->ops->tick(self);
}

#endif
