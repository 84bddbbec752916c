/* backend.c: the `backend` key (`HOST:PORT`, HOST an IPv4 address) parsed into a TCP peer; pure. */
#include "examples/tlstunnel/backend.h"

#include <stdint.h>
#include <stdio.h>

/* Reads a decimal number of 1 to 5 digits at `*cursor`, no sign, no leading zero but for 0 itself; returns it, or
 * -1 when there is none. */
static int32_t read_decimal(const char **cursor)
{
    const char *p = *cursor;
    int32_t value = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 6) {
        value = value * 10 + (*p - '0');
        digits++;
        p++;
    }
    if (digits == 0 || digits > 5 || (digits > 1 && **cursor == '0'))
        return -1;
    *cursor = p;
    return value;
}

int backend_parse(const char *text, struct stack_tcp_peer *peer, char *why, size_t why_size)
{
    if (text == NULL || text[0] == '\0') {
        snprintf(why, why_size, "is empty");
        return -1;
    }
    const char *cursor = text;
    uint32_t address = 0;
    for (int octet = 0; octet < 4; octet++) {
        int32_t value = read_decimal(&cursor);
        if (value < 0 || value > 255) {
            snprintf(why, why_size, "does not start with an IPv4 address (host names are not resolved)");
            return -1;
        }
        address = address << 8 | (uint32_t)value;
        char expected = octet < 3 ? '.' : ':';
        if (*cursor != expected) {
            snprintf(why, why_size,
                     octet < 3 ? "does not start with an IPv4 address (host names are not resolved)"
                               : "has no :PORT after the address");
            return -1;
        }
        cursor++;
    }
    int32_t port = read_decimal(&cursor);
    if (port < 1 || port > 65535 || *cursor != '\0') {
        snprintf(why, why_size, "has no port from 1 to 65535 after the address");
        return -1;
    }
    if (address == 0 || address == 0xffffffffu) {
        snprintf(why, why_size, "names no host (0.0.0.0 or 255.255.255.255)");
        return -1;
    }
    peer->address = address;
    peer->port = (uint16_t)port;
    return 0;
}
