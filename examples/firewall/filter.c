/* filter.c: the firewall's rule language and IPv4 header checks (see filter.h); no I/O, no global state. */
#include <stdio.h>
#include <string.h>

#include "examples/firewall/filter.h"
#include "lib/tcpip/address.h"
#include "lib/tcpip/wire.h"

enum {
    IPV4_HEADER_MIN = 20,
    IPV4_FRAGMENT_BITS = 0x3fff, /* more-fragments flag and fragment offset */
    TOKENS_MAX = 8,
    TOKEN_SIZE = 32,
};

static uint32_t mask_of(unsigned prefix)
{
    return prefix == 0 ? 0 : UINT32_C(0xffffffff) << (32 - prefix);
}

/* "a.b.c.d" or "a.b.c.d/prefix"; a bare address is a /32. Host bits must be clear, so a typo is not a wider rule. */
static int parse_prefix(const char *text, uint32_t *address, uint32_t *netmask, bool need_prefix)
{
    text = ipv4_address_parse(text, address);
    if (text == NULL)
        return -1;
    unsigned prefix = 32;
    if (*text == '/') {
        text++;
        if (*text < '0' || *text > '9')
            return -1;
        prefix = 0;
        for (int digits = 0; *text >= '0' && *text <= '9'; digits++, text++) {
            prefix = prefix * 10 + (unsigned)(*text - '0');
            if (digits == 2 || prefix > 32)
                return -1;
        }
    } else if (need_prefix) {
        return -1;
    }
    if (*text != '\0')
        return -1;
    *netmask = mask_of(prefix);
    return 0;
}

int filter_parse_cidr(const char *text, uint32_t *address, uint32_t *netmask)
{
    if (parse_prefix(text, address, netmask, true) != 0 || *address == 0)
        return -1;
    return 0;
}

static bool parse_port(const char *text, const char **end, uint16_t *port)
{
    uint32_t value = 0;
    int digits = 0;
    for (; *text >= '0' && *text <= '9'; text++, digits++) {
        value = value * 10 + (uint32_t)(*text - '0');
        if (digits == 5 || value > 65535)
            return false;
    }
    if (digits == 0 || value == 0)
        return false;
    *port = (uint16_t)value;
    *end = text;
    return true;
}

struct rule_text {
    size_t number; /* 1-based, for messages */
    const char *start;
    size_t len;
};

static int rule_error(char error[FILTER_ERROR_SIZE], const struct rule_text *rule, const char *problem,
                      const char *token)
{
    int shown = rule->len > 60 ? 60 : (int)rule->len;
    snprintf(error, FILTER_ERROR_SIZE, "rule %zu \"%.*s%s\": %s%s%s%s", rule->number, shown, rule->start,
             rule->len > 60 ? "..." : "", problem, token ? " (found \"" : "", token ? token : "", token ? "\")" : "");
    return -1;
}

static int parse_address_token(const char *token, uint32_t *address, uint32_t *mask)
{
    if (strcmp(token, "any") == 0) {
        *address = *mask = 0;
        return 0;
    }
    if (parse_prefix(token, address, mask, false) != 0 || (*address & ~*mask) != 0)
        return -1;
    return 0;
}

static int parse_rule(const struct rule_text *text, struct filter_rule *rule, char error[FILTER_ERROR_SIZE])
{
    char tokens[TOKENS_MAX][TOKEN_SIZE];
    size_t count = 0;
    const char *p = text->start, *end = text->start + text->len;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == end)
            break;
        const char *word = p;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        if (count == TOKENS_MAX)
            return rule_error(error, text,
                              "too many words; expected <allow|deny> <proto> from <addr> to <addr> "
                              "[port <n>[-<m>]]",
                              NULL);
        size_t len = (size_t)(p - word);
        if (len >= TOKEN_SIZE)
            return rule_error(error, text, "a word is longer than 31 characters", NULL);
        memcpy(tokens[count], word, len);
        tokens[count++][len] = '\0';
    }
    if (count != 6 && count != 8)
        return rule_error(error, text,
                          "expected <allow|deny> <any|icmp|tcp|udp> from <addr> to <addr> "
                          "[port <n>[-<m>]]",
                          NULL);
    memset(rule, 0, sizeof(*rule));
    if (strcmp(tokens[0], "allow") == 0)
        rule->action = FILTER_ALLOW;
    else if (strcmp(tokens[0], "deny") == 0)
        rule->action = FILTER_DENY;
    else
        return rule_error(error, text, "the action must be allow or deny", tokens[0]);
    if (strcmp(tokens[1], "any") == 0)
        rule->protocol = FILTER_PROTOCOL_ANY;
    else if (strcmp(tokens[1], "icmp") == 0)
        rule->protocol = FILTER_PROTOCOL_ICMP;
    else if (strcmp(tokens[1], "tcp") == 0)
        rule->protocol = FILTER_PROTOCOL_TCP;
    else if (strcmp(tokens[1], "udp") == 0)
        rule->protocol = FILTER_PROTOCOL_UDP;
    else
        return rule_error(error, text, "the protocol must be any, icmp, tcp or udp", tokens[1]);
    if (strcmp(tokens[2], "from") != 0)
        return rule_error(error, text, "expected `from` after the protocol", tokens[2]);
    if (parse_address_token(tokens[3], &rule->source, &rule->source_mask) != 0)
        return rule_error(error, text, "the source must be any, a.b.c.d or a.b.c.d/prefix without host bits",
                          tokens[3]);
    if (strcmp(tokens[4], "to") != 0)
        return rule_error(error, text, "expected `to` after the source", tokens[4]);
    if (parse_address_token(tokens[5], &rule->destination, &rule->destination_mask) != 0)
        return rule_error(error, text, "the destination must be any, a.b.c.d or a.b.c.d/prefix without host bits",
                          tokens[5]);
    rule->port_min = 0;
    rule->port_max = 65535;
    if (count == 8) {
        if (strcmp(tokens[6], "port") != 0)
            return rule_error(error, text, "expected `port` after the destination", tokens[6]);
        if (rule->protocol != FILTER_PROTOCOL_TCP && rule->protocol != FILTER_PROTOCOL_UDP)
            return rule_error(error, text, "a port needs the protocol tcp or udp", tokens[1]);
        const char *after;
        if (!parse_port(tokens[7], &after, &rule->port_min))
            return rule_error(error, text, "the port must be 1-65535 or a range n-m", tokens[7]);
        rule->port_max = rule->port_min;
        if (*after == '-' && (!parse_port(after + 1, &after, &rule->port_max) || rule->port_max < rule->port_min))
            return rule_error(error, text, "a port range is n-m with n <= m, both 1-65535", tokens[7]);
        if (*after != '\0')
            return rule_error(error, text, "the port must be 1-65535 or a range n-m", tokens[7]);
        rule->has_port = true;
    }
    return 0;
}

int filter_parse_rules(const char *text, const char *default_action, struct filter_rules *out,
                       char error[FILTER_ERROR_SIZE])
{
    memset(out, 0, sizeof(*out));
    if (strcmp(default_action, "allow") == 0) {
        out->default_action = FILTER_ALLOW;
    } else if (strcmp(default_action, "deny") == 0) {
        out->default_action = FILTER_DENY;
    } else {
        snprintf(error, FILTER_ERROR_SIZE, "the default action \"%.40s\" must be allow or deny", default_action);
        return -1;
    }
    struct rule_text rule = {0, text, 0};
    for (const char *p = text;; p++) {
        if (*p != ';' && *p != '\0')
            continue;
        rule.len = (size_t)(p - rule.start);
        rule.number++;
        size_t blank = 0;
        while (blank < rule.len && (rule.start[blank] == ' ' || rule.start[blank] == '\t'))
            blank++;
        if (blank < rule.len) {
            /* Messages quote the rule without the blanks around it. */
            rule.start += blank;
            rule.len -= blank;
            while (rule.start[rule.len - 1] == ' ' || rule.start[rule.len - 1] == '\t')
                rule.len--;
            if (out->count == FILTER_RULES_MAX)
                return rule_error(error, &rule, "more than 64 rules", NULL);
            if (parse_rule(&rule, &out->rules[out->count], error) != 0)
                return -1;
            out->count++;
        }
        if (*p == '\0')
            return 0;
        rule.start = p + 1;
    }
}

enum filter_action filter_decide(const struct filter_rules *rules, const struct filter_packet *packet)
{
    for (size_t i = 0; i < rules->count; i++) {
        const struct filter_rule *rule = &rules->rules[i];
        if (rule->protocol != FILTER_PROTOCOL_ANY && rule->protocol != packet->protocol)
            continue;
        if ((packet->source & rule->source_mask) != rule->source ||
            (packet->destination & rule->destination_mask) != rule->destination)
            continue;
        if (rule->has_port && (!packet->has_port || packet->destination_port < rule->port_min ||
                               packet->destination_port > rule->port_max))
            continue;
        return rule->action;
    }
    return rules->default_action;
}

static bool unicast(uint32_t address)
{
    /* Not 0.0.0.0/8, not multicast 224/4, not the reserved 240/4 nor the limited broadcast. */
    return (address >> 24) != 0 && (address >> 28) < 0xe;
}

enum filter_verdict filter_inspect(const uint8_t *packet, size_t len, struct filter_packet *out, size_t *datagram_len)
{
    if (len < IPV4_HEADER_MIN || packet[0] >> 4 != 4)
        return FILTER_MALFORMED;
    size_t header_len = (size_t)(packet[0] & 0x0f) * 4;
    size_t total = wire_get16(packet + 2);
    if (header_len < IPV4_HEADER_MIN || total < header_len || total > len)
        return FILTER_MALFORMED;
    if (checksum_finish(checksum_add(0, packet, header_len)) != 0)
        return FILTER_BAD_CHECKSUM;
    if ((wire_get16(packet + 6) & IPV4_FRAGMENT_BITS) != 0)
        return FILTER_FRAGMENT;
    if (packet[8] <= 1)
        return FILTER_TTL_EXPIRED;
    out->protocol = packet[9];
    out->source = wire_get32(packet + 12);
    out->destination = wire_get32(packet + 16);
    if (!unicast(out->source) || !unicast(out->destination))
        return FILTER_NOT_UNICAST;
    out->has_port = false;
    out->destination_port = 0;
    /* TCP and UDP both have the destination port at offset 2 of their header. */
    if ((out->protocol == FILTER_PROTOCOL_TCP || out->protocol == FILTER_PROTOCOL_UDP) && total >= header_len + 4) {
        out->has_port = true;
        out->destination_port = wire_get16(packet + header_len + 2);
    }
    *datagram_len = total;
    return FILTER_FORWARD;
}

void filter_decrement_ttl(uint8_t *packet)
{
    size_t header_len = (size_t)(packet[0] & 0x0f) * 4;
    packet[8]--;
    wire_put16(packet + 10, 0);
    wire_put16(packet + 10, checksum_finish(checksum_add(0, packet, header_len)));
}
