/* filter_test.c: host checks of the firewall's filter (filter.h), printed as TAP: the rule language, its error
 * messages, first-match decisions, and the IPv4 checks and TTL rewrite of forwarding. */
#include <stdio.h>
#include <string.h>

#include "examples/firewall/filter.h"
#include "lib/tcpip/wire.h"

#define CHECKS 36

static int check_number;
static int failures;

static void check(int ok, const char *what)
{
    check_number++;
    printf("%sok %d - %s\n", ok ? "" : "not ", check_number, what);
    if (!ok)
        failures++;
}

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

static struct filter_packet packet(uint8_t protocol, uint32_t source, uint32_t destination, int port)
{
    struct filter_packet p = {protocol, source, destination, port >= 0, (uint16_t)(port >= 0 ? port : 0)};
    return p;
}

/* The parse of `text` fails with a message containing `expected`. */
static void refused(const char *text, const char *expected, const char *what)
{
    struct filter_rules rules;
    char error[FILTER_ERROR_SIZE] = "";
    int rc = filter_parse_rules(text, "deny", &rules, error);
    int ok = rc == -1 && strstr(error, expected) != NULL;
    if (!ok)
        printf("# rules \"%s\": rc %d, error \"%s\", expected \"%s\"\n", text, rc, error, expected);
    check(ok, what);
}

static void rules_checks(void)
{
    struct filter_rules rules;
    char error[FILTER_ERROR_SIZE] = "";
    const char *text = " allow udp from 10.1.0.0/24 to 10.2.0.2 port 7 ; deny tcp from any to 10.2.0.0/24 port "
                       "20-22;allow tcp from any to any port 8000-8080; allow icmp from any to any;;";
    check(filter_parse_rules(text, "deny", &rules, error) == 0 && rules.count == 4, "four rules parse, blanks skipped");
    check(rules.rules[0].action == FILTER_ALLOW && rules.rules[0].protocol == FILTER_PROTOCOL_UDP &&
              rules.rules[0].source == ip(10, 1, 0, 0) && rules.rules[0].source_mask == ip(255, 255, 255, 0) &&
              rules.rules[0].destination_mask == 0xffffffffu && rules.rules[0].port_min == 7 &&
              rules.rules[0].port_max == 7,
          "a rule's fields: action, protocol, prefix, bare address as /32, one port");
    check(rules.rules[1].port_min == 20 && rules.rules[1].port_max == 22, "a port range");

    struct filter_packet udp7 = packet(17, ip(10, 1, 0, 5), ip(10, 2, 0, 2), 7);
    check(filter_decide(&rules, &udp7) == FILTER_ALLOW, "udp to the allowed port passes");
    struct filter_packet udp8 = packet(17, ip(10, 1, 0, 5), ip(10, 2, 0, 2), 8);
    check(filter_decide(&rules, &udp8) == FILTER_DENY, "udp to another port falls to the default deny");
    struct filter_packet udp_other_source = packet(17, ip(10, 3, 0, 5), ip(10, 2, 0, 2), 7);
    check(filter_decide(&rules, &udp_other_source) == FILTER_DENY, "a source outside the prefix does not match");
    struct filter_packet ssh = packet(6, ip(10, 1, 0, 5), ip(10, 2, 0, 9), 22);
    check(filter_decide(&rules, &ssh) == FILTER_DENY, "the deny rule matches inside its range");
    struct filter_packet http = packet(6, ip(10, 1, 0, 5), ip(10, 2, 0, 9), 8080);
    check(filter_decide(&rules, &http) == FILTER_ALLOW, "the range's upper end is inclusive");
    struct filter_packet ping = packet(1, ip(10, 2, 0, 9), ip(10, 1, 0, 5), -1);
    check(filter_decide(&rules, &ping) == FILTER_ALLOW, "icmp matches a protocol rule without ports");
    struct filter_packet short_udp = packet(17, ip(10, 1, 0, 5), ip(10, 2, 0, 2), -1);
    check(filter_decide(&rules, &short_udp) == FILTER_DENY, "a port rule never matches a packet without a port");

    check(
        filter_parse_rules("deny tcp from any to any port 80; allow any from any to any", "deny", &rules, error) == 0 &&
            filter_decide(&rules, &(struct filter_packet){6, ip(1, 1, 1, 1), ip(2, 2, 2, 2), true, 80}) ==
                FILTER_DENY &&
            filter_decide(&rules, &(struct filter_packet){6, ip(1, 1, 1, 1), ip(2, 2, 2, 2), true, 81}) == FILTER_ALLOW,
        "the first matching rule wins over a later one");
    check(filter_parse_rules("", "allow", &rules, error) == 0 && rules.count == 0 &&
              filter_decide(&rules, &udp8) == FILTER_ALLOW,
          "no rules: the default decides (allow)");
    check(filter_parse_rules("", "maybe", &rules, error) == -1 && strstr(error, "default action \"maybe\""),
          "a default other than allow or deny is refused");

    refused("allow udp from any to any; permit tcp from any to any",
            "rule 2 \"permit tcp from any to any\": the "
            "action must be allow or deny (found \"permit\")",
            "an unknown action names rule 2 and the word");
    refused("allow sctp from any to any", "protocol must be any, icmp, tcp or udp (found \"sctp\")",
            "an unknown protocol");
    refused("allow udp frm any to any", "expected `from` after the protocol (found \"frm\")", "a missing `from`");
    refused("allow udp from any at any", "expected `to` after the source", "a missing `to`");
    refused("allow udp from 10.0.0.256 to any", "the source must be any", "an octet above 255");
    refused("allow udp from 10.0.0.1/24 to any", "without host bits (found \"10.0.0.1/24\")",
            "host bits in a prefix are refused, not widened");
    refused("allow udp from any to 10.0.0.0/33", "the destination must be", "a prefix above 32");
    refused("allow icmp from any to any port 7", "a port needs the protocol tcp or udp", "a port on icmp");
    refused("allow any from any to any port 7", "a port needs the protocol tcp or udp", "a port on any protocol");
    refused("allow udp from any to any port 0", "the port must be 1-65535", "port 0");
    refused("allow udp from any to any port 65536", "the port must be 1-65535", "a port above 65535");
    refused("allow udp from any to any port 9-3", "n <= m", "a reversed range");
    refused("allow udp from any to any prot 7", "expected `port` after the destination", "a misspelt `port`");
    refused("allow udp from any to", "expected <allow|deny>", "a truncated rule");
    refused("allow udp from any to any port 7 extra words here", "too many words", "too many words");
}

/* A 20-byte IPv4 header with a correct checksum, and 8 bytes of UDP behind it. */
static void build_datagram(uint8_t d[28], uint8_t ttl, uint16_t flags_offset)
{
    memset(d, 0, 28);
    d[0] = 0x45;
    wire_put16(d + 2, 28);
    wire_put16(d + 6, flags_offset);
    d[8] = ttl;
    d[9] = 17;
    wire_put32(d + 12, ip(10, 1, 0, 2));
    wire_put32(d + 16, ip(10, 2, 0, 2));
    wire_put16(d + 20, 5000);
    wire_put16(d + 22, 7);
    wire_put16(d + 10, checksum_finish(checksum_add(0, d, 20)));
}

static void packet_checks(void)
{
    uint8_t d[28 + 18]; /* with Ethernet padding behind it */
    struct filter_packet fields;
    size_t len = 0;
    build_datagram(d, 64, 0x4000);
    check(filter_inspect(d, sizeof(d), &fields, &len) == FILTER_FORWARD && len == 28 && fields.protocol == 17 &&
              fields.has_port && fields.destination_port == 7 && fields.source == ip(10, 1, 0, 2),
          "a well-formed datagram: fields, port, total length without the padding");
    filter_decrement_ttl(d);
    check(d[8] == 63 && checksum_finish(checksum_add(0, d, 20)) == 0, "TTL decremented, checksum recomputed");
    build_datagram(d, 1, 0);
    check(filter_inspect(d, 28, &fields, &len) == FILTER_TTL_EXPIRED, "TTL 1 expires instead of being forwarded");
    build_datagram(d, 64, 0x2000);
    check(filter_inspect(d, 28, &fields, &len) == FILTER_FRAGMENT, "a fragment is dropped");
    build_datagram(d, 64, 0);
    d[10] ^= 1;
    check(filter_inspect(d, 28, &fields, &len) == FILTER_BAD_CHECKSUM, "a bad header checksum is dropped");
    build_datagram(d, 64, 0);
    check(filter_inspect(d, 27, &fields, &len) == FILTER_MALFORMED, "a total length beyond the frame is malformed");
    build_datagram(d, 64, 0);
    wire_put32(d + 16, ip(255, 255, 255, 255));
    wire_put16(d + 10, 0);
    wire_put16(d + 10, checksum_finish(checksum_add(0, d, 20)));
    check(filter_inspect(d, 28, &fields, &len) == FILTER_NOT_UNICAST, "a broadcast is never forwarded");
}

int main(void)
{
    printf("1..%d\n", CHECKS);
    rules_checks();
    packet_checks();
    uint32_t address, netmask;
    check(filter_parse_cidr("10.1.0.1/24", &address, &netmask) == 0 && address == ip(10, 1, 0, 1) &&
              netmask == ip(255, 255, 255, 0) && filter_parse_cidr("10.1.0.1", &address, &netmask) == -1 &&
              filter_parse_cidr("0.0.0.0/0", &address, &netmask) == -1,
          "a port's address needs a prefix and may not be 0");
    if (check_number != CHECKS)
        printf("# planned %d checks, ran %d\n", CHECKS, check_number);
    return failures == 0 && check_number == CHECKS ? 0 : 1;
}
