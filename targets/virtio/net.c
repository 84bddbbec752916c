/* net.c: network devices: start the virtio-net driver of a device the platform's table names, and move Ethernet
 * frames through it; a handle is the device's index in the manifest. */
#include <stdint.h>
#include <string.h>

#include "lib/platform/device_model.h"
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "targets/virtio/virtio.h"

static struct virtio_net *net_by_handle[MIRAGE_MANIFEST_MAX_DEVICES];

/* The driver of acquired net device `handle` and its table entry, or NULL. */
static struct virtio_net *net_get(platform_handle_t handle, const struct mirage_boot_device **device)
{
    *device = platform_device_get(handle, MIRAGE_DEVICE_NET);
    return *device != NULL ? net_by_handle[handle] : NULL;
}

platform_result_t platform_net_acquire(const char *name, platform_handle_t *handle, struct platform_net_info *info)
{
    platform_handle_t index;
    struct virtio_mmio *transport;
    platform_result_t claimed = virtio_devices_claim(name, MIRAGE_DEVICE_NET, &index, &transport);
    if (claimed != PLATFORM_OK)
        return claimed;
    if (net_by_handle[index] == NULL) {
        virtio_result_t result = virtio_net_start(transport, &net_by_handle[index]);
        if (result != VIRTIO_OK) {
            virtio_devices_report("net", name, result);
            return PLATFORM_UNSPECIFIED;
        }
        struct platform_net_info started;
        struct mirage_boot_device described = {.type = MIRAGE_DEVICE_NET};
        virtio_net_info(net_by_handle[index], &started);
        memcpy(described.mac, started.mac_address, sizeof described.mac);
        described.mtu = (uint32_t)started.mtu;
        platform_device_describe(index, &described);
    }
    return platform_device_acquire_net(name, handle, info);
}

/* Copies the frame into a transmit buffer (the caller reuses `buf`); PLATFORM_OK means the device has it. */
platform_result_t platform_net_write(platform_handle_t handle, const uint8_t *buf, size_t size)
{
    const struct mirage_boot_device *device;
    struct virtio_net *net = net_get(handle, &device);
    if (net == NULL || mirage_net_frame_check(device, size) != PLATFORM_OK)
        return PLATFORM_INVALID;
    return virtio_net_send(net, buf, size);
}

platform_result_t platform_net_read(platform_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    const struct mirage_boot_device *device;
    struct virtio_net *net = net_get(handle, &device);
    if (net == NULL || mirage_net_buffer_check(device, size) != PLATFORM_OK)
        return PLATFORM_INVALID;
    return virtio_net_receive(net, buf, size, read_size);
}

uint64_t virtio_net_ready_set(void)
{
    uint64_t set = 0;
    for (uint32_t handle = 0; handle < MIRAGE_MANIFEST_MAX_DEVICES; handle++) {
        if (net_by_handle[handle] != NULL && virtio_net_has_frame(net_by_handle[handle]))
            set |= UINT64_C(1) << handle;
    }
    return set;
}

bool virtio_net_interrupts_on(void)
{
    bool ready = false;
    for (uint32_t handle = 0; handle < MIRAGE_MANIFEST_MAX_DEVICES; handle++) {
        if (net_by_handle[handle] != NULL && !virtio_net_can_interrupt(net_by_handle[handle]))
            return false;
    }
    for (uint32_t handle = 0; handle < MIRAGE_MANIFEST_MAX_DEVICES; handle++) {
        if (net_by_handle[handle] != NULL)
            ready |= virtio_net_interrupts(net_by_handle[handle], true);
    }
    if (ready)
        virtio_net_interrupts_off();
    return !ready;
}

void virtio_net_interrupts_off(void)
{
    for (uint32_t handle = 0; handle < MIRAGE_MANIFEST_MAX_DEVICES; handle++) {
        if (net_by_handle[handle] != NULL)
            (void)virtio_net_interrupts(net_by_handle[handle], false);
    }
}
