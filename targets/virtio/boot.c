/* boot.c: the CPL 3 half of startup (boot_cpl0.c is the CPL 0 half): the page tables, clock and timer calibration,
 * the device table, then the unikernel. */
#include "lib/platform/platform.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/virtio.h"

/* Static, not on the stack: platform_main() keeps using it and never returns. */
static struct platform_boot_info platform_boot_info;

_Noreturn void virtio_start(void)
{
    const char *problem = virtio_paging_init();
    if (problem == 0)
        problem = virtio_clock_init();
    if (problem == 0)
        problem = virtio_timer_init();
    if (problem != 0)
        virtio_fail(problem);
    virtio_wall_clock_init();
    virtio_devices_init();

    platform_boot_info.cmdline = virtio_cmdline();
    platform_boot_info.heap_start = virtio_heap_start();
    platform_boot_info.heap_size = virtio_heap_size();
    platform_main(&platform_boot_info);
}
