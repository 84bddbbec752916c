/* block.c: block devices: read and write whole blocks through the tender's BLOCK_READ and BLOCK_WRITE hypercalls. */
#include "lib/platform/device_model.h"
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "targets/hvt/hypercall.h"

platform_result_t platform_block_acquire(const char *name, platform_handle_t *handle,
                                         struct platform_block_info *info)
{
    return platform_device_acquire_block(name, handle, info);
}

/* The tender checks the same; checking here turns a caller's mistake into PLATFORM_INVALID without an exit. */
static platform_result_t block_call(enum hvt_hypercall number, platform_handle_t handle, uint64_t offset,
                                    uint64_t data, size_t size)
{
    platform_result_t checked =
        mirage_block_request_check(platform_device_get(handle, MIRAGE_DEVICE_BLOCK), offset, size);
    if (checked != PLATFORM_OK)
        return checked;
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
