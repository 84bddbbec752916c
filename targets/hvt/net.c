/* net.c: hvt net transport: Ethernet frames through the tender in batches.
 *
 * An exit costs far more than a frame (tens of microseconds on nested KVM), so frames travel in NET_EXCHANGE
 * batches: writes are copied into a transmit queue and sent with the next exchange; reads are served from a receive
 * ring that one exchange fills; platform_yield's exchange sends, waits and receives in a single exit. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"
#include "lib/platform/transport.h"
#include "targets/hvt/bindings.h"
#include "targets/hvt/hypercall.h"

/* The receive batch is the exchange's limit: measured under dnsperf (100 queries outstanding), 64 frames per exit
 * instead of 32 cut the tender's CPU time per query by about 30 %; 128 gained nothing more. */
enum {
    NET_QUEUES = 4,                /* net devices a unikernel may acquire */
    NET_RX_FRAMES = 64,            /* frames one exchange receives at most */
    NET_RX_ARENA_SIZE = 96 * 1024, /* NET_RX_FRAMES buffers at MTU 1500; fewer for larger MTUs */
    NET_TX_FRAMES = 64,            /* frames queued for sending at most */
    NET_TX_ARENA_SIZE = 32 * 1024, /* queued frames, packed */
    NET_BUFFER_ALIGNMENT = 64,
    /* With receive offload a frame may be a 64 KiB merged segment: fewer, larger buffers, 2 MiB a device. Measured
     * with dns_qps.py on hvt (the DNS server asks for offload too): 16 gave 95,000 queries/s and 109,000 per
     * CPU-second, 32 gave 110,000 and 142,000, 64 (4 MiB) 117,000 and 139,000. */
    NET_RX_OFFLOAD_FRAMES = 32,
    /* With transmit offload a frame may be a 64 KiB segment: the queue holds four. */
    NET_TX_OFFLOAD_ARENA_SIZE = 4 * 65600,
};

_Static_assert(NET_TX_OFFLOAD_ARENA_SIZE >= 4 * ((HVT_NET_OFFLOAD_FRAME_MAX + NET_BUFFER_ALIGNMENT - 1) /
                                                 NET_BUFFER_ALIGNMENT * NET_BUFFER_ALIGNMENT),
               "the transmit offload arena holds four of the longest frames");
_Static_assert(NET_RX_FRAMES <= HVT_NET_EXCHANGE_MAX_FRAMES && NET_TX_FRAMES <= HVT_NET_EXCHANGE_MAX_FRAMES,
               "an exchange carries at most HVT_NET_EXCHANGE_MAX_FRAMES frames each way");

/* The batching state of one acquired net device. */
struct net_queue {
    platform_handle_t handle;
    /* Frames to send, packed into tx_arena in write order. */
    struct hvt_net_frame tx[NET_TX_FRAMES];
    uint32_t tx_count;
    size_t tx_used;
    uint8_t *tx_buffers;    /* tx_arena, or the larger arena transmit offload allocated */
    size_t tx_buffers_size; /* bytes at tx_buffers */
    size_t tx_segment_max;  /* the largest segment send_segment takes: 0 until transmit offload */
    /* Frames received ahead: rx[rx_next, rx_count) are unread; buffers are rx_slots slots of rx_slot_size bytes. */
    struct hvt_net_frame rx[NET_RX_FRAMES];
    uint32_t rx_count;
    uint32_t rx_next;
    uint32_t rx_slots;
    size_t rx_slot_size;
    size_t rx_frame_max; /* what a slot is offered for: the largest frame a reader's buffer must hold */
    uint8_t *rx_buffers; /* rx_arena, or the larger arena receive offload allocated */
    /* The last exchange found no frame left on the host, so the next read of an empty ring may answer
     * PLATFORM_AGAIN without asking: the caller yields next, and the yield's exchange waits for frames. */
    bool drained;
    _Alignas(NET_BUFFER_ALIGNMENT) uint8_t tx_arena[NET_TX_ARENA_SIZE];
    _Alignas(NET_BUFFER_ALIGNMENT) uint8_t rx_arena[NET_RX_ARENA_SIZE];
};

/* From the heap when a device is acquired (the arenas are most of the size): an image that acquires fewer devices
 * than NET_QUEUES does not carry their buffers in .bss, which the tender clears page by page at every boot. */
static struct net_queue *queues[NET_QUEUES];
static uint32_t queues_used;
static struct net_queue *queue_by_handle[MIRAGE_MANIFEST_MAX_DEVICES];

static size_t align_up(size_t value, size_t alignment)
{
    return (value + alignment - 1) / alignment * alignment;
}

static uint64_t guest_address(const void *pointer)
{
    return (uint64_t)(uintptr_t)pointer;
}

static bool has_unread_frames(const struct net_queue *queue)
{
    return queue->rx_next < queue->rx_count;
}

/* One NET_EXCHANGE: send the queued frames and, if every received frame has been read, refill the receive ring;
 * when nothing arrives, block up to `timeout_nsecs` for any net device. Sets `*ready_set` to the tender's. */
static platform_result_t exchange(struct net_queue *queue, uint64_t timeout_nsecs, uint64_t *ready_set)
{
    bool refill = !has_unread_frames(queue);
    if (refill) {
        for (uint32_t i = 0; i < queue->rx_slots; i++)
            queue->rx[i] = (struct hvt_net_frame){
                .data = guest_address(queue->rx_buffers + i * queue->rx_slot_size),
                .len = queue->rx_frame_max, /* a longer frame is the tender's to drop */
            };
    }
    struct hvt_hc_net_exchange call = {
        .handle = queue->handle,
        .transmit = guest_address(queue->tx),
        .receive = guest_address(queue->rx),
        .timeout_nsecs = refill ? timeout_nsecs : 0, /* never wait while holding unread frames */
        .transmit_count = queue->tx_count,
        .receive_count = refill ? queue->rx_slots : 0,
    };
    hvt_hypercall(HVT_HYPERCALL_NET_EXCHANGE, &call);
    /* Sent or dropped: a frame the host refused is lost like one lost on the wire. */
    queue->tx_count = 0;
    queue->tx_used = 0;
    if (refill) {
        queue->rx_next = 0;
        queue->rx_count = call.receive_count <= queue->rx_slots ? call.receive_count : 0;
        queue->drained = call.ret == PLATFORM_OK && (call.ready_set & (UINT64_C(1) << queue->handle)) == 0;
    }
    /* Another device the tender saw ready must be asked on its next read, not answered from its drained hint. */
    for (uint32_t i = 0; i < queues_used; i++) {
        if (queues[i] != queue && (call.ready_set & (UINT64_C(1) << queues[i]->handle)) != 0)
            queues[i]->drained = false;
    }
    *ready_set = call.ready_set;
    return (platform_result_t)call.ret;
}

/* A batching queue for the device, from the heap, with receive slots of its frame size. */
platform_result_t transport_net_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    size_t slot_size = align_up((size_t)mirage_net_frame_max(device), NET_BUFFER_ALIGNMENT);
    if (queues_used == NET_QUEUES || slot_size > NET_RX_ARENA_SIZE || slot_size > NET_TX_ARENA_SIZE)
        return PLATFORM_UNSPECIFIED;
    /* sizeof is a multiple of the alignment (the arenas are aligned members), as aligned_alloc requires. */
    struct net_queue *queue = aligned_alloc(NET_BUFFER_ALIGNMENT, sizeof *queue);
    if (queue == NULL)
        return PLATFORM_UNSPECIFIED; /* the heap cannot hold this device's buffers */
    /* Every field but the arenas, which are written before they are read. */
    queue->handle = handle;
    queue->tx_count = 0;
    queue->tx_used = 0;
    queue->tx_buffers = queue->tx_arena;
    queue->tx_buffers_size = NET_TX_ARENA_SIZE;
    queue->tx_segment_max = 0;
    queue->rx_count = 0;
    queue->rx_next = 0;
    queue->rx_slot_size = slot_size;
    queue->rx_frame_max = (size_t)mirage_net_frame_max(device);
    queue->rx_buffers = queue->rx_arena;
    queue->rx_slots = NET_RX_ARENA_SIZE / slot_size < NET_RX_FRAMES ? NET_RX_ARENA_SIZE / slot_size : NET_RX_FRAMES;
    queue->drained = false;
    queues[queues_used++] = queue;
    queue_by_handle[handle] = queue;
    return PLATFORM_OK;
}

/* Queues the frame with its transmit flags (the caller reuses `frame`); PLATFORM_OK means it will be sent, not that
 * the host took it. */
static platform_result_t queue_frame(struct net_queue *queue, const uint8_t *frame, size_t size, uint32_t flags,
                                     uint32_t segment_size)
{
    size_t slot = align_up(size, NET_BUFFER_ALIGNMENT);
    if (slot > queue->tx_buffers_size)
        return PLATFORM_INVALID;
    if (queue->tx_count == NET_TX_FRAMES || slot > queue->tx_buffers_size - queue->tx_used) {
        uint64_t ready_set;
        platform_result_t result = exchange(queue, 0, &ready_set);
        if (result == PLATFORM_INVALID)
            return result;
    }
    uint8_t *copy = queue->tx_buffers + queue->tx_used;
    memcpy(copy, frame, size);
    queue->tx[queue->tx_count++] = (struct hvt_net_frame){
        .data = guest_address(copy),
        .len = size,
        .flags = flags,
        .segment_size = segment_size,
    };
    queue->tx_used += slot;
    return PLATFORM_OK;
}

platform_result_t transport_net_send(platform_handle_t handle, const struct mirage_boot_device *device,
                                     const uint8_t *frame, size_t size)
{
    (void)device;
    return queue_frame(queue_by_handle[handle], frame, size, 0, 0);
}

platform_result_t transport_net_send_segment(platform_handle_t handle, const struct mirage_boot_device *device,
                                             const uint8_t *frame, size_t size, uint32_t segment_size)
{
    struct net_queue *queue = queue_by_handle[handle];
    (void)device;
    if (size > queue->tx_segment_max)
        return PLATFORM_INVALID;
    return queue_frame(queue, frame, size, HVT_NET_TRANSMIT_SEGMENT, segment_size);
}

/* The tender of ABI version 5 takes flagged segments on every tap: only the queue's arena must grow to hold them,
 * once its queued frames went. */
platform_result_t transport_net_transmit_offload(platform_handle_t handle, const struct mirage_boot_device *device,
                                                 size_t *frame_max)
{
    struct net_queue *queue = queue_by_handle[handle];
    (void)device;
    if (queue->tx_segment_max == 0) {
        uint8_t *buffers = aligned_alloc(NET_BUFFER_ALIGNMENT, NET_TX_OFFLOAD_ARENA_SIZE);
        if (buffers == NULL)
            return PLATFORM_UNSPECIFIED;
        if (queue->tx_count > 0) {
            uint64_t ready_set;
            (void)exchange(queue, 0, &ready_set); /* sent or dropped: the old arena is free */
        }
        queue->tx_buffers = buffers;
        queue->tx_buffers_size = NET_TX_OFFLOAD_ARENA_SIZE;
        queue->tx_segment_max = HVT_NET_OFFLOAD_FRAME_MAX;
    }
    *frame_max = queue->tx_segment_max;
    return PLATFORM_OK;
}

platform_result_t transport_net_receive(platform_handle_t handle, const struct mirage_boot_device *device, uint8_t *buf,
                                        size_t size, size_t *read_size, uint32_t *flags)
{
    struct net_queue *queue = queue_by_handle[handle];
    (void)device;
    if (!has_unread_frames(queue)) {
        /* Only once in a row, so a caller that polls without yielding still reaches the tender. */
        if (queue->drained) {
            queue->drained = false;
            return PLATFORM_AGAIN;
        }
        uint64_t ready_set;
        platform_result_t result = exchange(queue, 0, &ready_set);
        if (result != PLATFORM_OK)
            return result;
        if (!has_unread_frames(queue))
            return PLATFORM_AGAIN;
    }
    /* Frame i is in slot i. The tender keeps frames within their buffers; checked anyway, as every length is. */
    uint32_t slot = queue->rx_next++;
    uint64_t len = queue->rx[slot].len;
    if (len > queue->rx_frame_max || len > size)
        return PLATFORM_UNSPECIFIED; /* the frame is dropped: the tender overran its buffer */
    memcpy(buf, queue->rx_buffers + slot * queue->rx_slot_size, (size_t)len);
    *read_size = (size_t)len;
    _Static_assert(HVT_NET_CHECKSUM_VALID == PLATFORM_NET_CHECKSUM_VALID &&
                       HVT_NET_CHECKSUM_PARTIAL == PLATFORM_NET_CHECKSUM_PARTIAL,
                   "the tender's checksum flags are the platform's");
    *flags = queue->rx[slot].flags & (PLATFORM_NET_CHECKSUM_VALID | PLATFORM_NET_CHECKSUM_PARTIAL);
    return PLATFORM_OK;
}

/* Larger receive buffers first (so no merged frame ever meets a small one), then the tender turns the tap's offloads
 * on. Asked before any frame is read (the stack asks when it connects); refused while frames wait unread. */
platform_result_t transport_net_receive_offload(platform_handle_t handle, const struct mirage_boot_device *device,
                                                size_t *frame_max)
{
    struct net_queue *queue = queue_by_handle[handle];
    (void)device;
    if (has_unread_frames(queue))
        return PLATFORM_UNSPECIFIED;
    if (queue->rx_buffers != queue->rx_arena) { /* already on */
        *frame_max = queue->rx_frame_max;
        return PLATFORM_OK;
    }
    size_t slot_size = align_up(HVT_NET_OFFLOAD_FRAME_MAX, NET_BUFFER_ALIGNMENT);
    uint8_t *buffers = aligned_alloc(NET_BUFFER_ALIGNMENT, NET_RX_OFFLOAD_FRAMES * slot_size);
    if (buffers == NULL)
        return PLATFORM_UNSPECIFIED;
    struct hvt_hc_net_receive_offload call = {.handle = handle};
    hvt_hypercall(HVT_HYPERCALL_NET_RECEIVE_OFFLOAD, &call);
    if (call.ret != PLATFORM_OK || call.frame_max > slot_size || call.frame_max < queue->rx_frame_max) {
        free(buffers);
        return PLATFORM_UNSPECIFIED;
    }
    queue->rx_buffers = buffers;
    queue->rx_slot_size = slot_size;
    queue->rx_slots = NET_RX_OFFLOAD_FRAMES;
    queue->rx_frame_max = (size_t)call.frame_max;
    *frame_max = (size_t)call.frame_max;
    return PLATFORM_OK;
}

/* The handles whose receive ring holds unread frames. */
static uint64_t unread_set(void)
{
    uint64_t set = 0;
    for (uint32_t i = 0; i < queues_used; i++) {
        if (has_unread_frames(queues[i]))
            set |= UINT64_C(1) << queues[i]->handle;
    }
    return set;
}

bool hvt_net_wait(uint64_t timeout_nsecs, uint64_t *ready_set)
{
    uint64_t tender_ready;
    if (queues_used == 0)
        return false;
    /* Frames already received are ready now; queued writes go with the exchange of the read that finds none. */
    uint64_t ready = unread_set();
    if (ready != 0) {
        *ready_set = ready;
        return true;
    }
    /* Every device's queued frames go out; the last device's exchange also waits (for any device) if none is ready. */
    for (uint32_t i = 0; i + 1 < queues_used; i++) {
        if (queues[i]->tx_count > 0 || !queues[i]->drained) {
            (void)exchange(queues[i], 0, &tender_ready);
            ready |= tender_ready | unread_set();
        }
    }
    (void)exchange(queues[queues_used - 1], ready == 0 ? timeout_nsecs : 0, &tender_ready);
    *ready_set = ready | tender_ready | unread_set();
    return true;
}

void hvt_net_flush(void)
{
    uint64_t ready_set;
    for (uint32_t i = 0; i < queues_used; i++) {
        if (queues[i]->tx_count > 0)
            (void)exchange(queues[i], 0, &ready_set);
    }
}
