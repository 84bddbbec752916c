/* fault.c: what the shared fault report (lib/platform/x86_64/fault.c) needs from this board: its name, the Xen
 * console, and the end, the domain crashing. */
#include "lib/platform/x86_64/traps.h"
#include "targets/xen/bindings.h"

const char x86_board_name[] = "xen";

void x86_board_fault_puts(const char *text)
{
    xen_console_puts(text);
}

_Noreturn void x86_board_fault_end(void)
{
    xen_crash();
}
