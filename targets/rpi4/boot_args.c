/* boot_args.c: the Pi's boot command line split into the unikernel's words and the board's (boot_args.h). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "targets/rpi4/boot_args.h"

#define NSECS_PER_SEC UINT64_C(1000000000)

/* The length of the word at `word`: up to a space that no backslash escapes, or the end. */
static size_t word_length(const char *word)
{
    size_t length = 0;
    while (word[length] != '\0' && word[length] != ' ') {
        if (word[length] == '\\' && word[length + 1] != '\0')
            length++;
        length++;
    }
    return length;
}

static bool parse_seconds(const char *digits, size_t length, uint64_t *nsecs)
{
    uint64_t seconds = 0;
    if (length == 0)
        return false;
    for (size_t i = 0; i < length; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return false;
        uint64_t digit = (uint64_t)(digits[i] - '0');
        if (seconds > (UINT64_MAX / NSECS_PER_SEC - digit) / 10)
            return false;
        seconds = seconds * 10 + digit;
    }
    *nsecs = seconds * NSECS_PER_SEC;
    return true;
}

enum rpi4_boot_args_result rpi4_boot_args_split(const char *cmdline, char *out, size_t out_size,
                                                struct rpi4_boot_args *args)
{
    static const char wall_clock[] = RPI4_WALL_CLOCK_WORD;
    size_t used = 0;

    memset(args, 0, sizeof *args);
    if (out_size == 0)
        return RPI4_BOOT_ARGS_TOO_LONG;
    out[0] = '\0';
    while (*cmdline != '\0') {
        if (*cmdline == ' ') {
            cmdline++;
            continue;
        }
        size_t length = word_length(cmdline);
        if (length >= 2 && cmdline[0] == '-' && cmdline[1] == '-') {
            size_t separator = used > 0 ? 1 : 0;
            if (length + separator >= out_size - used)
                return RPI4_BOOT_ARGS_TOO_LONG;
            if (separator)
                out[used++] = ' ';
            memcpy(out + used, cmdline, length);
            used += length;
            out[used] = '\0';
        } else if (length >= sizeof wall_clock - 1 && memcmp(cmdline, wall_clock, sizeof wall_clock - 1) == 0) {
            if (!parse_seconds(cmdline + sizeof wall_clock - 1, length - (sizeof wall_clock - 1), &args->wall_clock_ns))
                return RPI4_BOOT_ARGS_BAD_WALL_CLOCK;
            args->wall_clock_given = true;
        } else {
            args->ignored++;
        }
        cmdline += length;
    }
    return RPI4_BOOT_ARGS_OK;
}
