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
    platform_handle_t net;
    platform_handle_t block;
    uint64_t capacity;
    uint64_t block_size;
};

static uint8_t frame[FRAME_SIZE];
static uint8_t long_frame[1500 + 14 + 1]; /* one byte more than a frame at the tap's MTU */
static uint8_t sector[1024];
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

    (void)service;
    if (platform_net_acquire("service", &devices.net, &net_info) != PLATFORM_OK ||
        platform_block_acquire("storage", &devices.block, &block_info) != PLATFORM_OK) {
        console_write(console, "hostile: cannot acquire the devices\n", 36);
        return 1;
    }
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
