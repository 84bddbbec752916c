/* yield.c: waiting for a deadline or a frame. Muen schedules subjects by a fixed plan, so spinning costs no other
 * subject any time: this subject polls its net devices' input channels and the TSC with `pause` inside its own
 * minor frames. (The subject's timed event, which would let it sleep, is not used.) */
#include "lib/platform/platform.h"
#include "targets/muen/bindings.h"

bool platform_yield(uint64_t deadline, uint64_t *ready_set)
{
    for (;;) {
        if (muen_net_ready(ready_set))
            return true;
        if (platform_clock_monotonic() >= deadline)
            return false;
        __builtin_ia32_pause();
    }
}
