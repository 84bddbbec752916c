/* boot_args.h: splitting the Pi's boot command line between the firmware, the board and the unikernel. The
 * firmware adds words of its own for Linux (`coherent_pool=1M 8250.nr_uarts=1 ...`) before cmdline.txt's; the
 * unikernel's arguments all begin with "--"; the board takes `rpi4.wall_clock=SECONDS` (the Pi 4 has no RTC).
 * Pure, for host tests. */
#ifndef MIRAGE_TARGETS_RPI4_BOOT_ARGS_H
#define MIRAGE_TARGETS_RPI4_BOOT_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPI4_WALL_CLOCK_WORD "rpi4.wall_clock="

struct rpi4_boot_args {
    uint64_t wall_clock_ns; /* nanoseconds since the epoch at boot, if given */
    bool wall_clock_given;
    uint32_t ignored; /* words that are neither the unikernel's nor the board's (the firmware's) */
};

enum rpi4_boot_args_result {
    RPI4_BOOT_ARGS_OK = 0,
    RPI4_BOOT_ARGS_TOO_LONG,       /* the unikernel's words do not fit in `out` */
    RPI4_BOOT_ARGS_BAD_WALL_CLOCK, /* rpi4.wall_clock= is not a count of seconds (digits, below 2^64 ns) */
};

/* Copy the words of `cmdline` that begin with "--" into `out` (`out_size` bytes, NUL-terminated), separated by one
 * space and with their backslash escapes kept for lib/platform's splitter; take the board's word into `*args`. */
enum rpi4_boot_args_result rpi4_boot_args_split(const char *cmdline, char *out, size_t out_size,
                                                struct rpi4_boot_args *args);

#endif
