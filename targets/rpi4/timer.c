/* timer.c: time from the ARM generic timer: the physical counter for the monotonic clock, and its EL1 physical
 * timer to sleep in wfi until a deadline. Interrupts stay masked in PSTATE: the timer's interrupt (PPI 30) only
 * has to reach the core through the GIC-400 for wfi to return, so it is enabled there and never taken. */
#include <stdbool.h>
#include <stdint.h>

#include "lib/platform/platform.h"
#include "targets/rpi4/aarch64.h"
#include "targets/rpi4/bcm2711.h"
#include "targets/rpi4/bindings.h"

#define NSECS_PER_SEC UINT64_C(1000000000)
#define TIMER_PPI 30u /* the EL1 physical timer's interrupt */
#define GICD_CTLR (BCM2711_GICD_BASE + 0x000)
#define GICD_IGROUPR0 (BCM2711_GICD_BASE + 0x080)
#define GICD_ISENABLER0 (BCM2711_GICD_BASE + 0x100)
#define GICD_IPRIORITYR (BCM2711_GICD_BASE + 0x400)
#define GICC_CTLR (BCM2711_GICC_BASE + 0x000)
#define GICC_PMR (BCM2711_GICC_BASE + 0x004)
#define GIC_ENABLE_GROUPS 0x3u
#define GIC_PRIORITY_TIMER 0x80u
#define GIC_PRIORITY_MASK_ALL 0xf0u
#define CNTP_CTL_ENABLE 1u
/* Counters above this frequency would overflow the conversions below (and no board has one). */
#define TIMER_FREQUENCY_MAX (UINT64_C(1) << 32)

static uint64_t frequency;
static uint64_t ticks_at_boot;

static uint64_t counter(void)
{
    aarch64_isb();
    return AARCH64_READ_SYSREG(cntpct_el0);
}

const char *rpi4_timer_init(void)
{
    frequency = AARCH64_READ_SYSREG(cntfrq_el0) & 0xffffffffu;
    if (frequency == 0 || frequency >= TIMER_FREQUENCY_MAX)
        return "rpi4: the generic timer has no usable frequency (CNTFRQ_EL0); the firmware sets it";
    ticks_at_boot = counter();
    AARCH64_WRITE_SYSREG(cntp_ctl_el0, 0);

    /* Group 1 (where the firmware leaves the GIC to non-secure code), enabled, above the priority mask. The
     * distributor's group register ignores the write where only the secure side may change it. */
    mmio_write32(GICD_IGROUPR0, mmio_read32(GICD_IGROUPR0) | (1u << TIMER_PPI));
    mmio_write8(GICD_IPRIORITYR + TIMER_PPI, GIC_PRIORITY_TIMER);
    mmio_write32(GICD_ISENABLER0, 1u << TIMER_PPI);
    mmio_write32(GICD_CTLR, mmio_read32(GICD_CTLR) | GIC_ENABLE_GROUPS);
    mmio_write32(GICC_PMR, GIC_PRIORITY_MASK_ALL);
    mmio_write32(GICC_CTLR, mmio_read32(GICC_CTLR) | GIC_ENABLE_GROUPS);
    return NULL;
}

uint64_t platform_clock_monotonic(void)
{
    /* In two parts, so that neither product overflows: the remainder is below the frequency (< 2^32). */
    uint64_t ticks = counter() - ticks_at_boot;
    return ticks / frequency * NSECS_PER_SEC + ticks % frequency * NSECS_PER_SEC / frequency;
}

/* The counter value at monotonic time `nsecs`, rounded up so a sleep never ends early. */
static uint64_t ticks_at(uint64_t nsecs)
{
    uint64_t part = nsecs % NSECS_PER_SEC * frequency;
    return ticks_at_boot + nsecs / NSECS_PER_SEC * frequency + part / NSECS_PER_SEC + (part % NSECS_PER_SEC != 0);
}

void rpi4_timer_sleep_until(uint64_t deadline_ns)
{
    while (platform_clock_monotonic() < deadline_ns) {
        AARCH64_WRITE_SYSREG(cntp_cval_el0, ticks_at(deadline_ns));
        AARCH64_WRITE_SYSREG(cntp_ctl_el0, CNTP_CTL_ENABLE);
        aarch64_isb();
        __asm__ __volatile__("wfi" : : : "memory");
        AARCH64_WRITE_SYSREG(cntp_ctl_el0, 0);
        aarch64_isb();
    }
}

bool platform_yield(uint64_t deadline, uint64_t *ready_set)
{
    /* No network device on this board (the Pi 4's GENET Ethernet has no driver here): only time passes. */
    rpi4_timer_sleep_until(deadline);
    *ready_set = 0;
    return false;
}
