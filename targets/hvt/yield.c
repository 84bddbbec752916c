/* yield.c: block in the tender until a deadline on the monotonic clock or until a network device has data. */
#include "lib/platform/platform.h"
#include "targets/hvt/hypercall.h"

bool platform_yield(uint64_t deadline, uint64_t *ready_set)
{
    uint64_t now = platform_clock_monotonic();
    struct hvt_hc_poll call = {
        .timeout_nsecs = deadline > now ? deadline - now : 0,
    };
    hvt_hypercall(HVT_HYPERCALL_POLL, &call);
    *ready_set = call.ready_set;
    return call.ret > 0;
}
