/* timer.c: sleeping until a deadline on the EL1 virtual timer: arm its compare value, wait in `wfi` (the GIC wakes
 * it, gic.c), then switch the timer off so its line drops. */
#include <stdint.h>

#include "lib/platform/platform.h"
#include "targets/virt_arm64/bindings.h"
#include "targets/virt_arm64/sysreg.h"

#define CNTV_CTL_ENABLE 1u /* IMASK clear: the timer raises its line at the compare value */

void virt_timer_sleep_until(uint64_t deadline)
{
    if (platform_clock_monotonic() >= deadline)
        return;
    SYSREG_WRITE(cntv_cval_el0, virt_counter_at(deadline));
    SYSREG_WRITE(cntv_ctl_el0, CNTV_CTL_ENABLE);
    isb();
    /* `wfi` may also end for another reason (a virtio line, or none at all): the caller looks at the clock again. */
    __asm__ __volatile__("dsb sy\n\twfi" : : : "memory");
    SYSREG_WRITE(cntv_ctl_el0, 0);
    isb();
}
