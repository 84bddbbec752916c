/* udp.h: the UDP device (RFC 768): datagrams checked (checksum with the pseudo header; zero means none) and
 * dispatched to listeners by destination port; datagrams sent from the IPv4 transmit buffer (MirageOS UDP). */
#ifndef MIRAGE_DEVICES_UDP_H
#define MIRAGE_DEVICES_UDP_H

#include <stddef.h>
#include <stdint.h>

#define UDP_HEADER_SIZE 8

enum udp_error {
    UDP_ERROR_SEND = -1,    /* the IPv4 layer failed the write (see its counters) */
    UDP_ERROR_TOO_BIG = -2, /* the payload does not fit one unfragmented datagram */
    UDP_ERROR_FULL = -3,    /* listen: the port has a listener already, or the table is full */
    UDP_ERROR_INVALID = -4, /* port 0 */
};

struct udp;

struct udp_datagram {
    uint32_t source;           /* host byte order */
    uint32_t destination;      /* ours, or a broadcast address */
    uint16_t source_port;      /* host byte order */
    uint16_t destination_port; /* host byte order */
    const uint8_t *payload;    /* into the receive buffer: valid only during the handler's call */
    size_t len;
};

/* Called for each datagram to a listened port. */
typedef void (*udp_handler)(void *context, const struct udp_datagram *datagram);

struct udp_counters {
    uint64_t received;     /* datagrams handed up by IPv4 */
    uint64_t delivered;    /* handed to a listener */
    uint64_t malformed;    /* dropped: short, or a length field that disagrees with IPv4's */
    uint64_t bad_checksum; /* dropped: checksum */
    uint64_t no_listener;  /* dropped: nobody listens on the port */
    uint64_t sent;
    uint64_t send_errors;
};

struct udp_ops {
    /* Hand datagrams to `port` (host byte order, not 0) to `handler`; returns 0 or a negative udp_error. */
    int (*listen)(struct udp *self, uint16_t port, udp_handler handler, void *context);
    /* Stop handing datagrams to `port`; returns 0, or UDP_ERROR_INVALID if nobody listened there. */
    int (*unlisten)(struct udp *self, uint16_t port);
    /* The payload area of the transmit datagram (`*capacity` bytes): put the payload there, then write it. Shared
     * with the layers below: valid until the next write. */
    uint8_t *(*tx_payload)(struct udp *self, size_t *capacity);
    /* Send the first `len` bytes of the transmit payload from `source_port` to `destination`:`destination_port`
     * (host byte order), with a checksum; returns 0 (sent, or held while ARP resolves) or a negative udp_error. */
    int (*write)(struct udp *self, uint16_t source_port, uint32_t destination, uint16_t destination_port, size_t len);
};

struct udp {
    const struct udp_ops *ops;
    void *state;
    struct udp_counters counters;
};

static inline int udp_listen(struct udp *self, uint16_t port, udp_handler handler, void *context)
{
    return self->ops->listen(self, port, handler, context);
}

static inline int udp_unlisten(struct udp *self, uint16_t port)
{
    return self->ops->unlisten(self, port);
}

static inline uint8_t *udp_tx_payload(struct udp *self, size_t *capacity)
{
    return self->ops->tx_payload(self, capacity);
}

static inline int udp_write(struct udp *self, uint16_t source_port, uint32_t destination, uint16_t destination_port,
                            size_t len)
{
    return self->ops->write(self, source_port, destination, destination_port, len);
}

#endif
