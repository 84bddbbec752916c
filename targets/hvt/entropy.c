/* entropy.c: entropy from the CPU's RDRAND instruction, when CPUID says the (virtual) CPU has it. */
#include <stdbool.h>

#include "lib/platform/platform.h"

/* Intel's guidance: a healthy DRNG fails 10 attempts in a row with negligible probability. */
#define RDRAND_RETRIES 10

static bool cpu_has_rdrand(void)
{
    static int known = -1;
    if (known < 0) {
        uint32_t eax = 1, ebx, ecx = 0, edx;
        __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
        known = (ecx >> 30) & 1; /* CPUID.01H:ECX.RDRAND[bit 30] */
    }
    return known == 1;
}

static bool rdrand64(uint64_t *out)
{
    for (int attempt = 0; attempt < RDRAND_RETRIES; attempt++) {
        uint64_t value;
        uint8_t ok;
        __asm__ __volatile__("rdrand %0; setc %1" : "=r"(value), "=qm"(ok) : : "cc");
        if (ok) {
            *out = value;
            return true;
        }
    }
    return false;
}

platform_result_t platform_entropy(void *buf, size_t len)
{
    uint8_t *out = buf;

    if (!cpu_has_rdrand())
        return PLATFORM_UNSPECIFIED;
    while (len > 0) {
        uint64_t value;
        if (!rdrand64(&value))
            return PLATFORM_UNSPECIFIED;
        size_t chunk = len < sizeof value ? len : sizeof value;
        for (size_t i = 0; i < chunk; i++)
            out[i] = (uint8_t)(value >> (8 * i));
        out += chunk;
        len -= chunk;
    }
    return PLATFORM_OK;
}
