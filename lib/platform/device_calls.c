/* device_calls.c: the platform interface's net and block calls, the same on every freestanding ABI: look the device
 * up in the device table, check the request against the device model, then hand it to the ABI's transport. */
#include <string.h>

#include "lib/platform/device_model.h"
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "lib/platform/transport.h"

/* The device called `name` with `type`, its transport started the first time it is acquired; or NULL with why in
 * `*result`. */
static const struct mirage_boot_device *acquire(const char *name, uint32_t type, platform_handle_t *handle,
                                                platform_result_t *result)
{
    const struct mirage_boot_device *device = platform_device_find(name, type, handle);
    *result = device == NULL ? PLATFORM_INVALID : PLATFORM_OK;
    if (device != NULL && platform_device_get(*handle, type) == NULL) {
        *result =
            type == MIRAGE_DEVICE_NET ? transport_net_start(*handle, device) : transport_block_start(*handle, device);
        if (*result == PLATFORM_OK)
            platform_device_mark_acquired(*handle);
    }
    /* Read again: a transport may have described the device when it started it. */
    return *result == PLATFORM_OK ? platform_device_get(*handle, type) : NULL;
}

platform_result_t platform_net_acquire(const char *name, platform_handle_t *handle, struct platform_net_info *info)
{
    platform_result_t result;
    const struct mirage_boot_device *device = acquire(name, MIRAGE_DEVICE_NET, handle, &result);
    if (device == NULL)
        return result;
    memcpy(info->mac_address, device->mac, sizeof info->mac_address);
    info->mtu = device->mtu;
    return PLATFORM_OK;
}

platform_result_t platform_net_write(platform_handle_t handle, const uint8_t *buf, size_t size)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_NET);
    platform_result_t checked = mirage_net_frame_check(device, size);
    return checked == PLATFORM_OK ? transport_net_send(handle, device, buf, size) : checked;
}

platform_result_t platform_net_read(platform_handle_t handle, uint8_t *buf, size_t size, size_t *read_size,
                                    uint32_t *flags)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_NET);
    platform_result_t checked = mirage_net_buffer_check(device, size);
    /* After receive offload, a buffer must hold the largest merged frame, not just mtu + 14. */
    if (checked == PLATFORM_OK && size < platform_net_receive_frame_max(handle))
        checked = PLATFORM_INVALID;
    return checked == PLATFORM_OK ? transport_net_receive(handle, device, buf, size, read_size, flags) : checked;
}

platform_result_t platform_net_receive_offload(platform_handle_t handle, size_t *frame_max)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_NET);
    if (device == NULL)
        return PLATFORM_INVALID;
    size_t announced = 0;
    platform_result_t result = transport_net_receive_offload(handle, device, &announced);
    if (result != PLATFORM_OK)
        return result;
    platform_net_set_receive_frame_max(handle, announced);
    *frame_max = (size_t)platform_net_receive_frame_max(handle);
    return PLATFORM_OK;
}

platform_result_t platform_net_transmit_offload(platform_handle_t handle, size_t *frame_max)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_NET);
    if (device == NULL)
        return PLATFORM_INVALID;
    return transport_net_transmit_offload(handle, device, frame_max);
}

platform_result_t platform_net_write_segment(platform_handle_t handle, const uint8_t *buf, size_t size,
                                             uint32_t segment_size)
{
    const struct mirage_boot_device *device = platform_device_get(handle, MIRAGE_DEVICE_NET);
    if (device == NULL || size < PLATFORM_ETHERNET_HEADER_SIZE || segment_size == 0)
        return PLATFORM_INVALID;
    return transport_net_send_segment(handle, device, buf, size, segment_size);
}

platform_result_t platform_block_acquire(const char *name, platform_handle_t *handle, struct platform_block_info *info)
{
    platform_result_t result;
    const struct mirage_boot_device *device = acquire(name, MIRAGE_DEVICE_BLOCK, handle, &result);
    if (device == NULL)
        return result;
    info->capacity = device->capacity;
    info->block_size = device->block_size;
    return PLATFORM_OK;
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
