/* tap.h: Test Anything Protocol output for the C checks that run on the build host (host_program tests).
 *
 * A program prints its plan first ("1..N"), so a run that stops part-way shows fewer `ok` lines than planned; the
 * Python test that runs it reads the TAP and fails on any `not ok`. The counts live in tap.c: one program, one run. */
#ifndef MIRAGE_LIB_TESTING_TAP_H
#define MIRAGE_LIB_TESTING_TAP_H

#include <stdbool.h>
#include <stddef.h>

/* Prints "ok N - name", or "not ok N - name: " and the printf-style explanation; returns `ok`. */
__attribute__((__format__(__printf__, 3, 4))) bool tap_check(bool ok, const char *name, const char *format, ...);

/* Checks made so far, and how many failed. */
unsigned tap_count(void);
unsigned tap_failures(void);

/* Prints the plan "1..count". */
void tap_plan(unsigned count);

/* A group of checks and how many it makes, so the plan is known before any runs. */
struct tap_group {
    const char *name;
    void (*run)(void);
    unsigned planned;
};

/* Plans the sum of the groups' counts, runs them in order, and reports on stderr (naming `program`) a group that
 * made a number of checks other than it planned. Returns the exit status: 0 when every check passed and every
 * group made its planned count, 1 otherwise. */
int tap_run_groups(const char *program, const struct tap_group *groups, size_t count);

/* Prints "Bail out! " and the printf-style reason, the TAP line for a run that cannot go on (a fixture could not be
 * set up, not a check that failed), and exits with status 1. */
__attribute__((__format__(__printf__, 1, 2), __noreturn__)) void tap_bail_out(const char *format, ...);

/* malloc(size) for a fixture, or a bail-out naming `what` when there is no memory. */
void *tap_alloc(size_t size, const char *what);

/* The exit status after checks run outside groups: 0 when none failed. */
int tap_exit_status(void);

#endif
