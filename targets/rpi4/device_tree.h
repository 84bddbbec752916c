/* device_tree.h: the one thing the board reads from the device tree the firmware (or QEMU) hands it: the boot
 * command line, /chosen/bootargs. Pure and bounds-checked (the blob is outside the image's control), so a host
 * test can feed it any bytes. */
#ifndef MIRAGE_TARGETS_RPI4_DEVICE_TREE_H
#define MIRAGE_TARGETS_RPI4_DEVICE_TREE_H

#include <stddef.h>
#include <stdint.h>

/* A device tree larger than this is refused (the Pi 4 firmware's is about 50 KiB). */
#define RPI4_DEVICE_TREE_SIZE_MAX (1024u * 1024u)

enum rpi4_device_tree_result {
    RPI4_DEVICE_TREE_FOUND = 0,
    RPI4_DEVICE_TREE_NO_BOOTARGS, /* a valid tree without /chosen/bootargs */
    RPI4_DEVICE_TREE_INVALID,     /* not a flattened device tree, or one whose offsets or sizes do not hold */
};

/* Find /chosen/bootargs in the flattened device tree at `blob`, of which at most `available` bytes may be read:
 * on RPI4_DEVICE_TREE_FOUND `*bootargs` points at its NUL-terminated value inside the blob. */
enum rpi4_device_tree_result rpi4_device_tree_bootargs(const uint8_t *blob, size_t available, const char **bootargs);

#endif
