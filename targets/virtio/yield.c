/* yield.c: block until a deadline on the monotonic clock or until a virtio device has data, for every board on
 * these drivers: poll the devices, then sleep on the board's timer until the deadline or a net device's interrupt.
 * A net device whose interrupt cannot be routed is polled instead, waking at least every millisecond. */
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "targets/virtio/virtio.h"

/* Without device interrupts, a device's data waits at most this long. */
#define DEVICE_POLL_NSECS UINT64_C(1000000)

bool platform_yield(uint64_t deadline, uint64_t *ready_set)
{
    for (;;) {
        *ready_set = virtio_net_ready_set();
        if (*ready_set != 0)
            return true;
        uint64_t now = platform_clock_monotonic();
        if (now >= deadline)
            return false;
        uint64_t wake = deadline;
        bool interrupts = false;
        if (platform_devices_acquired(MIRAGE_DEVICE_NET) != 0) {
            /* Lower the lines raised since the last sleep first: a frame arriving after this raises its line
             * again, and one that came before is seen by virtio_net_interrupts_on. */
            virtio_board_interrupts_acknowledge();
            interrupts = virtio_net_interrupts_on();
            /* Not on: a frame came in meanwhile (poll again), or some device cannot interrupt (sleep briefly). */
            *ready_set = interrupts ? 0 : virtio_net_ready_set();
            if (*ready_set != 0)
                return true;
            if (!interrupts && deadline - now > DEVICE_POLL_NSECS)
                wake = now + DEVICE_POLL_NSECS;
        }
        virtio_board_sleep_until(wake);
        if (interrupts)
            virtio_net_interrupts_off();
    }
}
