/* devices.c: the image's manifest against what the board can attach: nothing yet (the Pi 4's GENET Ethernet and
 * EMMC2 SD controller have no driver here), so an image that names a network or block device refuses to boot, as
 * a tender refuses one whose device is missing; the transports of lib/platform/transport.h are never reached. */
#include <stddef.h>
#include <string.h>

#include "lib/platform/device_model.h"
#include "lib/platform/device_table.h"
#include "lib/platform/transport.h"
#include "targets/rpi4/bindings.h"

struct manifest_note {
    struct mirage_note_header header;
    struct mirage_manifest_desc desc;
};

extern const unsigned char __rpi4_manifest_note_start[], __rpi4_manifest_note_end[];

void rpi4_devices_init(void)
{
    static const struct mirage_boot_devices none;
    size_t size = (size_t)(__rpi4_manifest_note_end - __rpi4_manifest_note_start);
    const struct manifest_note *note = (const void *)__rpi4_manifest_note_start;
    uint32_t entry = 0;

    if (size >= sizeof(struct mirage_note_header)) {
        if (note->header.type != MIRAGE_NOTE_TYPE_MANIFEST ||
            mirage_manifest_check(&note->desc, size - sizeof(struct mirage_note_header), &entry) !=
                MIRAGE_MANIFEST_VALID)
            rpi4_fail("rpi4: the image's manifest note is malformed");
        if (note->desc.count > 0) {
            const struct mirage_manifest_entry *device = &note->desc.entries[0];
            rpi4_console_puts("rpi4: the image needs the ");
            rpi4_console_puts(mirage_device_type_name(device->type));
            rpi4_console_puts(" device '");
            rpi4_console_puts(device->name);
            rpi4_fail("', and this board attaches none (no GENET Ethernet or SD card driver yet)");
        }
    }
    platform_devices_init(&none);
}

platform_result_t transport_net_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    (void)handle;
    (void)device;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_block_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    (void)handle;
    (void)device;
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

platform_result_t transport_net_receive_offload(platform_handle_t handle, const struct mirage_boot_device *device,
                                                size_t *frame_max)
{
    (void)handle, (void)device, (void)frame_max;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_net_transmit_offload(platform_handle_t handle, const struct mirage_boot_device *device,
                                                 size_t *frame_max)
{
    (void)handle, (void)device, (void)frame_max;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_net_send_segment(platform_handle_t handle, const struct mirage_boot_device *device,
                                             const uint8_t *frame, size_t size, uint32_t segment_size)
{
    (void)handle, (void)device, (void)frame, (void)size, (void)segment_size;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_block_read(platform_handle_t handle, const struct mirage_boot_device *device,
                                       uint64_t offset, uint8_t *buf, size_t size)
{
    (void)handle, (void)device, (void)offset, (void)buf, (void)size;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_block_write(platform_handle_t handle, const struct mirage_boot_device *device,
                                        uint64_t offset, const uint8_t *buf, size_t size)
{
    (void)handle, (void)device, (void)offset, (void)buf, (void)size;
    return PLATFORM_UNSPECIFIED;
}
