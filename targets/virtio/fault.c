/* fault.c: what the shared fault report (lib/platform/x86_64/fault.c) needs from this board: its name, the serial
 * console, and the end, QEMU exiting with PLATFORM_EXIT_ABORT. Runs at CPL 0 on the exception stack. */
#include "targets/virtio/cpl0.h"

#include "lib/platform/device_model.h"
#include "lib/platform/x86_64/traps.h"
#include "targets/virtio/bindings.h"

const char x86_board_name[] = "virtio";

void x86_board_fault_puts(const char *text)
{
    virtio_console_puts(text);
}

_Noreturn void x86_board_fault_end(void)
{
    virtio_exit_code(PLATFORM_EXIT_ABORT);
}
