/* boot.c: rpi4_boot: the board from start.S to platform_main: console, paging, timer, the boot command line from
 * the device tree, the devices the manifest asks for, and the heap. */
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/device_model.h"
#include "lib/platform/image_notes.h"
#include "lib/platform/platform.h"
#include "targets/rpi4/boot_args.h"
#include "targets/rpi4/bindings.h"
#include "targets/rpi4/device_tree.h"

/* The heap ends at 256 MiB: RAM every Pi 4 (1 to 8 GiB) and QEMU's raspi4b (2 GiB) has below the VideoCore's
 * share, whatever gpu_mem says, and inside the first GiB that paging.c maps. */
#define HEAP_END UINT64_C(0x10000000)
#define MAPPED_RAM_END UINT64_C(0x40000000)
#define PAGE_SIZE UINT64_C(0x1000)
#define RPI4_ABI_VERSION 1

MIRAGE_ABI_NOTE(MIRAGE_ABI_RPI4, RPI4_ABI_VERSION);

extern const uint8_t __image_end[];

static const char *device_tree_bootargs(uint64_t device_tree)
{
    const char *bootargs = "";
    if (device_tree == 0 || device_tree >= MAPPED_RAM_END) {
        rpi4_console_puts("rpi4: no device tree in the first GiB (x0 = ");
        rpi4_console_put_hex(device_tree);
        rpi4_console_puts("): no boot arguments\n");
        return bootargs;
    }
    uint64_t available = MAPPED_RAM_END - device_tree;
    if (available > RPI4_DEVICE_TREE_SIZE_MAX)
        available = RPI4_DEVICE_TREE_SIZE_MAX;
    switch (rpi4_device_tree_bootargs((const uint8_t *)device_tree, (size_t)available, &bootargs)) {
    case RPI4_DEVICE_TREE_FOUND:
        return bootargs;
    case RPI4_DEVICE_TREE_NO_BOOTARGS:
        return "";
    case RPI4_DEVICE_TREE_INVALID:
    default:
        rpi4_console_puts("rpi4: the device tree at ");
        rpi4_console_put_hex(device_tree);
        rpi4_console_puts(" is malformed: no boot arguments\n");
        return "";
    }
}

_Noreturn void rpi4_boot(uint64_t device_tree)
{
    /* Static: lib/platform's main copies it, and the boot stack is small. */
    static char cmdline[PLATFORM_CMDLINE_SIZE];
    struct rpi4_boot_args args;

    rpi4_console_init();
    rpi4_paging_init();
    const char *problem = rpi4_timer_init();
    if (problem != NULL)
        rpi4_fail(problem);

    switch (rpi4_boot_args_split(device_tree_bootargs(device_tree), cmdline, sizeof cmdline, &args)) {
    case RPI4_BOOT_ARGS_OK:
        break;
    case RPI4_BOOT_ARGS_TOO_LONG:
        rpi4_fail("rpi4: the boot arguments are longer than 8191 bytes");
    case RPI4_BOOT_ARGS_BAD_WALL_CLOCK:
    default:
        rpi4_fail("rpi4: " RPI4_WALL_CLOCK_WORD " takes whole seconds since 1970-01-01T00:00:00Z");
    }
    rpi4_wall_clock_set(args.wall_clock_ns, args.wall_clock_given);
    rpi4_devices_init();

    uint64_t heap_start = ((uint64_t)__image_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (heap_start >= HEAP_END)
        rpi4_fail("rpi4: the image leaves no room for a heap below 256 MiB");
    struct platform_boot_info info = {
        .cmdline = cmdline,
        .heap_start = (uintptr_t)heap_start,
        .heap_size = (size_t)(HEAP_END - heap_start),
    };
    platform_main(&info);
}
