/* boot.c: the C halves of startup: at CPL 0 only what needs privilege (CPU tables, start info, kvmclock, APIC);
 * at CPL 3 the page tables, clock and timer calibration, then the unikernel. */
#include "lib/platform/platform.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/port_io.h"
#include "targets/virtio/virtio.h"

#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_DATA 0xa1

/* Static, not on the stack: platform_main() keeps using it and never returns. */
static struct platform_boot_info platform_boot_info;


/* CPL 0 code, so short. */
VIRTIO_CPL0 void virtio_boot_cpl0(uint32_t start_info_paddr)
{
    /* The CPU tables first: the console goes through their port I/O gates. */
    virtio_cpu_tables_init();
    const char *problem = virtio_start_info_read(start_info_paddr);
    if (problem != 0)
        virtio_fail(problem);
    /* The legacy PIC stays masked: the only interrupt the guest takes is the local APIC timer's. */
    virtio_outb(PIC_MASTER_DATA, 0xff);
    virtio_outb(PIC_SLAVE_DATA, 0xff);
    virtio_clock_init_cpl0();
    virtio_timer_init_cpl0();
}

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
