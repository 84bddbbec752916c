/* port.h: the port device of the firewall: one network interface with the Ethernet and ARP layers over it and
 * the IPv4 address/prefix the firewall has on that link (its `ipv4` key, per instance: `--inside.ipv4=...`). */
#ifndef MIRAGE_FIREWALL_PORT_H
#define MIRAGE_FIREWALL_PORT_H

#include <stdint.h>

#include "devices/arp.h"
#include "devices/ethernet.h"
#include "devices/netif.h"

struct port;

struct port_ops {
    /* Read one frame into `buf` and hand it to the Ethernet layer (its listeners run now); returns 0,
     * NETIF_AGAIN when none is waiting, or a negative error of the network interface. */
    int (*receive)(struct port *self, uint8_t *buf, size_t size);
};

struct port {
    const struct port_ops *ops;
    void *state;
    struct netif *netif;
    struct ethernet *ethernet;
    struct arp *arp;
    uint32_t address; /* ours on this link, host byte order */
    uint32_t netmask;
    uint32_t prefix_len;
};

static inline int port_receive(struct port *self, uint8_t *buf, size_t size)
{
    return self->ops->receive(self, buf, size);
}

#endif
