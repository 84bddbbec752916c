/* clock.c: the monotonic clock from the TSC, and the wall clock from the tender's WALLTIME hypercall. */
#include "lib/platform/platform.h"
#include "lib/platform/x86_cpu.h"
#include "targets/hvt/bindings.h"
#include "targets/hvt/hypercall.h"

static uint64_t tsc_at_boot;
/* Nanoseconds per TSC tick as a 32.32 fixed-point number, so a reading costs one multiply and no division. */
static uint64_t nsecs_per_tick_32_32;

void hvt_clock_init(uint64_t tsc_freq)
{
    static const char no_tsc[] = "hvt: the tender passed a TSC frequency of 0\n";

    if (tsc_freq == 0) {
        platform_console_write(no_tsc, sizeof no_tsc - 1);
        platform_abort();
    }
    /* 10^9 << 32 < 2^62 fits 64 bits, and so does the quotient for any frequency of at least 1 Hz. */
    nsecs_per_tick_32_32 = (UINT64_C(1000000000) << 32) / tsc_freq;
    tsc_at_boot = x86_read_tsc();
}

uint64_t platform_clock_monotonic(void)
{
    uint64_t ticks = x86_read_tsc() - tsc_at_boot;
    /* The 64x64-bit product is taken in 128 bits (one `mul`), so it cannot overflow; shifted back, it fits 64 bits
     * for about 580 years of nanoseconds. */
    return (uint64_t)(((unsigned __int128)ticks * nsecs_per_tick_32_32) >> 32);
}

uint64_t platform_clock_wall(void)
{
    /* Asked of the host on every call, so host clock corrections show at once; it is not a hot path. */
    struct hvt_hc_walltime call = {0};
    hvt_hypercall(HVT_HYPERCALL_WALLTIME, &call);
    return call.nsecs;
}
