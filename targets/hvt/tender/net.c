/* net.c: the network hypercalls: POLL over the tap descriptors, and NET_WRITE and NET_READ of single frames. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "lib/platform/platform.h"
#include "targets/hvt/tender/hvt_tender.h"

#define ETHERNET_HEADER_SIZE 14

static const struct mirage_boot_device *net_device(const struct hvt_guest *guest, uint64_t handle)
{
    if (handle >= guest->devices.count || guest->devices.devices[handle].type != MIRAGE_DEVICE_NET)
        return NULL;
    return &guest->devices.devices[handle];
}

void hvt_hypercall_poll(struct hvt_guest *guest, uint64_t argument)
{
    struct hvt_hc_poll call;
    struct pollfd fds[MIRAGE_MANIFEST_MAX_DEVICES];
    uint64_t handles[MIRAGE_MANIFEST_MAX_DEVICES];
    nfds_t count = 0;

    hvt_guest_read(&guest->vm, argument, &call, sizeof call, "POLL");
    for (uint32_t i = 0; i < guest->devices.count; i++) {
        if (net_device(guest, i) == NULL)
            continue;
        fds[count] = (struct pollfd){.fd = (int)guest->devices.devices[i].host_fd, .events = POLLIN};
        handles[count++] = i;
    }
    struct timespec timeout = {
        .tv_sec = (time_t)(call.timeout_nsecs / 1000000000u),
        .tv_nsec = (long)(call.timeout_nsecs % 1000000000u),
    };
    int ready = ppoll(fds, count, &timeout, NULL);
    call.ready_set = 0;
    for (nfds_t i = 0; ready > 0 && i < count; i++) {
        if (fds[i].revents & POLLIN)
            call.ready_set |= 1ull << handles[i];
    }
    call.ret = call.ready_set != 0; /* an interrupted or failed wait is an early wake-up without data */
    hvt_guest_write(&guest->vm, argument, &call, sizeof call, "POLL");
}

void hvt_hypercall_net_write(struct hvt_guest *guest, uint64_t argument)
{
    struct hvt_hc_net_write call;
    hvt_guest_read(&guest->vm, argument, &call, sizeof call, "NET_WRITE");
    const uint8_t *frame = hvt_guest_range(&guest->vm, call.data, call.len, "NET_WRITE");
    const struct mirage_boot_device *device = net_device(guest, call.handle);
    if (device == NULL || call.len > (uint64_t)device->mtu + ETHERNET_HEADER_SIZE) {
        call.ret = PLATFORM_INVALID;
    } else {
        ssize_t written;
        do
            written = write((int)device->host_fd, frame, call.len);
        while (written < 0 && errno == EINTR);
        /* A tap takes a frame whole or not at all. */
        call.ret = written == (ssize_t)call.len ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
    }
    hvt_guest_write(&guest->vm, argument, &call, sizeof call, "NET_WRITE");
}

void hvt_hypercall_net_read(struct hvt_guest *guest, uint64_t argument)
{
    struct hvt_hc_net_read call;
    hvt_guest_read(&guest->vm, argument, &call, sizeof call, "NET_READ");
    uint8_t *buffer = hvt_guest_range(&guest->vm, call.data, call.len, "NET_READ");
    const struct mirage_boot_device *device = net_device(guest, call.handle);
    if (device == NULL) {
        call.ret = PLATFORM_INVALID;
    } else {
        ssize_t received;
        do
            received = read((int)device->host_fd, buffer, call.len);
        while (received < 0 && errno == EINTR);
        if (received >= 0) {
            call.len = (uint64_t)received;
            call.ret = PLATFORM_OK;
        } else {
            call.ret = errno == EAGAIN || errno == EWOULDBLOCK ? PLATFORM_AGAIN : PLATFORM_UNSPECIFIED;
        }
    }
    hvt_guest_write(&guest->vm, argument, &call, sizeof call, "NET_READ");
}
