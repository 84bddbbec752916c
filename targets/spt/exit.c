/* exit.c: ending an spt unikernel: exit_group, whose status becomes the tender's exit code. */
#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"
#include "targets/spt/spt_abi.h"
#include "targets/spt/syscall.h"

_Noreturn void platform_exit(int status)
{
    for (;;)
        spt_syscall3(SPT_SYS_EXIT_GROUP, (uint64_t)(uint32_t)status, 0, 0);
}

_Noreturn void platform_abort(void)
{
    static const char message[] = "spt: the unikernel aborted\n";

    platform_console_write(message, sizeof(message) - 1);
    platform_exit(PLATFORM_EXIT_ABORT);
}
