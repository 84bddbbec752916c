/* boot.c: the C half of startup, on the boot stack: the MMU, the device tree, the clock, the GIC, the device table
 * and entropy, then the unikernel. */
#include <stdint.h>

#include "lib/platform/platform.h"
#include "targets/virt_arm64/bindings.h"
#include "targets/virtio/virtio.h"

extern const unsigned char __image_end[];

/* Static, not on the stack: platform_main() keeps using it and never returns. */
static struct platform_boot_info platform_boot_info;

_Noreturn void virt_boot(void)
{
    const char *problem = virt_mmu_init();
    if (problem == 0)
        problem = virt_device_tree_read();
    if (problem == 0)
        problem = virt_clock_init();
    if (problem == 0 && virt_ram_end() <= (uintptr_t)__image_end)
        problem = "virt_arm64: no RAM above the image for the heap (give QEMU more with -m)";
    if (problem != 0)
        virt_fail(problem);
    virt_gic_init();
    virtio_devices_init();
    virt_entropy_init();

    platform_boot_info.cmdline = virt_cmdline();
    platform_boot_info.heap_start = (uintptr_t)__image_end;
    platform_boot_info.heap_size = (size_t)(virt_ram_end() - (uintptr_t)__image_end);
    platform_main(&platform_boot_info);
}
