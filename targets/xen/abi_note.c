/* abi_note.c: the note that marks the image as a Xen PVH guest of this ABI version. */
#include "lib/platform/image_notes.h"
#include "targets/xen/bindings.h"

/* Version 1: a PVH guest with the Xen console, pvclock time and no devices. */
#define XEN_ABI_VERSION 1

MIRAGE_ABI_NOTE(MIRAGE_ABI_XEN, XEN_ABI_VERSION);
