/* acl.c: the list of IPv4 addresses and prefixes allowed a zone transfer, parsed from a key ("127.0.0.1,
 * 10.0.0.0/8"); an empty list allows nobody. The text is hostile input: every number is range-checked. */
#include <stdio.h>

#include "lib/dns/dns_internal.h"

static bool is_separator(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

/* Reads a decimal number of at most `max` at text[*at], with no leading zeros (so "010" is not read as 10 where
 * others would read octal). */
static bool read_decimal(const char *text, size_t len, size_t *at, uint32_t max, uint32_t *value)
{
    size_t start = *at;
    uint32_t number = 0;
    while (*at < len && text[*at] >= '0' && text[*at] <= '9') {
        if (*at - start >= 1 && text[start] == '0') {
            return false;
        }
        number = number * 10 + (uint32_t)(text[*at] - '0');
        if (number > max) {
            return false;
        }
        (*at)++;
    }
    *value = number;
    return *at > start;
}

/* One entry, "a.b.c.d" or "a.b.c.d/n", ending at a separator or the end of the text. */
static const char *parse_entry(const char *text, size_t len, size_t *at, uint32_t *address, uint8_t *prefix)
{
    uint32_t value = 0;
    for (int part = 0; part < 4; part++) {
        uint32_t octet;
        if (part > 0) {
            if (*at >= len || text[*at] != '.') {
                return "an address needs four numbers separated by dots";
            }
            (*at)++;
        }
        if (!read_decimal(text, len, at, 255, &octet)) {
            return "each number of an address is 0 to 255, without leading zeros";
        }
        value = (value << 8) | octet;
    }
    uint32_t bits = 32;
    if (*at < len && text[*at] == '/') {
        (*at)++;
        if (!read_decimal(text, len, at, 32, &bits)) {
            return "a prefix length is 0 to 32";
        }
    }
    if (*at < len && !is_separator(text[*at])) {
        return "unexpected character after an entry";
    }
    uint32_t mask = bits == 0 ? 0 : UINT32_MAX << (32 - bits);
    if ((value & ~mask) != 0) {
        return "an address has bits set beyond its prefix length";
    }
    *address = value;
    *prefix = (uint8_t)bits;
    return NULL;
}

int dns_acl_parse(struct dns_acl *acl, const char *text, size_t len, char *error, size_t error_size)
{
    acl->count = 0;
    if (error_size > 0) {
        error[0] = '\0';
    }
    size_t at = 0;
    while (at < len) {
        if (is_separator(text[at])) {
            at++;
            continue;
        }
        size_t start = at;
        uint32_t address;
        uint8_t prefix;
        const char *problem = parse_entry(text, len, &at, &address, &prefix);
        if (problem == NULL && acl->count == DNS_ACL_ENTRIES_MAX) {
            problem = "more entries than the list holds (32)";
        }
        if (problem != NULL) {
            if (error_size > 0) {
                snprintf(error, error_size, "entry %u (at character %zu): %s", acl->count + 1, start + 1, problem);
            }
            acl->count = 0;
            return -1;
        }
        acl->address[acl->count] = address;
        acl->prefix[acl->count] = prefix;
        acl->count++;
    }
    return 0;
}

bool dns_acl_allows(const struct dns_acl *acl, uint32_t address)
{
    for (unsigned i = 0; i < acl->count && i < DNS_ACL_ENTRIES_MAX; i++) {
        uint32_t mask = acl->prefix[i] == 0 ? 0 : UINT32_MAX << (32 - acl->prefix[i]);
        if ((address & mask) == acl->address[i]) {
            return true;
        }
    }
    return false;
}
