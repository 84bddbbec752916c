/* random.h: the random device: bytes from the platform's entropy source. */
#ifndef MIRAGE_DEVICES_RANDOM_H
#define MIRAGE_DEVICES_RANDOM_H

#include <stddef.h>

struct random;

struct random_ops {
    /* Fill all `len` bytes of `buf`; returns 0, or a negative error code. */
    int (*fill)(struct random *self, void *buf, size_t len);
};

struct random {
    const struct random_ops *ops;
    void *state;
};

static inline int random_fill(struct random *self, void *buf, size_t len)
{
    return self->ops->fill(self, buf, len);
}

#endif
