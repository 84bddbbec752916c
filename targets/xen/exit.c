/* exit.c: ending the domain: platform_exit reports "xen: exit NNN" on the console, waits for xenconsoled to take
 * it, then asks SCHEDOP_shutdown for poweroff (Xen carries no exit code: the console line is where it is);
 * platform_abort, faults and failed boots crash the domain (SHUTDOWN_crash), which xl reports and may keep for a
 * dump (on_crash in the xl configuration). */
#include <stdbool.h>

#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"
#include "targets/xen/bindings.h"
#include "targets/xen/hypercall.h"

static _Noreturn void shutdown(uint32_t reason)
{
    struct sched_shutdown shutdown = {.reason = reason};
    /* Without hypercalls (a fault before Xen filled the page) the vCPU can only halt. SCHEDOP_shutdown does not
     * return once Xen took it: the loop guards a Xen that refused. */
    if (xen_hypercalls_ready())
        xen_console_flush();
    for (;;) {
        if (xen_hypercalls_ready())
            (void)xen_sched_op(SCHEDOP_shutdown, &shutdown);
        __asm__ __volatile__("cli; hlt");
    }
}

_Noreturn void platform_exit(int status)
{
    uint32_t code = (uint32_t)status & 0xffu;
    const char line[] = {'x',
                         'e',
                         'n',
                         ':',
                         ' ',
                         'e',
                         'x',
                         'i',
                         't',
                         ' ',
                         (char)('0' + code / 100),
                         (char)('0' + code / 10 % 10),
                         (char)('0' + code % 10),
                         '\n'};
    platform_console_write(line, sizeof line);
    shutdown(SHUTDOWN_poweroff);
}

_Noreturn void xen_crash(void)
{
    static const char line[] = "xen: crash (exit 126)\n";
    platform_console_write(line, sizeof line - 1);
    shutdown(SHUTDOWN_crash);
}

_Noreturn void platform_abort(void)
{
    xen_crash();
}

_Noreturn void xen_fail(const char *message)
{
    xen_console_puts(message);
    xen_console_puts("\n");
    xen_crash();
}
