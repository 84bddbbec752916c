/* netif.c: the network interface device over the platform interface; the manifest names it. */
#include <stdint.h>

#include "devices/netif.h"
#include "lib/platform/platform.h"

static platform_handle_t handle_of(const struct netif *self)
{
    return (platform_handle_t)(uintptr_t)self->state;
}

static int net_write(struct netif *self, const uint8_t *frame, size_t len)
{
    return platform_net_write(handle_of(self), frame, len) == PLATFORM_OK ? 0 : -1;
}

static int net_read(struct netif *self, uint8_t *buf, size_t size, size_t *len, uint32_t *flags)
{
    _Static_assert(PLATFORM_NET_CHECKSUM_VALID == NETIF_RX_CHECKSUM_VALID &&
                       PLATFORM_NET_CHECKSUM_PARTIAL == NETIF_RX_CHECKSUM_PARTIAL,
                   "the platform's receive flags are the netif's");
    switch (platform_net_read(handle_of(self), buf, size, len, flags)) {
    case PLATFORM_OK:
        return 0;
    case PLATFORM_AGAIN:
        return NETIF_AGAIN;
    default:
        return -1;
    }
}

static int net_wait(struct netif *self, uint64_t timeout_ns)
{
    uint64_t now = platform_clock_monotonic();
    uint64_t deadline = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
    uint64_t ready = 0;
    return platform_yield(deadline, &ready) && (ready & (UINT64_C(1) << handle_of(self))) != 0 ? 1 : 0;
}

static int net_receive_offload(struct netif *self)
{
    size_t frame_max;
    if (platform_net_receive_offload(handle_of(self), &frame_max) != PLATFORM_OK || frame_max > UINT32_MAX)
        return -1;
    self->rx_frame_max = (uint32_t)frame_max;
    return 0;
}

static int net_transmit_offload(struct netif *self, uint32_t *frame_max)
{
    size_t most;
    if (platform_net_transmit_offload(handle_of(self), &most) != PLATFORM_OK || most > UINT32_MAX)
        return -1;
    *frame_max = (uint32_t)most;
    return 0;
}

static int net_write_segment(struct netif *self, const uint8_t *frame, size_t len, uint32_t segment_size)
{
    return platform_net_write_segment(handle_of(self), frame, len, segment_size) == PLATFORM_OK ? 0 : -1;
}

static const struct netif_ops ops = {
    .write = net_write,
    .read = net_read,
    .wait = net_wait,
    .receive_offload = net_receive_offload,
    .transmit_offload = net_transmit_offload,
    .write_segment = net_write_segment,
};

/* `name` is the instance's manifest entry, which the tender mapped to a host interface. */
int platform_netif_connect(struct netif *self, const char *name)
{
    platform_handle_t handle;
    struct platform_net_info info;
    if (platform_net_acquire(name, &handle, &info) != PLATFORM_OK || handle >= 64)
        return -1;
    self->ops = &ops;
    self->state = (void *)(uintptr_t)handle;
    for (size_t i = 0; i < sizeof(self->mac); i++)
        self->mac[i] = info.mac_address[i];
    self->mtu = (uint32_t)info.mtu;
    self->rx_frame_max = (uint32_t)info.mtu + 14;
    return 0;
}
