/* block.c: hvt block transport: whole blocks through the tender's BLOCK_READ and BLOCK_WRITE hypercalls. */
#include "lib/platform/transport.h"
#include "targets/hvt/hypercall.h"

platform_result_t transport_block_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    (void)handle;
    (void)device;
    return PLATFORM_OK; /* the tender opened the file before the guest started */
}

/* The tender checks the request again: it trusts no guest. */
static platform_result_t block_call(enum hvt_hypercall number, platform_handle_t handle, uint64_t offset, uint64_t data,
                                    size_t size)
{
    struct hvt_hc_block call = {
        .handle = handle,
        .offset = offset,
        .data = data,
        .len = size,
    };
    hvt_hypercall(number, &call);
    return (platform_result_t)call.ret;
}

platform_result_t transport_block_write(platform_handle_t handle, const struct mirage_boot_device *device,
                                        uint64_t offset, const uint8_t *buf, size_t size)
{
    (void)device;
    return block_call(HVT_HYPERCALL_BLOCK_WRITE, handle, offset, (uint64_t)(uintptr_t)buf, size);
}

platform_result_t transport_block_read(platform_handle_t handle, const struct mirage_boot_device *device,
                                       uint64_t offset, uint8_t *buf, size_t size)
{
    (void)device;
    return block_call(HVT_HYPERCALL_BLOCK_READ, handle, offset, (uint64_t)(uintptr_t)buf, size);
}
