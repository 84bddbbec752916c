/* boot.c: the C half of startup, on the boot stack: the console, the MMU over QEMU virt's memory map, the device
 * tree QEMU puts at the start of RAM (boot arguments, RAM's extent), the clocks, the GIC, the device table and
 * entropy, then the unikernel. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/device_tree.h"
#include "lib/platform/aarch64/mmio.h"
#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"
#include "targets/virt_arm64/bindings.h"
#include "targets/virt_arm64/virt_abi.h"
#include "targets/virtio/virtio.h"

#define NSECS_PER_SEC UINT64_C(1000000000)
#define UART_BAUD 115200u
#define RTC_DATA 0x00
/* QEMU virt's first GiB holds its devices; RAM is mapped up to 4 GiB (its low RAM, up to 3 GiB of it). */
#define DEVICES_END UINT64_C(0x40000000)
#define RAM_MAPPED_END UINT64_C(0x100000000)
/* Everything below the image may be the device tree. */
#define DEVICE_TREE_AVAILABLE (VIRT_IMAGE_BASE - VIRT_RAM_BASE)

const char aarch64_board_name[] = "virt_arm64";

/* Static, not on the stack: platform_main() keeps using it and never returns. */
static struct platform_boot_info platform_boot_info;

_Noreturn void virt_boot(void)
{
    static const struct aarch64_memory_map memory_map = {
        .ram_start = VIRT_RAM_BASE, .ram_end = RAM_MAPPED_END, .device_start = 0, .device_end = DEVICES_END};
    struct device_tree_boot tree;

    pl011_init(VIRT_UART_BASE, VIRT_UART_CLOCK_HZ, UART_BAUD);
    const char *problem = aarch64_mmu_init(&memory_map);
    if (problem != NULL)
        aarch64_fail(problem);
    problem = device_tree_read((const uint8_t *)(uintptr_t)VIRT_RAM_BASE, DEVICE_TREE_AVAILABLE, &tree);
    if (problem != NULL)
        aarch64_fail(problem);
    if (tree.memory_size == 0)
        aarch64_fail("the device tree has no /memory node");
    if (tree.memory_base != VIRT_RAM_BASE)
        aarch64_fail("the device tree's RAM does not start where QEMU virt's does");
    if (tree.bootargs != NULL && strnlen(tree.bootargs, PLATFORM_CMDLINE_SIZE) == PLATFORM_CMDLINE_SIZE)
        aarch64_fail("the boot arguments are longer than 8 KiB");
    uint64_t ram_end = tree.memory_base + tree.memory_size;
    if (ram_end <= (uintptr_t)__image_end)
        aarch64_fail("no RAM above the image for the heap (give QEMU more with -m)");
    problem = aarch64_timer_init(AARCH64_TIMER_VIRTUAL);
    if (problem != NULL)
        aarch64_fail(problem);
    /* The PL031 counts seconds since the epoch from the host's clock (QEMU's -rtc base=utc, its default). */
    aarch64_wall_clock_set((uint64_t)mmio_read32(VIRT_RTC_BASE + RTC_DATA) * NSECS_PER_SEC);
    gicv2_init(VIRT_GICD_BASE, VIRT_GICC_BASE);
    gicv2_enable(VIRT_TIMER_INTID);
    virtio_devices_init();
    virt_entropy_init();

    platform_boot_info.cmdline = tree.bootargs != NULL ? tree.bootargs : "";
    platform_boot_info.heap_start = (uintptr_t)__image_end;
    platform_boot_info.heap_size = (size_t)(ram_end - (uintptr_t)__image_end);
    platform_main(&platform_boot_info);
}
