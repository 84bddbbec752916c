/* yield.c: block until a deadline on the monotonic clock or until a virtio device has data: poll the devices,
 * then sleep on the APIC timer, waking at least every millisecond while a device is attached. */
#include "lib/platform/platform.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/virtio.h"

/* The drivers poll (no device interrupts yet), so a device's data waits at most this long. */
#define DEVICE_POLL_NSECS UINT64_C(1000000)

bool platform_yield(uint64_t deadline, uint64_t *ready_set)
{
    for (;;) {
        *ready_set = 0;
        if (virtio_poll(ready_set) && *ready_set != 0)
            return true;
        uint64_t now = platform_clock_monotonic();
        if (now >= deadline)
            return false;
        uint64_t wake = deadline;
        if (virtio_devices_pending() && deadline - now > DEVICE_POLL_NSECS)
            wake = now + DEVICE_POLL_NSECS;
        virtio_timer_sleep_until(wake);
    }
}
