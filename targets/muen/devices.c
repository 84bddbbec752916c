/* devices.c: the image's manifest as the platform's device table, and the block transport of
 * lib/platform/transport.h, which refuses to start: this ABI has no block transport over Muen channels, so an image
 * that needs one stops at its connect with the device's name on the console (net.c is the network transport). */
#include <string.h>

#include "lib/platform/device_model.h"
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "lib/platform/transport.h"
#include "targets/muen/bindings.h"

struct manifest_note {
    struct mirage_note_header header;
    struct mirage_manifest_desc desc;
};

/* muen.ld puts these around the image's own manifest note. */
extern const unsigned char __muen_manifest_note_start[], __muen_manifest_note_end[];

void muen_devices_init(void)
{
    /* Static: the table is large, and copied by platform_devices_init. */
    static struct mirage_boot_devices table;
    size_t size = (size_t)(__muen_manifest_note_end - __muen_manifest_note_start);
    const struct manifest_note *note = (const void *)__muen_manifest_note_start;
    uint32_t entry;

    memset(&table, 0, sizeof table);
    /* Our own code generator wrote it, but a bad note means no devices rather than trust in it. */
    if (size >= sizeof(struct mirage_note_header) && note->header.type == MIRAGE_NOTE_TYPE_MANIFEST &&
        mirage_manifest_check(&note->desc, size - sizeof(struct mirage_note_header), &entry) == MIRAGE_MANIFEST_VALID) {
        table.count = note->desc.count;
        for (uint32_t i = 0; i < table.count; i++) {
            memcpy(table.devices[i].name, note->desc.entries[i].name, MIRAGE_MANIFEST_NAME_SIZE);
            table.devices[i].type = note->desc.entries[i].type;
            table.devices[i].host_fd = -1;
        }
    }
    platform_devices_init(&table);
}

static platform_result_t refuse(const struct mirage_boot_device *device)
{
    static const char before[] = "muen: device ";
    static const char after[] = " cannot start: the muen ABI has no block transport over Muen channels\n";
    platform_console_write(before, sizeof before - 1);
    platform_console_write(device->name, strnlen(device->name, MIRAGE_MANIFEST_NAME_SIZE));
    platform_console_write(after, sizeof after - 1);
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_block_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    (void)handle;
    return refuse(device);
}

/* Never reached: lib/platform calls these only for acquired devices, and no block device is. */
platform_result_t transport_block_read(platform_handle_t handle, const struct mirage_boot_device *device,
                                       uint64_t offset, uint8_t *buf, size_t size)
{
    (void)handle, (void)device, (void)offset, (void)buf, (void)size;
    return PLATFORM_INVALID;
}

platform_result_t transport_block_write(platform_handle_t handle, const struct mirage_boot_device *device,
                                        uint64_t offset, const uint8_t *buf, size_t size)
{
    (void)handle, (void)device, (void)offset, (void)buf, (void)size;
    return PLATFORM_INVALID;
}
