/* address.h: IPv4 addresses in text, as keys and rules give them: a dotted quad, parsed strictly. */
#ifndef MIRAGE_TCPIP_ADDRESS_H
#define MIRAGE_TCPIP_ADDRESS_H

#include <stdint.h>

/* Parse a dotted quad ("192.0.2.1": four decimal octets of one to three digits, no sign, no spaces) at `text`
 * into `*address` (host order); returns the character after it, or NULL when `text` does not start with one. */
const char *ipv4_address_parse(const char *text, uint32_t *address);

#endif
