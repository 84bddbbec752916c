/* clock.c: the monotonic clock from the generic timer's virtual counter (CNTVCT_EL0 at CNTFRQ_EL0 Hz), and the wall
 * clock from the PL031 RTC's seconds, read once at boot and advanced by the counter. */
#include <stdint.h>

#include "lib/platform/platform.h"
#include "targets/virt_arm64/bindings.h"
#include "targets/virt_arm64/sysreg.h"
#include "targets/virt_arm64/virt_abi.h"

#define NSECS_PER_SEC UINT64_C(1000000000)
#define RTC_DATA 0x00

static uint64_t counter_hz;
static uint64_t counter_at_boot;
static uint64_t wall_at_boot_nsecs;

uint64_t virt_counter_read(void)
{
    /* The isb keeps the read from being taken early, before the code it times. */
    isb();
    return SYSREG_READ(cntvct_el0);
}

const char *virt_clock_init(void)
{
    counter_hz = SYSREG_READ(cntfrq_el0) & 0xffffffffu;
    if (counter_hz == 0)
        return "virt_arm64: the generic timer's frequency (CNTFRQ_EL0) is 0";
    counter_at_boot = virt_counter_read();
    /* The PL031 counts seconds since the epoch from the host's clock (QEMU's -rtc base=utc, its default). */
    wall_at_boot_nsecs = (uint64_t)mmio_read32(VIRT_RTC_BASE + RTC_DATA) * NSECS_PER_SEC;
    return 0;
}

uint64_t platform_clock_monotonic(void)
{
    uint64_t ticks = virt_counter_read() - counter_at_boot;
    /* Whole seconds and the rest apart, so the product cannot overflow for centuries of uptime. */
    return ticks / counter_hz * NSECS_PER_SEC + ticks % counter_hz * NSECS_PER_SEC / counter_hz;
}

uint64_t platform_clock_wall(void)
{
    return wall_at_boot_nsecs + platform_clock_monotonic();
}

uint64_t virt_counter_at(uint64_t nsecs)
{
    /* Rounded up, so a timer armed for it never fires before the deadline. */
    uint64_t ticks =
        nsecs / NSECS_PER_SEC * counter_hz + (nsecs % NSECS_PER_SEC * counter_hz + NSECS_PER_SEC - 1) / NSECS_PER_SEC;
    return counter_at_boot + ticks;
}
