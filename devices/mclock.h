/* mclock.h: the monotonic clock device: nanoseconds since an arbitrary point, never going back. */
#ifndef MIRAGE_DEVICES_MCLOCK_H
#define MIRAGE_DEVICES_MCLOCK_H

#include <stdint.h>

struct mclock;

struct mclock_ops {
    /* Nanoseconds elapsed since the clock's origin (fixed for the unikernel's lifetime). */
    uint64_t (*elapsed_ns)(struct mclock *self);
};

struct mclock {
    const struct mclock_ops *ops;
    void *state;
};

static inline uint64_t mclock_elapsed_ns(struct mclock *self)
{
    return self->ops->elapsed_ns(self);
}

#endif
