/* backend.h: the `backend` key (`HOST:PORT`, HOST an IPv4 address) parsed into a TCP peer; pure. */
#ifndef EXAMPLES_TLSTUNNEL_BACKEND_H
#define EXAMPLES_TLSTUNNEL_BACKEND_H

#include <stddef.h>

#include "devices/stack.h"

/* Parses `text` as `A.B.C.D:PORT` (each octet 0 to 255 in decimal, PORT 1 to 65535, nothing around them). Returns
 * 0 and fills `peer`, or -1 and writes why into `why` (NUL-terminated, at most `why_size` bytes). */
int backend_parse(const char *text, struct stack_tcp_peer *peer, char *why, size_t why_size);

#endif
