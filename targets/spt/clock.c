/* clock.c: the spt clocks: clock_gettime as a real system call (the vDSO is outside the guest's world). */
#include "lib/platform/platform.h"
#include "targets/spt/syscall.h"

static uint64_t clock_nanoseconds(uint64_t clock)
{
    struct spt_timespec now = {0, 0};

    if (spt_syscall3(SPT_SYS_CLOCK_GETTIME, clock, (uintptr_t)&now, 0) != 0)
        return 0;
    return (uint64_t)now.seconds * UINT64_C(1000000000) + (uint64_t)now.nanoseconds;
}

uint64_t platform_clock_monotonic(void)
{
    return clock_nanoseconds(SPT_CLOCK_MONOTONIC);
}

uint64_t platform_clock_wall(void)
{
    return clock_nanoseconds(SPT_CLOCK_REALTIME);
}
