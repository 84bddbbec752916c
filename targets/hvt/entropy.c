/* entropy.c: entropy from the CPU's RDRAND instruction, when CPUID says the (virtual) CPU has it. */
#include <stdbool.h>

#include "lib/platform/platform.h"
#include "lib/platform/x86_rdrand.h"

/* CPUID exits to the host: ask once. */
static bool cpu_has_rdrand(void)
{
    static int known = -1;
    if (known < 0)
        known = x86_has_rdrand() ? 1 : 0;
    return known == 1;
}

platform_result_t platform_entropy(void *buf, size_t len)
{
    uint8_t *out = buf;

    if (!cpu_has_rdrand())
        return PLATFORM_UNSPECIFIED;
    while (len > 0) {
        uint64_t value;
        if (!x86_rdrand64(&value))
            return PLATFORM_UNSPECIFIED;
        size_t chunk = len < sizeof value ? len : sizeof value;
        for (size_t i = 0; i < chunk; i++)
            out[i] = (uint8_t)(value >> (8 * i));
        out += chunk;
        len -= chunk;
    }
    return PLATFORM_OK;
}
