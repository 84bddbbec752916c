/* abi_note.c: the ELF note that marks an image as built for spt ABI version SPT_ABI_VERSION; the tender refuses
 * images without it. */
#include "lib/platform/image_notes.h"
#include "targets/spt/spt_abi.h"

struct spt_abi_note {
    struct mirage_note_header header;
    struct mirage_abi_note_desc desc;
};

__attribute__((section(".note.mirage.abi"), aligned(4), used)) static const struct spt_abi_note spt_abi_note = {
    .header = {
        .name_size = MIRAGE_NOTE_NAME_SIZE,
        .desc_size = sizeof(struct mirage_abi_note_desc),
        .type = MIRAGE_NOTE_TYPE_ABI,
        .name = MIRAGE_NOTE_NAME,
    },
    .desc = {.abi = MIRAGE_ABI_SPT, .version = SPT_ABI_VERSION},
};
