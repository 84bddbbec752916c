/* yield.c: block in the tender until a deadline on the monotonic clock or until a network device has data. */
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "targets/hvt/bindings.h"
#include "targets/hvt/hypercall.h"

bool platform_yield(uint64_t deadline, uint64_t *ready_set)
{
    uint64_t now = platform_clock_monotonic();
    uint64_t timeout_nsecs = deadline > now ? deadline - now : 0;
    /* With a net device acquired, its exchange sends the queued frames, waits and receives in one exit. */
    if (hvt_net_wait(timeout_nsecs, ready_set))
        return *ready_set != 0;
    struct hvt_hc_poll call = {
        .timeout_nsecs = timeout_nsecs,
    };
    hvt_hypercall(HVT_HYPERCALL_POLL, &call);
    /* The tender polls every net device; only acquired ones are the unikernel's to hear about. */
    *ready_set = call.ready_set & platform_devices_acquired(MIRAGE_DEVICE_NET);
    return *ready_set != 0;
}
