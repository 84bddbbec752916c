/* virtio_net.c: the virtio-net driver (virtio 1.1, 5.1): a receive queue kept full of buffers, a transmit queue
 * of copies, each buffer tied to one descriptor, and every frame prefixed by the 12-byte virtio_net_hdr. A received
 * frame may span several buffers (VIRTIO_NET_F_MRG_RXBUF); receive offload starts the device again with the TCP
 * segments it merged or never split delivered whole (GUEST_TSO4) and checksums vouched for (GUEST_CSUM); transmit
 * offload sends TCP segments of up to 64 KiB from a few buffers of their own for the device to finish (CSUM) and
 * cut (HOST_TSO4). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/platform/device_model.h"
#include "lib/platform/cpu_pause.h"
#include "targets/virtio/virtio.h"

enum {
    NET_RECEIVE_QUEUE = 0,
    NET_TRANSMIT_QUEUE = 1,
    NET_FRAME_MAX = PLATFORM_NET_MTU + PLATFORM_ETHERNET_HEADER_SIZE,
    NET_OFFLOAD_FRAME_MAX = PLATFORM_ETHERNET_HEADER_SIZE + 65535, /* an Ethernet header and the longest datagram */
    /* With VIRTIO_F_VERSION_1 the header always has num_buffers: 12 bytes. All zero on transmit: no offloads. */
    NET_HEADER_SIZE = 12,
    /* Without VIRTIO_NET_F_MRG_RXBUF or GSO a receive buffer holds a whole frame and its header (1526 bytes). */
    NET_BUFFER_SIZE = 1536,
    NET_BUFFER_ALIGNMENT = 64,
    NET_MAC_OFFSET = 0, /* in the configuration space */
    /* The header's fields (5.1.6): flags, and with VERSION_1 the count of buffers a merged frame spans. */
    NET_HEADER_FLAGS_OFFSET = 0,
    NET_HEADER_NUM_BUFFERS_OFFSET = 10,
    NET_HEADER_F_NEEDS_CSUM = 1,
    NET_HEADER_F_DATA_VALID = 2,
    NET_HEADER_GSO_TYPE_OFFSET = 1,
    NET_HEADER_HDR_LEN_OFFSET = 2,
    NET_HEADER_GSO_SIZE_OFFSET = 4,
    NET_HEADER_CSUM_START_OFFSET = 6,
    NET_HEADER_CSUM_OFFSET_OFFSET = 8,
    NET_HEADER_GSO_NONE = 0,
    NET_HEADER_GSO_TCPV4 = 1,
    /* Segments in flight at once, each in a buffer of its own (a chain holds at most VIRTQUEUE_CHAIN_MAX
     * descriptors, too few for a 64 KiB frame in the 1,536-byte transmit buffers). */
    NET_SEGMENT_BUFFERS = 8,
    NET_SEGMENT_BUFFER_SIZE = (NET_HEADER_SIZE + NET_OFFLOAD_FRAME_MAX + NET_BUFFER_ALIGNMENT - 1) /
                              NET_BUFFER_ALIGNMENT * NET_BUFFER_ALIGNMENT,
    NET_SEGMENT_FREE = 0xffff, /* a segment buffer's head when no chain holds it */
    NET_SEGMENT_SIZE_MIN = 536,
    NET_IPV4_HEADER_MIN = 20,
    NET_TCP_HEADER_MIN = 20,
    NET_TCP_CHECKSUM_OFFSET = 16,
    /* How long a write waits for the device to finish with a transmit buffer when all are in flight. */
    NET_TRANSMIT_WAIT_NS = 100 * 1000 * 1000,
    /* Frames queued before the device is told even though the batch goes on (see virtio_net_send). */
    NET_TRANSMIT_NOTIFY_BATCH = 32,
};

_Static_assert(NET_BUFFER_SIZE >= NET_HEADER_SIZE + NET_FRAME_MAX, "a receive buffer holds a whole frame");

struct virtio_net {
    struct virtio_mmio *transport;
    struct virtqueue *receive;
    struct virtqueue *transmit;
    uint8_t mac[6];
    uint64_t receive_dropped;     /* frames too short to be Ethernet, or longer than the reader's buffer */
    bool can_interrupt;           /* its line is routed (interrupts.c) */
    uint16_t transmit_unnotified; /* frames queued since the device was last told */
    uint16_t receive_unnotified;  /* receive buffers given back since the device was last told */
    bool offloaded;               /* started with GUEST_CSUM and GUEST_TSO4 */
    /* Transmit offload: NULL until asked; then NET_SEGMENT_BUFFERS buffers of NET_SEGMENT_BUFFER_SIZE bytes, each
     * free or held by the chain segment_heads names. */
    uint8_t *segment_buffers;
    uint16_t segment_heads[NET_SEGMENT_BUFFERS];
    _Alignas(NET_BUFFER_ALIGNMENT) uint8_t receive_buffers[VIRTQUEUE_SIZE_MAX][NET_BUFFER_SIZE];
    _Alignas(NET_BUFFER_ALIGNMENT) uint8_t transmit_buffers[VIRTQUEUE_SIZE_MAX][NET_BUFFER_SIZE];
};

static struct virtio_net nets[VIRTIO_NET_DEVICES_MAX];
static uint32_t nets_started;

/* Hand one free descriptor and its buffer to the device for receiving. */
static bool post_receive_buffer(struct virtio_net *net)
{
    if (virtqueue_free_count(net->receive) == 0)
        return false;
    uint16_t head = virtqueue_next_head(net->receive);
    struct virtqueue_buffer buffer = {
        .address = virtio_device_address(net->receive_buffers[head]),
        .len = NET_BUFFER_SIZE,
        .device_writes = true,
    };
    if (!virtqueue_add(net->receive, &buffer, 1, &head))
        return false;
    net->receive_unnotified++;
    return true;
}

/* A locally administered unicast address, for a device that has none to offer. */
static void random_mac(uint8_t mac[6])
{
    if (platform_entropy(mac, 6) != PLATFORM_OK)
        memset(mac, 0x5a, 6);
    mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

/* What the driver always takes: merged buffers cost nothing for a frame that fits one, and let an offloaded frame
 * of 64 KiB span 43 of the same 1,536-byte buffers instead of needing buffers of 64 KiB each. */
#define NET_FEATURES (VIRTIO_NET_F_MAC | VIRTIO_NET_F_MRG_RXBUF | NET_TRANSMIT_OFFLOAD_FEATURES)
/* What transmit offload needs; taken at start, since they change nothing until a segment asks for them. */
#define NET_TRANSMIT_OFFLOAD_FEATURES (VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO4)
/* What receive offload adds; only a reader that handles frames longer than the MTU asks for it. */
#define NET_OFFLOAD_FEATURES (VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4)

/* Negotiate `wanted`, set both queues up (reusing them after a reset), fill the receive queue and start. */
static virtio_result_t start_device(struct virtio_net *net, uint64_t wanted)
{
    struct virtio_mmio *transport = net->transport;
    virtio_result_t result = virtio_mmio_negotiate(transport, VIRTIO_F_VERSION_1, wanted);
    if (result == VIRTIO_OK)
        result = virtio_mmio_queue_setup(transport, NET_RECEIVE_QUEUE, &net->receive);
    if (result == VIRTIO_OK)
        result = virtio_mmio_queue_setup(transport, NET_TRANSMIT_QUEUE, &net->transmit);
    if (result != VIRTIO_OK) {
        virtio_mmio_fail(transport);
        return result;
    }
    net->transmit_unnotified = 0;
    /* The reset let go of every chain, the segments' with them. */
    for (uint32_t i = 0; net->segment_buffers != NULL && i < NET_SEGMENT_BUFFERS; i++)
        net->segment_heads[i] = NET_SEGMENT_FREE;
    net->offloaded = (transport->features & NET_OFFLOAD_FEATURES) == NET_OFFLOAD_FEATURES;
    while (post_receive_buffer(net))
        continue;
    result = virtio_mmio_driver_ok(transport);
    if (result != VIRTIO_OK)
        return result;
    /* Notifications only after DRIVER_OK. */
    virtio_mmio_notify(transport, NET_RECEIVE_QUEUE, net->receive);
    net->receive_unnotified = 0;
    return VIRTIO_OK;
}

virtio_result_t virtio_net_start(struct virtio_mmio *transport, struct virtio_net **started)
{
    if (nets_started == VIRTIO_NET_DEVICES_MAX)
        return VIRTIO_ERROR_TOO_MANY;
    struct virtio_net *net = &nets[nets_started];
    net->transport = transport;
    virtio_result_t result = start_device(net, NET_FEATURES);
    if (result != VIRTIO_OK)
        return result;
    if ((transport->features & VIRTIO_NET_F_MAC) != 0) {
        for (uint32_t i = 0; i < 6; i++)
            net->mac[i] = virtio_mmio_config8(transport, NET_MAC_OFFSET + i);
    } else {
        random_mac(net->mac);
    }
    /* The receive queue interrupts only while the unikernel sleeps (platform_yield); without a route it polls. */
    net->can_interrupt = virtio_interrupt_route(transport);
    nets_started++;
    *started = net;
    return VIRTIO_OK;
}

void virtio_net_info(const struct virtio_net *net, struct platform_net_info *info)
{
    memcpy(info->mac_address, net->mac, 6);
    info->mtu = PLATFORM_NET_MTU;
}

/* Take back the transmit buffers the device is done with; the device writes nothing into them. A segment's buffer
 * is free again with its chain. */
static void reclaim_transmitted(struct virtio_net *net)
{
    uint16_t head;
    uint32_t len;
    while (virtqueue_take(net->transmit, &head, &len) != VIRTQUEUE_EMPTY) {
        if (net->segment_buffers == NULL)
            continue;
        for (uint32_t i = 0; i < NET_SEGMENT_BUFFERS; i++) {
            if (net->segment_heads[i] == head)
                net->segment_heads[i] = NET_SEGMENT_FREE;
        }
    }
}

/* Tell the device about receive buffers given back. */
static void notify_receive(struct virtio_net *net)
{
    net->receive_unnotified = 0;
    virtio_mmio_notify(net->transport, NET_RECEIVE_QUEUE, net->receive);
}

void virtio_net_flush(struct virtio_net *net)
{
    if (net->receive_unnotified > 0)
        notify_receive(net);
    if (net->transmit_unnotified == 0)
        return;
    net->transmit_unnotified = 0;
    virtio_mmio_notify(net->transport, NET_TRANSMIT_QUEUE, net->transmit);
}

/* The device is told about queued frames once per batch, not per frame: when a read finds no frame left, before
 * the unikernel sleeps (virtio_net_interrupts_on), and every NET_TRANSMIT_NOTIFY_BATCH frames. A notification is an
 * exit, and QEMU's virtio-net thread, woken by each one, would otherwise send frame by frame: measured on one core
 * shared by the vCPU and QEMU's thread, about one exit per DNS answer. */
/* Until a descriptor is free (and, for a segment, a segment buffer: its index in `*segment`), waiting up to
 * NET_TRANSMIT_WAIT_NS for the device to finish with one; false on timeout. */
static bool transmit_room(struct virtio_net *net, uint32_t *segment)
{
    reclaim_transmitted(net);
    uint64_t deadline = 0;
    for (;;) {
        bool room = virtqueue_free_count(net->transmit) > 0;
        if (room && segment != NULL) {
            room = false;
            for (uint32_t i = 0; i < NET_SEGMENT_BUFFERS && !room; i++) {
                if (net->segment_heads[i] == NET_SEGMENT_FREE) {
                    *segment = i;
                    room = true;
                }
            }
        }
        if (room)
            return true;
        if (deadline == 0) {
            virtio_net_flush(net); /* the device frees buffers only for frames it knows about */
            deadline = platform_clock_monotonic() + NET_TRANSMIT_WAIT_NS;
        } else if (platform_clock_monotonic() > deadline) {
            return false;
        }
        cpu_pause();
        reclaim_transmitted(net);
    }
}

platform_result_t virtio_net_send(struct virtio_net *net, const uint8_t *frame, size_t size)
{
    if (size == 0 || size > NET_FRAME_MAX)
        return PLATFORM_INVALID;
    if (!transmit_room(net, NULL))
        return PLATFORM_UNSPECIFIED;
    uint16_t head = virtqueue_next_head(net->transmit);
    uint8_t *buffer = net->transmit_buffers[head];
    memset(buffer, 0, NET_HEADER_SIZE);
    memcpy(buffer + NET_HEADER_SIZE, frame, size);
    struct virtqueue_buffer chain = {
        .address = virtio_device_address(buffer),
        .len = (uint32_t)(NET_HEADER_SIZE + size),
        .device_writes = false,
    };
    if (!virtqueue_add(net->transmit, &chain, 1, &head))
        return PLATFORM_UNSPECIFIED;
    if (++net->transmit_unnotified >= NET_TRANSMIT_NOTIFY_BATCH)
        virtio_net_flush(net);
    return PLATFORM_OK;
}

platform_result_t virtio_net_transmit_offload(struct virtio_net *net, size_t *frame_max)
{
    if ((net->transport->features & NET_TRANSMIT_OFFLOAD_FEATURES) != NET_TRANSMIT_OFFLOAD_FEATURES)
        return PLATFORM_UNSPECIFIED;
    if (net->segment_buffers == NULL) {
        /* From the heap when asked: a unikernel that never sends segments (a bridge) does not carry them. */
        uint8_t *buffers = aligned_alloc(NET_BUFFER_ALIGNMENT, (size_t)NET_SEGMENT_BUFFERS * NET_SEGMENT_BUFFER_SIZE);
        if (buffers == NULL)
            return PLATFORM_UNSPECIFIED;
        for (uint32_t i = 0; i < NET_SEGMENT_BUFFERS; i++)
            net->segment_heads[i] = NET_SEGMENT_FREE;
        net->segment_buffers = buffers;
    }
    *frame_max = NET_OFFLOAD_FRAME_MAX;
    return PLATFORM_OK;
}

static uint32_t get16(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] << 8 | bytes[1];
}

static void put_le16(uint8_t *bytes, uint32_t value)
{
    bytes[0] = (uint8_t)value;
    bytes[1] = (uint8_t)(value >> 8);
}

/* The virtio-net header for a segment of `size` bytes, its offsets read from the frame's own headers (as hvt's
 * tender does): false for a frame that is no whole, unfragmented IPv4 TCP segment with its headers inside it, or a
 * segment size outside [536, what the MTU leaves the headers]. */
static bool segment_header(const uint8_t *frame, size_t size, uint32_t segment_size, uint8_t *header)
{
    const size_t ip_start = PLATFORM_ETHERNET_HEADER_SIZE;
    if (size < ip_start + NET_IPV4_HEADER_MIN + NET_TCP_HEADER_MIN || get16(frame + 12) != 0x0800)
        return false;
    const uint8_t *ip = frame + ip_start;
    size_t ip_header = (size_t)(ip[0] & 0x0f) * 4;
    if (ip[0] >> 4 != 4 || ip_header < NET_IPV4_HEADER_MIN || ip[9] != 6 || get16(ip + 2) != size - ip_start ||
        (get16(ip + 6) & 0x3fff) != 0 || ip_start + ip_header + NET_TCP_HEADER_MIN > size)
        return false;
    size_t tcp_start = ip_start + ip_header;
    size_t tcp_header = (size_t)(frame[tcp_start + 12] >> 4) * 4;
    size_t headers = tcp_start + tcp_header;
    if (tcp_header < NET_TCP_HEADER_MIN || headers > size || segment_size < NET_SEGMENT_SIZE_MIN ||
        ip_header + tcp_header + segment_size > PLATFORM_NET_MTU)
        return false;
    bool cut = size - headers > segment_size;
    memset(header, 0, NET_HEADER_SIZE);
    header[NET_HEADER_FLAGS_OFFSET] = NET_HEADER_F_NEEDS_CSUM;
    header[NET_HEADER_GSO_TYPE_OFFSET] = cut ? NET_HEADER_GSO_TCPV4 : NET_HEADER_GSO_NONE;
    put_le16(header + NET_HEADER_HDR_LEN_OFFSET, (uint32_t)headers);
    put_le16(header + NET_HEADER_GSO_SIZE_OFFSET, cut ? segment_size : 0);
    put_le16(header + NET_HEADER_CSUM_START_OFFSET, (uint32_t)tcp_start);
    put_le16(header + NET_HEADER_CSUM_OFFSET_OFFSET, NET_TCP_CHECKSUM_OFFSET);
    return true;
}

platform_result_t virtio_net_send_segment(struct virtio_net *net, const uint8_t *frame, size_t size,
                                          uint32_t segment_size)
{
    uint8_t header[NET_HEADER_SIZE];
    if (net->segment_buffers == NULL || size > NET_OFFLOAD_FRAME_MAX ||
        !segment_header(frame, size, segment_size, header))
        return PLATFORM_INVALID;
    uint32_t segment = 0;
    if (!transmit_room(net, &segment))
        return PLATFORM_UNSPECIFIED;
    uint8_t *buffer = net->segment_buffers + (size_t)segment * NET_SEGMENT_BUFFER_SIZE;
    memcpy(buffer, header, NET_HEADER_SIZE);
    memcpy(buffer + NET_HEADER_SIZE, frame, size);
    struct virtqueue_buffer chain = {
        .address = virtio_device_address(buffer),
        .len = (uint32_t)(NET_HEADER_SIZE + size),
        .device_writes = false,
    };
    uint16_t head;
    if (!virtqueue_add(net->transmit, &chain, 1, &head))
        return PLATFORM_UNSPECIFIED;
    net->segment_heads[segment] = head;
    if (++net->transmit_unnotified >= NET_TRANSMIT_NOTIFY_BATCH)
        virtio_net_flush(net);
    return PLATFORM_OK;
}

/* The checksum flags of a frame's header, only as far as the negotiated features let the device set them. */
static uint32_t checksum_flags(const struct virtio_net *net, const uint8_t *header)
{
    uint8_t flags = header[NET_HEADER_FLAGS_OFFSET];
    uint32_t result = 0;
    if ((net->transport->features & VIRTIO_NET_F_GUEST_CSUM) == 0)
        return 0;
    if (flags & NET_HEADER_F_DATA_VALID)
        result |= PLATFORM_NET_CHECKSUM_VALID;
    if (flags & NET_HEADER_F_NEEDS_CSUM)
        result |= PLATFORM_NET_CHECKSUM_PARTIAL;
    return result;
}

/* The rest of a frame that spans `count` buffers: each next used buffer's bytes appended at `*frame_size` while
 * they fit `size` (`*fits` false once one did not), its buffer given back. False when the device returned fewer
 * buffers than its header counted, or a bad one: the frame is dropped. */
static bool take_continuation(struct virtio_net *net, uint16_t count, uint8_t *buf, size_t size, size_t *frame_size,
                              bool *fits)
{
    for (uint16_t i = 1; i < count; i++) {
        uint16_t head;
        uint32_t len;
        virtqueue_take_t taken = virtqueue_take(net->receive, &head, &len);
        if (taken == VIRTQUEUE_EMPTY || taken == VIRTQUEUE_BAD_ID)
            return false;
        /* The length was checked against the buffer (a bad one comes back as VIRTQUEUE_BAD_LENGTH). */
        if (taken == VIRTQUEUE_TAKEN && *fits && len <= size - *frame_size)
            memcpy(buf + *frame_size, net->receive_buffers[head], len);
        else
            *fits = false;
        /* Given back only once copied: the device may take a buffer the moment it is available. */
        (void)post_receive_buffer(net);
        if (taken != VIRTQUEUE_TAKEN)
            return false;
        *frame_size += len;
    }
    return true;
}

platform_result_t virtio_net_receive(struct virtio_net *net, uint8_t *buf, size_t size, size_t *read_size,
                                     uint32_t *flags)
{
    platform_result_t result = PLATFORM_AGAIN;
    /* Bounded, so a device returning a flood of bad entries cannot hold the reader. */
    for (uint16_t attempt = 0; attempt < virtqueue_size(net->receive); attempt++) {
        uint16_t head;
        uint32_t len;
        virtqueue_take_t taken = virtqueue_take(net->receive, &head, &len);
        if (taken == VIRTQUEUE_EMPTY)
            break;
        if (taken == VIRTQUEUE_BAD_ID)
            continue;
        /* The length was checked against the buffer (a bad one comes back as VIRTQUEUE_BAD_LENGTH). */
        if (taken != VIRTQUEUE_TAKEN || len < NET_HEADER_SIZE) {
            (void)post_receive_buffer(net);
            net->receive_dropped++;
            continue;
        }
        const uint8_t *header = net->receive_buffers[head];
        uint16_t count = 1;
        if ((net->transport->features & VIRTIO_NET_F_MRG_RXBUF) != 0)
            count = (uint16_t)(header[NET_HEADER_NUM_BUFFERS_OFFSET] | header[NET_HEADER_NUM_BUFFERS_OFFSET + 1] << 8);
        uint32_t frame_flags = checksum_flags(net, header);
        size_t frame_size = len - NET_HEADER_SIZE;
        bool fits = frame_size <= size;
        if (fits)
            memcpy(buf, header + NET_HEADER_SIZE, frame_size);
        /* Given back only once copied: the device may take a buffer the moment it is available. */
        (void)post_receive_buffer(net);
        /* Every buffer of the frame is taken, even when it is dropped, so the next starts at a header. */
        /* A frame longer than `buf` (which holds the largest the device may send) is dropped like a bad one. */
        if (count == 0 || count > virtqueue_size(net->receive) ||
            !take_continuation(net, count, buf, size, &frame_size, &fits) || !fits ||
            frame_size < PLATFORM_ETHERNET_HEADER_SIZE) {
            net->receive_dropped++;
            continue;
        }
        *read_size = frame_size;
        *flags = frame_flags;
        result = PLATFORM_OK;
        break;
    }
    /* Buffers given back are told in batches too: when half the queue waits, or when the reader's batch is over
     * (no frame left) with the answers it queued. A notification is an exit, and a device short of room for a
     * 64 KiB frame (43 buffers) asks for one per read otherwise: measured on bulk TCP, 5,400 a second. */
    if (net->receive_unnotified >= virtqueue_size(net->receive) / 2)
        notify_receive(net);
    if (result == PLATFORM_AGAIN)
        virtio_net_flush(net);
    return result;
}

platform_result_t virtio_net_receive_offload(struct virtio_net *net, size_t *frame_max)
{
    /* A 64 KiB frame spans buffers; without merged buffers it would need 64 KiB ones. */
    if ((net->transport->features & VIRTIO_NET_F_MRG_RXBUF) == 0)
        return PLATFORM_UNSPECIFIED;
    if (!net->offloaded) {
        /* Features are fixed once the device runs: reset it and negotiate again (the stack asks as it connects,
         * before it reads; a frame queued but not yet sent may be lost, as on a link that went down and up). */
        virtio_net_flush(net);
        if (start_device(net, NET_FEATURES | NET_OFFLOAD_FEATURES) != VIRTIO_OK)
            return PLATFORM_UNSPECIFIED; /* failed (the device is marked FAILED): nothing works any more */
        if (!net->offloaded) {
            if (start_device(net, NET_FEATURES) != VIRTIO_OK)
                return PLATFORM_UNSPECIFIED;
            return PLATFORM_UNSPECIFIED; /* the device lacks them: it runs as before */
        }
    }
    *frame_max = NET_OFFLOAD_FRAME_MAX;
    return PLATFORM_OK;
}

bool virtio_net_has_frame(const struct virtio_net *net)
{
    return virtqueue_has_used(net->receive);
}

bool virtio_net_can_interrupt(const struct virtio_net *net)
{
    return net->can_interrupt;
}

bool virtio_net_interrupts(struct virtio_net *net, bool enable)
{
    return virtqueue_interrupts(net->receive, enable);
}
