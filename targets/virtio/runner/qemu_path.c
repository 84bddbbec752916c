/* qemu_path.c: which QEMU program boots each board, and the Debian package that has it (tender_find_program finds
 * where it is). */
#include "targets/virtio/runner/runner.h"

const char *runner_qemu_name(enum runner_board board)
{
    return board == RUNNER_BOARD_VIRT_ARM64 ? "qemu-system-aarch64" : "qemu-system-x86_64";
}

const char *runner_qemu_package(enum runner_board board)
{
    return board == RUNNER_BOARD_VIRT_ARM64 ? "qemu-system-arm" : "qemu-system-x86";
}
