/* manifest.c: virtio_manifest: the image's own manifest note, found between the symbols virtio.ld puts around it. */
#include <stddef.h>

#include "lib/platform/device_model.h"
#include "targets/virtio/manifest.h"

struct manifest_note {
    struct mirage_note_header header;
    struct mirage_manifest_desc desc;
};

extern const unsigned char __virtio_manifest_note_start[], __virtio_manifest_note_end[];

const struct mirage_manifest_desc *virtio_manifest(void)
{
    static const struct mirage_manifest_desc empty = {.version = MIRAGE_MANIFEST_VERSION, .count = 0};
    size_t size = (size_t)(__virtio_manifest_note_end - __virtio_manifest_note_start);
    const struct manifest_note *note = (const void *)__virtio_manifest_note_start;
    uint32_t entry;

    /* Written by our own code generator, and checked by the runner, but checked like any note here too (with the
     * hosts' own check) so a bad one means "no devices". */
    if (size < sizeof(struct mirage_note_header) || note->header.type != MIRAGE_NOTE_TYPE_MANIFEST ||
        mirage_manifest_check(&note->desc, size - sizeof(struct mirage_note_header), &entry) != MIRAGE_MANIFEST_VALID)
        return &empty;
    return &note->desc;
}
