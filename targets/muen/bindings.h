/* bindings.h: what the muen binding's files tell each other at boot; the rest goes through lib/platform/platform.h. */
#ifndef MIRAGE_TARGETS_MUEN_BINDINGS_H
#define MIRAGE_TARGETS_MUEN_BINDINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "targets/muen/sinfo.h"

/* Called from start.S on the stack the subject specification gives; never returns. */
_Noreturn void muen_start(void);

/* Start the console on the debug log channel, if sinfo has one; false (and no output) otherwise. */
bool muen_console_init(const struct muen_sinfo *sinfo);

/* Send the console's unfinished line. */
void muen_console_flush(void);

/* Find the time info page and the TSC rate; a problem to report, or NULL. */
const char *muen_clock_init(const struct muen_sinfo *sinfo);

/* Remember the exit event's number, if sinfo has one. */
void muen_exit_init(const struct muen_sinfo *sinfo);

/* The device table from the image's manifest (devices.c). */
void muen_devices_init(void);

/* Keep the subject info for the network transport's channel look-ups (net.c). */
void muen_net_init(const struct muen_sinfo *sinfo);

/* Set `*ready_set` to the acquired net devices with a frame waiting; whether there is one. */
bool muen_net_ready(uint64_t *ready_set);

/* Print "muen: <problem>" and stop as platform_abort does. */
_Noreturn void muen_fail(const char *problem, const char *detail);

#endif
