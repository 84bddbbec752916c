/* boot.c: startup in order: the hypercall page, the IDT, shared info, the console, the start info (memory map and
 * command line), the final page tables, clocks and the timer's event channel, entropy; then the unikernel. */
#include <stdint.h>

#include "lib/libc/boot.h"
#include "lib/libc/thread_block_x86_64.h"
#include "lib/platform/platform.h"
#include "lib/platform/pvh_start_info.h"
#include "targets/xen/bindings.h"
#include "targets/xen/hypercall.h"

#define MSR_FS_BASE 0xc0000100u
#define HEAP_MIN (UINT64_C(2) << 20)
/* What the boot's page tables map. */
#define ADDRESSABLE_END (UINT64_C(1) << 32)

extern const uint8_t __image_end[];

/* Static, not on the stack: large, and platform_main() keeps using the command line and never returns. */
static struct pvh_boot boot;
static struct platform_boot_info platform_boot_info;

/* Find Xen's CPUID leaves and have Xen write the hypercall stubs into xen_hypercall_page. False without Xen. */
static bool hypercall_page_init(void)
{
    for (uint32_t base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_LAST_LEAF; base += 0x100) {
        uint32_t eax = base, ebx, ecx = 0, edx;
        __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
        if (ebx != XEN_CPUID_SIGNATURE_EBX || ecx != XEN_CPUID_SIGNATURE_ECX || edx != XEN_CPUID_SIGNATURE_EDX ||
            eax < base + 2)
            continue;
        eax = base + 2;
        ecx = 0;
        __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
        /* eax: the number of hypercall pages (1 is all this ABI needs), ebx: the MSR that takes their address. */
        uint64_t address = (uint64_t)(uintptr_t)xen_hypercall_page;
        __asm__ __volatile__("wrmsr" : : "c"(ebx), "a"((uint32_t)address), "d"((uint32_t)(address >> 32)) : "memory");
        return xen_hypercalls_ready();
    }
    return false;
}

_Noreturn void xen_start(uint32_t start_info_paddr)
{
    xen_cpu_tables_init();
    /* Without hypercalls there is no console to say why: the fault report's int3 would loop, so halt. */
    if (!hypercall_page_init())
        for (;;)
            __asm__ __volatile__("cli; hlt");
    const char *problem = xen_shared_info_init();
    /* Before the console, a failure can only crash the domain: xl says it crashed. */
    if (problem != 0 || xen_console_init() != 0)
        xen_crash();

    static const struct pvh_memory identity = {.base = 0, .size = ADDRESSABLE_END};
    problem = pvh_start_info_read(&identity, start_info_paddr, (uint64_t)(uintptr_t)__image_end, HEAP_MIN, &boot);
    if (problem != 0) {
        xen_console_puts("xen: ");
        xen_fail(problem);
    }
    problem = xen_paging_init();
    if (problem == 0)
        problem = xen_clock_init();
    if (problem == 0)
        problem = xen_yield_init();
    if (problem != 0)
        xen_fail(problem);
    xen_entropy_init();
    xen_devices_init();

    /* %fs at lib/libc's thread block: code built for hosted Linux reads its canary at %fs:0x28. */
    uint64_t thread_block = (uint64_t)(uintptr_t)&libc_thread_block;
    __asm__ __volatile__("wrmsr"
                         :
                         : "c"(MSR_FS_BASE), "a"((uint32_t)thread_block), "d"((uint32_t)(thread_block >> 32)));

    platform_boot_info.cmdline = boot.cmdline;
    platform_boot_info.heap_start = (uintptr_t)boot.heap_start;
    platform_boot_info.heap_size = (size_t)(boot.heap_end - boot.heap_start);
    platform_main(&platform_boot_info);
}
