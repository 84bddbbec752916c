/* console.c: console output through the PUTS hypercall. */
#include "lib/platform/platform.h"
#include "targets/hvt/hypercall.h"

void platform_console_write(const char *text, size_t len)
{
    struct hvt_hc_puts call = {
        .data = (uint64_t)(uintptr_t)text,
        .len = len,
    };
    hvt_hypercall(HVT_HYPERCALL_PUTS, &call);
}
