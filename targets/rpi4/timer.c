/* timer.c: time on the Pi 4: the generic timer's physical counter for the monotonic clock, and its EL1 physical
 * timer to sleep in wfi until a deadline; its interrupt (PPI 30) reaches the core through the GIC-400 so that wfi
 * returns, and is never taken (lib/platform/aarch64: generic_timer.c, gicv2.c). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/platform.h"
#include "targets/rpi4/bcm2711.h"
#include "targets/rpi4/bindings.h"

const char *rpi4_timer_init(void)
{
    const char *problem = aarch64_timer_init(AARCH64_TIMER_PHYSICAL);
    if (problem != NULL)
        return problem;
    gicv2_init(BCM2711_GICD_BASE, BCM2711_GICC_BASE);
    gicv2_enable(BCM2711_TIMER_PPI);
    return NULL;
}

bool platform_yield(uint64_t deadline, uint64_t *ready_set)
{
    /* No network device on this board (the Pi 4's GENET Ethernet has no driver here): only time passes. */
    while (platform_clock_monotonic() < deadline)
        aarch64_timer_sleep_until(deadline);
    *ready_set = 0;
    return false;
}
