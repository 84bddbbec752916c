/* port.c: the port implementation: a network interface, its Ethernet and ARP layers, and our address on it. */
#include <stddef.h>
#include <string.h>

#include "examples/firewall/filter.h"
#include "examples/firewall/port.h"
#include "lib/runtime/mirage.h"

enum port_connect_error {
    PORT_CONNECT_BAD_ADDRESS = -2, /* the `ipv4` key of this port is not a.b.c.d/prefix */
};

static int port_receive_impl(struct port *self, uint8_t *buf, size_t size)
{
    size_t len = 0;
    uint32_t flags = 0;
    int rc = netif_read(self->netif, buf, size, &len, &flags);
    if (rc != 0)
        return rc;
    /* A netif that reports more than it was given room for must not make the layers read past the buffer. */
    if (len <= size)
        ethernet_input(self->ethernet, buf, len, flags);
    return 0;
}

static const struct port_ops ops = {.receive = port_receive_impl};

int firewall_port_connect(struct port *self, struct netif *netif, struct ethernet *ethernet, struct arp *arp)
{
    uint32_t address, netmask;
    /* Read while main.c names this instance, so each port gets its own `<port>.ipv4`. */
    if (filter_parse_cidr(mirage_key_string("ipv4"), &address, &netmask) != 0)
        return PORT_CONNECT_BAD_ADDRESS;
    memset(self, 0, sizeof(*self));
    self->ops = &ops;
    self->netif = netif;
    self->ethernet = ethernet;
    self->arp = arp;
    self->address = address;
    self->netmask = netmask;
    for (uint32_t mask = netmask; mask != 0; mask <<= 1)
        self->prefix_len++;
    /* The announcement is best effort, as in lib/tcpip's IPv4: a lost one only delays the first resolution. */
    (void)arp_set_address(arp, address);
    return 0;
}
