/* exit.c: the ways an aarch64 unikernel ends that every board shares, over the board's own aarch64_board_exit. */
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"

#define EXIT_CODE_MAX 255u

_Noreturn void aarch64_exit(uint32_t code)
{
    aarch64_board_exit(code > EXIT_CODE_MAX ? PLATFORM_EXIT_ABORT : code);
}

_Noreturn void platform_abort(void)
{
    aarch64_exit(PLATFORM_EXIT_ABORT);
}

_Noreturn void aarch64_fail(const char *message)
{
    if (!pl011_at_line_start())
        pl011_puts("\n");
    pl011_puts(aarch64_board_name);
    pl011_puts(": ");
    pl011_puts(message);
    pl011_puts("\n");
    aarch64_exit(PLATFORM_EXIT_ABORT);
}
