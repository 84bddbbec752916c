/* boot.c: spt_boot: from the tender's boot info to platform_main(). */
#include <stdint.h>

#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "targets/spt/spt_abi.h"

_Noreturn void spt_boot(const struct spt_boot_info *boot);

/* No canary: platform_main() installs the guard after this frame was entered, and never returns here. */
__attribute__((no_stack_protector)) _Noreturn void spt_boot(const struct spt_boot_info *boot)
{
    struct platform_boot_info info = {
        .cmdline = (const char *)(uintptr_t)boot->cmdline,
        .heap_start = (uintptr_t)boot->heap_start,
        .heap_size = (size_t)boot->heap_size,
    };

    platform_devices_init(&boot->devices);
    platform_main(&info);
}
