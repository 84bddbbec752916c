/* filter.h: the firewall's pure logic, apart from any I/O: the rule language (parse and first-match), and the
 * checks and rewrite of an IPv4 header on its way through (TTL, header checksum). Host-tested (tests/filter_test.c).
 *
 * Rules are one string, rules separated by `;` (blank ones ignored), each
 *     <allow|deny> <any|icmp|tcp|udp> from <address> to <address> [port <n>[-<m>]]
 * where <address> is `any`, `a.b.c.d` or `a.b.c.d/<prefix>`, and `port` (destination port, 1-65535, a range
 * inclusive) is only allowed with tcp or udp. The first rule that matches a packet decides; if none does, the
 * default action does. Rules are stateless: return traffic needs a rule of its own. */
#ifndef MIRAGE_FIREWALL_FILTER_H
#define MIRAGE_FIREWALL_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FILTER_RULES_MAX 64
#define FILTER_ERROR_SIZE 160

enum filter_action { FILTER_DENY = 0, FILTER_ALLOW = 1 };

enum filter_protocol {
    FILTER_PROTOCOL_ANY = 0,
    FILTER_PROTOCOL_ICMP = 1,
    FILTER_PROTOCOL_TCP = 6,
    FILTER_PROTOCOL_UDP = 17,
};

struct filter_rule {
    enum filter_action action;
    uint8_t protocol;                                            /* enum filter_protocol; 0 matches every protocol */
    uint32_t source, source_mask, destination, destination_mask; /* host byte order; mask 0: any */
    uint16_t port_min, port_max; /* destination port range; 0-65535 when the rule names no port */
    bool has_port;
};

struct filter_rules {
    size_t count;
    enum filter_action default_action;
    struct filter_rule rules[FILTER_RULES_MAX];
};

/* What the rules look at: the protocol, the addresses (host byte order) and, for TCP and UDP, the destination
 * port (has_port false when the packet is too short to carry one). */
struct filter_packet {
    uint8_t protocol;
    uint32_t source, destination;
    bool has_port;
    uint16_t destination_port;
};

/* Parse `text` with `default_action` ("allow" or "deny") into `out`. Returns 0, or -1 with a one-line message in
 * `error` that names the rule (its number and text) and what is wrong. */
int filter_parse_rules(const char *text, const char *default_action, struct filter_rules *out,
                       char error[FILTER_ERROR_SIZE]);

/* The action of the first rule matching `packet`, else the default. A rule with a port never matches a packet
 * without one. */
enum filter_action filter_decide(const struct filter_rules *rules, const struct filter_packet *packet);

/* Parse "a.b.c.d/prefix" (the address not 0). Returns 0 or -1. */
int filter_parse_cidr(const char *text, uint32_t *address, uint32_t *netmask);

enum filter_verdict {
    FILTER_FORWARD = 0,    /* a well-formed datagram another host should get */
    FILTER_MALFORMED = -1, /* short, not version 4, bad IHL or total length */
    FILTER_BAD_CHECKSUM = -2,
    FILTER_FRAGMENT = -3,    /* fragments are dropped: their ports are not in every piece */
    FILTER_TTL_EXPIRED = -4, /* TTL 0 or 1: forwarding would take it to 0 */
    FILTER_NOT_UNICAST = -5, /* broadcast, multicast or zero source or destination: never forwarded */
};

/* Check the IPv4 datagram in `packet` (`len` bytes, the Ethernet payload) for forwarding and fill `out`;
 * `*datagram_len` is its total length (the Ethernet padding after it is not forwarded). */
enum filter_verdict filter_inspect(const uint8_t *packet, size_t len, struct filter_packet *out, size_t *datagram_len);

/* Decrement the TTL of a datagram filter_inspect accepted and store its new header checksum. */
void filter_decrement_ttl(uint8_t *packet);

#endif
