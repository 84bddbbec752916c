/* pvh_start_info.h: the PVH boot protocol's start info (Xen's struct hvm_start_info, version 1), as QEMU and Xen
 * hand it to a PVH kernel, and one checked reader of it shared by the PVH ABIs (virtio, xen). */
#ifndef MIRAGE_PLATFORM_PVH_START_INFO_H
#define MIRAGE_PLATFORM_PVH_START_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/platform/device_model.h"

#define PVH_START_INFO_MAGIC 0x336ec578u
#define PVH_MEMMAP_TYPE_RAM 1u
/* More entries than any firmware writes: a longer map is refused, not walked. */
#define PVH_MEMMAP_MAX_ENTRIES 128u

/* The layout of struct hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h) and its memory map. */
struct pvh_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct pvh_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

/* Guest-physical memory as the reader sees it: addresses [0, size) at host address `base` (0 in a guest, whose
 * boot map is the identity; a buffer in host tests). Nothing outside it is read. */
struct pvh_memory {
    uintptr_t base;
    uint64_t size;
};

/* What the reader found: the command line (copied: the host's copy may be unmapped later), the heap (the largest
 * RAM region above the image, inside the memory view) and the end of the highest RAM region in the view. */
struct pvh_boot {
    char cmdline[PLATFORM_CMDLINE_SIZE];
    uint64_t heap_start, heap_end;
    uint64_t ram_top;
};

/* Read the start info at guest-physical `start_info_paddr`. Every address and count in it is checked against the
 * memory view before it is read; RAM below `image_end` is never heap, and a heap smaller than `heap_min` bytes is
 * refused. Returns NULL, or a message (without the ABI's prefix) saying what is wrong. */
const char *pvh_start_info_read(const struct pvh_memory *memory, uint64_t start_info_paddr, uint64_t image_end,
                                uint64_t heap_min, struct pvh_boot *boot);

#endif
