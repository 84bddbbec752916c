/* clock.c: the monotonic clock from the TSC, and the wall clock from the tender's WALLTIME hypercall, advanced
 * with the TSC between calls. */
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

/* A hypercall is a VM exit, which costs more than an HTTPS request's own work on nested KVM, and a web server
 * reads the wall clock for every answer's Date: so the host is asked at most once a second, and in between its
 * answer advances with the monotonic clock. A correction of the host's clock shows within a second. */
#define WALL_RESYNC_NSECS UINT64_C(1000000000)

static uint64_t wall_at_sync;
static uint64_t monotonic_at_sync;
static bool wall_synced;

uint64_t platform_clock_wall(void)
{
    uint64_t now = platform_clock_monotonic();
    if (!wall_synced || now - monotonic_at_sync >= WALL_RESYNC_NSECS) {
        struct hvt_hc_walltime call = {0};
        hvt_hypercall(HVT_HYPERCALL_WALLTIME, &call);
        wall_at_sync = call.nsecs;
        monotonic_at_sync = now;
        wall_synced = true;
    }
    return wall_at_sync + (now - monotonic_at_sync);
}
