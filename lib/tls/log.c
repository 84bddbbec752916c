/* log.c: the device's log lines on its console, and peers as text. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/tls/tls_internal.h"

enum { TLS_LOG_LINE_MAX = 512 };

void tls_log(struct tls_state *state, const char *format, ...)
{
    char line[TLS_LOG_LINE_MAX];
    int used = snprintf(line, sizeof(line), "tls: ");
    va_list args;
    va_start(args, format);
    int more = vsnprintf(line + used, sizeof(line) - (size_t)used - 1, format, args);
    va_end(args);
    size_t len = (size_t)used + (more < 0 ? 0 : (size_t)more);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2; /* cut long lines, keep the newline */
    line[len++] = '\n';
    (void)console_write(state->console, line, len); /* a console that fails has nowhere to report it */
}

const char *tls_peer_text(const struct stack_tcp_peer *peer, char *out, size_t out_size)
{
    snprintf(out, out_size, "%u.%u.%u.%u:%u", (unsigned)(peer->address >> 24), (unsigned)(peer->address >> 16 & 0xff),
             (unsigned)(peer->address >> 8 & 0xff), (unsigned)(peer->address & 0xff), (unsigned)peer->port);
    return out;
}
