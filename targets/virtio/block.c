/* block.c: block devices: start the virtio-blk driver of a device the platform's table names, and read and write
 * whole blocks through it; a handle is the device's index in the manifest. */
#include <stdint.h>

#include "lib/platform/device_model.h"
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "targets/virtio/virtio.h"

static struct virtio_blk *blk_by_handle[MIRAGE_MANIFEST_MAX_DEVICES];

platform_result_t platform_block_acquire(const char *name, platform_handle_t *handle,
                                         struct platform_block_info *info)
{
    platform_handle_t index;
    struct virtio_mmio *transport;
    platform_result_t claimed = virtio_devices_claim(name, MIRAGE_DEVICE_BLOCK, &index, &transport);
    if (claimed != PLATFORM_OK)
        return claimed;
    if (blk_by_handle[index] == NULL) {
        virtio_result_t result = virtio_blk_start(transport, &blk_by_handle[index]);
        if (result != VIRTIO_OK) {
            virtio_devices_report("block", name, result);
            return PLATFORM_UNSPECIFIED;
        }
        const struct mirage_boot_device described = {
            .type = MIRAGE_DEVICE_BLOCK,
            .capacity = virtio_blk_capacity(blk_by_handle[index]),
            .block_size = VIRTIO_BLK_SECTOR_SIZE,
        };
        platform_device_describe(index, &described);
    }
    return platform_device_acquire_block(name, handle, info);
}

/* The driver of acquired block device `handle` if [offset, offset + size) passes the shared request check. */
static struct virtio_blk *checked_blk(platform_handle_t handle, uint64_t offset, size_t size)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_BLOCK);
    if (mirage_block_request_check(device, offset, size) != PLATFORM_OK)
        return NULL;
    return blk_by_handle[handle];
}

platform_result_t platform_block_write(platform_handle_t handle, uint64_t offset, const uint8_t *buf, size_t size)
{
    struct virtio_blk *blk = checked_blk(handle, offset, size);
    if (blk == NULL)
        return PLATFORM_INVALID;
    /* The device only reads the buffer of a write. */
    return virtio_blk_transfer(blk, true, offset, (uint8_t *)(uintptr_t)buf, size);
}

platform_result_t platform_block_read(platform_handle_t handle, uint64_t offset, uint8_t *buf, size_t size)
{
    struct virtio_blk *blk = checked_blk(handle, offset, size);
    if (blk == NULL)
        return PLATFORM_INVALID;
    return virtio_blk_transfer(blk, false, offset, buf, size);
}
