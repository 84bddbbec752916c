/* devices.c: the image's manifest against what the board can attach: one block device, the SD card in the EMMC2
 * slot (sdhci.c), and no network device (the Pi 4's GENET Ethernet has no driver here, and QEMU's raspi4b has no
 * network device). An image that names more refuses to boot, as a tender refuses one whose device is missing. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/device_model.h"
#include "lib/platform/device_table.h"
#include "lib/platform/transport.h"
#include "targets/rpi4/bindings.h"

struct manifest_note {
    struct mirage_note_header header;
    struct mirage_manifest_desc desc;
};

extern const unsigned char __rpi4_manifest_note_start[], __rpi4_manifest_note_end[];

static _Noreturn void refuse(const struct mirage_manifest_entry *device, const char *why)
{
    char message[200];
    snprintf(message, sizeof message, "the image needs the %s device '%s', and %s",
             mirage_device_type_name(device->type), device->name, why);
    aarch64_fail(message);
}

void rpi4_devices_init(void)
{
    /* Static: the table is large, and copied by platform_devices_init. */
    static struct mirage_boot_devices table;
    size_t size = (size_t)(__rpi4_manifest_note_end - __rpi4_manifest_note_start);
    const struct manifest_note *note = (const void *)__rpi4_manifest_note_start;
    uint32_t entry = 0;

    memset(&table, 0, sizeof table);
    if (size >= sizeof(struct mirage_note_header)) {
        if (note->header.type != MIRAGE_NOTE_TYPE_MANIFEST ||
            mirage_manifest_check(&note->desc, size - sizeof(struct mirage_note_header), &entry) !=
                MIRAGE_MANIFEST_VALID)
            aarch64_fail("the image's manifest note is malformed");
        for (uint32_t i = 0; i < note->desc.count; i++) {
            const struct mirage_manifest_entry *device = &note->desc.entries[i];
            if (device->type == MIRAGE_DEVICE_NET)
                refuse(device, "this board has no network driver (the Pi 4's GENET Ethernet is not written)");
            if (i > 0)
                refuse(device, "this board attaches one block device, the SD card");
            memcpy(table.devices[i].name, device->name, MIRAGE_MANIFEST_NAME_SIZE);
            table.devices[i].type = device->type;
            table.devices[i].host_fd = -1;
        }
        table.count = note->desc.count;
    }
    platform_devices_init(&table);
}

platform_result_t transport_block_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    uint64_t capacity = 0;
    const char *problem = rpi4_sd_start(&capacity);
    if (problem != NULL) {
        pl011_puts("rpi4: the SD card for block device '");
        pl011_puts(device->name);
        pl011_puts("' cannot be used: ");
        pl011_puts(problem);
        pl011_puts("\n");
        return PLATFORM_UNSPECIFIED;
    }
    struct mirage_boot_device described = *device;
    described.capacity = capacity;
    described.block_size = RPI4_SD_BLOCK_SIZE;
    platform_device_describe(handle, &described);
    return PLATFORM_OK;
}

platform_result_t transport_block_read(platform_handle_t handle, const struct mirage_boot_device *device,
                                       uint64_t offset, uint8_t *buf, size_t size)
{
    (void)handle, (void)device;
    return rpi4_sd_read(offset, buf, size) ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
}

platform_result_t transport_block_write(platform_handle_t handle, const struct mirage_boot_device *device,
                                        uint64_t offset, const uint8_t *buf, size_t size)
{
    (void)handle, (void)device;
    return rpi4_sd_write(offset, buf, size) ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
}

/* The manifest check at boot lets no network device through, so these are never called. */
platform_result_t transport_net_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    (void)handle, (void)device;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_net_send(platform_handle_t handle, const struct mirage_boot_device *device,
                                     const uint8_t *frame, size_t size)
{
    (void)handle, (void)device, (void)frame, (void)size;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_net_receive(platform_handle_t handle, const struct mirage_boot_device *device, uint8_t *buf,
                                        size_t size, size_t *read_size, uint32_t *flags)
{
    (void)handle, (void)device, (void)buf, (void)size, (void)read_size, (void)flags;
    return PLATFORM_UNSPECIFIED;
}
