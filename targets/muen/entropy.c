/* entropy.c: entropy from RDRAND, else RDSEED, when CPUID says the CPU has it; without either, every request fails,
 * so an image with a random device stops at its connect (said once on the console). */
#include <stdbool.h>

#include "lib/platform/platform.h"
#include "lib/platform/x86_cpu.h"

/* RDSEED may fail more often than RDRAND under load; Intel advises retrying with a pause. */
#define RDSEED_RETRIES 100

/* CPUID.(EAX=07H, ECX=0):EBX bit 18. */
static bool has_rdseed(void)
{
    uint32_t eax = 0, ebx, ecx = 0, edx;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    if (eax < 7)
        return false;
    eax = 7;
    ecx = 0;
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
        __builtin_ia32_pause();
    }
    return false;
}

platform_result_t platform_entropy(void *buf, size_t len)
{
    static const char none[] = "muen: the CPU has neither RDRAND nor RDSEED (CPUID): no entropy, so a random "
                               "device cannot connect\n";
    static int rdseed_known = -1;
    static bool told;

    if (len == 0)
        return PLATFORM_OK;
    if (x86_rdrand_available())
        return x86_rdrand_fill(buf, len) ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
    if (rdseed_known < 0)
        rdseed_known = has_rdseed() ? 1 : 0;
    if (rdseed_known == 1)
        return x86_fill_words(buf, len, rdseed64) ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
    if (!told) {
        platform_console_write(none, sizeof none - 1);
        told = true;
    }
    return PLATFORM_UNSPECIFIED;
}
