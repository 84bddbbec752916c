/* abi_note.c: the note that marks the image as an hvt guest of this ABI version; the tender refuses others. */
#include "lib/platform/image_notes.h"
#include "targets/hvt/hvt_abi.h"

MIRAGE_ABI_NOTE(MIRAGE_ABI_HVT, HVT_ABI_VERSION);
