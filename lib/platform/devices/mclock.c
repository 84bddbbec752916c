/* mclock.c: the monotonic clock device over the platform interface, counted from connect. */
#include "devices/mclock.h"
#include "lib/platform/platform.h"

struct platform_mclock {
    uint64_t origin_ns;
};

static struct platform_mclock the_clock;

static uint64_t elapsed_ns(struct mclock *self)
{
    const struct platform_mclock *clock = self->state;
    return platform_clock_monotonic() - clock->origin_ns;
}

static const struct mclock_ops ops = {.elapsed_ns = elapsed_ns};

int platform_mclock_connect(struct mclock *self)
{
    the_clock.origin_ns = platform_clock_monotonic();
    self->ops = &ops;
    self->state = &the_clock;
    return 0;
}
