/* sleep.h: the sleep device: block the unikernel for a duration (MirageOS Time.sleep_ns). */
#ifndef MIRAGE_DEVICES_SLEEP_H
#define MIRAGE_DEVICES_SLEEP_H

#include <stdint.h>

struct sleep;

struct sleep_ops {
    /* Return after at least `ns` nanoseconds; returns 0, or a negative error code. */
    int (*sleep_ns)(struct sleep *self, uint64_t ns);
};

struct sleep {
    const struct sleep_ops *ops;
    void *state;
};

static inline int sleep_ns(struct sleep *self, uint64_t ns)
{
    return self->ops->sleep_ns(self, ns);
}

#endif
