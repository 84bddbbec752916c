/* ipv4.h: the IPv4 device (RFC 791): checked datagrams in, dispatched by protocol; datagrams out, routed on-link
 * or through the gateway. No fragmentation: fragments are counted and dropped (MirageOS IPV4). */
#ifndef MIRAGE_DEVICES_IPV4_H
#define MIRAGE_DEVICES_IPV4_H

#include <stddef.h>
#include <stdint.h>

#define IPV4_HEADER_SIZE 20 /* what write puts in front of the payload: no options */
#define IPV4_PROTOCOL_ICMP 1
#define IPV4_PROTOCOL_TCP 6
#define IPV4_PROTOCOL_UDP 17
#define IPV4_BROADCAST UINT32_C(0xffffffff)
/* The rx_flags under which a TCP or UDP checksum need not be verified: devices/netif.h's NETIF_RX_CHECKSUM_VALID
 * and NETIF_RX_CHECKSUM_PARTIAL (the stack, which sees both headers, checks that they agree). */
#define IPV4_RX_CHECKSUM_TRUSTED 3u
#define IPV4_UNREACHABLE_PROTOCOL 2 /* ICMP destination unreachable codes (RFC 792) */
#define IPV4_UNREACHABLE_PORT 3

enum ipv4_error {
    IPV4_ERROR_SEND = -1,       /* the layer below failed the write */
    IPV4_ERROR_TOO_BIG = -2,    /* the payload does not fit one unfragmented datagram */
    IPV4_ERROR_NO_ROUTE = -3,   /* off-link destination and no gateway */
    IPV4_ERROR_FULL = -4,       /* listen: the protocol has a listener already, or the table is full */
    IPV4_ERROR_QUEUE_FULL = -5, /* the next hop is being resolved and no room is left to hold the datagram */
    IPV4_ERROR_NOT_SENT = -6,   /* unreachable: no error is due (RFC 1122 3.2.2), or the rate limit holds it back */
};

struct ipv4;

/* Called with the payload of each datagram of a listened protocol addressed to us (or broadcast). Addresses are
 * in host byte order; `payload` points into the receive buffer and is valid only during the call. `rx_flags` are
 * the network interface's NETIF_RX_CHECKSUM_* (devices/netif.h): a TCP or UDP checksum they vouch for need not be
 * verified again. The payload may be longer than the MTU when the interface delivers merged segments. */
typedef void (*ipv4_handler)(void *context, uint32_t source, uint32_t destination, const uint8_t *payload, size_t len,
                             uint32_t rx_flags);

/* An ICMP error (destination unreachable, time exceeded) about a datagram we sent, as the ICMP layer checked it:
 * `quoted` is what its quoted IPv4 header was followed by, `quoted_len` bytes (RFC 792: 8 at least, RFC 1812 more),
 * valid only during the call. Addresses in host byte order. */
struct ipv4_icmp_error {
    uint8_t type, code;
    uint16_t next_hop_mtu;  /* RFC 1191, for fragmentation needed (0 from a router that predates it) */
    uint32_t reporter;      /* who sent the ICMP message */
    uint32_t quoted_source; /* our address */
    uint32_t quoted_destination;
    uint8_t quoted_protocol;
    const uint8_t *quoted;
    size_t quoted_len;
};

/* Called for each ICMP error that quotes a datagram of the protocol it listens to (RFC 1122 3.2.2, 4.2.3.9). */
typedef void (*ipv4_error_handler)(void *context, const struct ipv4_icmp_error *error);

struct ipv4_counters {
    uint64_t received;              /* datagrams handed to input */
    uint64_t delivered;             /* handed to a listener */
    uint64_t malformed;             /* dropped: short, bad version, IHL or total length */
    uint64_t bad_checksum;          /* dropped: header checksum */
    uint64_t fragments;             /* dropped: a fragment (MF set or offset != 0); reassembly is not supported */
    uint64_t not_for_us;            /* dropped: another destination, or a broadcast/multicast source */
    uint64_t no_listener;           /* dropped: a protocol nobody listens to */
    uint64_t sent;                  /* datagrams written (or held for ARP) */
    uint64_t send_errors;           /* writes that failed: no route, too big, ARP queue full, link error */
    uint64_t unreachables_sent;     /* ICMP destination unreachable messages sent */
    uint64_t unreachables_limited;  /* held back by the rate limit */
    uint64_t icmp_errors_delivered; /* ICMP errors handed to the quoted protocol's error handler */
};

struct ipv4_ops {
    /* Hand datagrams of `protocol` to `handler`; returns 0 or IPV4_ERROR_FULL. */
    int (*listen)(struct ipv4 *self, uint8_t protocol, ipv4_handler handler, void *context);
    /* Check one datagram (the Ethernet payload) in place and dispatch its payload with `rx_flags`. */
    void (*input)(struct ipv4 *self, const uint8_t *packet, size_t len, uint32_t rx_flags);
    /* The payload area of the transmit datagram (`*capacity` bytes): build the payload there, then write it. Shared
     * with the layers below: valid until the next write. */
    uint8_t *(*tx_payload)(struct ipv4 *self, size_t *capacity);
    /* Send the first `len` bytes of the transmit payload to `destination` (host byte order) as `protocol`, from
     * our address, TTL 64, don't-fragment; returns 0 (sent, or held while ARP resolves) or a negative ipv4_error. */
    int (*write)(struct ipv4 *self, uint32_t destination, uint8_t protocol, size_t len);
    /* Transmit offload: the same payload area, `*capacity` bytes for write_segment (0 until the Ethernet layer's
     * transmit_offload succeeded). */
    uint8_t *(*tx_segment_payload)(struct ipv4 *self, size_t *capacity);
    /* Send the first `len` bytes of the transmit payload (at most tx_segment_payload's capacity), a TCP segment
     * whose checksum field holds only the pseudo header's sum, to `destination` as write does, for the network
     * interface to finish and cut into segments of `segment_size` payload bytes; returns 0, IPV4_ERROR_TOO_BIG
     * when it cannot go whole now (no offload, too long, a broadcast, or the next hop not resolved yet: send the
     * bytes within the MTU through write, which resolves it) or another negative ipv4_error. */
    int (*write_segment)(struct ipv4 *self, uint32_t destination, size_t len, uint32_t segment_size);
    /* Only from a listener's handler, during its call: answer the datagram being handed over with an ICMP
     * destination unreachable of `code` (IPV4_UNREACHABLE_*), quoting its header and first bytes. Never for a
     * datagram to a broadcast address, and rate limited as RFC 1812 4.3.2.8 asks; returns 0 if sent, else a
     * negative ipv4_error. The transmit payload is overwritten. */
    int (*unreachable)(struct ipv4 *self, uint8_t code);
    /* Hand the ICMP errors about `protocol`'s datagrams to `handler`: after listen() for it; returns 0, or
     * IPV4_ERROR_FULL when nobody listens to the protocol or it has an error handler already. */
    int (*listen_errors)(struct ipv4 *self, uint8_t protocol, ipv4_error_handler handler, void *context);
    /* For the ICMP layer: pass `error` on to the error handler of its quoted protocol, if there is one. */
    void (*deliver_error)(struct ipv4 *self, const struct ipv4_icmp_error *error);
};

struct ipv4 {
    const struct ipv4_ops *ops;
    void *state;
    uint32_t address; /* ours, host byte order */
    uint32_t netmask; /* host byte order, from the prefix length */
    uint32_t gateway; /* host byte order; 0: none */
    struct ipv4_counters counters;
};

static inline int ipv4_listen(struct ipv4 *self, uint8_t protocol, ipv4_handler handler, void *context)
{
    return self->ops->listen(self, protocol, handler, context);
}

static inline void ipv4_input(struct ipv4 *self, const uint8_t *packet, size_t len, uint32_t rx_flags)
{
    self->ops->input(self, packet, len, rx_flags);
}

static inline uint8_t *ipv4_tx_payload(struct ipv4 *self, size_t *capacity)
{
    return self->ops->tx_payload(self, capacity);
}

static inline int ipv4_write(struct ipv4 *self, uint32_t destination, uint8_t protocol, size_t len)
{
    return self->ops->write(self, destination, protocol, len);
}

static inline uint8_t *ipv4_tx_segment_payload(struct ipv4 *self, size_t *capacity)
{
    return self->ops->tx_segment_payload(self, capacity);
}

static inline int ipv4_write_segment(struct ipv4 *self, uint32_t destination, size_t len, uint32_t segment_size)
{
    return self->ops->write_segment(self, destination, len, segment_size);
}

static inline int ipv4_unreachable(struct ipv4 *self, uint8_t code)
{
    return self->ops->unreachable(self, code);
}

static inline int ipv4_listen_errors(struct ipv4 *self, uint8_t protocol, ipv4_error_handler handler, void *context)
{
    return self->ops->listen_errors(self, protocol, handler, context);
}

static inline void ipv4_deliver_error(struct ipv4 *self, const struct ipv4_icmp_error *error)
{
    self->ops->deliver_error(self, error);
}

#endif
