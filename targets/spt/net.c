/* net.c: spt net transport: Ethernet frames read from and written to the tap file descriptor the tender opened
 * (non-blocking, no packet-information header). The tap has no virtio-net header either, so no offload
 * (lib/platform:net_no_offload). */
#include "lib/platform/transport.h"
#include "targets/spt/syscall.h"

platform_result_t transport_net_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    (void)handle;
    (void)device;
    return PLATFORM_OK; /* the tender attached the tap before the guest started */
}

platform_result_t transport_net_send(platform_handle_t handle, const struct mirage_boot_device *device,
                                     const uint8_t *frame, size_t size)
{
    int64_t written;
    (void)handle;
    do
        written = spt_syscall3(SPT_SYS_WRITE, (uint64_t)device->host_fd, (uintptr_t)frame, size);
    while (written == -SPT_EINTR);
    return written == (int64_t)size ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
}

platform_result_t transport_net_receive(platform_handle_t handle, const struct mirage_boot_device *device, uint8_t *buf,
                                        size_t size, size_t *read_size, uint32_t *flags)
{
    int64_t got;
    (void)handle;
    do
        got = spt_syscall3(SPT_SYS_READ, (uint64_t)device->host_fd, (uintptr_t)buf, size);
    while (got == -SPT_EINTR);
    if (got == -SPT_EAGAIN)
        return PLATFORM_AGAIN;
    if (got <= 0)
        return PLATFORM_UNSPECIFIED;
    *read_size = (size_t)got;
    *flags = 0; /* a plain tap: every checksum is the guest's to verify */
    return PLATFORM_OK;
}
