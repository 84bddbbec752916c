/* fortify.c: the checked memory functions that code built with _FORTIFY_SOURCE calls (Debian's static archives):
 * the compiler passes the destination object's size, and a copy or fill past it ends the unikernel. */
#include <stddef.h>
#include <string.h>

#include "lib/platform/platform.h"

void *__memcpy_chk(void *dest, const void *src, size_t n, size_t dest_size);
void *__memmove_chk(void *dest, const void *src, size_t n, size_t dest_size);
void *__memset_chk(void *dest, int c, size_t n, size_t dest_size);

/* The caller's state is already broken: report, then abort like a failed stack check. */
static _Noreturn void fortify_fail(void)
{
    static const char message[] = "buffer overflow detected\n";

    platform_console_write(message, sizeof(message) - 1);
    platform_abort();
}

void *__memcpy_chk(void *dest, const void *src, size_t n, size_t dest_size)
{
    if (n > dest_size)
        fortify_fail();
    return memcpy(dest, src, n);
}

void *__memmove_chk(void *dest, const void *src, size_t n, size_t dest_size)
{
    if (n > dest_size)
        fortify_fail();
    return memmove(dest, src, n);
}

void *__memset_chk(void *dest, int c, size_t n, size_t dest_size)
{
    if (n > dest_size)
        fortify_fail();
    return memset(dest, c, n);
}
