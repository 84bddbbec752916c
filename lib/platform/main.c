/* main.c: platform_main: what every freestanding ABI does between its startup object and the composition. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/libc/boot.h"
#include "lib/platform/platform.h"
#include "lib/runtime/boot.h"

enum {
    CMDLINE_MAX = 8192,
    ARGS_MAX = 64,
};

/* The command line is split in a copy: the boot info's memory belongs to the ABI. */
static char cmdline_copy[CMDLINE_MAX];
static char *argv_table[ARGS_MAX + 1];
static char image_name[] = "unikernel";

static int split_cmdline(const char *cmdline)
{
    size_t len = strnlen(cmdline, CMDLINE_MAX);
    int argc = 0;

    if (len == CMDLINE_MAX) {
        mirage_log("mirage: the boot command line is longer than 8191 bytes", "", "", "");
        return -1;
    }
    memcpy(cmdline_copy, cmdline, len + 1);
    argv_table[argc++] = image_name;
    for (char *cursor = cmdline_copy; *cursor != '\0';) {
        while (*cursor == ' ')
            *cursor++ = '\0';
        if (*cursor == '\0')
            break;
        if (argc == ARGS_MAX) {
            mirage_log("mirage: more than 63 boot arguments", "", "", "");
            return -1;
        }
        argv_table[argc++] = cursor;
        while (*cursor != ' ' && *cursor != '\0')
            cursor++;
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
