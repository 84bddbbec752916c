/* net.c: network devices: look one up by its manifest name and move Ethernet frames through its virtio-net
 * driver; a handle is the device's index in the manifest. */
#include <stdint.h>

#include "lib/platform/image_notes.h"
#include "lib/platform/platform.h"
#include "targets/virtio/virtio.h"

static struct virtio_net *net_by_handle[MIRAGE_MANIFEST_MAX_DEVICES];

static struct virtio_net *net_get(platform_handle_t handle)
{
    return handle < MIRAGE_MANIFEST_MAX_DEVICES ? net_by_handle[handle] : NULL;
}

platform_result_t platform_net_acquire(const char *name, platform_handle_t *handle, struct platform_net_info *info)
{
    platform_handle_t index;
    virtio_result_t result;
    struct virtio_mmio *transport = virtio_devices_find(name, MIRAGE_DEVICE_NET, &index, &result);
    if (transport == NULL || index >= MIRAGE_MANIFEST_MAX_DEVICES) {
        virtio_devices_report("net", name, result);
        return PLATFORM_INVALID;
    }
    if (net_by_handle[index] == NULL) {
        result = virtio_net_start(transport, &net_by_handle[index]);
        if (result != VIRTIO_OK) {
            virtio_devices_report("net", name, result);
            return PLATFORM_UNSPECIFIED;
        }
    }
    virtio_net_info(net_by_handle[index], info);
    *handle = index;
    return PLATFORM_OK;
}

/* Copies the frame into a transmit buffer (the caller reuses `buf`); PLATFORM_OK means the device has it. */
platform_result_t platform_net_write(platform_handle_t handle, const uint8_t *buf, size_t size)
{
    struct virtio_net *net = net_get(handle);
    if (net == NULL)
        return PLATFORM_INVALID;
    return virtio_net_send(net, buf, size);
}

platform_result_t platform_net_read(platform_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    struct virtio_net *net = net_get(handle);
    if (net == NULL)
        return PLATFORM_INVALID;
    return virtio_net_receive(net, buf, size, read_size);
}

uint64_t virtio_net_acquired_set(void)
{
    uint64_t set = 0;
    for (uint32_t handle = 0; handle < MIRAGE_MANIFEST_MAX_DEVICES; handle++) {
        if (net_by_handle[handle] != NULL)
            set |= UINT64_C(1) << handle;
    }
    return set;
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
