/* abi_note.c: the note that marks the image as an spt guest of this ABI version; the tender refuses others. */
#include "lib/platform/image_notes.h"
#include "targets/spt/spt_abi.h"

MIRAGE_ABI_NOTE(MIRAGE_ABI_SPT, SPT_ABI_VERSION);
