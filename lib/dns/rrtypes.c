/* rrtypes.c: the record types the zone knows (SOA NS A AAAA CNAME MX TXT SRV PTR CAA, and RFC 3597 generic ones):
 * their mnemonics, RDATA from presentation form, and RDATA checks. */
#include <stdio.h>
#include <string.h>

#include "lib/dns/dns_internal.h"

static const struct {
    const char *mnemonic;
    uint16_t type;
} known_types[] = {
    {"A", DNS_TYPE_A},     {"NS", DNS_TYPE_NS},   {"CNAME", DNS_TYPE_CNAME}, {"SOA", DNS_TYPE_SOA},
    {"PTR", DNS_TYPE_PTR}, {"MX", DNS_TYPE_MX},   {"TXT", DNS_TYPE_TXT},     {"AAAA", DNS_TYPE_AAAA},
    {"SRV", DNS_TYPE_SRV}, {"CAA", DNS_TYPE_CAA}, {"DS", DNS_TYPE_DS},
};

static bool equal_ignoring_case(const char *text, size_t len, const char *word)
{
    size_t i = 0;
    for (; i < len && word[i] != '\0'; i++) {
        if (dns_lower((uint8_t)text[i]) != dns_lower((uint8_t)word[i])) {
            return false;
        }
    }
    return i == len && word[i] == '\0';
}

/* A decimal number of at most `max`; -1 when `text` is not one. */
static long long decimal(const char *text, size_t len, unsigned long long max)
{
    if (len == 0 || len > 20) {
        return -1;
    }
    unsigned long long value = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return -1;
        }
        value = value * 10 + (unsigned long long)(text[i] - '0');
        if (value > max) {
            return -1;
        }
    }
    return (long long)value;
}

uint16_t dns_type_from_text(const char *text, size_t len)
{
    for (size_t i = 0; i < sizeof known_types / sizeof known_types[0]; i++) {
        if (equal_ignoring_case(text, len, known_types[i].mnemonic)) {
            return known_types[i].type;
        }
    }
    if (len > 4 && equal_ignoring_case(text, 4, "TYPE")) {
        long long value = decimal(text + 4, len - 4, 65535);
        if (value > 0 && value != DNS_TYPE_OPT && (value < 128 || value > 255)) {
            return (uint16_t)value; /* meta types and OPT cannot be zone data */
        }
    }
    return 0;
}

int dns_rdata_target_offset(uint16_t type)
{
    switch (type) {
    case DNS_TYPE_NS:
        return 0;
    case DNS_TYPE_MX:
        return 2;
    case DNS_TYPE_SRV:
        return 6;
    default:
        return -1;
    }
}

int dns_ttl_from_text(const char *text, size_t len, uint32_t *ttl)
{
    if (len == 0) {
        return -1;
    }
    unsigned long long total = 0, number = 0;
    bool digits = false, units = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c >= '0' && c <= '9') {
            number = number * 10 + (unsigned long long)(c - '0');
            if (number > 0xFFFFFFFFULL) {
                return -1;
            }
            digits = true;
            continue;
        }
        unsigned long long scale;
        switch (dns_lower((uint8_t)c)) {
        case 's':
            scale = 1;
            break;
        case 'm':
            scale = 60;
            break;
        case 'h':
            scale = 3600;
            break;
        case 'd':
            scale = 86400;
            break;
        case 'w':
            scale = 604800;
            break;
        default:
            return -1;
        }
        if (!digits) {
            return -1;
        }
        total += number * scale;
        if (total > 0xFFFFFFFFULL) {
            return -1;
        }
        number = 0;
        digits = false;
        units = true;
    }
    if (digits) {
        total += number;
    } else if (!units) {
        return -1;
    }
    if (total > 0xFFFFFFFFULL) {
        return -1;
    }
    *ttl = (uint32_t)total;
    return 0;
}

static const char *parse_ipv4(const char *text, size_t len, uint8_t *out)
{
    unsigned part = 0, value = 0, digits = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '.') {
            if (digits == 0 || part > 3) {
                return "bad IPv4 address";
            }
            out[part++] = (uint8_t)value;
            value = 0;
            digits = 0;
            continue;
        }
        if (text[i] < '0' || text[i] > '9' || ++digits > 3) {
            return "bad IPv4 address";
        }
        value = value * 10 + (unsigned)(text[i] - '0');
        if (value > 255) {
            return "bad IPv4 address";
        }
    }
    return part == 4 ? NULL : "bad IPv4 address";
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)dns_lower((uint8_t)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static const char *parse_ipv6(const char *text, size_t len, uint8_t *out)
{
    uint16_t words[8];
    size_t count = 0, i = 0;
    long gap = -1; /* where "::" stands, in words */
    if (len >= 2 && text[0] == ':' && text[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len == 0 || text[0] == ':') {
        return "bad IPv6 address";
    }
    while (i < len) {
        size_t end = i;
        while (end < len && text[end] != ':') {
            end++;
        }
        if (memchr(text + i, '.', end - i) != NULL) {
            uint8_t v4[4];
            if (end != len || count + 2 > 8 || parse_ipv4(text + i, end - i, v4) != NULL) {
                return "bad IPv6 address";
            }
            words[count++] = (uint16_t)((v4[0] << 8) | v4[1]);
            words[count++] = (uint16_t)((v4[2] << 8) | v4[3]);
            break;
        }
        if (end == i || end - i > 4 || count == 8) {
            return "bad IPv6 address";
        }
        unsigned value = 0;
        for (size_t k = i; k < end; k++) {
            int digit = hex_value(text[k]);
            if (digit < 0) {
                return "bad IPv6 address";
            }
            value = value * 16 + (unsigned)digit;
        }
        words[count++] = (uint16_t)value;
        if (end == len) {
            break;
        }
        i = end + 1;
        if (i < len && text[i] == ':') {
            if (gap >= 0) {
                return "bad IPv6 address";
            }
            gap = (long)count;
            i++;
        } else if (i == len) {
            return "bad IPv6 address"; /* one trailing colon */
        }
    }
    if (gap < 0 ? count != 8 : count > 7) {
        return "bad IPv6 address";
    }
    memset(out, 0, 16);
    for (size_t w = 0; w < count; w++) {
        size_t slot = (gap >= 0 && (long)w >= gap) ? w + (8 - count) : w;
        out[2 * slot] = (uint8_t)(words[w] >> 8);
        out[2 * slot + 1] = (uint8_t)words[w];
    }
    return NULL;
}

/* A <character-string> (RFC 1035 section 5.1): \X and \DDD escapes, at most 255 octets. Appends length and
 * octets at rdata[*used]. */
static const char *parse_string(const struct dns_token *token, uint8_t *rdata, size_t *used)
{
    if (*used + 1 > DNS_RDATA_MAX) {
        return "RDATA longer than 65535 octets";
    }
    size_t length_at = (*used)++;
    size_t length = 0;
    for (size_t i = 0; i < token->length; i++) {
        uint8_t octet = (uint8_t)token->text[i];
        if (octet == '\\') {
            if (i + 1 >= token->length) {
                return "backslash at the end of a string";
            }
            char next = token->text[i + 1];
            if (next >= '0' && next <= '9') {
                if (i + 3 >= token->length || token->text[i + 2] < '0' || token->text[i + 2] > '9' ||
                    token->text[i + 3] < '0' || token->text[i + 3] > '9') {
                    return "bad \\DDD escape";
                }
                unsigned value = (unsigned)(next - '0') * 100 + (unsigned)(token->text[i + 2] - '0') * 10 +
                                 (unsigned)(token->text[i + 3] - '0');
                if (value > 255) {
                    return "\\DDD escape above 255";
                }
                octet = (uint8_t)value;
                i += 3;
            } else {
                octet = (uint8_t)next;
                i += 1;
            }
        }
        if (length == 255) {
            return "character string longer than 255 octets";
        }
        if (*used + 1 > DNS_RDATA_MAX) {
            return "RDATA longer than 65535 octets";
        }
        rdata[(*used)++] = octet;
        length++;
    }
    rdata[length_at] = (uint8_t)length;
    return NULL;
}

static const char *put_name(const struct dns_token *token, const struct dns_name *origin, uint8_t *rdata, size_t *used)
{
    struct dns_name name;
    const char *problem = dns_name_from_text(token->text, token->length, origin, &name);
    if (problem != NULL) {
        return problem;
    }
    memcpy(rdata + *used, name.wire, name.length);
    *used += name.length;
    return NULL;
}

static const char *put_number(const struct dns_token *token, unsigned long long max, unsigned octets, uint8_t *rdata,
                              size_t *used)
{
    long long value = decimal(token->text, token->length, max);
    if (value < 0) {
        return max == 255 ? "bad 8-bit number" : max == 65535 ? "bad 16-bit number" : "bad 32-bit number";
    }
    for (unsigned i = 0; i < octets; i++) {
        rdata[*used + i] = (uint8_t)((unsigned long long)value >> (8 * (octets - 1 - i)));
    }
    *used += octets;
    return NULL;
}

/* A wire name filling rdata[at..end) exactly or followed by more; returns its end, or 0 when malformed. */
static size_t check_name(const uint8_t *rdata, size_t at, size_t end)
{
    struct dns_name name;
    if (at >= end || dns_name_from_wire(rdata + at, end - at, &name) != 0) {
        return 0;
    }
    return at + name.length;
}

/* Whether wire RDATA (from the RFC 3597 generic form) is well formed for its type, so the responder can trust it. */
static bool rdata_valid(uint16_t type, const uint8_t *rdata, size_t length)
{
    size_t at;
    switch (type) {
    case DNS_TYPE_A:
        return length == 4;
    case DNS_TYPE_AAAA:
        return length == 16;
    case DNS_TYPE_NS:
    case DNS_TYPE_CNAME:
    case DNS_TYPE_PTR:
        return check_name(rdata, 0, length) == length;
    case DNS_TYPE_MX:
        return length > 2 && check_name(rdata, 2, length) == length;
    case DNS_TYPE_SRV:
        return length > 6 && check_name(rdata, 6, length) == length;
    case DNS_TYPE_SOA:
        at = check_name(rdata, 0, length);
        at = at ? check_name(rdata, at, length) : 0;
        return at != 0 && at + 20 == length;
    case DNS_TYPE_TXT:
        at = 0;
        while (at < length) {
            at += (size_t)rdata[at] + 1;
        }
        return length > 0 && at == length;
    case DNS_TYPE_CAA:
        return length >= 3 && rdata[1] >= 1 && (size_t)rdata[1] + 2 <= length;
    default:
        return true;
    }
}

static const char *parse_generic(const struct dns_token *tokens, size_t count, uint8_t *rdata, size_t *rdlength,
                                 char *detail)
{
    long long length = count >= 2 ? decimal(tokens[1].text, tokens[1].length, DNS_RDATA_MAX) : -1;
    if (length < 0) {
        return "generic RDATA needs \\# <length> <hex>";
    }
    size_t used = 0;
    int high = -1;
    for (size_t t = 2; t < count; t++) {
        for (size_t i = 0; i < tokens[t].length; i++) {
            int digit = hex_value(tokens[t].text[i]);
            if (digit < 0) {
                snprintf(detail, 64, "%.*s", (int)(tokens[t].length > 40 ? 40 : tokens[t].length), tokens[t].text);
                return "bad hex digit in generic RDATA";
            }
            if (high < 0) {
                high = digit;
                continue;
            }
            if (used == (size_t)length) {
                return "generic RDATA longer than its length";
            }
            rdata[used++] = (uint8_t)(high * 16 + digit);
            high = -1;
        }
    }
    if (high >= 0 || used != (size_t)length) {
        return "generic RDATA length does not match its hex";
    }
    *rdlength = used;
    return NULL;
}

const char *dns_rdata_from_text(uint16_t type, const struct dns_token *tokens, size_t count,
                                const struct dns_name *origin, uint8_t *rdata, size_t *rdlength, char *detail)
{
    detail[0] = '\0';
    if (count >= 1 && !tokens[0].quoted && tokens[0].length == 2 && memcmp(tokens[0].text, "\\#", 2) == 0) {
        const char *problem = parse_generic(tokens, count, rdata, rdlength, detail);
        if (problem == NULL && !rdata_valid(type, rdata, *rdlength)) {
            return "generic RDATA is malformed for its type";
        }
        return problem;
    }
    size_t want = 0; /* the number of tokens for fixed-form types */
    switch (type) {
    case DNS_TYPE_A:
    case DNS_TYPE_AAAA:
    case DNS_TYPE_NS:
    case DNS_TYPE_CNAME:
    case DNS_TYPE_PTR:
        want = 1;
        break;
    case DNS_TYPE_MX:
        want = 2;
        break;
    case DNS_TYPE_SRV:
        want = 4;
        break;
    case DNS_TYPE_SOA:
        want = 7;
        break;
    case DNS_TYPE_CAA:
        want = 3;
        break;
    case DNS_TYPE_TXT:
        want = count ? count : 1;
        break;
    default:
        return "this type needs the generic form \\# <length> <hex>";
    }
    if (count != want) {
        snprintf(detail, 64, "%zu, expected %zu", count, want);
        return count < want ? "too few RDATA fields" : "too many RDATA fields";
    }
    for (size_t i = 0; i < count; i++) {
        if (tokens[i].quoted && type != DNS_TYPE_TXT && !(type == DNS_TYPE_CAA && i == 2)) {
            snprintf(detail, 64, "\"%.*s\"", (int)(tokens[i].length > 40 ? 40 : tokens[i].length), tokens[i].text);
            return "unexpected quoted string";
        }
    }
    const struct dns_token *t = tokens;
    const char *problem = NULL;
    size_t used = 0;
    size_t bad = 0; /* the token a problem is about */
    switch (type) {
    case DNS_TYPE_A:
        problem = parse_ipv4(t[0].text, t[0].length, rdata);
        used = 4;
        break;
    case DNS_TYPE_AAAA:
        problem = parse_ipv6(t[0].text, t[0].length, rdata);
        used = 16;
        break;
    case DNS_TYPE_NS:
    case DNS_TYPE_CNAME:
    case DNS_TYPE_PTR:
        problem = put_name(&t[0], origin, rdata, &used);
        break;
    case DNS_TYPE_MX:
        problem = put_number(&t[0], 65535, 2, rdata, &used);
        if (problem == NULL && (problem = put_name(&t[1], origin, rdata, &used)) != NULL) {
            bad = 1;
        }
        break;
    case DNS_TYPE_SRV:
        for (bad = 0; bad < 3 && problem == NULL; bad++) {
            problem = put_number(&t[bad], 65535, 2, rdata, &used);
        }
        if (problem != NULL) {
            bad--;
        } else {
            problem = put_name(&t[3], origin, rdata, &used);
        }
        break;
    case DNS_TYPE_SOA:
        problem = put_name(&t[0], origin, rdata, &used);
        if (problem == NULL && (problem = put_name(&t[1], origin, rdata, &used)) != NULL) {
            bad = 1;
        }
        if (problem == NULL && (problem = put_number(&t[2], 0xFFFFFFFFULL, 4, rdata, &used)) != NULL) {
            bad = 2;
        }
        for (size_t i = 3; i < 7 && problem == NULL; i++) {
            uint32_t seconds;
            if (dns_ttl_from_text(t[i].text, t[i].length, &seconds) != 0) {
                problem = "bad SOA timer";
                bad = i;
            } else {
                dns_put32(rdata + used, seconds);
                used += 4;
            }
        }
        break;
    case DNS_TYPE_TXT:
        for (bad = 0; bad < count && problem == NULL; bad++) {
            problem = parse_string(&t[bad], rdata, &used);
        }
        if (problem != NULL) {
            bad--;
        }
        break;
    case DNS_TYPE_CAA: {
        problem = put_number(&t[0], 255, 1, rdata, &used);
        if (problem != NULL) {
            break;
        }
        bad = 1;
        if (t[1].length < 1 || t[1].length > 15) {
            problem = "CAA tag must be 1 to 15 letters and digits";
            break;
        }
        for (size_t i = 0; i < t[1].length; i++) {
            char c = t[1].text[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                problem = "CAA tag must be 1 to 15 letters and digits";
                break;
            }
        }
        if (problem != NULL) {
            break;
        }
        rdata[used++] = (uint8_t)t[1].length;
        memcpy(rdata + used, t[1].text, t[1].length);
        used += t[1].length;
        /* The value is the rest of the RDATA, without a length octet: parse it as a string, then drop its length. */
        bad = 2;
        size_t value_at = used;
        problem = parse_string(&t[2], rdata, &used);
        if (problem == NULL) {
            memmove(rdata + value_at, rdata + value_at + 1, used - value_at - 1);
            used--;
        }
        break;
    }
    }
    if (problem != NULL) {
        snprintf(detail, 64, "%.*s", (int)(t[bad].length > 40 ? 40 : t[bad].length), t[bad].text);
        return problem;
    }
    *rdlength = used;
    return NULL;
}
