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
};

struct netif {
    const struct netif_ops *ops;
    void *state;
    uint8_t mac[6];
    uint32_t mtu;
    uint64_t ready_mask; /* the bit platform_yield sets when this interface has frames; 0 if not known */
};

static inline int netif_write(struct netif *self, const uint8_t *frame, size_t len)
{
    return self->ops->write(self, frame, len);
}

static inline int netif_read(struct netif *self, uint8_t *buf, size_t size, size_t *len)
{
    return self->ops->read(self, buf, size, len);
}

#endif
