/* firewall.c: the firewall unikernel: forwards IPv4 between its `inside` and `outside` ports through the rules,
 * answers ARP on both (the ports' ARP layers), and resolves each next hop with ARP on the egress side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console.h"
#include "examples/firewall/filter.h"
#include "examples/firewall/port.h"
#include "lib/runtime/mirage.h"

enum {
    PORTS = 2,
    READ_BURST = 64,           /* frames read from one port before the other gets its turn */
    RX_OFFSET = 2,             /* so the IPv4 header lands 4-byte aligned behind the Ethernet one */
    RX_BUFFER_SIZE = 9216,     /* room for a jumbo frame: the netif may offer its whole MTU */
    TICK_MAX_NS = 100000000,   /* look at ARP's timers at least this often */
    FIREWALL_EXIT_CONFIG = 64, /* a bad key: rules, default action or overlapping port subnets */
};

struct firewall_counters {
    uint64_t forwarded, denied, malformed, ttl_expired, no_route, for_us, send_errors;
};

struct firewall;

/* One side, as the IPv4 listener of its Ethernet layer sees it. */
struct side {
    struct firewall *firewall;
    struct port *port;
    size_t index;
};

struct firewall {
    struct console *console;
    struct side sides[PORTS];
    struct filter_rules rules;
    struct firewall_counters counters;
    _Alignas(8) uint8_t rx[RX_OFFSET + RX_BUFFER_SIZE];
};

static const char *side_names[PORTS] = {"inside", "outside"};

static void say(struct console *console, const char *text)
{
    /* The console is best effort: a lost line must not stop forwarding. */
    (void)console_write(console, text, strlen(text));
}

static bool on_link(const struct port *port, uint32_t address)
{
    return (address & port->netmask) == (port->address & port->netmask);
}

/* The IPv4 listener of each port: inspect, route, filter, then copy into the egress frame and send it on. */
static void forward(void *context, const uint8_t source[ETHERNET_ADDRESS_SIZE], const uint8_t *packet, size_t len,
                    uint32_t rx_flags)
{
    (void)source;
    (void)rx_flags; /* the ports never ask for offload: every frame is as it came from the wire */
    struct side *ingress = context;
    struct firewall *firewall = ingress->firewall;
    struct filter_packet fields;
    size_t datagram_len = 0;
    enum filter_verdict verdict = filter_inspect(packet, len, &fields, &datagram_len);
    if (verdict == FILTER_TTL_EXPIRED) {
        firewall->counters.ttl_expired++;
        return;
    }
    if (verdict != FILTER_FORWARD) {
        firewall->counters.malformed++;
        return;
    }
    struct port *egress = firewall->sides[1 - ingress->index].port;
    if (fields.destination == ingress->port->address || fields.destination == egress->address) {
        firewall->counters.for_us++;
        return;
    }
    /* Only between the two links: a datagram for the link it came from, or beyond both, has no route. */
    if (!on_link(egress, fields.destination) || on_link(ingress->port, fields.destination)) {
        firewall->counters.no_route++;
        return;
    }
    if (filter_decide(&firewall->rules, &fields) != FILTER_ALLOW) {
        firewall->counters.denied++;
        return;
    }
    size_t capacity = 0;
    uint8_t *out = ethernet_tx_payload(egress->ethernet, &capacity);
    if (datagram_len > capacity) {
        firewall->counters.send_errors++;
        return;
    }
    memcpy(out, packet, datagram_len);
    filter_decrement_ttl(out);
    if (arp_output(egress->arp, fields.destination, ETHERTYPE_IPV4, datagram_len) < 0)
        firewall->counters.send_errors++;
    else
        firewall->counters.forwarded++;
}

static int configure(struct firewall *firewall)
{
    char error[FILTER_ERROR_SIZE];
    char line[FILTER_ERROR_SIZE + 64];
    if (filter_parse_rules(mirage_key_string("rules"), mirage_key_string("default"), &firewall->rules, error) != 0) {
        snprintf(line, sizeof(line), "firewall: bad --rules or --default: %s\n", error);
        say(firewall->console, line);
        return FIREWALL_EXIT_CONFIG;
    }
    const struct port *inside = firewall->sides[0].port, *outside = firewall->sides[1].port;
    uint32_t common = inside->netmask & outside->netmask;
    if ((inside->address & common) == (outside->address & common)) {
        say(firewall->console, "firewall: --inside.ipv4 and --outside.ipv4 overlap; give the ports disjoint subnets\n");
        return FIREWALL_EXIT_CONFIG;
    }
    for (size_t i = 0; i < PORTS; i++) {
        struct side *side = &firewall->sides[i];
        if (ethernet_listen(side->port->ethernet, ETHERTYPE_IPV4, forward, side) != 0) {
            say(firewall->console, "firewall: the port's Ethernet layer has an IPv4 listener already\n");
            return FIREWALL_EXIT_CONFIG;
        }
        uint32_t a = side->port->address;
        snprintf(line, sizeof(line), "firewall: %s %u.%u.%u.%u/%u\n", side_names[i], (unsigned)(a >> 24),
                 (unsigned)(a >> 16 & 0xff), (unsigned)(a >> 8 & 0xff), (unsigned)(a & 0xff),
                 (unsigned)side->port->prefix_len);
        say(firewall->console, line);
    }
    snprintf(line, sizeof(line), "firewall: %zu rules, default %s; forwarding\n", firewall->rules.count,
             firewall->rules.default_action == FILTER_ALLOW ? "allow" : "deny");
    say(firewall->console, line);
    return 0;
}

int firewall_start(struct console *console, struct port *inside, struct port *outside)
{
    /* The state lives as long as the loop below: allocated once, never freed. */
    struct firewall *firewall = calloc(1, sizeof(*firewall));
    if (firewall == NULL) {
        say(console, "firewall: no memory for the firewall's state\n");
        return 1;
    }
    firewall->console = console;
    firewall->sides[0] = (struct side){firewall, inside, 0};
    firewall->sides[1] = (struct side){firewall, outside, 1};
    int rc = configure(firewall);
    if (rc != 0)
        return rc;
    uint8_t *frame = firewall->rx + RX_OFFSET;
    for (;;) {
        bool drained = true;
        for (size_t i = 0; i < PORTS; i++) {
            struct port *port = firewall->sides[i].port;
            int burst = 0;
            for (; burst < READ_BURST; burst++) {
                rc = port_receive(port, frame, RX_BUFFER_SIZE);
                if (rc == NETIF_AGAIN)
                    break;
                if (rc < 0) {
                    say(console, "firewall: a network interface failed; stopping\n");
                    return 1;
                }
            }
            if (burst == READ_BURST)
                drained = false;
        }
        uint64_t wait = TICK_MAX_NS;
        for (size_t i = 0; i < PORTS; i++) {
            uint64_t next = arp_tick(firewall->sides[i].port->arp);
            if (next < wait)
                wait = next;
        }
        if (!drained)
            continue;
        /* Waiting on one interface returns early when any device is ready (platform_yield), so both are served. */
        rc = netif_wait(inside->netif, wait);
        if (rc < 0) {
            say(console, "firewall: waiting for frames failed; stopping\n");
            return 1;
        }
    }
}
