/* yield.c: platform_yield on spt: one ppoll over every net device's tap, bounded by the deadline. */
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "targets/spt/syscall.h"

bool platform_yield(uint64_t deadline, uint64_t *ready_set)
{
    struct spt_pollfd polled[MIRAGE_MANIFEST_MAX_DEVICES];
    platform_handle_t handles[MIRAGE_MANIFEST_MAX_DEVICES];
    uint32_t count = 0;

    /* The acquired net devices, as on every ABI: the others are not the unikernel's to wait for. */
    for (platform_handle_t handle = 0; handle < MIRAGE_MANIFEST_MAX_DEVICES; handle++) {
        const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_NET);
        if (device == NULL)
            continue;
        polled[count] = (struct spt_pollfd){.fd = (int32_t)device->host_fd, .events = SPT_POLLIN, .revents = 0};
        handles[count++] = handle;
    }

    uint64_t now = platform_clock_monotonic();
    uint64_t wait = deadline > now ? deadline - now : 0;
    struct spt_timespec timeout = {
        .seconds = (int64_t)(wait / UINT64_C(1000000000)),
        .nanoseconds = (int64_t)(wait % UINT64_C(1000000000)),
    };
    /* No signal mask: the kernel ignores the mask size (8, the kernel's sigset_t) when the mask is NULL. */
    int64_t result = spt_syscall5(SPT_SYS_PPOLL, (uintptr_t)polled, count, (uintptr_t)&timeout, 0, 8);

    uint64_t ready = 0;
    for (uint32_t i = 0; result > 0 && i < count; i++) {
        if (polled[i].revents & SPT_POLLIN)
            ready |= UINT64_C(1) << handles[i];
    }
    *ready_set = ready;
    return ready != 0;
}
