/* entropy.c: entropy from RDRAND when CPUID says the (virtual) CPU has it; otherwise weak entropy from TSC jitter
 * around port reads, announced once on the console. */
#include <stdbool.h>

#include "lib/platform/platform.h"
#include "lib/platform/x86_rdrand.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/port_io.h"

#define JITTER_SAMPLES 64
#define CMOS_DATA 0x71

/* CPUID exits to the host: ask once. */
static bool cpu_has_rdrand(void)
{
    static int known = -1;
    if (known < 0)
        known = x86_has_rdrand() ? 1 : 0;
    return known == 1;
}

static inline uint64_t read_tsc(void)
{
    uint32_t low, high;
    __asm__ __volatile__("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}

/* Weak: the low bits of TSC deltas around exits to the host, mixed by a multiply-xorshift. */
static uint64_t jitter64(void)
{
    static uint64_t state = UINT64_C(0x9e3779b97f4a7c15);
    for (int i = 0; i < JITTER_SAMPLES; i++) {
        uint64_t before = read_tsc();
        uint8_t value = virtio_inb(CMOS_DATA);
        state = (state ^ (read_tsc() - before) ^ value) * UINT64_C(0xbf58476d1ce4e5b9);
        state ^= state >> 31;
    }
    return state;
}

platform_result_t platform_entropy(void *buf, size_t len)
{
    static const char weak[] = "virtio: no RDRAND on this CPU; entropy is weak (TSC jitter)\n";
    static bool warned;
    uint8_t *out = buf;
    bool rdrand = cpu_has_rdrand();

    if (!rdrand && !warned) {
        platform_console_write(weak, sizeof weak - 1);
        warned = true;
    }
    while (len > 0) {
        uint64_t value;
        if (!rdrand)
            value = jitter64();
        else if (!x86_rdrand64(&value))
            return PLATFORM_UNSPECIFIED;
        size_t chunk = len < sizeof value ? len : sizeof value;
        for (size_t i = 0; i < chunk; i++)
            out[i] = (uint8_t)(value >> (8 * i));
        out += chunk;
        len -= chunk;
    }
    return PLATFORM_OK;
}
