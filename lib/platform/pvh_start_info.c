/* pvh_start_info.c: the checked reader of the PVH start info (pvh_start_info.h): the memory map, from which the
 * heap is the largest RAM region above the image, and the command line. Pure: all it reads is the memory view. */
/* virtio runs this at CPL 0 before SSE and the canary's %fs are set up (targets/virtio/cpl0.h says why): */
#pragma GCC target("general-regs-only")
#pragma GCC optimize("no-stack-protector")

#include "lib/platform/pvh_start_info.h"

#include <stddef.h>

/* Whether [address, address + size) lies inside the view; not at 0, which the protocol uses for "none". */
static bool readable(const struct pvh_memory *memory, uint64_t address, uint64_t size)
{
    uint64_t end;
    return address != 0 && !__builtin_add_overflow(address, size, &end) && end <= memory->size;
}

static const volatile void *at(const struct pvh_memory *memory, uint64_t address)
{
    return (const volatile void *)(memory->base + (uintptr_t)address);
}

static const char *copy_cmdline(const struct pvh_memory *memory, uint64_t address, struct pvh_boot *boot)
{
    boot->cmdline[0] = '\0';
    if (address == 0)
        return NULL; /* no command line: stays empty */
    for (uint64_t i = 0; i < sizeof boot->cmdline; i++) {
        if (!readable(memory, address, i + 1)) {
            boot->cmdline[0] = '\0';
            return "the boot command line runs past the memory the boot maps";
        }
        char c = *(const volatile char *)at(memory, address + i);
        boot->cmdline[i] = c;
        if (c == '\0')
            return NULL;
    }
    boot->cmdline[0] = '\0';
    return "the boot command line is longer than 8191 bytes";
}

static void consider_ram(const struct pvh_memory *memory, uint64_t address, uint64_t size, uint64_t image_end,
                         struct pvh_boot *boot)
{
    uint64_t start = address, end;

    if (__builtin_add_overflow(address, size, &end))
        return;
    if (end > memory->size)
        end = memory->size;
    if (start >= end)
        return;
    if (end > boot->ram_top)
        boot->ram_top = end;
    if (start < image_end)
        start = image_end;
    if (start < end && end - start > boot->heap_end - boot->heap_start) {
        boot->heap_start = start;
        boot->heap_end = end;
    }
}

const char *pvh_start_info_read(const struct pvh_memory *memory, uint64_t start_info_paddr, uint64_t image_end,
                                uint64_t heap_min, struct pvh_boot *boot)
{
    boot->heap_start = boot->heap_end = boot->ram_top = 0;
    boot->cmdline[0] = '\0';
    if (!readable(memory, start_info_paddr, sizeof(struct pvh_start_info)))
        return "no PVH start info";
    /* One copy, so the host cannot change a field between its check and its use. */
    struct pvh_start_info info = *(const volatile struct pvh_start_info *)at(memory, start_info_paddr);
    if (info.magic != PVH_START_INFO_MAGIC)
        return "no PVH start info";
    if (info.version < 1 || info.memmap_paddr == 0)
        return "the PVH start info has no memory map (version 0)";
    if (info.memmap_entries == 0 || info.memmap_entries > PVH_MEMMAP_MAX_ENTRIES ||
        !readable(memory, info.memmap_paddr, (uint64_t)info.memmap_entries * sizeof(struct pvh_memmap_entry)))
        return "the PVH memory map is empty, too long or out of reach";
    for (uint32_t i = 0; i < info.memmap_entries; i++) {
        const volatile struct pvh_memmap_entry *entry =
            at(memory, info.memmap_paddr + (uint64_t)i * sizeof(struct pvh_memmap_entry));
        uint64_t address = entry->addr, size = entry->size;
        if (entry->type == PVH_MEMMAP_TYPE_RAM)
            consider_ram(memory, address, size, image_end, boot);
    }
    if (boot->heap_end - boot->heap_start < heap_min)
        return "too little RAM above the image for a heap: give the guest more memory";
    return copy_cmdline(memory, info.cmdline_paddr, boot);
}
