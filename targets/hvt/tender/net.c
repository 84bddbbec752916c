/* net.c: the network hypercalls: POLL over the tap descriptors, and NET_EXCHANGE of batches of frames. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"
#include "targets/hvt/tender/hvt_tender.h"

static const struct mirage_boot_device *net_device(const struct hvt_guest *guest, uint64_t handle)
{
    return mirage_boot_devices_get(&guest->devices, handle, MIRAGE_DEVICE_NET);
}

/* Block up to `timeout_nsecs` until a net device is readable; returns the readable handles as a bit set. An
 * interrupted or failed wait is an early wake-up without data. */
static uint64_t wait_for_net_devices(const struct hvt_guest *guest, uint64_t timeout_nsecs)
{
    struct pollfd fds[MIRAGE_MANIFEST_MAX_DEVICES];
    uint64_t handles[MIRAGE_MANIFEST_MAX_DEVICES];
    nfds_t count = 0;

    for (uint32_t i = 0; i < guest->devices.count; i++) {
        if (net_device(guest, i) == NULL)
            continue;
        fds[count] = (struct pollfd){.fd = (int)guest->devices.devices[i].host_fd, .events = POLLIN};
        handles[count++] = i;
    }
    struct timespec timeout = {
        .tv_sec = (time_t)(timeout_nsecs / 1000000000u),
        .tv_nsec = (long)(timeout_nsecs % 1000000000u),
    };
    int ready = ppoll(fds, count, &timeout, NULL);
    uint64_t ready_set = 0;
    for (nfds_t i = 0; ready > 0 && i < count; i++) {
        if (fds[i].revents & POLLIN)
            ready_set |= 1ull << handles[i];
    }
    return ready_set;
}

void hvt_hypercall_poll(struct hvt_guest *guest, uint64_t argument)
{
    struct hvt_hc_poll call;
    hvt_guest_read(&guest->vm, argument, &call, sizeof call, "POLL");
    call.ready_set = wait_for_net_devices(guest, call.timeout_nsecs);
    call.ret = call.ready_set != 0;
    hvt_guest_write(&guest->vm, argument, &call, sizeof call, "POLL");
}

/* Send one frame; a tap takes a frame whole or not at all. */
static platform_result_t send_frame(const struct mirage_boot_device *device, const uint8_t *frame, uint64_t len)
{
    ssize_t written;
    do
        written = write((int)device->host_fd, frame, len);
    while (written < 0 && errno == EINTR);
    return written == (ssize_t)len ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
}

/* Receive one frame (a tap gives one per read); PLATFORM_AGAIN when none is waiting. */
static platform_result_t receive_frame(const struct mirage_boot_device *device, uint8_t *buffer, uint64_t size,
                                       uint64_t *len)
{
    ssize_t received;
    do
        received = read((int)device->host_fd, buffer, size);
    while (received < 0 && errno == EINTR);
    if (received >= 0) {
        *len = (uint64_t)received;
        return PLATFORM_OK;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK ? PLATFORM_AGAIN : PLATFORM_UNSPECIFIED;
}

/* Fill receive[*received..count) from the tap until it has no frame left; a frame longer than its buffer (the tap
 * says how long it was) is dropped. Returns PLATFORM_OK, or PLATFORM_UNSPECIFIED if a read failed. */
static platform_result_t receive_frames(const struct mirage_boot_device *device, uint8_t *const buffers[],
                                        struct hvt_net_frame receive[], uint32_t count, uint32_t *received)
{
    while (*received < count) {
        struct hvt_net_frame *frame = &receive[*received];
        uint64_t len;
        platform_result_t result = receive_frame(device, buffers[*received], frame->len, &len);
        if (result == PLATFORM_AGAIN)
            return PLATFORM_OK;
        if (result != PLATFORM_OK)
            return result;
        if (len > frame->len)
            continue;
        frame->len = len;
        (*received)++;
    }
    return PLATFORM_OK;
}

/* NET_EXCHANGE's work on its copied argument struct; fills call->receive_count and call->ready_set. */
static platform_result_t exchange_frames(struct hvt_guest *guest, struct hvt_hc_net_exchange *call)
{
    static const char name[] = "NET_EXCHANGE";
    struct hvt_net_frame transmit[HVT_NET_EXCHANGE_MAX_FRAMES];
    struct hvt_net_frame receive[HVT_NET_EXCHANGE_MAX_FRAMES];
    const uint8_t *frames[HVT_NET_EXCHANGE_MAX_FRAMES];
    uint8_t *buffers[HVT_NET_EXCHANGE_MAX_FRAMES];
    const struct mirage_boot_device *device = net_device(guest, call->handle);
    const uint32_t offered = call->receive_count;

    call->receive_count = 0;
    call->transmit_failed = 0;
    call->ready_set = 0;
    if (device == NULL || call->transmit_count > HVT_NET_EXCHANGE_MAX_FRAMES || offered > HVT_NET_EXCHANGE_MAX_FRAMES)
        return PLATFORM_INVALID;
    const uint64_t handle_bit = 1ull << call->handle; /* below MIRAGE_MANIFEST_MAX_DEVICES: net_device checked it */

    /* Every descriptor is copied and every frame and buffer checked before any frame moves. */
    hvt_guest_read(&guest->vm, call->transmit, transmit, call->transmit_count * sizeof transmit[0], name);
    hvt_guest_read(&guest->vm, call->receive, receive, offered * sizeof receive[0], name);
    for (uint32_t i = 0; i < call->transmit_count; i++) {
        if (mirage_net_frame_check(device, transmit[i].len) != PLATFORM_OK)
            return PLATFORM_INVALID;
        frames[i] = hvt_guest_range(&guest->vm, transmit[i].data, transmit[i].len, name);
    }
    for (uint32_t i = 0; i < offered; i++)
        buffers[i] = hvt_guest_writable_range(&guest->vm, receive[i].data, receive[i].len, name);

    for (uint32_t i = 0; i < call->transmit_count; i++) {
        if (send_frame(device, frames[i], transmit[i].len) != PLATFORM_OK)
            call->transmit_failed++;
    }
    uint32_t received = 0;
    platform_result_t result = receive_frames(device, buffers, receive, offered, &received);
    if (result == PLATFORM_OK && received == 0 && call->timeout_nsecs > 0) {
        call->ready_set = wait_for_net_devices(guest, call->timeout_nsecs);
        if (offered > 0 && (call->ready_set & handle_bit) != 0) {
            result = receive_frames(device, buffers, receive, offered, &received);
            call->ready_set &= ~handle_bit;
        }
    }
    if (offered > 0 && received == offered)
        call->ready_set |= handle_bit; /* every buffer was used: more may be waiting */
    call->receive_count = received;
    hvt_guest_write(&guest->vm, call->receive, receive, received * sizeof receive[0], name);
    /* Frames received before a failed read are delivered; the failure shows again on the next call. */
    return received > 0 ? PLATFORM_OK : result;
}

void hvt_hypercall_net_exchange(struct hvt_guest *guest, uint64_t argument)
{
    struct hvt_hc_net_exchange call;
    hvt_guest_read(&guest->vm, argument, &call, sizeof call, "NET_EXCHANGE");
    call.ret = exchange_frames(guest, &call);
    hvt_guest_write(&guest->vm, argument, &call, sizeof call, "NET_EXCHANGE");
}
