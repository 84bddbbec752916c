/* address.c: IPv4 addresses in text (address.h). */
#include <stddef.h>

#include "lib/tcpip/address.h"

const char *ipv4_address_parse(const char *text, uint32_t *address)
{
    uint32_t value = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0 && *text++ != '.')
            return NULL;
        if (*text < '0' || *text > '9')
            return NULL;
        uint32_t octet = 0;
        for (int digits = 0; *text >= '0' && *text <= '9'; digits++, text++) {
            octet = octet * 10 + (uint32_t)(*text - '0');
            if (digits == 3 || octet > 255)
                return NULL;
        }
        value = value << 8 | octet;
    }
    *address = value;
    return text;
}
