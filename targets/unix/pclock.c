/* pclock.c: the wall clock on unix: CLOCK_REALTIME. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "devices/pclock.h"

static int now_ns(struct pclock *self, int64_t *out)
{
    struct timespec now;
    (void)self;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0)
        return -errno;
    *out = (int64_t)now.tv_sec * INT64_C(1000000000) + (int64_t)now.tv_nsec;
    return 0;
}

static const struct pclock_ops ops = {.now_ns = now_ns};

int unix_pclock_connect(struct pclock *self)
{
    int64_t probe;
    self->ops = &ops;
    self->state = NULL;
    return now_ns(self, &probe);
}
