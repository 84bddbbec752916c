/* netif_tap.c: the network interface device on unix: an existing tap interface, named by the `tap` key. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devices/netif.h"
#include "lib/runtime/mirage.h"

enum { TAP_MTU = 1500, FRAME_MAX = TAP_MTU + 14 };

struct tap {
    int fd;
};

static struct tap the_tap = {.fd = -1};

static int tap_write(struct netif *self, const uint8_t *frame, size_t len)
{
    const struct tap *tap = self->state;
    if (len > FRAME_MAX)
        return -EMSGSIZE;
    for (;;) {
        ssize_t written = write(tap->fd, frame, len);
        if (written < 0 && errno == EINTR)
            continue;
        return written == (ssize_t)len ? 0 : (written < 0 ? -errno : -EIO);
    }
}

static int tap_read(struct netif *self, uint8_t *buf, size_t size, size_t *len, uint32_t *flags)
{
    const struct tap *tap = self->state;
    for (;;) {
        ssize_t got = read(tap->fd, buf, size);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return errno == EAGAIN ? NETIF_AGAIN : -errno;
        *len = (size_t)got;
        *flags = 0; /* a plain tap says nothing of checksums */
        return 0;
    }
}

static int tap_wait(struct netif *self, uint64_t timeout_ns)
{
    const struct tap *tap = self->state;
    struct pollfd fd = {.fd = tap->fd, .events = POLLIN};
    uint64_t ms = timeout_ns / UINT64_C(1000000);
    int rc = poll(&fd, 1, ms > 60000u ? 60000 : (int)ms);
    if (rc < 0)
        return errno == EINTR ? 0 : -errno;
    return rc > 0 ? 1 : 0;
}

static const struct netif_ops ops = {.write = tap_write, .read = tap_read, .wait = tap_wait};

/* A stable, locally administered MAC from the interface name, so restarts keep their ARP entries valid. */
static void mac_from_name(const char *name, uint8_t mac[6])
{
    uint32_t hash = 2166136261u;
    for (const char *c = name; *c != '\0'; c++)
        hash = (hash ^ (uint8_t)*c) * 16777619u;
    mac[0] = 0x02;
    mac[1] = 0x00;
    mac[2] = (uint8_t)(hash >> 24);
    mac[3] = (uint8_t)(hash >> 16);
    mac[4] = (uint8_t)(hash >> 8);
    mac[5] = (uint8_t)hash;
}

int unix_tap_netif_connect(struct netif *self)
{
    const char *name = mirage_key_string("tap");
    struct ifreq request;

    if (strlen(name) >= sizeof(request.ifr_name))
        return -ENAMETOOLONG;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    memset(&request, 0, sizeof(request));
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(request.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &request) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    the_tap.fd = fd;
    self->ops = &ops;
    self->state = &the_tap;
    mac_from_name(name, self->mac);
    self->mtu = TAP_MTU;
    self->rx_frame_max = FRAME_MAX;
    return 0;
}
