/* boot.c: rpi4_boot: the board from start.S to platform_main: console, the memory map, timer, the boot command
 * line from the device tree, the devices the manifest asks for, and the heap. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/device_tree.h"
#include "lib/platform/device_model.h"
#include "lib/platform/image_notes.h"
#include "lib/platform/platform.h"
#include "targets/rpi4/bcm2711.h"
#include "targets/rpi4/bindings.h"
#include "targets/rpi4/boot_args.h"

/* The heap ends at 256 MiB: RAM every Pi 4 (1 to 8 GiB) and QEMU's raspi4b (2 GiB) has below the VideoCore's
 * share, whatever gpu_mem says, and inside the first GiB, which is mapped as RAM. */
#define HEAP_END UINT64_C(0x10000000)
#define MAPPED_RAM_END UINT64_C(0x40000000)
#define PAGE_SIZE UINT64_C(0x1000)
#define RPI4_ABI_VERSION 1

MIRAGE_ABI_NOTE(MIRAGE_ABI_RPI4, RPI4_ABI_VERSION);

const char aarch64_board_name[] = "rpi4";

/* A line on the console that names the device tree at `device_tree` and what is wrong with it. */
static void device_tree_warning(uint64_t device_tree, const char *problem)
{
    char line[200];
    int len = snprintf(line, sizeof line, "rpi4: the device tree at 0x%016llx: %s: no boot arguments\n",
                       (unsigned long long)device_tree, problem);
    if (len > 0)
        platform_console_write(line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
}

static const char *device_tree_bootargs(uint64_t device_tree)
{
    struct device_tree_boot tree;
    if (device_tree == 0 || device_tree >= MAPPED_RAM_END) {
        device_tree_warning(device_tree, "not in the first GiB");
        return "";
    }
    uint64_t available = MAPPED_RAM_END - device_tree;
    if (available > DEVICE_TREE_SIZE_MAX)
        available = DEVICE_TREE_SIZE_MAX;
    const char *problem = device_tree_read((const uint8_t *)device_tree, (size_t)available, &tree);
    if (problem != NULL) {
        device_tree_warning(device_tree, problem);
        return "";
    }
    return tree.bootargs != NULL ? tree.bootargs : "";
}

_Noreturn void rpi4_boot(uint64_t device_tree)
{
    static const struct aarch64_memory_map memory_map = {.ram_start = 0,
                                                         .ram_end = MAPPED_RAM_END,
                                                         .device_start = BCM2711_DEVICE_BASE,
                                                         .device_end = BCM2711_DEVICE_END};
    /* Static: lib/platform's main copies it, and the boot stack is small. */
    static char cmdline[PLATFORM_CMDLINE_SIZE];
    struct rpi4_boot_args args;

    rpi4_console_init();
    const char *problem = aarch64_mmu_init(&memory_map);
    if (problem == NULL)
        problem = rpi4_timer_init();
    if (problem != NULL)
        aarch64_fail(problem);

    switch (rpi4_boot_args_split(device_tree_bootargs(device_tree), cmdline, sizeof cmdline, &args)) {
    case RPI4_BOOT_ARGS_OK:
        break;
    case RPI4_BOOT_ARGS_TOO_LONG:
        aarch64_fail("the boot arguments are longer than 8191 bytes");
    case RPI4_BOOT_ARGS_BAD_WALL_CLOCK:
    default:
        aarch64_fail(RPI4_WALL_CLOCK_WORD " takes whole seconds since 1970-01-01T00:00:00Z");
    }
    aarch64_wall_clock_set(args.wall_clock_ns);
    if (!args.wall_clock_given)
        pl011_puts("rpi4: no rpi4.wall_clock=SECONDS on the command line: the wall clock starts at "
                   "1970-01-01T00:00:00Z (the Pi 4 has no real-time clock)\n");
    rpi4_devices_init();

    uint64_t heap_start = ((uint64_t)__image_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (heap_start >= HEAP_END)
        aarch64_fail("the image leaves no room for a heap below 256 MiB");
    struct platform_boot_info info = {
        .cmdline = cmdline,
        .heap_start = (uintptr_t)heap_start,
        .heap_size = (size_t)(HEAP_END - heap_start),
    };
    platform_main(&info);
}
