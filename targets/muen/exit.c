/* exit.c: ending the subject: the status on the console, then the exit event the subject specification declares
 * (its action is the system's choice: power off, or hand over to another subject). */
#include <stdio.h>

#include "lib/platform/platform.h"
#include "targets/muen/bindings.h"
#include "targets/muen/muen_abi.h"

static bool have_exit_event;
static uint8_t exit_event;

void muen_exit_init(const struct muen_sinfo *sinfo)
{
    have_exit_event = muen_sinfo_event(sinfo, MUEN_NAME_EXIT_EVENT, &exit_event);
}

static _Noreturn void stop(const char *line, size_t len)
{
    platform_console_write(line, len);
    muen_console_flush();
    if (have_exit_event)
        __asm__ __volatile__("vmcall" : : "a"((uint64_t)exit_event) : "memory");
    /* The event's action may let this subject run on: spin, as everywhere in this binding, in its own frames. */
    for (;;)
        __builtin_ia32_pause();
}

_Noreturn void platform_exit(int status)
{
    char line[32];
    int len = snprintf(line, sizeof line, "muen: exit %d\n", status & 0xff);
    stop(line, len > 0 && (size_t)len < sizeof line ? (size_t)len : 0);
}

_Noreturn void platform_abort(void)
{
    static const char line[] = "muen: abort\n";
    stop(line, sizeof line - 1);
}
