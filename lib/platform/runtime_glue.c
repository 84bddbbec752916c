/* runtime_glue.c: the two calls lib/runtime needs from a platform, over the freestanding platform interface. */
#include <stddef.h>

#include "lib/platform/platform.h"
#include "lib/runtime/abi_hooks.h"

void mirage_platform_log(const char *text, size_t len)
{
    platform_console_write(text, len);
}

_Noreturn void mirage_platform_abort(int status)
{
    (void)status;
    platform_abort();
}
