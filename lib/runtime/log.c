/* log.c: runtime diagnostics, assembled into one line and handed to the platform. */
#include <stddef.h>
#include <string.h>

#include "lib/runtime/boot.h"
#include "lib/runtime/abi_hooks.h"

enum { LOG_LINE_MAX = 512 };

static size_t append(char *line, size_t used, const char *text)
{
    size_t len = strlen(text);
    size_t room = LOG_LINE_MAX - 1 - used; /* keep one byte for the newline */
    if (len > room)
        len = room;
    memcpy(line + used, text, len);
    return used + len;
}

void mirage_log(const char *a, const char *b, const char *c, const char *d)
{
    char line[LOG_LINE_MAX];
    size_t used = 0;

    used = append(line, used, a);
    used = append(line, used, b);
    used = append(line, used, c);
    used = append(line, used, d);
    line[used++] = '\n';
    mirage_platform_log(line, used);
}

int mirage_connect_failed(const char *route, const char *implementation, int rc)
{
    char code[24];
    size_t at = sizeof(code) - 1;
    unsigned int magnitude = rc < 0 ? 0u - (unsigned int)rc : (unsigned int)rc;

    code[at] = '\0';
    do {
        code[--at] = (char)('0' + magnitude % 10u);
        magnitude /= 10u;
    } while (magnitude != 0u && at > 1);
    if (rc < 0)
        code[--at] = '-';
    mirage_log("mirage: connecting ", route, " failed: ", implementation);
    mirage_log("mirage: its connect function returned ", code + at, "; the unikernel stops here", "");
    return MIRAGE_EXIT_CONNECT;
}
