/* start_info.c: reads the PVH start info QEMU hands the guest: the command line (copied, since low memory is
 * unmapped later) and the memory map, from which the heap is the largest RAM region above the image. Every
 * address and count in it is checked before use. */
#include "targets/virtio/cpl0.h"

#include <stdint.h>

#include "lib/platform/device_model.h"
#include "targets/virtio/bindings.h"

#define HVM_START_MAGIC 0x336ec578u
#define HVM_MEMMAP_TYPE_RAM 1u
#define MEMMAP_MAX_ENTRIES 128u
#define ADDRESSABLE_END (UINT64_C(1) << 32) /* what the page tables map */

/* The layout of Xen's struct hvm_start_info (version 1) and its memory map entries. */
struct hvm_start_info {
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

struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

extern const uint8_t __image_end[];

static char cmdline[PLATFORM_CMDLINE_SIZE];
static uint64_t heap_start, heap_end, ram_top;

/* Whether [address, address + size) lies in the first 4 GiB, which the boot maps; not at 0, which means "none".
 * Page 0 is allowed: QEMU's PVH option ROM for -M pc puts the memory map at 0x5a8. */
static bool addressable(uint64_t address, uint64_t size)
{
    uint64_t end;
    return address != 0 && !__builtin_add_overflow(address, size, &end) && end <= ADDRESSABLE_END;
}

static const char *copy_cmdline(uint64_t address)
{
    if (address == 0)
        return 0; /* no command line: stays empty */
    for (uint64_t i = 0; i < sizeof cmdline; i++) {
        if (!addressable(address, i + 1))
            return "virtio: the boot command line runs past 4 GiB";
        char c = *(const volatile char *)(uintptr_t)(address + i);
        cmdline[i] = c;
        if (c == '\0')
            return 0;
    }
    cmdline[0] = '\0';
    return "virtio: the boot command line is longer than 8191 bytes";
}

static void consider_ram(const struct hvm_memmap_entry *entry)
{
    uint64_t start = entry->addr, end;

    if (entry->type != HVM_MEMMAP_TYPE_RAM || __builtin_add_overflow(entry->addr, entry->size, &end))
        return;
    if (end > ADDRESSABLE_END)
        end = ADDRESSABLE_END;
    if (end > ram_top)
        ram_top = end;
    if (start < (uint64_t)(uintptr_t)__image_end)
        start = (uint64_t)(uintptr_t)__image_end;
    if (start < end && end - start > heap_end - heap_start) {
        heap_start = start;
        heap_end = end;
    }
}

const char *virtio_start_info_read(uint32_t start_info_paddr)
{
    const struct hvm_start_info *info = (const void *)(uintptr_t)start_info_paddr;

    if (!addressable(start_info_paddr, sizeof *info) || info->magic != HVM_START_MAGIC)
        return "virtio: no PVH start info";
    if (info->version < 1 || info->memmap_paddr == 0)
        return "virtio: the PVH start info has no memory map (version 0): boot with QEMU 4.2 or later";
    if (info->memmap_entries == 0 || info->memmap_entries > MEMMAP_MAX_ENTRIES ||
        !addressable(info->memmap_paddr, (uint64_t)info->memmap_entries * sizeof(struct hvm_memmap_entry)))
        return "virtio: the PVH memory map is empty, too long or out of reach";
    const struct hvm_memmap_entry *entries = (const void *)(uintptr_t)info->memmap_paddr;
    for (uint32_t i = 0; i < info->memmap_entries; i++)
        consider_ram(&entries[i]);
    if (heap_end - heap_start < VIRTIO_LARGE_PAGE_SIZE)
        return "virtio: less than 2 MiB of RAM above the image for a heap: raise --mem";
    return copy_cmdline(info->cmdline_paddr);
}

const char *virtio_cmdline(void)
{
    return cmdline;
}

uintptr_t virtio_heap_start(void)
{
    return (uintptr_t)heap_start;
}

size_t virtio_heap_size(void)
{
    return (size_t)(heap_end - heap_start);
}

uint64_t virtio_ram_top(void)
{
    return ram_top;
}
