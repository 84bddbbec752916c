/* abi_note.c: the note that marks the image as a muen subject of this contract version (muen_abi.h). */
#include "lib/platform/image_notes.h"
#include "targets/muen/muen_abi.h"

MIRAGE_ABI_NOTE(MIRAGE_ABI_MUEN, MUEN_ABI_VERSION);
