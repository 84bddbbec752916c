/* net.c: the network hypercalls: POLL over the tap descriptors, NET_EXCHANGE of batches of frames, and
 * NET_RECEIVE_OFFLOAD. Every frame on a tap carries a virtio-net header (tender_attach_devices opened them with
 * IFF_VNET_HDR): ours, written in front of each frame, asks for nothing, or for checksum and segmentation offload
 * on a TCP segment the guest flagged; the tap's is read apart and kept as the frame's checksum flags. */
#include <errno.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
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

_Static_assert(sizeof(struct virtio_net_hdr) == HVT_TAP_HEADER_SIZE, "the tap's header is a virtio_net_hdr");

/* The fields of a frame's Ethernet, IPv4 and TCP headers that segment_header reads. */
enum {
    ETHERNET_HEADER_SIZE = PLATFORM_ETHERNET_HEADER_SIZE,
    ETHERTYPE_IPV4 = 0x0800,
    IPV4_HEADER_MIN = 20,
    IPV4_PROTOCOL_TCP = 6,
    IPV4_FRAGMENT_BITS = 0x3fff, /* more fragments and the fragment offset */
    TCP_HEADER_MIN = 20,
    TCP_CHECKSUM_OFFSET = 16,
};

static uint32_t get16(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] << 8 | bytes[1];
}

/* The tap's header for a HVT_NET_TRANSMIT_SEGMENT frame of `len` bytes (at most HVT_NET_OFFLOAD_FRAME_MAX), its
 * offsets read from the frame's own headers: false for a frame that is no whole, unfragmented IPv4 TCP segment with
 * its headers inside it, or a segment size outside [HVT_NET_SEGMENT_SIZE_MIN, what the MTU leaves the headers]. */
static bool segment_header(const uint8_t *frame, uint64_t len, uint32_t segment_size, uint32_t mtu,
                           struct virtio_net_hdr *header)
{
    if (len < ETHERNET_HEADER_SIZE + IPV4_HEADER_MIN + TCP_HEADER_MIN || get16(frame + 12) != ETHERTYPE_IPV4)
        return false;
    const uint8_t *ip = frame + ETHERNET_HEADER_SIZE;
    uint32_t ip_header = (ip[0] & 0x0fu) * 4u;
    /* The total length is the frame's: the IPv4 header, and the TCP header's first 20 bytes, lie inside it. */
    if (ip[0] >> 4 != 4 || ip_header < IPV4_HEADER_MIN || ip[9] != IPV4_PROTOCOL_TCP ||
        get16(ip + 2) != len - ETHERNET_HEADER_SIZE || (get16(ip + 6) & IPV4_FRAGMENT_BITS) != 0 ||
        ETHERNET_HEADER_SIZE + ip_header + TCP_HEADER_MIN > len)
        return false;
    uint64_t tcp_start = ETHERNET_HEADER_SIZE + ip_header;
    uint32_t tcp_header = (uint32_t)(frame[tcp_start + 12] >> 4) * 4u;
    uint64_t headers = tcp_start + tcp_header;
    if (tcp_header < TCP_HEADER_MIN || headers > len || ip_header + tcp_header >= mtu ||
        segment_size < HVT_NET_SEGMENT_SIZE_MIN || segment_size > mtu - ip_header - tcp_header)
        return false;
    bool cut = len - headers > segment_size;
    *header = (struct virtio_net_hdr){
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = cut ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_NONE,
        .hdr_len = (uint16_t)headers,
        .gso_size = (uint16_t)(cut ? segment_size : 0),
        .csum_start = (uint16_t)tcp_start,
        .csum_offset = TCP_CHECKSUM_OFFSET,
    };
    return true;
}

/* The tap's header for transmitted frame `frame` at `data` (in guest memory): all zero for a whole, checksummed
 * frame within the MTU, the offloads for a HVT_NET_TRANSMIT_SEGMENT frame. False for a frame to refuse. */
static bool transmit_header(const struct mirage_boot_device *device, const struct hvt_net_frame *frame,
                            const uint8_t *data, struct virtio_net_hdr *header)
{
    if (frame->flags == 0) {
        memset(header, 0, sizeof *header);
        return true;
    }
    return frame->flags == HVT_NET_TRANSMIT_SEGMENT &&
           segment_header(data, frame->len, frame->segment_size, device->mtu, header);
}

/* Send one frame behind its header, straight from guest memory (a 64 KiB segment is not copied on the way); a tap
 * takes a frame whole or not at all. The seccomp filter admits writev only on the tap, and the frame's range was
 * checked against guest memory and the offload's frame size before. */
static platform_result_t send_frame(const struct mirage_boot_device *device, const struct virtio_net_hdr *header,
                                    const uint8_t *frame, uint64_t len)
{
    struct iovec parts[2] = {
        {.iov_base = (void *)header, .iov_len = HVT_TAP_HEADER_SIZE},
        {.iov_base = (void *)frame, .iov_len = len},
    };
    ssize_t written;
    do
        written = writev((int)device->host_fd, parts, 2);
    while (written < 0 && errno == EINTR);
    return written == (ssize_t)(HVT_TAP_HEADER_SIZE + len) ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
}

/* The guest's flags for the tap's header: only what the host vouches for, never its segmentation details. */
static uint32_t checksum_flags(const struct virtio_net_hdr *header)
{
    uint32_t flags = 0;
    if (header->flags & VIRTIO_NET_HDR_F_DATA_VALID)
        flags |= HVT_NET_CHECKSUM_VALID;
    if (header->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
        flags |= HVT_NET_CHECKSUM_PARTIAL;
    return flags;
}

/* Receive one frame (a tap gives one per read, its header apart, the frame into `buffer`); PLATFORM_AGAIN when none
 * is waiting. `*len` is the frame's length as the tap says it, which may exceed `size`: the frame was cut. */
static platform_result_t receive_frame(const struct mirage_boot_device *device, uint8_t *buffer, uint64_t size,
                                       uint64_t *len, uint32_t *flags)
{
    struct virtio_net_hdr header;
    struct iovec parts[2] = {
        {.iov_base = &header, .iov_len = sizeof header},
        {.iov_base = buffer, .iov_len = size},
    };
    ssize_t received;
    do
        received = readv((int)device->host_fd, parts, 2);
    while (received < 0 && errno == EINTR);
    if (received >= (ssize_t)sizeof header) {
        *len = (uint64_t)received - sizeof header;
        *flags = checksum_flags(&header);
        return PLATFORM_OK;
    }
    if (received >= 0) { /* shorter than its header: nothing a tap sends; a length no buffer holds, so dropped */
        *len = UINT64_MAX;
        *flags = 0;
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
        uint32_t flags;
        platform_result_t result = receive_frame(device, buffers[*received], frame->len, &len, &flags);
        if (result == PLATFORM_AGAIN)
            return PLATFORM_OK;
        if (result != PLATFORM_OK)
            return result;
        if (len > frame->len)
            continue;
        frame->len = len;
        frame->flags = flags;
        frame->segment_size = 0;
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
    struct virtio_net_hdr headers[HVT_NET_EXCHANGE_MAX_FRAMES];
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
        uint64_t most = transmit[i].flags == 0 ? mirage_net_frame_max(device) : HVT_NET_OFFLOAD_FRAME_MAX;
        if (transmit[i].len < PLATFORM_ETHERNET_HEADER_SIZE || transmit[i].len > most)
            return PLATFORM_INVALID;
        frames[i] = hvt_guest_range(&guest->vm, transmit[i].data, transmit[i].len, name);
        if (!transmit_header(device, &transmit[i], frames[i], &headers[i]))
            return PLATFORM_INVALID;
    }
    for (uint32_t i = 0; i < offered; i++)
        buffers[i] = hvt_guest_writable_range(&guest->vm, receive[i].data, receive[i].len, name);

    for (uint32_t i = 0; i < call->transmit_count; i++) {
        if (send_frame(device, &headers[i], frames[i], transmit[i].len) != PLATFORM_OK)
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

void hvt_hypercall_net_receive_offload(struct hvt_guest *guest, uint64_t argument)
{
    struct hvt_hc_net_receive_offload call;
    hvt_guest_read(&guest->vm, argument, &call, sizeof call, "NET_RECEIVE_OFFLOAD");
    const struct mirage_boot_device *device = net_device(guest, call.handle);
    call.frame_max = 0;
    if (device == NULL)
        call.ret = PLATFORM_INVALID;
    else if (ioctl((int)device->host_fd, TUNSETOFFLOAD, (unsigned long)HVT_TAP_OFFLOADS) != 0)
        call.ret = PLATFORM_UNSPECIFIED;
    else {
        call.frame_max = HVT_NET_OFFLOAD_FRAME_MAX;
        call.ret = PLATFORM_OK;
    }
    hvt_guest_write(&guest->vm, argument, &call, sizeof call, "NET_RECEIVE_OFFLOAD");
}

void hvt_hypercall_net_exchange(struct hvt_guest *guest, uint64_t argument)
{
    struct hvt_hc_net_exchange call;
    hvt_guest_read(&guest->vm, argument, &call, sizeof call, "NET_EXCHANGE");
    call.ret = exchange_frames(guest, &call);
    hvt_guest_write(&guest->vm, argument, &call, sizeof call, "NET_EXCHANGE");
}
