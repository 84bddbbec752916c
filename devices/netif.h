/* netif.h: the network interface device: send and receive Ethernet frames. */
#ifndef MIRAGE_DEVICES_NETIF_H
#define MIRAGE_DEVICES_NETIF_H

#include <stddef.h>
#include <stdint.h>

#define NETIF_AGAIN 1 /* read: no frame is waiting */

struct netif;

struct netif_ops {
    /* Send one frame of `len` bytes (at most mtu + 14); returns 0 or a negative error code. */
    int (*write)(struct netif *self, const uint8_t *frame, size_t len);
    /* Receive one frame into `buf`; returns 0 with `*len` set, NETIF_AGAIN, or a negative error code. */
    int (*read)(struct netif *self, uint8_t *buf, size_t size, size_t *len);
    /* Block until a frame may be waiting or `timeout_ns` has passed; returns 1 if one may be, 0 on timeout, or a
     * negative error code. The event loop of a single-threaded unikernel sleeps here. */
    int (*wait)(struct netif *self, uint64_t timeout_ns);
};

struct netif {
    const struct netif_ops *ops;
    void *state;
    uint8_t mac[6];
    uint32_t mtu;
};

static inline int netif_write(struct netif *self, const uint8_t *frame, size_t len)
{
    return self->ops->write(self, frame, len);
}

static inline int netif_read(struct netif *self, uint8_t *buf, size_t size, size_t *len)
{
    return self->ops->read(self, buf, size, len);
}

static inline int netif_wait(struct netif *self, uint64_t timeout_ns)
{
    return self->ops->wait(self, timeout_ns);
}

#endif
