/* pclock.h: the wall clock device: POSIX time, which may jump when the host's clock is set. */
#ifndef MIRAGE_DEVICES_PCLOCK_H
#define MIRAGE_DEVICES_PCLOCK_H

#include <stdint.h>

struct pclock;

struct pclock_ops {
    /* Nanoseconds since 1970-01-01T00:00:00Z; returns 0, or a negative error code if the time is unknown. */
    int (*now_ns)(struct pclock *self, int64_t *out);
};

struct pclock {
    const struct pclock_ops *ops;
    void *state;
};

static inline int pclock_now_ns(struct pclock *self, int64_t *out)
{
    return self->ops->now_ns(self, out);
}

#endif
