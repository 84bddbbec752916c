/* block.c: block devices: look one up by its manifest name and read and write whole blocks through its
 * virtio-blk driver; a handle is the device's index in the manifest. */
#include <stdint.h>

#include "lib/platform/image_notes.h"
#include "lib/platform/platform.h"
#include "targets/virtio/virtio.h"

static struct virtio_blk *blk_by_handle[MIRAGE_MANIFEST_MAX_DEVICES];

static struct virtio_blk *blk_get(platform_handle_t handle)
{
    return handle < MIRAGE_MANIFEST_MAX_DEVICES ? blk_by_handle[handle] : NULL;
}

platform_result_t platform_block_acquire(const char *name, platform_handle_t *handle,
                                         struct platform_block_info *info)
{
    platform_handle_t index;
    virtio_result_t result;
    struct virtio_mmio *transport = virtio_devices_find(name, MIRAGE_DEVICE_BLOCK, &index, &result);
    if (transport == NULL || index >= MIRAGE_MANIFEST_MAX_DEVICES) {
        virtio_devices_report("block", name, result);
        return PLATFORM_INVALID;
    }
    if (blk_by_handle[index] == NULL) {
        result = virtio_blk_start(transport, &blk_by_handle[index]);
        if (result != VIRTIO_OK) {
            virtio_devices_report("block", name, result);
            return PLATFORM_UNSPECIFIED;
        }
    }
    info->capacity = virtio_blk_capacity(blk_by_handle[index]);
    info->block_size = VIRTIO_BLK_SECTOR_SIZE;
    *handle = index;
    return PLATFORM_OK;
}

/* The device checks the same; checking here turns a caller's mistake into PLATFORM_INVALID before a request. */
static bool request_is_valid(const struct virtio_blk *blk, uint64_t offset, size_t size)
{
    if (blk == NULL)
        return false;
    if (offset % VIRTIO_BLK_SECTOR_SIZE != 0 || size % VIRTIO_BLK_SECTOR_SIZE != 0)
        return false;
    uint64_t capacity = virtio_blk_capacity(blk);
    return offset <= capacity && size <= capacity - offset;
}

platform_result_t platform_block_write(platform_handle_t handle, uint64_t offset, const uint8_t *buf, size_t size)
{
    struct virtio_blk *blk = blk_get(handle);
    if (!request_is_valid(blk, offset, size))
        return PLATFORM_INVALID;
    /* The device only reads the buffer of a write. */
    return virtio_blk_transfer(blk, true, offset, (uint8_t *)(uintptr_t)buf, size);
}

platform_result_t platform_block_read(platform_handle_t handle, uint64_t offset, uint8_t *buf, size_t size)
{
    struct virtio_blk *blk = blk_get(handle);
    if (!request_is_valid(blk, offset, size))
        return PLATFORM_INVALID;
    return virtio_blk_transfer(blk, false, offset, buf, size);
}
