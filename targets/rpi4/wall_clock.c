/* wall_clock.c: the wall clock: the time `rpi4.wall_clock=SECONDS` on the boot command line gave for the moment
 * of boot (the runner passes the host's), advancing with the monotonic clock; 1970-01-01 at boot without it, since
 * the Pi 4 has no battery-backed clock. */
#include <stdbool.h>
#include <stdint.h>

#include "lib/platform/platform.h"
#include "targets/rpi4/bindings.h"

static uint64_t wall_at_boot;

void rpi4_wall_clock_set(uint64_t nsecs_at_boot, bool given)
{
    wall_at_boot = nsecs_at_boot;
    if (!given)
        rpi4_console_puts("rpi4: no rpi4.wall_clock=SECONDS on the command line: the wall clock starts at "
                          "1970-01-01T00:00:00Z (the Pi 4 has no real-time clock)\n");
}

uint64_t platform_clock_wall(void)
{
    return wall_at_boot + platform_clock_monotonic();
}
