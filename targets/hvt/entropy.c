/* entropy.c: entropy from the CPU's RDRAND instruction, when CPUID says the (virtual) CPU has it. */
#include <stdbool.h>

#include "lib/platform/platform.h"
#include "lib/platform/x86_cpu.h"

platform_result_t platform_entropy(void *buf, size_t len)
{
    if (!x86_rdrand_available() || !x86_rdrand_fill(buf, len))
        return PLATFORM_UNSPECIFIED;
    return PLATFORM_OK;
}
