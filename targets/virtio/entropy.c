/* entropy.c: entropy from RDRAND when CPUID says the (virtual) CPU has it; otherwise weak entropy from TSC jitter
 * around port reads, announced once on the console. */
#include <stdbool.h>

#include "lib/platform/platform.h"
#include "lib/platform/x86_cpu.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/port_io.h"

#define JITTER_SAMPLES 64
#define CMOS_DATA 0x71

/* Weak: the low bits of TSC deltas around exits to the host, mixed by a multiply-xorshift. */
static uint64_t jitter64(void)
{
    static uint64_t state = UINT64_C(0x9e3779b97f4a7c15);
    for (int i = 0; i < JITTER_SAMPLES; i++) {
        uint64_t before = x86_read_tsc();
        uint8_t value = virtio_inb(CMOS_DATA);
        state = (state ^ (x86_read_tsc() - before) ^ value) * UINT64_C(0xbf58476d1ce4e5b9);
        state ^= state >> 31;
    }
    return state;
}

static bool jitter_next(uint64_t *value)
{
    *value = jitter64();
    return true;
}

platform_result_t platform_entropy(void *buf, size_t len)
{
    static const char weak[] = "virtio: no RDRAND on this CPU; entropy is weak (TSC jitter)\n";
    static bool warned;

    if (x86_rdrand_available())
        return x86_rdrand_fill(buf, len) ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
    if (!warned) {
        platform_console_write(weak, sizeof weak - 1);
        warned = true;
    }
    return x86_fill_words(buf, len, jitter_next) ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
}
