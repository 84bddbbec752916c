/* device_calls.c: the platform interface's net and block calls, the same on every freestanding ABI: look the device
 * up in the device table, check the request against the device model, then hand it to the ABI's transport. */
#include "lib/platform/device_model.h"
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "lib/platform/transport.h"

/* Find `name` with `type` and start its transport the first time it is acquired. */
static platform_result_t start(const char *name, uint32_t type)
{
    platform_handle_t index;
    const struct mirage_boot_device *device = platform_device_find(name, type, &index);
    if (device == NULL)
        return PLATFORM_INVALID;
    if (platform_device_get(index, type) != NULL)
        return PLATFORM_OK;
    return type == MIRAGE_DEVICE_NET ? transport_net_start(index, device) : transport_block_start(index, device);
}

platform_result_t platform_net_acquire(const char *name, platform_handle_t *handle, struct platform_net_info *info)
{
    platform_result_t started = start(name, MIRAGE_DEVICE_NET);
    return started == PLATFORM_OK ? platform_device_acquire_net(name, handle, info) : started;
}

platform_result_t platform_net_write(platform_handle_t handle, const uint8_t *buf, size_t size)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_NET);
    platform_result_t checked = mirage_net_frame_check(device, size);
    return checked == PLATFORM_OK ? transport_net_send(handle, device, buf, size) : checked;
}

platform_result_t platform_net_read(platform_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_NET);
    platform_result_t checked = mirage_net_buffer_check(device, size);
    return checked == PLATFORM_OK ? transport_net_receive(handle, device, buf, size, read_size) : checked;
}

platform_result_t platform_block_acquire(const char *name, platform_handle_t *handle,
                                         struct platform_block_info *info)
{
    platform_result_t started = start(name, MIRAGE_DEVICE_BLOCK);
    return started == PLATFORM_OK ? platform_device_acquire_block(name, handle, info) : started;
}

platform_result_t platform_block_write(platform_handle_t handle, uint64_t offset, const uint8_t *buf, size_t size)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_BLOCK);
    platform_result_t checked = mirage_block_request_check(device, offset, size);
    return checked == PLATFORM_OK ? transport_block_write(handle, device, offset, buf, size) : checked;
}

platform_result_t platform_block_read(platform_handle_t handle, uint64_t offset, uint8_t *buf, size_t size)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_BLOCK);
    platform_result_t checked = mirage_block_request_check(device, offset, size);
    return checked == PLATFORM_OK ? transport_block_read(handle, device, offset, buf, size) : checked;
}
