/* bindings.h: what the hvt binding's files tell each other at boot; the rest goes through lib/platform/platform.h. */
#ifndef MIRAGE_TARGETS_HVT_BINDINGS_H
#define MIRAGE_TARGETS_HVT_BINDINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "targets/hvt/hvt_abi.h"

/* Bytes at the top of guest memory kept for the boot stack; the heap ends below them. */
#define HVT_STACK_RESERVE (512u * 1024u)

/* Called from start.S on the boot stack with the tender's boot info; never returns. */
_Noreturn void hvt_start(const struct hvt_boot_info *boot_info);

/* Start the monotonic clock from the TSC, which ticks `tsc_freq` times a second. */
void hvt_clock_init(uint64_t tsc_freq);

/* platform_yield's network half: send every acquired net device's queued frames and, unless one has frames
 * received ahead, block up to `timeout_nsecs` until one has data. Sets `*ready_set` (bit n = net handle n) and
 * returns true; returns false, doing nothing, when no net device was acquired. */
bool hvt_net_wait(uint64_t timeout_nsecs, uint64_t *ready_set);

/* Send every net device's queued frames now (before the unikernel halts). */
void hvt_net_flush(void);

#endif
