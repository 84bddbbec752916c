/* exit.c: ending the guest through QEMU's isa-debug-exit port; QEMU exits with (code << 1) | 1. */
/* Also run at CPL 0 by the fault report: no SSE, and no stack protector (the target pragma resets its guard). */
#pragma GCC target("general-regs-only")
#pragma GCC optimize("no-stack-protector")
#include "lib/platform/platform.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/port_io.h"
#include "targets/virtio/pvh_abi.h"

_Noreturn void virtio_exit_code(uint32_t code)
{
    /* Without the exit device QEMU ignores the write; spinning on it keeps this function from returning. */
    for (;;)
        virtio_outl(VIRTIO_EXIT_PORT, code);
}

_Noreturn void platform_exit(int status)
{
    static const char out_of_range[] = "virtio: exit codes above 127 do not fit QEMU's exit status; exiting 127\n";

    if (status < 0 || status > VIRTIO_EXIT_CODE_MAX) {
        platform_console_write(out_of_range, sizeof out_of_range - 1);
        status = VIRTIO_EXIT_CODE_MAX;
    }
    virtio_exit_code((uint32_t)status);
}

_Noreturn void platform_abort(void)
{
    virtio_exit_code(VIRTIO_EXIT_ABORT);
}

_Noreturn void virtio_fail(const char *message)
{
    virtio_console_puts(message);
    virtio_console_puts("\n");
    virtio_exit_code(VIRTIO_EXIT_ABORT);
}
