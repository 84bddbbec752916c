/* random.c: the random device over platform_entropy. */
#include "devices/random.h"
#include "lib/platform/platform.h"

static int fill(struct random *self, void *buf, size_t len)
{
    (void)self;
    return platform_entropy(buf, len) == PLATFORM_OK ? 0 : -1;
}

static const struct random_ops ops = {.fill = fill};

int platform_random_connect(struct random *self)
{
    unsigned char probe;
    self->ops = &ops;
    self->state = NULL;
    return fill(self, &probe, sizeof(probe));
}
