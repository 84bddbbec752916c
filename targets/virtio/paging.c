/* paging.c: the identity map the unikernel runs on: 4 KiB pages with per-segment permissions (text R+X, rodata R,
 * data R+W, below 1 MiB and the stack guards unmapped, the page tables CPL 0 only) up to the first 2 MiB boundary
 * after the image, then 2 MiB pages to 4 GiB (RAM write-back, the rest uncached for MMIO); NX on all but
 * text. Built at CPL 3 on the boot's map (which lets CPL 3 write the tables), because KVM on PVM emulates CPL 0
 * code slowly; switching to them through the gate takes that write access away. */
#include <stdint.h>

#include "targets/virtio/bindings.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_USER (1ull << 2)
#define PTE_WRITE_THROUGH (1ull << 3)
#define PTE_CACHE_DISABLE (1ull << 4)
#define PTE_ACCESSED (1ull << 5) /* set up front, so the CPU never writes the tables */
#define PTE_DIRTY (1ull << 6)
#define PTE_LARGE (1ull << 7)
#define PTE_NO_EXECUTE (1ull << 63)
#define PTE_TABLE (PTE_PRESENT | PTE_WRITABLE | PTE_USER | PTE_ACCESSED)
#define ENTRIES 512u
#define GIB (UINT64_C(1) << 30)

extern const uint8_t __image_start[], __text_end[], __data_start[], __image_end[];

/* The boot's tables (start.S) and the final ones (this file): cpu.h gives the layout. */
__attribute__((aligned(VIRTIO_PAGE_SIZE)))
uint8_t virtio_page_tables[VIRTIO_PT_SMALL + VIRTIO_SMALL_PAGE_TABLES * VIRTIO_PAGE_SIZE];

static uint64_t no_execute;

static uint32_t cpuid_extended_edx(void)
{
    uint32_t eax = 0x80000001, ebx, ecx = 0, edx;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return edx;
}

bool virtio_cpu_has_nx(void)
{
    return (cpuid_extended_edx() >> 20) & 1;
}

static uint64_t *table(uint32_t offset)
{
    return (uint64_t *)(void *)(virtio_page_tables + offset);
}

/* The entry for the 4 KiB page at `address`, below the first 2 MiB boundary after the image. */
static uint64_t small_page_entry(uintptr_t address)
{
    const uint64_t read_only = address | PTE_PRESENT | PTE_USER | PTE_ACCESSED | PTE_DIRTY;
    uintptr_t tables = (uintptr_t)virtio_page_tables;

    if (address < (uintptr_t)__image_start || virtio_is_guard_page(address))
        return 0;
    if (address < (uintptr_t)__text_end)
        return read_only;
    if (address < (uintptr_t)__data_start)
        return read_only | no_execute;
    if (address >= tables && address < tables + sizeof virtio_page_tables)
        return (read_only & ~PTE_USER) | PTE_WRITABLE | no_execute;
    return read_only | PTE_WRITABLE | no_execute;
}

/* A 2 MiB page: RAM below `ram_top`, uncached MMIO above it. (Not 1 GiB pages: KVM on PVM faults CPL 3 accesses
 * through uncached ones with a reserved-bit error.) */
static uint64_t large_page_entry(uint64_t address, uint64_t ram_top)
{
    uint64_t entry =
        address | PTE_PRESENT | PTE_WRITABLE | PTE_USER | PTE_ACCESSED | PTE_DIRTY | PTE_LARGE | no_execute;
    return address < ram_top ? entry : entry | PTE_CACHE_DISABLE | PTE_WRITE_THROUGH;
}

const char *virtio_paging_init(void)
{
    uint64_t small_end =
        ((uint64_t)(uintptr_t)__image_end + VIRTIO_LARGE_PAGE_SIZE - 1) & ~(uint64_t)(VIRTIO_LARGE_PAGE_SIZE - 1);
    uint64_t small_tables = small_end / VIRTIO_LARGE_PAGE_SIZE;
    uint64_t ram_top = virtio_ram_top();
    uint64_t *pdpt = table(VIRTIO_PT_PDPT);

    if (small_tables > VIRTIO_SMALL_PAGE_TABLES)
        return "virtio: the image is larger than the 32 MiB its page tables can map";
    no_execute = virtio_cpu_has_nx() ? PTE_NO_EXECUTE : 0;

    for (uint32_t gib = 0; gib < VIRTIO_PT_DIRECTORIES; gib++) {
        uint64_t start = gib * GIB;
        uint64_t *directory = table(VIRTIO_PT_PD + gib * VIRTIO_PAGE_SIZE);
        for (uint32_t i = 0; i < ENTRIES; i++) {
            uint64_t address = start + (uint64_t)i * VIRTIO_LARGE_PAGE_SIZE;
            if (address >= small_end) {
                directory[i] = large_page_entry(address, ram_top);
                continue;
            }
            uint64_t *small = table(VIRTIO_PT_SMALL + (uint32_t)(address / VIRTIO_LARGE_PAGE_SIZE) * VIRTIO_PAGE_SIZE);
            for (uint32_t j = 0; j < ENTRIES; j++)
                small[j] = small_page_entry(address + (uint64_t)j * VIRTIO_PAGE_SIZE);
            directory[i] = (uint64_t)(uintptr_t)small | PTE_TABLE;
        }
        pdpt[gib] = (uint64_t)(uintptr_t)directory | PTE_TABLE;
    }
    table(VIRTIO_PT_PML4)[0] = (uint64_t)(uintptr_t)pdpt | PTE_TABLE;
    __asm__ __volatile__("int3" : : "c"(VIRTIO_GATE_LOAD_PAGE_TABLES) : "memory");
    return 0;
}
