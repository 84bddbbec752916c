/* generic_timer.c: the monotonic clock on the Arm generic timer's counter (physical or virtual, as the board
 * chooses) at CNTFRQ_EL0 Hz, and sleeping in `wfi` with the matching EL1 timer armed for a deadline. Interrupts
 * stay masked in PSTATE: the timer's interrupt only has to reach the core through the GIC for `wfi` to return. */
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/sysreg.h"
#include "lib/platform/platform.h"

#define NSECS_PER_SEC UINT64_C(1000000000)
#define TIMER_CTL_ENABLE 1u /* IMASK clear: the timer raises its line at the compare value */
/* Counters above this frequency would overflow the conversions below (and no board has one). */
#define TIMER_FREQUENCY_MAX (UINT64_C(1) << 32)

static enum aarch64_timer timer;
static uint64_t frequency;
static uint64_t ticks_at_boot;

static uint64_t counter(void)
{
    /* The isb keeps the read from being taken early, before the code it times. */
    aarch64_isb();
    return timer == AARCH64_TIMER_VIRTUAL ? AARCH64_READ_SYSREG(cntvct_el0) : AARCH64_READ_SYSREG(cntpct_el0);
}

static void timer_control(uint64_t control)
{
    if (timer == AARCH64_TIMER_VIRTUAL)
        AARCH64_WRITE_SYSREG(cntv_ctl_el0, control);
    else
        AARCH64_WRITE_SYSREG(cntp_ctl_el0, control);
    aarch64_isb();
}

const char *aarch64_timer_init(enum aarch64_timer which)
{
    timer = which;
    frequency = AARCH64_READ_SYSREG(cntfrq_el0) & 0xffffffffu;
    if (frequency == 0 || frequency >= TIMER_FREQUENCY_MAX)
        return "the generic timer has no usable frequency (CNTFRQ_EL0); the firmware sets it";
    ticks_at_boot = counter();
    timer_control(0);
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

void aarch64_timer_sleep_until(uint64_t deadline)
{
    if (platform_clock_monotonic() >= deadline)
        return;
    if (timer == AARCH64_TIMER_VIRTUAL)
        AARCH64_WRITE_SYSREG(cntv_cval_el0, ticks_at(deadline));
    else
        AARCH64_WRITE_SYSREG(cntp_cval_el0, ticks_at(deadline));
    timer_control(TIMER_CTL_ENABLE);
    __asm__ __volatile__("dsb sy\n\twfi" : : : "memory");
    /* Off again, so its line drops and the next `wfi` waits for the next deadline. */
    timer_control(0);
}
