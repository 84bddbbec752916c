/* block.c: block devices: look one up by its manifest name, and read and write whole blocks through the tender. */
#include "lib/platform/platform.h"
#include "targets/hvt/bindings.h"
#include "targets/hvt/hypercall.h"

platform_result_t platform_block_acquire(const char *name, platform_handle_t *handle,
                                         struct platform_block_info *info)
{
    int64_t index = hvt_device_find(name, MIRAGE_DEVICE_BLOCK);
    if (index < 0)
        return PLATFORM_INVALID;
    const struct mirage_boot_device *device = hvt_device_get((uint64_t)index, MIRAGE_DEVICE_BLOCK);
    info->capacity = device->capacity;
    info->block_size = device->block_size;
    *handle = (platform_handle_t)index;
    return PLATFORM_OK;
}

/* The tender checks the same; checking here too turns a caller's mistake into PLATFORM_INVALID without an exit. */
static bool request_is_valid(const struct mirage_boot_device *device, uint64_t offset, size_t size)
{
    if (device == NULL || device->block_size == 0)
        return false;
    if (offset % device->block_size != 0 || size % device->block_size != 0)
        return false;
    return offset <= device->capacity && size <= device->capacity - offset;
}

static platform_result_t block_call(enum hvt_hypercall number, platform_handle_t handle, uint64_t offset,
                                    uint64_t data, size_t size)
{
    if (!request_is_valid(hvt_device_get(handle, MIRAGE_DEVICE_BLOCK), offset, size))
        return PLATFORM_INVALID;
    struct hvt_hc_block call = {
        .handle = handle,
        .offset = offset,
        .data = data,
        .len = size,
    };
    hvt_hypercall(number, &call);
    return (platform_result_t)call.ret;
}

platform_result_t platform_block_write(platform_handle_t handle, uint64_t offset, const uint8_t *buf, size_t size)
{
    return block_call(HVT_HYPERCALL_BLOCK_WRITE, handle, offset, (uint64_t)(uintptr_t)buf, size);
}

platform_result_t platform_block_read(platform_handle_t handle, uint64_t offset, uint8_t *buf, size_t size)
{
    return block_call(HVT_HYPERCALL_BLOCK_READ, handle, offset, (uint64_t)(uintptr_t)buf, size);
}
