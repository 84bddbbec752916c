/* timer.c: the local APIC's one-shot timer (enabled at CPL 0 by timer_cpl0.c), calibrated against the monotonic
 * clock at boot, and sleeping on it: arm it, then wait in the gate (traps.S) until its interrupt. */
#include "lib/platform/platform.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/lapic.h"
#include "targets/virtio/virtio.h"

#define NSECS_PER_SEC UINT64_C(1000000000)
#define CALIBRATION_NSECS UINT64_C(2000000)

/* Timer ticks per nanosecond as 32.32 fixed point, so arming it costs a multiply and no division. */
static uint64_t ticks_per_nsec_32_32;

/* Count the timer's ticks over a couple of milliseconds of the monotonic clock; the timer stays masked. */
const char *virtio_timer_init(void)
{
    lapic_write(LAPIC_TIMER_INITIAL, UINT32_MAX);
    uint64_t start = platform_clock_monotonic(), now;
    do
        now = platform_clock_monotonic();
    while (now - start < CALIBRATION_NSECS);
    uint32_t ticks = UINT32_MAX - lapic_read(LAPIC_TIMER_CURRENT);
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    if (ticks == 0 || ticks == UINT32_MAX)
        return "virtio: the local APIC timer does not count";
    uint64_t lapic_hz = (uint64_t)ticks * NSECS_PER_SEC / (now - start);
    ticks_per_nsec_32_32 = (lapic_hz << 32) / NSECS_PER_SEC;
    return 0;
}

void virtio_board_sleep_until(uint64_t deadline)
{
    uint64_t now = platform_clock_monotonic();
    if (now >= deadline)
        return;
    unsigned __int128 ticks = ((unsigned __int128)(deadline - now) * ticks_per_nsec_32_32) >> 32;
    /* Longer sleeps end early and the caller sleeps again. */
    uint32_t count = ticks == 0 ? 1 : ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
    lapic_write(LAPIC_LVT_TIMER, VIRTIO_TIMER_VECTOR); /* one-shot, unmasked */
    lapic_write(LAPIC_TIMER_INITIAL, count);
    __asm__ __volatile__("int3" : : "c"(VIRTIO_GATE_HALT) : "memory");
}
