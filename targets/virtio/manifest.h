/* manifest.h: the guest's view of its own manifest note, for the virtio device drivers. */
#ifndef MIRAGE_TARGETS_VIRTIO_MANIFEST_H
#define MIRAGE_TARGETS_VIRTIO_MANIFEST_H

#include "lib/platform/image_notes.h"

/* The image's manifest (the generated main.c's .note.mirage.manifest), or a static empty one (count 0) when the
 * image has none. Entry i is the device the runner attached i-th (targets/virtio/pvh_abi.h says where). */
const struct mirage_manifest_desc *virtio_manifest(void);

#endif
