/* paging.c: the board's only address space: an identity map with 4 KiB pages over the image, so its text is
 * read-only and executable, its read-only data read-only, and everything writable never executable (W^X, also
 * enforced by SCTLR_EL1.WXN); the rest of the first GiB of RAM as writable 2 MiB blocks; the peripherals as device
 * memory; nothing else (an access elsewhere faults and is reported). A page below the boot stack stays unmapped. */
#include <stdint.h>

#include "targets/rpi4/aarch64.h"
#include "targets/rpi4/bcm2711.h"
#include "targets/rpi4/bindings.h"

#define PAGE_SIZE UINT64_C(0x1000)
#define BLOCK_SIZE UINT64_C(0x200000) /* a level 2 entry */
#define GIB UINT64_C(0x40000000)      /* a level 1 entry */
#define ENTRIES 512u
/* The image (with its BSS) may span this many 2 MiB blocks, each mapped by a level 3 table. */
#define IMAGE_BLOCKS_MAX 16u

#define DESC_TABLE UINT64_C(3)
#define DESC_BLOCK UINT64_C(1)
#define DESC_PAGE UINT64_C(3)
#define DESC_ATTR_DEVICE (UINT64_C(0) << 2)
#define DESC_ATTR_NORMAL (UINT64_C(1) << 2)
#define DESC_READ_ONLY (UINT64_C(2) << 6)
#define DESC_INNER_SHAREABLE (UINT64_C(3) << 8)
#define DESC_ACCESSED (UINT64_C(1) << 10)
#define DESC_PXN (UINT64_C(1) << 53)
#define DESC_UXN (UINT64_C(1) << 54)

#define MAIR_DEVICE_NGNRE UINT64_C(0x04)
#define MAIR_NORMAL_WRITE_BACK UINT64_C(0xff)
/* 39-bit addresses from level 1, 4 KiB granule, cacheable inner-shareable walks, no TTBR1 walks, 40-bit PA. */
#define TCR_BOARD                                                                                                      \
    ((UINT64_C(25) << 0) | (UINT64_C(1) << 8) | (UINT64_C(1) << 10) | (UINT64_C(3) << 12) | (UINT64_C(25) << 16) |     \
     (UINT64_C(1) << 23) | (UINT64_C(2) << 32))
#define SCTLR_M (UINT64_C(1) << 0)
#define SCTLR_C (UINT64_C(1) << 2)
#define SCTLR_I (UINT64_C(1) << 12)
#define SCTLR_WXN (UINT64_C(1) << 19)
#define CACHE_LINE UINT64_C(64)

#define NORMAL (DESC_ATTR_NORMAL | DESC_INNER_SHAREABLE | DESC_ACCESSED)
#define DEVICE (DESC_ATTR_DEVICE | DESC_ACCESSED | DESC_PXN | DESC_UXN)
#define NEVER_EXECUTE (DESC_PXN | DESC_UXN)

extern const uint8_t __image_start[], __text_end[], __rodata_start[], __data_start[], __image_end[];
extern const uint8_t rpi4_boot_stack_guard[];

static uint64_t level1[ENTRIES] __attribute__((aligned(4096)));
static uint64_t level2_ram[ENTRIES] __attribute__((aligned(4096)));
static uint64_t level2_devices[ENTRIES] __attribute__((aligned(4096)));
static uint64_t level3_image[IMAGE_BLOCKS_MAX][ENTRIES] __attribute__((aligned(4096)));

/* The attributes of the page at `address` in the image's blocks. */
static uint64_t image_page(uint64_t address)
{
    if (address == (uint64_t)rpi4_boot_stack_guard)
        return 0;
    if (address >= (uint64_t)__image_start && address < (uint64_t)__text_end)
        return address | DESC_PAGE | NORMAL | DESC_READ_ONLY | DESC_UXN;
    if (address >= (uint64_t)__rodata_start && address < (uint64_t)__data_start)
        return address | DESC_PAGE | NORMAL | DESC_READ_ONLY | NEVER_EXECUTE;
    return address | DESC_PAGE | NORMAL | NEVER_EXECUTE;
}

/* The MMU was off while these were written, so memory has them; drop any older copy a cache may hold. */
static void invalidate_data_cache(const void *start, uint64_t size)
{
    for (uint64_t line = (uint64_t)start & ~(CACHE_LINE - 1); line < (uint64_t)start + size; line += CACHE_LINE)
        __asm__ __volatile__("dc ivac, %0" : : "r"(line) : "memory");
}

void rpi4_paging_init(void)
{
    uint64_t image_blocks = ((uint64_t)__image_end + BLOCK_SIZE - 1) / BLOCK_SIZE;
    if (image_blocks > IMAGE_BLOCKS_MAX)
        rpi4_fail("rpi4: the image ends above 32 MiB, past what paging.c maps page by page");

    for (uint64_t block = 0; block < ENTRIES; block++) {
        uint64_t base = block * BLOCK_SIZE;
        if (block < image_blocks) {
            for (uint64_t page = 0; page < ENTRIES; page++)
                level3_image[block][page] = image_page(base + page * PAGE_SIZE);
            level2_ram[block] = (uint64_t)level3_image[block] | DESC_TABLE;
        } else {
            level2_ram[block] = base | DESC_BLOCK | NORMAL | NEVER_EXECUTE;
        }
        uint64_t device = 3 * GIB + base;
        level2_devices[block] = device >= BCM2711_DEVICE_BASE ? device | DESC_BLOCK | DEVICE : 0;
    }
    level1[0] = (uint64_t)level2_ram | DESC_TABLE;
    level1[BCM2711_DEVICE_BASE / GIB] = (uint64_t)level2_devices | DESC_TABLE;

    /* Everything written with the MMU off (tables, BSS, stacks) is in memory; stale cache lines must not win. */
    invalidate_data_cache(__data_start, (uint64_t)(__image_end - __data_start));
    aarch64_dsb_sy();
    AARCH64_WRITE_SYSREG(mair_el1, MAIR_DEVICE_NGNRE | MAIR_NORMAL_WRITE_BACK << 8);
    AARCH64_WRITE_SYSREG(tcr_el1, TCR_BOARD);
    AARCH64_WRITE_SYSREG(ttbr0_el1, (uint64_t)level1);
    aarch64_isb();
    __asm__ __volatile__("tlbi vmalle1\n\tdsb ish\n\tic iallu\n\tdsb ish\n\tisb" : : : "memory");
    uint64_t control = AARCH64_READ_SYSREG(sctlr_el1);
    AARCH64_WRITE_SYSREG(sctlr_el1, control | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_WXN);
    aarch64_isb();
}
