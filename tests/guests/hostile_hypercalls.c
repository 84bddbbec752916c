/* hostile_hypercalls.c: makes one raw hvt hypercall that a well-behaved guest never makes, as the `action` key says,
 * and prints the tender's answer: counts above NET_EXCHANGE's limit, frames and buffers outside guest memory, block
 * requests out of range, unknown hypercall numbers, pointers that wrap around the address space. The tender must
 * answer PLATFORM_INVALID or stop the guest with one line (exit 126); tests/freestanding/hypercall_test.py checks
 * which, exactly. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/block.h"
#include "devices/console.h"
#include "devices/netif.h"
#include "lib/platform/platform.h"
#include "lib/runtime/mirage.h"
#include "targets/hvt/hvt_abi.h"
#include "targets/hvt/hypercall.h"

/* Above the 32 MiB the tests give the guest (hypercall arguments are 32-bit guest-physical addresses). */
#define OUTSIDE_GUEST_MEMORY UINT64_C(0xf0000000)
/* So close to the top of the 64-bit space that address + length wraps to a small number. */
#define WRAPPING_ADDRESS UINT64_C(0xfffffffffffff000)
#define FRAME_SIZE 60u

struct devices {
    struct netif *service;
    platform_handle_t net;
    platform_handle_t block;
    uint64_t capacity;
    uint64_t block_size;
};

static uint8_t frame[FRAME_SIZE];
static uint8_t long_frame[1500 + 14 + 1]; /* one byte more than a frame at the tap's MTU */
static uint8_t sector[1024];
/* An Ethernet, IPv4 and TCP segment of three 1460-byte payloads, for HVT_NET_TRANSMIT_SEGMENT: a frame of the
 * largest size the offload allows, of which the cases send a prefix. */
static uint8_t segment[HVT_NET_OFFLOAD_FRAME_MAX + 1];
static struct hvt_net_frame frames[HVT_NET_EXCHANGE_MAX_FRAMES + 1];

static uint64_t address_of(const volatile void *pointer)
{
    return (uint64_t)(uintptr_t)pointer;
}

/* One NET_EXCHANGE that sends `transmit_count` descriptors at `transmit` and offers `receive_count` at `receive`. */
static int32_t exchange(const struct devices *devices, uint64_t transmit, uint32_t transmit_count, uint64_t receive,
                        uint32_t receive_count)
{
    volatile struct hvt_hc_net_exchange call = {
        .handle = devices->net,
        .transmit = transmit,
        .receive = receive,
        .transmit_count = transmit_count,
        .receive_count = receive_count,
        .ret = -1,
    };
    hvt_hypercall(HVT_HYPERCALL_NET_EXCHANGE, &call);
    return call.ret;
}

static void fill_frames(uint64_t data, uint64_t len)
{
    for (uint32_t i = 0; i < HVT_NET_EXCHANGE_MAX_FRAMES + 1; i++)
        frames[i] = (struct hvt_net_frame){.data = data, .len = len};
}

enum {
    SEGMENT_HEADERS = 14 + 20 + 20,
    SEGMENT_MSS = 1460,
    SEGMENT_LEN = SEGMENT_HEADERS + 3 * SEGMENT_MSS,
};

static void put16(uint8_t *bytes, uint32_t value)
{
    bytes[0] = (uint8_t)(value >> 8);
    bytes[1] = (uint8_t)value;
}

/* Write into `segment` a TCP segment to 10.0.0.1 of `len` bytes in all, headers included (its IPv4 total length says
 * len - 14), with the flags a well-behaved sender gives it: the host is to finish it. */
static void build_segment(uint64_t len)
{
    memset(segment, 0, SEGMENT_HEADERS);
    memset(segment, 0xff, 6);    /* to the broadcast address */
    put16(segment + 12, 0x0800); /* IPv4 */
    uint8_t *ip = segment + 14;
    ip[0] = 0x45;                        /* version 4, a 20-byte header */
    put16(ip + 2, (uint32_t)(len - 14)); /* the total length (wraps for the overlong case, on purpose) */
    put16(ip + 6, 0x4000);               /* don't fragment */
    ip[8] = 64;
    ip[9] = 6;   /* TCP */
    ip[12] = 10; /* from 10.0.0.2 */
    ip[15] = 2;
    ip[16] = 10; /* to 10.0.0.1 */
    ip[19] = 1;
    uint8_t *tcp = ip + 20;
    put16(tcp, 40000);
    put16(tcp + 2, 9);
    tcp[12] = 5u << 4; /* a 20-byte header */
    tcp[13] = 0x18;    /* PSH, ACK */
    put16(tcp + 14, 1024);
}

/* One NET_EXCHANGE sending the first `len` bytes of `segment` with `flags` and `segment_size`; returns the tender's
 * answer, or 1 if it answered PLATFORM_OK but the host refused the frame. */
static int32_t send_segment(const struct devices *devices, uint64_t len, uint32_t flags, uint32_t segment_size)
{
    frames[0] = (struct hvt_net_frame){
        .data = address_of(segment),
        .len = len,
        .flags = flags,
        .segment_size = segment_size,
    };
    volatile struct hvt_hc_net_exchange call = {
        .handle = devices->net,
        .transmit = address_of(frames),
        .receive = address_of(frames),
        .transmit_count = 1,
        .ret = -1,
    };
    hvt_hypercall(HVT_HYPERCALL_NET_EXCHANGE, &call);
    return call.ret == PLATFORM_OK && call.transmit_failed != 0 ? 1 : call.ret;
}

/* The same segment through the netif (devices/netif.h) as a stack sends it, its payload a pattern the test checks:
 * 0 if transmit offload offered the longest IPv4 frame, took the segment and refused one byte more. The frame goes
 * out when the guest exits. */
static int32_t netif_segment(struct netif *service)
{
    uint32_t frame_max = 0;
    if (netif_transmit_offload(service, &frame_max) != 0 || frame_max != HVT_NET_OFFLOAD_FRAME_MAX)
        return 3;
    for (uint32_t i = SEGMENT_HEADERS; i < SEGMENT_LEN; i++)
        segment[i] = (uint8_t)(i * 7u + 3u);
    if (netif_write_segment(service, segment, SEGMENT_LEN, SEGMENT_MSS) != 0)
        return 4;
    if (netif_write_segment(service, segment, (size_t)frame_max + 1, SEGMENT_MSS) != -1)
        return 5;
    return 0;
}

static int32_t block_call(uint32_t number, uint64_t handle, uint64_t offset, uint64_t data, uint64_t len)
{
    volatile struct hvt_hc_block call = {.handle = handle, .offset = offset, .data = data, .len = len, .ret = -1};
    hvt_hypercall(number, &call);
    return call.ret;
}

/* Returns the tender's answer for a request it should refuse with an error code; never returns where the tender
 * should stop the guest. `*known` is 0 for an unknown action. */
static int32_t act(const char *action, const struct devices *d, int *known)
{
    const uint64_t frames_at = address_of(frames);
    *known = 1;

    /* NET_EXCHANGE: counts and sizes the tender refuses with PLATFORM_INVALID before touching any frame. */
    fill_frames(address_of(frame), FRAME_SIZE);
    if (strcmp(action, "exchange_transmit_count") == 0)
        return exchange(d, frames_at, HVT_NET_EXCHANGE_MAX_FRAMES + 1, frames_at, 0);
    if (strcmp(action, "exchange_receive_count") == 0)
        return exchange(d, frames_at, 0, frames_at, HVT_NET_EXCHANGE_MAX_FRAMES + 1);
    if (strcmp(action, "exchange_count_wraps") == 0)
        return exchange(d, frames_at, UINT32_MAX, frames_at, 0);
    if (strcmp(action, "exchange_frame_too_long") == 0) {
        fill_frames(address_of(long_frame), sizeof long_frame);
        return exchange(d, frames_at, 1, frames_at, 0);
    }
    if (strcmp(action, "exchange_bad_handle") == 0) {
        struct devices wrong = *d;
        wrong.net = d->block;
        return exchange(&wrong, frames_at, 1, frames_at, 0);
    }
    if (strcmp(action, "offload_bad_handle") == 0) {
        volatile struct hvt_hc_net_receive_offload call = {.handle = d->block, .ret = -1};
        hvt_hypercall(HVT_HYPERCALL_NET_RECEIVE_OFFLOAD, &call);
        return call.ret;
    }
    /* NET_EXCHANGE of a segment for the host to cut up: taken if well formed, else refused whole. */
    build_segment(SEGMENT_LEN);
    if (strcmp(action, "segment_sent") == 0)
        return send_segment(d, SEGMENT_LEN, HVT_NET_TRANSMIT_SEGMENT, SEGMENT_MSS);
    if (strcmp(action, "segment_flag_unknown") == 0)
        return send_segment(d, SEGMENT_LEN, HVT_NET_TRANSMIT_SEGMENT | 2u, SEGMENT_MSS);
    if (strcmp(action, "segment_size_zero") == 0)
        return send_segment(d, SEGMENT_LEN, HVT_NET_TRANSMIT_SEGMENT, 0);
    if (strcmp(action, "segment_size_tiny") == 0)
        return send_segment(d, SEGMENT_LEN, HVT_NET_TRANSMIT_SEGMENT, HVT_NET_SEGMENT_SIZE_MIN - 1);
    if (strcmp(action, "segment_size_above_mtu") == 0)
        return send_segment(d, SEGMENT_LEN, HVT_NET_TRANSMIT_SEGMENT, SEGMENT_MSS + 1);
    if (strcmp(action, "segment_too_long") == 0) {
        build_segment(sizeof segment);
        return send_segment(d, sizeof segment, HVT_NET_TRANSMIT_SEGMENT, SEGMENT_MSS);
    }
    if (strcmp(action, "segment_length_differs") == 0)
        return send_segment(d, SEGMENT_LEN - 1, HVT_NET_TRANSMIT_SEGMENT, SEGMENT_MSS);
    if (strcmp(action, "segment_headers_past_frame") == 0) {
        build_segment(SEGMENT_HEADERS + 20);
        segment[14 + 20 + 12] = 15u << 4; /* a 60-byte TCP header in a frame with 40 bytes after the IPv4 header */
        return send_segment(d, SEGMENT_HEADERS + 20, HVT_NET_TRANSMIT_SEGMENT, SEGMENT_MSS);
    }
    if (strcmp(action, "segment_ip_header_past_frame") == 0) {
        build_segment(SEGMENT_HEADERS);
        segment[14] = 0x4f; /* a 60-byte IPv4 header in a frame with 40 bytes after the Ethernet header */
        return send_segment(d, SEGMENT_HEADERS, HVT_NET_TRANSMIT_SEGMENT, SEGMENT_MSS);
    }
    if (strcmp(action, "segment_not_tcp") == 0) {
        segment[14 + 9] = 17; /* UDP */
        return send_segment(d, SEGMENT_LEN, HVT_NET_TRANSMIT_SEGMENT, SEGMENT_MSS);
    }
    if (strcmp(action, "segment_fragment") == 0) {
        put16(segment + 14 + 6, 0x2000); /* more fragments */
        return send_segment(d, SEGMENT_LEN, HVT_NET_TRANSMIT_SEGMENT, SEGMENT_MSS);
    }
    if (strcmp(action, "segment_not_ipv4") == 0) {
        put16(segment + 12, 0x86dd); /* IPv6 */
        return send_segment(d, SEGMENT_LEN, HVT_NET_TRANSMIT_SEGMENT, SEGMENT_MSS);
    }
    if (strcmp(action, "netif_segment") == 0)
        return netif_segment(d->service);
    if (strcmp(action, "frame_flagged_too_long") == 0) /* no flag: a frame beyond the MTU is refused as before */
        return send_segment(d, SEGMENT_LEN, 0, 0);

    /* NET_EXCHANGE: addresses outside guest memory stop the guest. */
    if (strcmp(action, "exchange_frame_outside") == 0) {
        fill_frames(OUTSIDE_GUEST_MEMORY, FRAME_SIZE);
        return exchange(d, frames_at, 1, frames_at, 0);
    }
    if (strcmp(action, "exchange_buffer_wraps") == 0) {
        fill_frames(WRAPPING_ADDRESS, 0x2000);
        return exchange(d, frames_at, 0, frames_at, 1);
    }
    if (strcmp(action, "exchange_descriptors_outside") == 0)
        return exchange(d, OUTSIDE_GUEST_MEMORY, 1, frames_at, 0);

    /* Block requests out of range: PLATFORM_INVALID, and the disk file is neither read nor grown. */
    if (strcmp(action, "block_read_past_capacity") == 0)
        return block_call(HVT_HYPERCALL_BLOCK_READ, d->block, d->capacity, address_of(sector), d->block_size);
    if (strcmp(action, "block_write_past_capacity") == 0)
        return block_call(HVT_HYPERCALL_BLOCK_WRITE, d->block, d->capacity - d->block_size, address_of(sector),
                          2 * d->block_size);
    if (strcmp(action, "block_write_far_away") == 0)
        return block_call(HVT_HYPERCALL_BLOCK_WRITE, d->block, UINT64_C(16) << 30, address_of(sector), d->block_size);
    if (strcmp(action, "block_offset_wraps") == 0)
        return block_call(HVT_HYPERCALL_BLOCK_WRITE, d->block, UINT64_MAX - d->block_size + 1, address_of(sector),
                          2 * d->block_size);
    if (strcmp(action, "block_partial_length") == 0)
        return block_call(HVT_HYPERCALL_BLOCK_WRITE, d->block, 0, address_of(sector), d->block_size / 2);
    if (strcmp(action, "block_unaligned_offset") == 0)
        return block_call(HVT_HYPERCALL_BLOCK_READ, d->block, d->block_size / 2, address_of(sector), d->block_size);
    if (strcmp(action, "block_bad_handle") == 0)
        return block_call(HVT_HYPERCALL_BLOCK_READ, d->net, 0, address_of(sector), d->block_size);
    /* A block buffer outside guest memory stops the guest. */
    if (strcmp(action, "block_buffer_outside") == 0)
        return block_call(HVT_HYPERCALL_BLOCK_READ, d->block, 0, OUTSIDE_GUEST_MEMORY, d->block_size);

    /* Hypercall numbers without a handler, and argument structs the tender cannot read: the guest is stopped. */
    if (strcmp(action, "hypercall_zero") == 0) {
        hvt_hypercall(0, frame);
        return -1;
    }
    if (strcmp(action, "hypercall_past_max") == 0) {
        hvt_hypercall(HVT_HYPERCALL_MAX, frame);
        return -1;
    }
    if (strcmp(action, "argument_outside") == 0) {
        hvt_hypercall(HVT_HYPERCALL_WALLTIME, (volatile void *)(uintptr_t)OUTSIDE_GUEST_MEMORY);
        return -1;
    }
    if (strcmp(action, "puts_wraps") == 0) {
        volatile struct hvt_hc_puts call = {.data = WRAPPING_ADDRESS, .len = 0x2000};
        hvt_hypercall(HVT_HYPERCALL_PUTS, &call);
        return -1;
    }
    *known = 0;
    return -1;
}

int hostile_hypercalls_start(struct console *console, struct netif *service, struct block *storage)
{
    const char *action = mirage_key_string("action");
    struct platform_net_info net_info;
    struct platform_block_info block_info;
    struct devices devices;
    char line[160];
    int known;

    if (platform_net_acquire("service", &devices.net, &net_info) != PLATFORM_OK ||
        platform_block_acquire("storage", &devices.block, &block_info) != PLATFORM_OK) {
        console_write(console, "hostile: cannot acquire the devices\n", 36);
        return 1;
    }
    devices.service = service;
    devices.capacity = storage->capacity;
    devices.block_size = storage->block_size;
    snprintf(line, sizeof line, "hostile: %s\n", action);
    console_write(console, line, strlen(line));
    int32_t answer = act(action, &devices, &known);
    if (!known) {
        console_write(console, "hostile: unknown action\n", 24);
        return 2;
    }
    /* Reached only where the tender answered instead of stopping the guest: it must still serve hypercalls. */
    snprintf(line, sizeof line, "hostile: %s answered %d\n", action, (int)answer);
    console_write(console, line, strlen(line));
    return 0;
}
