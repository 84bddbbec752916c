/* sleep.c: the sleep device on unix: clock_nanosleep on CLOCK_MONOTONIC, resumed after signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "devices/sleep.h"

static int monotonic_sleep_ns(struct sleep *self, uint64_t ns)
{
    struct timespec deadline;
    (void)self;
    if (clock_gettime(CLOCK_MONOTONIC, &deadline) != 0)
        return -errno;
    uint64_t total = (uint64_t)deadline.tv_nsec + ns % UINT64_C(1000000000);
    deadline.tv_sec += (time_t)(ns / UINT64_C(1000000000) + total / UINT64_C(1000000000));
    deadline.tv_nsec = (long)(total % UINT64_C(1000000000));
    /* An absolute deadline makes an interrupted sleep resume without drifting. */
    int rc;
    do {
        rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL);
    } while (rc == EINTR);
    return -rc;
}

static const struct sleep_ops ops = {.sleep_ns = monotonic_sleep_ns};

int unix_sleep_connect(struct sleep *self)
{
    self->ops = &ops;
    self->state = NULL;
    return 0;
}
