/* clock.c: the monotonic clock: kvmclock (kvmclock.c) where KVM offers it, else the TSC, calibrated against the
 * PIT at boot. */
#include "lib/platform/platform.h"
#include "lib/platform/x86_cpu.h"
#include "targets/virtio/bindings.h"

#define NSECS_PER_SEC UINT64_C(1000000000)
#define CALIBRATION_NSECS UINT64_C(5000000)

static uint64_t clock_at_boot;
/* Nanoseconds per TSC tick as 32.32 fixed point, when the TSC is the source. */
static uint64_t nsecs_per_tick_32_32;

static uint64_t clock_read(void)
{
    if (virtio_kvmclock_active())
        return virtio_kvmclock_read();
    return (uint64_t)(((unsigned __int128)x86_read_tsc() * nsecs_per_tick_32_32) >> 32);
}

const char *virtio_clock_init(void)
{
    if (!virtio_kvmclock_active()) {
        uint64_t ticks = virtio_pit_measure_tsc(CALIBRATION_NSECS);
        if (ticks == 0)
            return "virtio: no kvmclock and no PIT to calibrate the TSC against";
        uint64_t tsc_freq = ticks * (NSECS_PER_SEC / CALIBRATION_NSECS);
        nsecs_per_tick_32_32 = (NSECS_PER_SEC << 32) / tsc_freq;
    }
    clock_at_boot = clock_read();
    return 0;
}

uint64_t virtio_kvmclock_wall_at_boot(void)
{
    /* The wall clock is the time at kvmclock 0; the monotonic clock started at clock_at_boot. */
    return virtio_kvmclock_active() ? virtio_kvmclock_wall() + clock_at_boot : 0;
}

uint64_t platform_clock_monotonic(void)
{
    static uint64_t last;
    uint64_t now = clock_read() - clock_at_boot;
    /* Never backwards, even across a host's correction of the kvmclock record. */
    if (now < last)
        now = last;
    last = now;
    return now;
}
