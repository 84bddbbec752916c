/* boot.c: the C half of startup: turn the tender's boot info into the platform's and run the unikernel. */
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "targets/hvt/bindings.h"

/* Static, not on the stack: platform_main() keeps using it and never returns. */
static struct platform_boot_info platform_boot_info;

_Noreturn void hvt_start(const struct hvt_boot_info *boot_info)
{
    static const char no_room[] = "hvt: guest memory too small for a heap and the boot stack\n";

    hvt_clock_init(boot_info->tsc_freq);
    platform_devices_init(&boot_info->devices);

    /* The tender refuses memory this small; checked again so a bad boot info cannot wrap the heap size. */
    if (boot_info->mem_size < HVT_STACK_RESERVE || boot_info->kernel_end >= boot_info->mem_size - HVT_STACK_RESERVE) {
        platform_console_write(no_room, sizeof no_room - 1);
        platform_abort();
    }
    platform_boot_info.cmdline = (const char *)(uintptr_t)boot_info->cmdline;
    platform_boot_info.heap_start = (uintptr_t)boot_info->kernel_end;
    platform_boot_info.heap_size = (size_t)(boot_info->mem_size - HVT_STACK_RESERVE - boot_info->kernel_end);
    platform_main(&platform_boot_info);
}
