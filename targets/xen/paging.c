/* paging.c: the identity map the unikernel runs on, replacing the boot's: 4 KiB pages with per-segment permissions
 * (text R+X, rodata R, data R+W, page 0 and the stack's lowest page unmapped) up to the first 2 MiB boundary after the
 * image, then 2 MiB pages R+W to 4 GiB (RAM, and the pages Xen places below 4 GiB: the console ring, shared info's old
 * frame); NX on all but text where the CPU has NX. */
#include <stdint.h>

#include "targets/xen/bindings.h"

#define PTE_PRESENT (UINT64_C(1) << 0)
#define PTE_WRITABLE (UINT64_C(1) << 1)
#define PTE_ACCESSED (UINT64_C(1) << 5)
#define PTE_DIRTY (UINT64_C(1) << 6)
#define PTE_LARGE (UINT64_C(1) << 7)
#define PTE_NO_EXECUTE (UINT64_C(1) << 63)
#define PTE_TABLE (PTE_PRESENT | PTE_WRITABLE | PTE_ACCESSED)
#define ENTRIES 512u
#define LARGE_PAGE_SIZE UINT64_C(0x200000)
#define GIB (UINT64_C(1) << 30)
#define DIRECTORIES 4u
#define SMALL_TABLES 16u /* the image may end up to 32 MiB */
#define MSR_EFER 0xc0000080u
#define EFER_NXE (1u << 11)

extern const uint8_t __image_start[], __text_end[], __data_start[], __image_end[];

/* PML4, PDPT, the directories, then the small page tables. */
__attribute__((aligned(XEN_PAGE_SIZE))) static uint64_t tables[2 + DIRECTORIES + SMALL_TABLES][ENTRIES];

static uint64_t small_page_entry(uint64_t address, uint64_t no_execute)
{
    const uint64_t present = address | PTE_PRESENT | PTE_ACCESSED | PTE_DIRTY;
    if (address == 0 || address == (uintptr_t)xen_boot_stack)
        return 0; /* NULL faults, and so does running off the stack's end (into the boot's page tables below it) */
    if (address < (uintptr_t)__image_start)
        return present | PTE_WRITABLE | no_execute;
    if (address < (uintptr_t)__text_end)
        return present;
    if (address < (uintptr_t)__data_start)
        return present | no_execute;
    return present | PTE_WRITABLE | no_execute;
}

const char *xen_paging_init(void)
{
    uint32_t efer_low, efer_high;
    __asm__ __volatile__("rdmsr" : "=a"(efer_low), "=d"(efer_high) : "c"(MSR_EFER));
    const uint64_t no_execute = (efer_low & EFER_NXE) != 0 ? PTE_NO_EXECUTE : 0;
    uint64_t small_end = ((uint64_t)(uintptr_t)__image_end + LARGE_PAGE_SIZE - 1) & ~(LARGE_PAGE_SIZE - 1);

    if (small_end / LARGE_PAGE_SIZE > SMALL_TABLES)
        return "xen: the image is larger than the 32 MiB its page tables can map";
    for (uint32_t gib = 0; gib < DIRECTORIES; gib++) {
        uint64_t *directory = tables[2 + gib];
        for (uint32_t i = 0; i < ENTRIES; i++) {
            uint64_t address = gib * GIB + (uint64_t)i * LARGE_PAGE_SIZE;
            if (address >= small_end) {
                directory[i] = address | PTE_PRESENT | PTE_WRITABLE | PTE_ACCESSED | PTE_DIRTY | PTE_LARGE | no_execute;
                continue;
            }
            uint64_t *small = tables[2 + DIRECTORIES + address / LARGE_PAGE_SIZE];
            for (uint32_t j = 0; j < ENTRIES; j++)
                small[j] = small_page_entry(address + (uint64_t)j * XEN_PAGE_SIZE, no_execute);
            directory[i] = (uint64_t)(uintptr_t)small | PTE_TABLE;
        }
        tables[1][gib] = (uint64_t)(uintptr_t)directory | PTE_TABLE;
    }
    tables[0][0] = (uint64_t)(uintptr_t)tables[1] | PTE_TABLE;
    __asm__ __volatile__("mov %0, %%cr3" : : "r"((uint64_t)(uintptr_t)tables[0]) : "memory");
    return 0;
}
