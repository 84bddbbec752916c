/* netif.h: the network interface device: send and receive Ethernet frames. */
#ifndef MIRAGE_DEVICES_NETIF_H
#define MIRAGE_DEVICES_NETIF_H

#include <stddef.h>
#include <stdint.h>

#define NETIF_AGAIN 1 /* read: no frame is waiting */

/* What read says of a frame's TCP or UDP checksum (IPv4's header checksum is always the reader's to check). Set
 * only by a netif whose host inspected the frame; a frame from the wire with neither flag must be verified. */
#define NETIF_RX_CHECKSUM_VALID 1u /* the host verified it (virtio's DATA_VALID) */
#define NETIF_RX_CHECKSUM_PARTIAL                                                                                      \
    2u /* the field holds only the pseudo header's sum: the frame never left the host,                                 \
          whose own stack wrote it (virtio's NEEDS_CSUM) */
#define NETIF_RX_CHECKSUM_TRUSTED (NETIF_RX_CHECKSUM_VALID | NETIF_RX_CHECKSUM_PARTIAL) /* need not be verified */

/* The largest frame receive offload delivers: an Ethernet header and an IPv4 datagram of the most its 16-bit total
 * length can say. */
#define NETIF_OFFLOAD_FRAME_MAX (14u + 65535u)

/* The smallest segment size write_segment takes: RFC 9293's default MSS (a 64 KiB frame is then at most 123
 * segments). */
#define NETIF_SEGMENT_SIZE_MIN 536u

struct netif;

struct netif_ops {
    /* Send one frame of `len` bytes (at most mtu + 14); returns 0 or a negative error code. */
    int (*write)(struct netif *self, const uint8_t *frame, size_t len);
    /* Receive one frame into `buf` (at least rx_frame_max bytes); returns 0 with `*len` and `*flags`
     * (NETIF_RX_CHECKSUM_*) set, NETIF_AGAIN, or a negative error code. */
    int (*read)(struct netif *self, uint8_t *buf, size_t size, size_t *len, uint32_t *flags);
    /* Block until a frame may be waiting or `timeout_ns` has passed; returns 1 if one may be, 0 on timeout, or a
     * negative error code. The event loop of a single-threaded unikernel sleeps here. */
    int (*wait)(struct netif *self, uint64_t timeout_ns);
    /* NULL where the host cannot: from now on deliver TCP segments the host merged (GRO) or never split (a local
     * sender's TSO) whole, up to NETIF_OFFLOAD_FRAME_MAX, with checksum flags. Returns 0 with rx_frame_max raised,
     * or a negative error code with nothing changed. Only a reader that handles frames longer than the MTU asks
     * (a stack that receives them; not a bridge that forwards frames as they came). */
    int (*receive_offload)(struct netif *self);
    /* NULL where the host cannot: from now on take through write_segment IPv4 TCP segments longer than the MTU,
     * up to `*frame_max` bytes a frame (set on 0), which the host finishes and cuts up. Returns 0 or a negative
     * error code. */
    int (*transmit_offload)(struct netif *self, uint32_t *frame_max);
    /* Send one frame of `len` bytes (at most transmit_offload's frame_max) holding one IPv4 TCP segment whose
     * checksum field holds only the pseudo header's sum (over the whole segment's length); the host completes the
     * checksum and cuts a payload longer than `segment_size` (at least NETIF_SEGMENT_SIZE_MIN, and within the MTU
     * with the headers) into segments of that many bytes. Returns 0 or a negative error code. NULL with
     * transmit_offload. */
    int (*write_segment)(struct netif *self, const uint8_t *frame, size_t len, uint32_t segment_size);
};

struct netif {
    const struct netif_ops *ops;
    void *state;
    uint8_t mac[6];
    uint32_t mtu;          /* the largest payload write sends */
    uint32_t rx_frame_max; /* the largest frame read returns: mtu + 14 until receive_offload raised it */
};

static inline int netif_write(struct netif *self, const uint8_t *frame, size_t len)
{
    return self->ops->write(self, frame, len);
}

static inline int netif_read(struct netif *self, uint8_t *buf, size_t size, size_t *len, uint32_t *flags)
{
    return self->ops->read(self, buf, size, len, flags);
}

static inline int netif_wait(struct netif *self, uint64_t timeout_ns)
{
    return self->ops->wait(self, timeout_ns);
}

/* 0 once the netif delivers offloaded frames, or a negative error code (-1 where it cannot). */
static inline int netif_receive_offload(struct netif *self)
{
    return self->ops->receive_offload != NULL ? self->ops->receive_offload(self) : -1;
}

/* 0 with `*frame_max` once the netif takes segments for the host to cut up, or a negative error code (-1 where it
 * cannot). */
static inline int netif_transmit_offload(struct netif *self, uint32_t *frame_max)
{
    return self->ops->transmit_offload != NULL ? self->ops->transmit_offload(self, frame_max) : -1;
}

/* Only after netif_transmit_offload returned 0. */
static inline int netif_write_segment(struct netif *self, const uint8_t *frame, size_t len, uint32_t segment_size)
{
    return self->ops->write_segment(self, frame, len, segment_size);
}

#endif
