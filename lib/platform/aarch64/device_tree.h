/* device_tree.h: what an aarch64 board reads from the flattened device tree its firmware (or QEMU) hands it: the
 * boot command line (/chosen/bootargs) and where RAM is (/memory's reg). Pure and bounds-checked (the blob is
 * outside the image's control), so a host test can feed it any bytes. */
#ifndef MIRAGE_LIB_PLATFORM_AARCH64_DEVICE_TREE_H
#define MIRAGE_LIB_PLATFORM_AARCH64_DEVICE_TREE_H

#include <stddef.h>
#include <stdint.h>

/* A device tree larger than this is refused (QEMU's are 1 MiB at most, the Pi 4 firmware's about 50 KiB). */
#define DEVICE_TREE_SIZE_MAX (2u * 1024u * 1024u)

struct device_tree_boot {
    /* /chosen/bootargs, NUL-terminated inside the blob; NULL when the tree has none. */
    const char *bootargs;
    /* The first (address, size) pair of the first /memory node's reg; memory_size is 0 when there is none. */
    uint64_t memory_base, memory_size;
};

/* Read `*boot` from the flattened device tree (version 17 or later) at `blob`, of which at most `available` bytes
 * may be read. Returns NULL, or what makes the tree unusable (then `*boot` says nothing). */
const char *device_tree_read(const uint8_t *blob, size_t available, struct device_tree_boot *boot);

#endif
