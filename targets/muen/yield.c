/* yield.c: waiting for a deadline. Muen schedules subjects by a fixed plan, so spinning costs no other subject
 * any time: this subject waits inside its own minor frames with `pause`. No network device is ever acquired on this
 * ABI (devices.c), so nothing else can become ready. */
#include "lib/platform/platform.h"

bool platform_yield(uint64_t deadline, uint64_t *ready_set)
{
    *ready_set = 0;
    while (platform_clock_monotonic() < deadline)
        __builtin_ia32_pause();
    return false;
}
