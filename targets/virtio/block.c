/* block.c: virtio block transport: start the virtio-blk driver of a device the platform's table names, and read
 * and write whole blocks through it; a handle is the device's index in the manifest. */
#include <stdint.h>

#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "lib/platform/transport.h"
#include "targets/virtio/virtio.h"

static struct virtio_blk *blk_by_handle[MIRAGE_MANIFEST_MAX_DEVICES];

platform_result_t transport_block_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    struct virtio_mmio *transport = virtio_devices_transport(handle, device);
    if (transport == NULL)
        return PLATFORM_UNSPECIFIED;
    virtio_result_t result = virtio_blk_start(transport, &blk_by_handle[handle]);
    if (result != VIRTIO_OK) {
        virtio_devices_report(device, result);
        return PLATFORM_UNSPECIFIED;
    }
    const struct mirage_boot_device described = {
        .type = MIRAGE_DEVICE_BLOCK,
        .capacity = virtio_blk_capacity(blk_by_handle[handle]),
        .block_size = VIRTIO_BLK_SECTOR_SIZE,
    };
    platform_device_describe(handle, &described);
    return PLATFORM_OK;
}

platform_result_t transport_block_write(platform_handle_t handle, const struct mirage_boot_device *device,
                                        uint64_t offset, const uint8_t *buf, size_t size)
{
    (void)device;
    /* The device only reads the buffer of a write. */
    return virtio_blk_transfer(blk_by_handle[handle], true, offset, (uint8_t *)(uintptr_t)buf, size);
}

platform_result_t transport_block_read(platform_handle_t handle, const struct mirage_boot_device *device,
                                       uint64_t offset, uint8_t *buf, size_t size)
{
    (void)device;
    return virtio_blk_transfer(blk_by_handle[handle], false, offset, buf, size);
}
