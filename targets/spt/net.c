/* net.c: spt network devices: Ethernet frames read from and written to the tap file descriptor the tender opened
 * (non-blocking, no packet-information header). */
#include "lib/platform/device_model.h"
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "targets/spt/syscall.h"

platform_result_t platform_net_acquire(const char *name, platform_handle_t *handle, struct platform_net_info *info)
{
    return platform_device_acquire_net(name, handle, info);
}

platform_result_t platform_net_write(platform_handle_t handle, const uint8_t *buf, size_t size)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_NET);

    if (mirage_net_frame_check(device, size) != PLATFORM_OK)
        return PLATFORM_INVALID;
    int64_t written;
    do
        written = spt_syscall3(SPT_SYS_WRITE, (uint64_t)device->host_fd, (uintptr_t)buf, size);
    while (written == -SPT_EINTR);
    return written == (int64_t)size ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
}

platform_result_t platform_net_read(platform_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_NET);

    if (mirage_net_buffer_check(device, size) != PLATFORM_OK)
        return PLATFORM_INVALID;
    int64_t got;
    do
        got = spt_syscall3(SPT_SYS_READ, (uint64_t)device->host_fd, (uintptr_t)buf, size);
    while (got == -SPT_EINTR);
    if (got == -SPT_EAGAIN)
        return PLATFORM_AGAIN;
    if (got <= 0)
        return PLATFORM_UNSPECIFIED;
    *read_size = (size_t)got;
    return PLATFORM_OK;
}
