/* virtio_devices.c: the image's manifest as the platform's device table, and each entry's virtio-mmio transport,
 * for the drivers' acquire calls (net.c, block.c), which depend on this file and not the other way round.
 *
 * The runner puts manifest entry i on transport i; where transport i lives is the board's to say
 * (virtio_board_transport_base: QEMU microvm on x86_64, QEMU virt on aarch64). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/platform/device_model.h"
#include "lib/platform/device_table.h"
#include "lib/platform/image_notes.h"
#include "targets/virtio/manifest.h"
#include "targets/virtio/virtio.h"

static struct virtio_mmio transports[MIRAGE_MANIFEST_MAX_DEVICES];

static uint32_t virtio_id_of(uint32_t manifest_type)
{
    switch (manifest_type) {
    case MIRAGE_DEVICE_NET:
        return VIRTIO_DEVICE_ID_NET;
    case MIRAGE_DEVICE_BLOCK:
        return VIRTIO_DEVICE_ID_BLOCK;
    default:
        return 0;
    }
}

void virtio_devices_init(void)
{
    /* Static: the table is large, and copied by platform_devices_init. */
    static struct mirage_boot_devices table;
    const struct mirage_manifest_desc *manifest = virtio_manifest();

    memset(&table, 0, sizeof table);
    table.count = manifest->count <= MIRAGE_MANIFEST_MAX_DEVICES ? manifest->count : MIRAGE_MANIFEST_MAX_DEVICES;
    for (uint32_t i = 0; i < table.count; i++) {
        memcpy(table.devices[i].name, manifest->entries[i].name, MIRAGE_MANIFEST_NAME_SIZE);
        table.devices[i].type = manifest->entries[i].type;
        table.devices[i].host_fd = -1; /* QEMU holds the host resource */
    }
    platform_devices_init(&table);
}

/* The transport of manifest entry `index` if a device of `type` is attached to it, else NULL. */
static struct virtio_mmio *transport_of(platform_handle_t index, uint32_t type)
{
    uint32_t device_id = virtio_id_of(type);
    if (index >= MIRAGE_MANIFEST_MAX_DEVICES || device_id == 0)
        return NULL;
    struct virtio_mmio *transport = &transports[index];
    if (transport->base == 0) {
        uintptr_t base = virtio_board_transport_base((uint32_t)index);
        if (base == 0 || !virtio_mmio_probe(base, transport)) {
            transport->base = 0;
            return NULL;
        }
    }
    return transport->device_id == device_id ? transport : NULL;
}

struct virtio_mmio *virtio_devices_transport(platform_handle_t index, const struct mirage_boot_device *device)
{
    struct virtio_mmio *transport = transport_of(index, device->type);
    if (transport == NULL)
        virtio_devices_report(device, VIRTIO_ERROR_NOT_FOUND);
    return transport;
}

static const char *describe(virtio_result_t result)
{
    switch (result) {
    case VIRTIO_OK:
        return "ok";
    case VIRTIO_ERROR_NOT_FOUND:
        return "no device of that type on its virtio-mmio transport";
    case VIRTIO_ERROR_LEGACY:
        return "legacy virtio-mmio transport (run QEMU with -global virtio-mmio.force-legacy=false)";
    case VIRTIO_ERROR_RESET:
        return "the device did not reset";
    case VIRTIO_ERROR_FEATURES_MISSING:
        return "the device does not offer VIRTIO_F_VERSION_1";
    case VIRTIO_ERROR_FEATURES_REFUSED:
        return "the device refused the negotiated features";
    case VIRTIO_ERROR_QUEUE_MISSING:
        return "the device lacks a virtqueue";
    case VIRTIO_ERROR_QUEUE_IN_USE:
        return "a virtqueue was already live after reset";
    case VIRTIO_ERROR_QUEUE_MEMORY:
        return "out of static virtqueue memory";
    case VIRTIO_ERROR_DEVICE_FAILED:
        return "the device needs a reset";
    case VIRTIO_ERROR_TOO_MANY:
        return "more devices of this kind than the drivers support";
    }
    return "unknown error";
}

void virtio_devices_report(const struct mirage_boot_device *device, virtio_result_t result)
{
    char line[200];
    int len = snprintf(line, sizeof(line), "virtio: %s device '%.63s': %s\n", mirage_device_type_name(device->type),
                       device->name, describe(result));
    if (len > 0)
        platform_console_write(line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
}
