/* entropy.c: entropy from RDRAND, else RDSEED, when CPUID says the CPU has one: a PVH guest on Xen has no other
 * source without a PV device. With neither, platform_entropy fails, so the random device refuses to start (its
 * connect fails, naming the instance) and boot says why once. */
#include <stdbool.h>

#include "lib/platform/platform.h"
#include "lib/platform/x86_cpu.h"
#include "targets/xen/bindings.h"

#define RDSEED_RETRIES 100

static bool has_rdseed(void)
{
    uint32_t eax = 7, ebx, ecx = 0, edx;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return ((ebx >> 18) & 1u) != 0;
}

static bool rdseed64(uint64_t *out)
{
    for (int attempt = 0; attempt < RDSEED_RETRIES; attempt++) {
        uint64_t value;
        uint8_t ok;
        __asm__ __volatile__("rdseed %0; setc %1" : "=r"(value), "=qm"(ok) : : "cc");
        if (ok) {
            *out = value;
            return true;
        }
        __asm__ __volatile__("pause");
    }
    return false;
}

static int source = -1; /* 0 none, 1 RDRAND, 2 RDSEED */

void xen_entropy_init(void)
{
    source = x86_has_rdrand() ? 1 : has_rdseed() ? 2 : 0;
    if (source == 0)
        xen_console_puts("xen: this CPU has neither RDRAND nor RDSEED, and Xen gives a PVH guest no other entropy: "
                         "the stack canary comes from the clock, and an image with a random device will not "
                         "start\n");
}

platform_result_t platform_entropy(void *buf, size_t len)
{
    switch (source) {
    case 1:
        return x86_rdrand_fill(buf, len) ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
    case 2:
        return x86_fill_words(buf, len, rdseed64) ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
    default:
        return len == 0 ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
    }
}
