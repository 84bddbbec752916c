/* mmu.c: the identity map the unikernel runs on, and the MMU and caches turned on over it: QEMU virt's devices
 * (the first GiB) as device memory, RAM as normal cacheable memory that never executes, and the image in 4 KiB
 * pages with its segments' permissions (text read-only and executable, read-only data, data and stack writable;
 * SCTLR_EL1.WXN makes every writable page non-executable too), the stack's guard page left unmapped.
 *
 * 4 KiB granule, 39-bit addresses (T0SZ 25): one level 1 table of 1 GiB entries, a level 2 table of 2 MiB blocks
 * for the GiB holding the image, and level 3 tables for the 2 MiB blocks the image covers. */
#include <stdint.h>

#include "targets/virt_arm64/bindings.h"
#include "targets/virt_arm64/sysreg.h"
#include "targets/virt_arm64/virt_abi.h"

#define PAGE_SIZE UINT64_C(0x1000)
#define BLOCK_2M UINT64_C(0x200000)
#define BLOCK_1G UINT64_C(0x40000000)
#define ENTRIES 512
/* The image (with its stack) may span this many 2 MiB blocks. */
#define IMAGE_BLOCKS 4
/* RAM is mapped up to 4 GiB: QEMU virt's low RAM, up to 3 GiB of it. */
#define RAM_GIGABYTES_END 4

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

extern const unsigned char __rodata_start[], __data_start[], __bss_end[], __stack_guard[], __stack_bottom[],
    __image_end[];

static uint64_t level1[ENTRIES] __attribute__((aligned(4096)));
static uint64_t level2_image_gigabyte[ENTRIES] __attribute__((aligned(4096)));
static uint64_t level3_image[IMAGE_BLOCKS][ENTRIES] __attribute__((aligned(4096)));

static uint64_t image_page(uint64_t address)
{
    if (address < (uintptr_t)__rodata_start)
        return address | TEXT_PAGE;
    if (address < (uintptr_t)__data_start)
        return address | READ_ONLY_PAGE;
    if (address >= (uintptr_t)__stack_guard && address < (uintptr_t)__stack_bottom)
        return 0;
    return address | DATA_PAGE;
}

const char *virt_mmu_init(void)
{
    const uint64_t image_base = VIRT_IMAGE_BASE;
    if ((uintptr_t)__image_end - image_base > IMAGE_BLOCKS * BLOCK_2M)
        return "virt_arm64: the image is larger than the 8 MiB mmu.c maps in pages";
    _Static_assert(VIRT_IMAGE_BASE % BLOCK_2M == 0 && VIRT_IMAGE_BASE / BLOCK_1G == 1, "the image is in GiB 1");

    level1[0] = 0 | DEVICE_BLOCK;
    level1[1] = (uintptr_t)level2_image_gigabyte | DESCRIPTOR_VALID | DESCRIPTOR_TABLE;
    for (uint64_t gigabyte = 2; gigabyte < RAM_GIGABYTES_END; gigabyte++)
        level1[gigabyte] = gigabyte * BLOCK_1G | DATA_BLOCK;

    const uint64_t first_image_block = (image_base - BLOCK_1G) / BLOCK_2M;
    for (uint64_t block = 0; block < ENTRIES; block++) {
        uint64_t address = BLOCK_1G + block * BLOCK_2M;
        level2_image_gigabyte[block] = address | DATA_BLOCK;
    }
    for (uint64_t table = 0; table < IMAGE_BLOCKS; table++) {
        uint64_t block_address = image_base + table * BLOCK_2M;
        for (uint64_t page = 0; page < ENTRIES; page++)
            level3_image[table][page] = image_page(block_address + page * PAGE_SIZE);
        level2_image_gigabyte[first_image_block + table] =
            (uintptr_t)level3_image[table] | DESCRIPTOR_VALID | DESCRIPTOR_TABLE;
    }

    dsb_sy();
    SYSREG_WRITE(mair_el1, MAIR_VALUE);
    SYSREG_WRITE(tcr_el1, TCR_VALUE);
    SYSREG_WRITE(ttbr0_el1, (uintptr_t)level1);
    isb();
    __asm__ __volatile__("tlbi vmalle1\n\tdsb ish\n\tisb" : : : "memory");
    uint64_t sctlr = SYSREG_READ(sctlr_el1);
    sctlr |= SCTLR_MMU | SCTLR_DATA_CACHE | SCTLR_INSTRUCTION_CACHE | SCTLR_WRITE_EXECUTE_NEVER;
    sctlr &= ~SCTLR_ALIGNMENT_CHECK;
    SYSREG_WRITE(sctlr_el1, sctlr);
    isb();
    return 0;
}
