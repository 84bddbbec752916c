/* boot_cpl0.c: the CPL 0 half of startup: only what needs privilege (CPU tables, start info, kvmclock, APIC), kept
 * short because CPL 0 code may run emulated (start.S). boot.c is the CPL 3 half. */
#include "targets/virtio/cpl0.h"

#include <stdint.h>

#include "lib/libc/thread_block_x86_64.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/port_io.h"

#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_DATA 0xa1
#define MSR_FS_BASE 0xc0000100

/* %fs at lib/libc's thread block: code built for hosted Linux (Debian's archives) reads its canary at %fs:0x28.
 * Only CPL 0 can write the FS base; start.S loaded %fs before this, and nothing reloads it afterwards. */
static void thread_pointer_init_cpl0(void)
{
    uint64_t base = (uintptr_t)&libc_thread_block;

    __asm__ __volatile__("wrmsr" : : "c"(MSR_FS_BASE), "a"((uint32_t)base), "d"((uint32_t)(base >> 32)));
}

void virtio_boot_cpl0(uint32_t start_info_paddr)
{
    /* The CPU tables first: the console goes through their port I/O gates. */
    virtio_cpu_tables_init();
    const char *problem = virtio_start_info_read(start_info_paddr);
    if (problem != 0)
        virtio_fail(problem);
    /* The legacy PIC stays masked: the only interrupt the guest takes is the local APIC timer's. */
    virtio_outb(PIC_MASTER_DATA, 0xff);
    virtio_outb(PIC_SLAVE_DATA, 0xff);
    virtio_kvmclock_init_cpl0();
    virtio_timer_init_cpl0();
    thread_pointer_init_cpl0();
}
