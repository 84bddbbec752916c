/* mmu.c: the identity map the unikernel runs on, and the MMU and caches turned on over it: the board's devices as
 * device memory, its RAM as normal cacheable memory that never executes, and the image in 4 KiB pages with its
 * segments' permissions (text read-only and executable, read-only data, data and stack writable; SCTLR_EL1.WXN
 * makes every writable page non-executable too), the boot stack's guard page left unmapped. Nothing else is
 * mapped: an access elsewhere faults and is reported.
 *
 * 4 KiB granule, 39-bit addresses (T0SZ 25): a level 1 table of 1 GiB entries for the first 4 GiB; a GiB that is
 * not all RAM or all devices gets a level 2 table of 2 MiB blocks, and the 2 MiB blocks the image covers get
 * level 3 tables of pages. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/sysreg.h"

#define PAGE_SIZE UINT64_C(0x1000)
#define BLOCK_2M UINT64_C(0x200000)
#define BLOCK_1G UINT64_C(0x40000000)
#define ENTRIES 512u
#define GIGABYTES_MAPPED 4u
/* The image (with its BSS and boot stack) may span this many 2 MiB blocks, each mapped by a level 3 table. */
#define IMAGE_BLOCKS_MAX 16u
#define CACHE_LINE UINT64_C(64)

#define DESCRIPTOR_VALID UINT64_C(1)
#define DESCRIPTOR_TABLE (UINT64_C(1) << 1) /* at levels 1 and 2; at level 3 the same bit marks a page */
#define DESCRIPTOR_PAGE (UINT64_C(1) << 1)
#define ATTRIBUTE_DEVICE (UINT64_C(0) << 2) /* MAIR_EL1 attribute 0 */
#define ATTRIBUTE_NORMAL (UINT64_C(1) << 2) /* MAIR_EL1 attribute 1 */
#define ACCESS_READ_ONLY (UINT64_C(1) << 7) /* AP[2]: no writes at EL1 */
#define INNER_SHAREABLE (UINT64_C(3) << 8)
#define ACCESS_FLAG (UINT64_C(1) << 10)
#define PRIVILEGED_EXECUTE_NEVER (UINT64_C(1) << 53)
#define UNPRIVILEGED_EXECUTE_NEVER (UINT64_C(1) << 54)
#define EXECUTE_NEVER (PRIVILEGED_EXECUTE_NEVER | UNPRIVILEGED_EXECUTE_NEVER)

#define TABLE (DESCRIPTOR_VALID | DESCRIPTOR_TABLE)
#define DEVICE_BLOCK (DESCRIPTOR_VALID | ATTRIBUTE_DEVICE | ACCESS_FLAG | EXECUTE_NEVER)
#define NORMAL (ATTRIBUTE_NORMAL | INNER_SHAREABLE | ACCESS_FLAG)
#define DATA_BLOCK (DESCRIPTOR_VALID | NORMAL | EXECUTE_NEVER)
#define DATA_PAGE (DESCRIPTOR_VALID | DESCRIPTOR_PAGE | NORMAL | EXECUTE_NEVER)
#define READ_ONLY_PAGE (DATA_PAGE | ACCESS_READ_ONLY)
#define TEXT_PAGE (DESCRIPTOR_VALID | DESCRIPTOR_PAGE | NORMAL | ACCESS_READ_ONLY | UNPRIVILEGED_EXECUTE_NEVER)

/* Attribute 0 Device-nGnRE, attribute 1 Normal write-back read/write-allocate. */
#define MAIR_VALUE UINT64_C(0xff04)
#define TCR_T0SZ UINT64_C(25)
#define TCR_WALK_CACHEABLE ((UINT64_C(1) << 8) | (UINT64_C(1) << 10) | (UINT64_C(3) << 12)) /* IRGN0, ORGN0, SH0 */
#define TCR_EPD1 (UINT64_C(1) << 23)                                                        /* no TTBR1 walks */
#define TCR_TG1_4K (UINT64_C(2) << 30)
#define TCR_IPS_40BIT (UINT64_C(2) << 32)
#define TCR_VALUE (TCR_T0SZ | TCR_WALK_CACHEABLE | TCR_EPD1 | TCR_TG1_4K | TCR_IPS_40BIT)
#define SCTLR_MMU (UINT64_C(1) << 0)
#define SCTLR_ALIGNMENT_CHECK (UINT64_C(1) << 1)
#define SCTLR_DATA_CACHE (UINT64_C(1) << 2)
#define SCTLR_INSTRUCTION_CACHE (UINT64_C(1) << 12)
#define SCTLR_WRITE_EXECUTE_NEVER (UINT64_C(1) << 19)

static uint64_t level1[ENTRIES] __attribute__((aligned(4096)));
static uint64_t level2[GIGABYTES_MAPPED][ENTRIES] __attribute__((aligned(4096)));
static uint64_t level3_image[IMAGE_BLOCKS_MAX][ENTRIES] __attribute__((aligned(4096)));

/* Whether [start, start + size) lies inside [range_start, range_end). */
static bool inside(uint64_t start, uint64_t size, uint64_t range_start, uint64_t range_end)
{
    return start >= range_start && start < range_end && range_end - start >= size;
}

/* Whether [start, start + size) and [range_start, range_end) share an address. */
static bool overlaps(uint64_t start, uint64_t size, uint64_t range_start, uint64_t range_end)
{
    return start < range_end && range_start < start + size;
}

/* The descriptor of the page at `address` in one of the image's blocks. */
static uint64_t image_page(const struct aarch64_memory_map *map, uint64_t address)
{
    if (address >= (uintptr_t)__stack_guard && address < (uintptr_t)__stack_bottom)
        return 0;
    if (address >= (uintptr_t)__image_start && address < (uintptr_t)__rodata_start)
        return address | TEXT_PAGE;
    if (address >= (uintptr_t)__rodata_start && address < (uintptr_t)__data_start)
        return address | READ_ONLY_PAGE;
    return inside(address, PAGE_SIZE, map->ram_start, map->ram_end) ? address | DATA_PAGE : 0;
}

/* The level 2 entry of the 2 MiB block at `address`, whose image blocks start at `image_first`. */
static uint64_t block_entry(const struct aarch64_memory_map *map, uint64_t address, uint64_t image_first,
                            uint64_t image_blocks)
{
    uint64_t block = address / BLOCK_2M;
    if (block >= image_first && block - image_first < image_blocks) {
        uint64_t *table = level3_image[block - image_first];
        for (uint64_t page = 0; page < ENTRIES; page++)
            table[page] = image_page(map, address + page * PAGE_SIZE);
        return (uintptr_t)table | TABLE;
    }
    if (inside(address, BLOCK_2M, map->ram_start, map->ram_end))
        return address | DATA_BLOCK;
    if (inside(address, BLOCK_2M, map->device_start, map->device_end))
        return address | DEVICE_BLOCK;
    return 0;
}

/* The MMU was off while the tables, BSS and stacks were written, so memory has them; drop any older copy a cache
 * may hold. */
static void invalidate_data_cache(const void *start, uint64_t size)
{
    for (uint64_t line = (uintptr_t)start & ~(CACHE_LINE - 1); line < (uintptr_t)start + size; line += CACHE_LINE)
        __asm__ __volatile__("dc ivac, %0" : : "r"(line) : "memory");
}

const char *aarch64_mmu_init(const struct aarch64_memory_map *map)
{
    const uint64_t mapped_end = GIGABYTES_MAPPED * BLOCK_1G;
    if (map->ram_start % BLOCK_2M != 0 || map->ram_end % BLOCK_2M != 0 || map->device_start % BLOCK_2M != 0 ||
        map->device_end % BLOCK_2M != 0 || map->ram_start > map->ram_end || map->device_start > map->device_end ||
        map->ram_end > mapped_end || map->device_end > mapped_end)
        return "mmu.c: the board's RAM and devices must be 2 MiB-aligned ranges below 4 GiB";
    uint64_t image_first = (uintptr_t)__image_start / BLOCK_2M;
    uint64_t image_blocks = ((uintptr_t)__image_end + BLOCK_2M - 1) / BLOCK_2M - image_first;
    if (image_blocks > IMAGE_BLOCKS_MAX)
        return "the image spans more than the 32 MiB that mmu.c maps page by page";
    if (!inside((uintptr_t)__image_start, (uintptr_t)(__image_end - __image_start), map->ram_start, map->ram_end))
        return "the image is not inside the board's RAM";

    for (uint64_t gigabyte = 0; gigabyte < GIGABYTES_MAPPED; gigabyte++) {
        uint64_t address = gigabyte * BLOCK_1G;
        bool holds_image = overlaps(address, BLOCK_1G, image_first * BLOCK_2M, (image_first + image_blocks) * BLOCK_2M);
        if (!holds_image && inside(address, BLOCK_1G, map->ram_start, map->ram_end))
            level1[gigabyte] = address | DATA_BLOCK;
        else if (!holds_image && inside(address, BLOCK_1G, map->device_start, map->device_end))
            level1[gigabyte] = address | DEVICE_BLOCK;
        else if (holds_image || overlaps(address, BLOCK_1G, map->ram_start, map->ram_end) ||
                 overlaps(address, BLOCK_1G, map->device_start, map->device_end)) {
            for (uint64_t block = 0; block < ENTRIES; block++)
                level2[gigabyte][block] = block_entry(map, address + block * BLOCK_2M, image_first, image_blocks);
            level1[gigabyte] = (uintptr_t)level2[gigabyte] | TABLE;
        }
    }

    invalidate_data_cache(__data_start, (uint64_t)(__image_end - __data_start));
    aarch64_dsb_sy();
    AARCH64_WRITE_SYSREG(mair_el1, MAIR_VALUE);
    AARCH64_WRITE_SYSREG(tcr_el1, TCR_VALUE);
    AARCH64_WRITE_SYSREG(ttbr0_el1, (uintptr_t)level1);
    aarch64_isb();
    __asm__ __volatile__("tlbi vmalle1\n\tdsb ish\n\tic iallu\n\tdsb ish\n\tisb" : : : "memory");
    uint64_t control = AARCH64_READ_SYSREG(sctlr_el1);
    control |= SCTLR_MMU | SCTLR_DATA_CACHE | SCTLR_INSTRUCTION_CACHE | SCTLR_WRITE_EXECUTE_NEVER;
    control &= ~SCTLR_ALIGNMENT_CHECK;
    AARCH64_WRITE_SYSREG(sctlr_el1, control);
    aarch64_isb();
    return NULL;
}
