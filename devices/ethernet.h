/* ethernet.h: the Ethernet device: frames parsed in place and handed to the listener of their EtherType, and
 * frames built in one transmit buffer whose header room the layers above fill (MirageOS ETHERNET). */
#ifndef MIRAGE_DEVICES_ETHERNET_H
#define MIRAGE_DEVICES_ETHERNET_H

#include <stddef.h>
#include <stdint.h>

#define ETHERNET_HEADER_SIZE 14
#define ETHERNET_ADDRESS_SIZE 6
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806

enum ethernet_error {
    ETHERNET_ERROR_SEND = -1,    /* the network interface failed the write */
    ETHERNET_ERROR_TOO_BIG = -2, /* the payload is longer than the MTU */
    ETHERNET_ERROR_FULL = -3,    /* listen: the EtherType has a listener already, or the table is full */
};

struct ethernet;

/* Called with the payload of each frame of a listened EtherType addressed to us (or broadcast); `source` and
 * `payload` point into the receive buffer and are valid only during the call. `rx_flags` are the network
 * interface's NETIF_RX_CHECKSUM_* for the frame (devices/netif.h). */
typedef void (*ethernet_handler)(void *context, const uint8_t source[ETHERNET_ADDRESS_SIZE], const uint8_t *payload,
                                 size_t len, uint32_t rx_flags);

struct ethernet_counters {
    uint64_t received;    /* frames handed to input */
    uint64_t delivered;   /* frames handed to a listener */
    uint64_t not_for_us;  /* dropped: destination neither our address nor broadcast */
    uint64_t malformed;   /* dropped: shorter than a header */
    uint64_t no_listener; /* dropped: an EtherType nobody listens to */
    uint64_t sent;        /* frames written */
    uint64_t send_errors; /* writes the network interface failed */
};

struct ethernet_ops {
    /* Hand frames of `ethertype` to `handler`; returns 0 or ETHERNET_ERROR_FULL. */
    int (*listen)(struct ethernet *self, uint16_t ethertype, ethernet_handler handler, void *context);
    /* Parse one received frame in place and dispatch its payload with the netif's `rx_flags`; anything malformed
     * or not ours is counted and dropped. */
    void (*input)(struct ethernet *self, const uint8_t *frame, size_t len, uint32_t rx_flags);
    /* The payload area of the transmit frame (`*capacity` bytes, the MTU; `segment_max` for write_segment): build a
     * packet there, then write it.
     * One buffer per device: its content is valid until the next write or tx_payload user. */
    uint8_t *(*tx_payload)(struct ethernet *self, size_t *capacity);
    /* Send the first `len` bytes of the transmit payload to `destination` as `ethertype`; returns 0,
     * ETHERNET_ERROR_TOO_BIG or ETHERNET_ERROR_SEND. */
    int (*write)(struct ethernet *self, const uint8_t destination[ETHERNET_ADDRESS_SIZE], uint16_t ethertype,
                 size_t len);
    /* Ask the network interface for transmit segmentation offload (devices/netif.h): on 0 the transmit payload
     * holds `segment_max` bytes for write_segment; else, or where the netif cannot, nothing changes. Only a user
     * that sends TCP segments longer than the MTU asks (the stack, when it connects), before it builds a packet. */
    int (*transmit_offload)(struct ethernet *self);
    /* Send the first `len` bytes of the transmit payload (at most `segment_max`), one IPv4 TCP segment whose
     * checksum field holds only the pseudo header's sum, for the network interface to finish and cut into
     * segments of `segment_size` payload bytes; returns 0, ETHERNET_ERROR_TOO_BIG (also without offload) or
     * ETHERNET_ERROR_SEND. */
    int (*write_segment)(struct ethernet *self, const uint8_t destination[ETHERNET_ADDRESS_SIZE], uint16_t ethertype,
                         size_t len, uint32_t segment_size);
};

struct ethernet {
    const struct ethernet_ops *ops;
    void *state;
    uint8_t mac[ETHERNET_ADDRESS_SIZE]; /* our address */
    uint32_t mtu;                       /* the largest payload write accepts */
    uint32_t segment_max;               /* the largest payload write_segment accepts: 0 until transmit_offload */
    struct ethernet_counters counters;
};

static inline int ethernet_listen(struct ethernet *self, uint16_t ethertype, ethernet_handler handler, void *context)
{
    return self->ops->listen(self, ethertype, handler, context);
}

static inline void ethernet_input(struct ethernet *self, const uint8_t *frame, size_t len, uint32_t rx_flags)
{
    self->ops->input(self, frame, len, rx_flags);
}

static inline uint8_t *ethernet_tx_payload(struct ethernet *self, size_t *capacity)
{
    return self->ops->tx_payload(self, capacity);
}

static inline int ethernet_write(struct ethernet *self, const uint8_t destination[ETHERNET_ADDRESS_SIZE],
                                 uint16_t ethertype, size_t len)
{
    return self->ops->write(self, destination, ethertype, len);
}

static inline int ethernet_transmit_offload(struct ethernet *self)
{
    return self->ops->transmit_offload(self);
}

static inline int ethernet_write_segment(struct ethernet *self, const uint8_t destination[ETHERNET_ADDRESS_SIZE],
                                         uint16_t ethertype, size_t len, uint32_t segment_size)
{
    return self->ops->write_segment(self, destination, ethertype, len, segment_size);
}

#endif
