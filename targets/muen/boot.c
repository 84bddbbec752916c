/* boot.c: startup after start.S: check the subject info page, then the console, clocks, boot arguments and heap it
 * describes, then run the unikernel. */
#include <string.h>

#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"
#include "targets/muen/bindings.h"
#include "targets/muen/muen_abi.h"
#include "targets/muen/sinfo.h"

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

/* This subject keeps W^X whatever the system maps: a region both writable and executable stops the boot. */
static void check_write_xor_execute(void)
{
    const uint8_t both = MUEN_MEMORY_WRITABLE | MUEN_MEMORY_EXECUTABLE;
    for (uint16_t i = 0; i < sinfo.region_count; i++)
        if ((sinfo.regions[i].flags & both) == both)
            muen_fail("a region is mapped writable and executable: ", sinfo.regions[i].name);
}

/* The boot arguments: NUL-terminated text at the start of the cmdline region, or none without that region. */
static void read_cmdline(void)
{
    const struct muen_memory_region *region = muen_sinfo_region(&sinfo, MUEN_NAME_CMDLINE);
    if (region == NULL || region->device) {
        cmdline[0] = '\0';
        return;
    }
    const volatile char *text = (const volatile char *)(uintptr_t)region->address;
    uint64_t limit = region->size < sizeof cmdline ? region->size : sizeof cmdline;
    for (uint64_t i = 0; i < limit; i++) {
        cmdline[i] = text[i];
        if (cmdline[i] == '\0')
            return;
    }
    muen_fail("the boot arguments in region " MUEN_NAME_CMDLINE " have no NUL within 8192 bytes", "");
}

static void find_heap(void)
{
    const struct muen_memory_region *heap = muen_sinfo_region(&sinfo, MUEN_NAME_HEAP);
    if (heap == NULL || heap->device)
        muen_fail("no memory region named " MUEN_NAME_HEAP " in the subject info", "");
    if ((heap->flags & MUEN_MEMORY_WRITABLE) == 0 || (heap->flags & MUEN_MEMORY_EXECUTABLE) != 0)
        muen_fail("the " MUEN_NAME_HEAP " region must be writable and not executable", "");
    platform_boot_info.heap_start = (uintptr_t)heap->address;
    platform_boot_info.heap_size = (size_t)heap->size;
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
    check_write_xor_execute();
    const char *problem = muen_clock_init(&sinfo);
    if (problem != NULL)
        muen_fail(problem, "");
    read_cmdline();
    find_heap();
    muen_net_init(&sinfo);
    muen_devices_init();
    say("muen: subject ", sinfo.subject_name, "\n");
    platform_boot_info.cmdline = cmdline;
    platform_main(&platform_boot_info);
}
