/* wall_clock.c: the wall clock: the time the board learnt at boot (an RTC, or the boot command line) advanced by
 * the monotonic clock. */
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/platform.h"

static uint64_t wall_at_boot;

void aarch64_wall_clock_set(uint64_t nsecs_at_boot)
{
    wall_at_boot = nsecs_at_boot;
}

uint64_t platform_clock_wall(void)
{
    return wall_at_boot + platform_clock_monotonic();
}
