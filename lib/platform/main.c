/* main.c: platform_main: what every freestanding ABI does between its startup object and the composition. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/libc/boot.h"
#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"
#include "lib/runtime/boot.h"

enum {
    ARGS_MAX = 64,
};

/* The command line is split in a copy: the boot info's memory belongs to the ABI. */
static char cmdline_copy[PLATFORM_CMDLINE_SIZE];
static char *argv_table[ARGS_MAX + 1];
static char image_name[] = "unikernel";

/* Split on spaces; a backslash makes the next character (a space or a backslash) part of the argument, which is
 * how tenders pass arguments that contain spaces (targets/tender/args.c). */
static int split_cmdline(const char *cmdline)
{
    size_t len = strnlen(cmdline, PLATFORM_CMDLINE_SIZE);
    int argc = 0;

    if (len == PLATFORM_CMDLINE_SIZE) {
        mirage_log("mirage: the boot command line is longer than 8191 bytes", "", "", "");
        return -1;
    }
    argv_table[argc++] = image_name;
    size_t in = 0, out = 0;
    while (in < len) {
        while (in < len && cmdline[in] == ' ')
            in++;
        if (in == len)
            break;
        if (argc == ARGS_MAX) {
            mirage_log("mirage: more than 63 boot arguments", "", "", "");
            return -1;
        }
        argv_table[argc++] = &cmdline_copy[out];
        while (in < len && cmdline[in] != ' ') {
            if (cmdline[in] == '\\' && in + 1 < len)
                in++;
            cmdline_copy[out++] = cmdline[in++];
        }
        cmdline_copy[out++] = '\0';
    }
    argv_table[argc] = NULL;
    return argc;
}

/* No canary here: this function installs the guard its own frame would be checked against. */
__attribute__((no_stack_protector)) _Noreturn void platform_main(const struct platform_boot_info *info)
{
    uint64_t seed = 0;
    if (platform_entropy(&seed, sizeof(seed)) != PLATFORM_OK)
        seed = platform_clock_monotonic() * UINT64_C(0x9e3779b97f4a7c15);
    libc_stack_guard_init(seed);
    libc_heap_init((void *)info->heap_start, info->heap_size);

    int argc = split_cmdline(info->cmdline != NULL ? info->cmdline : "");
    if (argc < 0)
        platform_exit(MIRAGE_EXIT_USAGE);
    platform_exit(mirage_main(argc, argv_table));
}
