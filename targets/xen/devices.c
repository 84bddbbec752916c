/* devices.c: no devices. netfront and blkfront need grant tables and xenstore, which this ABI does not have yet
 * (targets/xen/README.md): the device table is empty, so acquiring a net or block device fails with
 * PLATFORM_INVALID and its connect stops the boot naming the instance; the transports are never reached. */
#include "lib/platform/device_table.h"
#include "lib/platform/transport.h"
#include "targets/xen/bindings.h"

void xen_devices_init(void)
{
    static const struct mirage_boot_devices none = {.count = 0};
    platform_devices_init(&none);
}

platform_result_t transport_net_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    (void)handle;
    (void)device;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_block_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    (void)handle;
    (void)device;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_net_send(platform_handle_t handle, const struct mirage_boot_device *device,
                                     const uint8_t *frame, size_t size)
{
    (void)handle;
    (void)device;
    (void)frame;
    (void)size;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_net_receive(platform_handle_t handle, const struct mirage_boot_device *device, uint8_t *buf,
                                        size_t size, size_t *read_size, uint32_t *flags)
{
    (void)handle;
    (void)device;
    (void)buf;
    (void)size;
    (void)read_size;
    (void)flags;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_block_read(platform_handle_t handle, const struct mirage_boot_device *device,
                                       uint64_t offset, uint8_t *buf, size_t size)
{
    (void)handle;
    (void)device;
    (void)offset;
    (void)buf;
    (void)size;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_block_write(platform_handle_t handle, const struct mirage_boot_device *device,
                                        uint64_t offset, const uint8_t *buf, size_t size)
{
    (void)handle;
    (void)device;
    (void)offset;
    (void)buf;
    (void)size;
    return PLATFORM_UNSPECIFIED;
}
