/* assert.c: what a failed assert() does: one line naming the expression and where, then an abnormal end. */
#include <assert.h>
#include <stdio.h>

#include "lib/platform/platform.h"

_Noreturn void __libc_assert_fail(const char *expression, const char *file, int line)
{
    char message[256];
    int len = snprintf(message, sizeof(message), "assertion failed: %s at %s:%d\n", expression, file, line);

    if (len > 0) {
        /* A truncated message still ends its line. */
        if ((size_t)len >= sizeof(message)) {
            len = sizeof(message) - 1;
            message[len - 1] = '\n';
        }
        platform_console_write(message, (size_t)len);
    }
    platform_abort();
}
