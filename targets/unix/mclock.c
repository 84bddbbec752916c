/* mclock.c: the monotonic clock on unix: CLOCK_MONOTONIC, counted from connect. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "devices/mclock.h"

struct unix_mclock {
    uint64_t origin_ns;
};

static struct unix_mclock the_clock;

static uint64_t monotonic_ns(void)
{
    struct timespec now;
    /* CLOCK_MONOTONIC cannot fail on Linux once connect has checked it. */
    (void)clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * UINT64_C(1000000000) + (uint64_t)now.tv_nsec;
}

static uint64_t elapsed_ns(struct mclock *self)
{
    const struct unix_mclock *clock = self->state;
    return monotonic_ns() - clock->origin_ns;
}

static const struct mclock_ops ops = {.elapsed_ns = elapsed_ns};

int unix_mclock_connect(struct mclock *self)
{
    struct timespec probe;
    if (clock_gettime(CLOCK_MONOTONIC, &probe) != 0)
        return -errno;
    the_clock.origin_ns = monotonic_ns();
    self->ops = &ops;
    self->state = &the_clock;
    return 0;
}
