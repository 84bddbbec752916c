/* boot.c: startup after start.S: check the subject info page, then the console, clocks, boot arguments and heap it
 * describes, then run the unikernel. */
#include <string.h>

#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"
#include "targets/muen/bindings.h"
#include "targets/muen/sinfo.h"
#include "targets/muen/subject.h"

/* Static, not on the stack: large, and platform_main() keeps using what boot hands it. */
static struct muen_sinfo sinfo;
static char cmdline[PLATFORM_CMDLINE_SIZE];
static struct platform_boot_info platform_boot_info;

static void say(const char *a, const char *b, const char *c)
{
    platform_console_write(a, strlen(a));
    platform_console_write(b, strlen(b));
    platform_console_write(c, strlen(c));
}

_Noreturn void muen_fail(const char *problem, const char *detail)
{
    say("muen: ", problem, detail);
    say("\n", "", "");
    platform_abort();
}

_Noreturn void muen_start(void)
{
    uint32_t at;
    enum muen_sinfo_result result =
        muen_sinfo_parse((const uint8_t *)(uintptr_t)MUEN_SINFO_ADDRESS, MUEN_SINFO_REGION_SIZE, &sinfo, &at);
    /* Without a valid page there is no console to report on and no exit event: fault, which the kernel reports
     * as this subject's crash. */
    if (result != MUEN_SINFO_OK)
        __builtin_trap();
    muen_console_init(&sinfo);
    muen_exit_init(&sinfo);
    /* This subject keeps W^X whatever the system maps. */
    const char *region = "";
    const char *problem = muen_subject_check_regions(&sinfo, &region);
    if (problem == NULL)
        problem = muen_clock_init(&sinfo);
    if (problem == NULL)
        problem = muen_subject_cmdline(&sinfo, cmdline, sizeof cmdline);
    uint64_t heap_start = 0, heap_size = 0;
    if (problem == NULL)
        problem = muen_subject_heap(&sinfo, &heap_start, &heap_size);
    if (problem != NULL)
        muen_fail(problem, region);
    muen_net_init(&sinfo);
    muen_devices_init();
    say("muen: subject ", sinfo.subject_name, "\n");
    platform_boot_info.cmdline = cmdline;
    platform_boot_info.heap_start = (uintptr_t)heap_start;
    platform_boot_info.heap_size = (size_t)heap_size;
    platform_main(&platform_boot_info);
}
