/* icmp.h: the ICMP device (RFC 792): answers echo requests to our address and sends echo requests (MirageOS
 * ICMP). */
#ifndef MIRAGE_DEVICES_ICMP_H
#define MIRAGE_DEVICES_ICMP_H

#include <stddef.h>
#include <stdint.h>

#define ICMP_HEADER_SIZE 8

enum icmp_error {
    ICMP_ERROR_SEND = -1,    /* the IPv4 layer failed the write (see its counters) */
    ICMP_ERROR_TOO_BIG = -2, /* the payload does not fit one datagram */
};

struct icmp;

struct icmp_counters {
    uint64_t received;          /* messages handed up by IPv4 */
    uint64_t malformed;         /* dropped: shorter than a header, or an error quoting too little */
    uint64_t bad_checksum;      /* dropped: checksum */
    uint64_t echo_requests;     /* echo requests to our address */
    uint64_t echo_replies_sent; /* answers that went out */
    uint64_t echo_replies;      /* echo replies received (answers to echo_request) */
    uint64_t errors;            /* destination unreachable and time exceeded about our datagrams, passed on */
    uint64_t ignored;           /* other types, echo requests to a broadcast address, errors about others' datagrams */
};

struct icmp_ops {
    /* Send an echo request (ping) with `payload` to `destination` (host byte order); returns 0 or a negative
     * icmp_error. Replies are counted in echo_replies. */
    int (*echo_request)(struct icmp *self, uint32_t destination, uint16_t id, uint16_t sequence, const uint8_t *payload,
                        size_t len);
};

struct icmp {
    const struct icmp_ops *ops;
    void *state;
    struct icmp_counters counters;
};

static inline int icmp_echo_request(struct icmp *self, uint32_t destination, uint16_t id, uint16_t sequence,
                                    const uint8_t *payload, size_t len)
{
    return self->ops->echo_request(self, destination, id, sequence, payload, len);
}

#endif
