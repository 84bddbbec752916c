/* boot.c: spt_boot: from the tender's boot info to platform_main(). */
#include <stdint.h>

#include "lib/libc/thread_block_x86_64.h"
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "targets/spt/spt_abi.h"
#include "targets/spt/syscall.h"

_Noreturn void spt_boot(const struct spt_boot_info *boot);

/* No canary: platform_main() installs the guard after this frame was entered, and never returns here. */
__attribute__((no_stack_protector)) _Noreturn void spt_boot(const struct spt_boot_info *boot)
{
    struct platform_boot_info info = {
        .cmdline = (const char *)(uintptr_t)boot->cmdline,
        .heap_start = (uintptr_t)boot->heap_start,
        .heap_size = (size_t)boot->heap_size,
    };

    /* %fs at lib/libc's thread block: code built for hosted Linux (Debian's archives) reads its canary at
     * %fs:0x28. The tender allows exactly this arch_prctl (spt_abi.h). */
    static const char no_fs[] = "spt: arch_prctl(ARCH_SET_FS) failed\n";
    if (spt_syscall3(SPT_SYS_ARCH_PRCTL, SPT_ARCH_SET_FS, (uintptr_t)&libc_thread_block, 0) != 0) {
        platform_console_write(no_fs, sizeof no_fs - 1);
        platform_abort();
    }
    platform_devices_init(&boot->devices);
    platform_main(&info);
}
