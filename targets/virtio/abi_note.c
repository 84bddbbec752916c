/* abi_note.c: the note that marks the image as a virtio guest of this ABI version; the runner refuses others. */
#include "lib/platform/image_notes.h"
#include "targets/virtio/pvh_abi.h"

struct virtio_abi_note {
    struct mirage_note_header header;
    struct mirage_abi_note_desc desc;
};

/* The assembler gives sections named .note* the SHT_NOTE type; virtio.ld puts it in the PT_NOTE. */
__attribute__((section(".note.mirage.abi"), aligned(4), used)) static const struct virtio_abi_note virtio_abi_note = {
    .header = {
        .name_size = MIRAGE_NOTE_NAME_SIZE,
        .desc_size = sizeof(struct mirage_abi_note_desc),
        .type = MIRAGE_NOTE_TYPE_ABI,
        .name = MIRAGE_NOTE_NAME,
    },
    .desc = {
        .abi = MIRAGE_ABI_VIRTIO,
        .version = VIRTIO_ABI_VERSION,
    },
};
