/* abi_note.c: the note that marks the image as a virt_arm64 guest of this ABI version; the runner refuses others. */
#include "lib/platform/image_notes.h"
#include "targets/virt_arm64/virt_abi.h"

MIRAGE_ABI_NOTE(MIRAGE_ABI_VIRT_ARM64, VIRT_ABI_VERSION);
