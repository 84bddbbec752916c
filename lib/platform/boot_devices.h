/* boot_devices.h: the table of attached devices a tender hands to the guest at boot (hvt and spt). */
#ifndef MIRAGE_PLATFORM_BOOT_DEVICES_H
#define MIRAGE_PLATFORM_BOOT_DEVICES_H

#include <stdint.h>

#include "lib/platform/image_notes.h"

/* One device of the manifest, as the tender attached it. The handle is the entry's index in the table. */
struct mirage_boot_device {
    char name[MIRAGE_MANIFEST_NAME_SIZE];
    uint32_t type;  /* enum mirage_device_type */
    uint32_t mtu;   /* net: largest payload */
    uint8_t mac[6]; /* net: the guest's MAC address */
    uint8_t reserved[2];
    uint64_t capacity;   /* block: bytes */
    uint64_t block_size; /* block: bytes */
    int64_t host_fd;     /* spt: the file descriptor the guest uses; hvt: -1 (the tender keeps it) */
};

struct mirage_boot_devices {
    uint32_t count;
    uint32_t reserved;
    struct mirage_boot_device devices[MIRAGE_MANIFEST_MAX_DEVICES];
};

#endif
