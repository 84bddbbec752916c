/* timer.c: the local APIC's one-shot timer, calibrated against the monotonic clock at boot, and sleeping on it:
 * arm it, then wait in the gate (traps.S) until its interrupt. */
#include "lib/platform/platform.h"
#include "targets/virtio/bindings.h"

#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)
#define LAPIC_ADDRESS UINT64_C(0xfee00000)
#define LAPIC_TASK_PRIORITY 0x80
#define LAPIC_SPURIOUS 0xf0
#define LAPIC_SPURIOUS_ENABLE 0x100
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define LAPIC_DIVIDE_BY_1 0xb
#define NSECS_PER_SEC UINT64_C(1000000000)
#define CALIBRATION_NSECS UINT64_C(2000000)

/* Timer ticks per nanosecond as 32.32 fixed point, so arming it costs a multiply and no division. */
static uint64_t ticks_per_nsec_32_32;

static uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(uintptr_t)(LAPIC_ADDRESS + reg);
}

static void lapic_write(uint32_t reg, uint32_t value)
{
    *(volatile uint32_t *)(uintptr_t)(LAPIC_ADDRESS + reg) = value;
}

/* At CPL 0: the APIC at its usual address, in xAPIC mode, software-enabled. */
VIRTIO_CPL0 void virtio_timer_init_cpl0(void)
{
    uint32_t low, high;
    __asm__ __volatile__("rdmsr" : "=a"(low), "=d"(high) : "c"(MSR_APIC_BASE));
    if ((low & APIC_BASE_X2APIC) != 0 || (((uint64_t)high << 32 | low) & ~UINT64_C(0xfff)) != LAPIC_ADDRESS)
        virtio_fail("virtio: the local APIC is in x2APIC mode or moved from 0xfee00000");
    if ((low & APIC_BASE_ENABLE) == 0)
        __asm__ __volatile__("wrmsr" : : "c"(MSR_APIC_BASE), "a"(low | APIC_BASE_ENABLE), "d"(high));
    lapic_write(LAPIC_TASK_PRIORITY, 0);
    lapic_write(LAPIC_SPURIOUS, LAPIC_SPURIOUS_ENABLE | VIRTIO_SPURIOUS_VECTOR);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VIRTIO_TIMER_VECTOR);
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_1);
}

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

void virtio_timer_sleep_until(uint64_t deadline)
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
