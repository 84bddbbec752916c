/* net.c: network devices: look one up by its manifest name, and move Ethernet frames through the tender. */
#include "lib/platform/platform.h"
#include "targets/hvt/bindings.h"
#include "targets/hvt/hypercall.h"

#define ETHERNET_HEADER_SIZE 14

platform_result_t platform_net_acquire(const char *name, platform_handle_t *handle, struct platform_net_info *info)
{
    int64_t index = hvt_device_find(name, MIRAGE_DEVICE_NET);
    if (index < 0)
        return PLATFORM_INVALID;
    const struct mirage_boot_device *device = hvt_device_get((uint64_t)index, MIRAGE_DEVICE_NET);
    for (int i = 0; i < 6; i++)
        info->mac_address[i] = device->mac[i];
    info->mtu = device->mtu;
    *handle = (platform_handle_t)index;
    return PLATFORM_OK;
}

platform_result_t platform_net_write(platform_handle_t handle, const uint8_t *buf, size_t size)
{
    const struct mirage_boot_device *device = hvt_device_get(handle, MIRAGE_DEVICE_NET);
    if (device == NULL || size > (size_t)device->mtu + ETHERNET_HEADER_SIZE)
        return PLATFORM_INVALID;
    struct hvt_hc_net_write call = {
        .handle = handle,
        .data = (uint64_t)(uintptr_t)buf,
        .len = size,
    };
    hvt_hypercall(HVT_HYPERCALL_NET_WRITE, &call);
    return (platform_result_t)call.ret;
}

platform_result_t platform_net_read(platform_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    if (hvt_device_get(handle, MIRAGE_DEVICE_NET) == NULL)
        return PLATFORM_INVALID;
    struct hvt_hc_net_read call = {
        .handle = handle,
        .data = (uint64_t)(uintptr_t)buf,
        .len = size,
    };
    hvt_hypercall(HVT_HYPERCALL_NET_READ, &call);
    if (call.ret == PLATFORM_OK)
        *read_size = (size_t)call.len;
    return (platform_result_t)call.ret;
}
