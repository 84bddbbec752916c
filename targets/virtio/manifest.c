/* manifest.c: virtio_manifest: the image's own manifest note, found between the symbols virtio.ld puts around it. */
#include <stddef.h>

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

    /* Written by our own code generator, but checked like any note so a bad one means "no devices". */
    if (size < sizeof(struct mirage_note_header) + offsetof(struct mirage_manifest_desc, entries) ||
        note->header.type != MIRAGE_NOTE_TYPE_MANIFEST || note->desc.version != MIRAGE_MANIFEST_VERSION ||
        note->desc.count > MIRAGE_MANIFEST_MAX_DEVICES ||
        size < sizeof(struct mirage_note_header) + offsetof(struct mirage_manifest_desc, entries) +
                   note->desc.count * sizeof(struct mirage_manifest_entry))
        return &empty;
    return &note->desc;
}
