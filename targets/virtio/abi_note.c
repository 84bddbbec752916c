/* abi_note.c: the note that marks the image as a virtio guest of this ABI version; the runner refuses others. */
#include "lib/platform/image_notes.h"
#include "targets/virtio/pvh_abi.h"

MIRAGE_ABI_NOTE(MIRAGE_ABI_VIRTIO, VIRTIO_ABI_VERSION);
