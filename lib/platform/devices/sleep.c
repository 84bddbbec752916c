/* sleep.c: the sleep device: yield to the platform until the deadline (frames that arrive meanwhile wait). */
#include <stdint.h>

#include "devices/sleep.h"
#include "lib/platform/platform.h"

static int yield_sleep_ns(struct sleep *self, uint64_t ns)
{
    (void)self;
    uint64_t now = platform_clock_monotonic();
    uint64_t deadline = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    uint64_t ready = 0;
    /* platform_yield also returns early when a device is ready; keep waiting until the deadline itself. */
    while (platform_clock_monotonic() < deadline)
        (void)platform_yield(deadline, &ready);
    return 0;
}

static const struct sleep_ops ops = {.sleep_ns = yield_sleep_ns};

int platform_sleep_connect(struct sleep *self)
{
    self->ops = &ops;
    self->state = NULL;
    return 0;
}
