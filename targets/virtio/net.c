/* net.c: virtio net transport: start the virtio-net driver of a device the platform's table names, and move
 * Ethernet frames through it; a handle is the device's index in the manifest. */
#include <stdint.h>
#include <string.h>

#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "lib/platform/transport.h"
#include "targets/virtio/virtio.h"

static struct virtio_net *net_by_handle[MIRAGE_MANIFEST_MAX_DEVICES];

platform_result_t transport_net_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    struct virtio_mmio *transport = virtio_devices_transport(handle, device);
    if (transport == NULL)
        return PLATFORM_UNSPECIFIED;
    virtio_result_t result = virtio_net_start(transport, &net_by_handle[handle]);
    if (result != VIRTIO_OK) {
        virtio_devices_report(device, result);
        return PLATFORM_UNSPECIFIED;
    }
    struct platform_net_info started;
    struct mirage_boot_device described = {.type = MIRAGE_DEVICE_NET};
    virtio_net_info(net_by_handle[handle], &started);
    memcpy(described.mac, started.mac_address, sizeof described.mac);
    described.mtu = (uint32_t)started.mtu;
    platform_device_describe(handle, &described);
    return PLATFORM_OK;
}

/* Copies the frame into a transmit buffer (the caller reuses `frame`); PLATFORM_OK means the device has it. */
platform_result_t transport_net_send(platform_handle_t handle, const struct mirage_boot_device *device,
                                     const uint8_t *frame, size_t size)
{
    (void)device;
    return virtio_net_send(net_by_handle[handle], frame, size);
}

platform_result_t transport_net_receive(platform_handle_t handle, const struct mirage_boot_device *device, uint8_t *buf,
                                        size_t size, size_t *read_size, uint32_t *flags)
{
    (void)device;
    return virtio_net_receive(net_by_handle[handle], buf, size, read_size, flags);
}

platform_result_t transport_net_receive_offload(platform_handle_t handle, const struct mirage_boot_device *device,
                                                size_t *frame_max)
{
    (void)device;
    return virtio_net_receive_offload(net_by_handle[handle], frame_max);
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

void virtio_net_flush_all(void)
{
    for (uint32_t handle = 0; handle < MIRAGE_MANIFEST_MAX_DEVICES; handle++) {
        if (net_by_handle[handle] != NULL)
            virtio_net_flush(net_by_handle[handle]);
    }
}

bool virtio_net_interrupts_on(void)
{
    bool ready = false;
    /* The unikernel is about to sleep: frames it queued must not wait for its next read (virtio_net_send). */
    virtio_net_flush_all();
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

/* Transmit offload where the device took CSUM and HOST_TSO4 (virtio_net.c). */
platform_result_t transport_net_transmit_offload(platform_handle_t handle, const struct mirage_boot_device *device,
                                                 size_t *frame_max)
{
    (void)device;
    return virtio_net_transmit_offload(net_by_handle[handle], frame_max);
}

platform_result_t transport_net_send_segment(platform_handle_t handle, const struct mirage_boot_device *device,
                                             const uint8_t *frame, size_t size, uint32_t segment_size)
{
    (void)device;
    return virtio_net_send_segment(net_by_handle[handle], frame, size, segment_size);
}
