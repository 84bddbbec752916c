/* platform_conformance.c: checks every platform_* call's results and edge cases (lib/platform/platform.h) and
 * prints them as TAP, so the same image source run on hvt, spt and virtio must print the same lines.
 *
 * Needs a net device `service` (a tap nobody else writes to the guest) and a block device `storage` of at least
 * 4 blocks; the block contents are overwritten. Nothing ABI-specific (handles, MAC, timings) is printed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/block.h"
#include "devices/console.h"
#include "devices/netif.h"
#include "lib/platform/platform.h"

enum {
    ETHERNET_HEADER = 14,
    FRAME_BUFFER_SIZE = 9216 + 64,
    BLOCK_BUFFER_SIZE = 4 * 4096,
    DRAIN_FRAMES_MAX = 256,
    MONOTONIC_READS = 1000,
};

#define NSECS_PER_MSEC UINT64_C(1000000)
/* 2020-01-01T00:00:00Z: any host clock is later. */
#define WALL_CLOCK_FLOOR (UINT64_C(1577836800) * UINT64_C(1000000000))
/* A handle no manifest has: beyond MIRAGE_MANIFEST_MAX_DEVICES and beyond a 64-bit handle set. */
#define NO_SUCH_HANDLE UINT64_C(40)

/* What the checks learn and later checks use. */
struct state {
    platform_handle_t net;
    platform_handle_t block;
    struct platform_net_info net_info;
    struct platform_block_info block_info;
};

static struct state s;
static uint8_t frame[FRAME_BUFFER_SIZE];
static uint8_t blocks[BLOCK_BUFFER_SIZE];
static uint8_t readback[BLOCK_BUFFER_SIZE];

static size_t frame_max(void)
{
    return s.net_info.mtu + ETHERNET_HEADER;
}

/* A broadcast frame of `size` bytes with the local-experiment EtherType, so nobody on the tap acts on it. */
static const uint8_t *test_frame(size_t size)
{
    memset(frame, 0, sizeof frame);
    memset(frame, 0xff, 6);
    memcpy(frame + 6, s.net_info.mac_address, 6);
    frame[12] = 0x88;
    frame[13] = 0xb5;
    for (size_t i = ETHERNET_HEADER; i < size && i < sizeof frame; i++)
        frame[i] = (uint8_t)i;
    return frame;
}

/* ---- Acquiring devices ---- */

static bool net_acquire_null_name(void)
{
    platform_handle_t handle;
    struct platform_net_info info;
    return platform_net_acquire(NULL, &handle, &info) == PLATFORM_INVALID;
}

static bool net_acquire_unknown_name(void)
{
    platform_handle_t handle;
    struct platform_net_info info;
    return platform_net_acquire("no_such_device", &handle, &info) == PLATFORM_INVALID;
}

static bool net_acquire_block_name(void)
{
    platform_handle_t handle;
    struct platform_net_info info;
    return platform_net_acquire("storage", &handle, &info) == PLATFORM_INVALID;
}

static bool net_acquire_ok(void)
{
    return platform_net_acquire("service", &s.net, &s.net_info) == PLATFORM_OK && s.net_info.mtu == 1500;
}

static bool net_acquire_again_same_handle(void)
{
    platform_handle_t again;
    struct platform_net_info info;
    return platform_net_acquire("service", &again, &info) == PLATFORM_OK && again == s.net &&
           memcmp(info.mac_address, s.net_info.mac_address, 6) == 0 && info.mtu == s.net_info.mtu;
}

static bool net_mac_is_unicast(void)
{
    return (s.net_info.mac_address[0] & 1u) == 0;
}

static bool block_acquire_unknown_name(void)
{
    platform_handle_t handle;
    struct platform_block_info info;
    return platform_block_acquire("no_such_device", &handle, &info) == PLATFORM_INVALID;
}

static bool block_acquire_net_name(void)
{
    platform_handle_t handle;
    struct platform_block_info info;
    return platform_block_acquire("service", &handle, &info) == PLATFORM_INVALID;
}

static bool block_acquire_null_name(void)
{
    platform_handle_t handle;
    struct platform_block_info info;
    return platform_block_acquire(NULL, &handle, &info) == PLATFORM_INVALID;
}

static bool block_acquire_ok(void)
{
    return platform_block_acquire("storage", &s.block, &s.block_info) == PLATFORM_OK &&
           s.block_info.block_size == 512 && s.block_info.capacity >= 4 * s.block_info.block_size &&
           s.block_info.capacity % s.block_info.block_size == 0;
}

static bool block_acquire_again_same_handle(void)
{
    platform_handle_t again;
    struct platform_block_info info;
    return platform_block_acquire("storage", &again, &info) == PLATFORM_OK && again == s.block &&
           info.capacity == s.block_info.capacity && info.block_size == s.block_info.block_size;
}

/* ---- Block requests ---- */

static bool block_read_net_handle(void)
{
    return platform_block_read(s.net, 0, blocks, s.block_info.block_size) == PLATFORM_INVALID;
}

static bool block_read_unknown_handle(void)
{
    return platform_block_read(NO_SUCH_HANDLE, 0, blocks, s.block_info.block_size) == PLATFORM_INVALID &&
           platform_block_read(UINT64_MAX, 0, blocks, s.block_info.block_size) == PLATFORM_INVALID;
}

static bool block_read_size_zero(void)
{
    return platform_block_read(s.block, 0, blocks, 0) == PLATFORM_INVALID;
}

static bool block_write_size_zero(void)
{
    return platform_block_write(s.block, 0, blocks, 0) == PLATFORM_INVALID;
}

static bool block_read_unaligned_offset(void)
{
    return platform_block_read(s.block, s.block_info.block_size / 2, blocks, s.block_info.block_size) ==
           PLATFORM_INVALID;
}

static bool block_write_unaligned_size(void)
{
    return platform_block_write(s.block, 0, blocks, s.block_info.block_size / 2) == PLATFORM_INVALID &&
           platform_block_write(s.block, 0, blocks, s.block_info.block_size + 1) == PLATFORM_INVALID;
}

static bool block_read_at_capacity(void)
{
    return platform_block_read(s.block, s.block_info.capacity, blocks, s.block_info.block_size) == PLATFORM_INVALID;
}

static bool block_write_across_end(void)
{
    return platform_block_write(s.block, s.block_info.capacity - s.block_info.block_size, blocks,
                                2 * s.block_info.block_size) == PLATFORM_INVALID;
}

static bool block_offset_wraps(void)
{
    uint64_t wrapping = UINT64_MAX - s.block_info.block_size + 1;
    return platform_block_read(s.block, wrapping, blocks, s.block_info.block_size) == PLATFORM_INVALID &&
           platform_block_write(s.block, wrapping, blocks, s.block_info.block_size) == PLATFORM_INVALID;
}

static bool block_last_block_round_trip(void)
{
    uint64_t last = s.block_info.capacity - s.block_info.block_size;
    size_t size = (size_t)s.block_info.block_size;
    for (size_t i = 0; i < size; i++)
        blocks[i] = (uint8_t)(i * 7 + 3);
    memset(readback, 0, size);
    return platform_block_write(s.block, last, blocks, size) == PLATFORM_OK &&
           platform_block_read(s.block, last, readback, size) == PLATFORM_OK && memcmp(blocks, readback, size) == 0;
}

static bool block_many_blocks_round_trip(void)
{
    size_t size = (size_t)(4 * s.block_info.block_size);
    if (size > sizeof blocks)
        return false;
    for (size_t i = 0; i < size; i++)
        blocks[i] = (uint8_t)(i * 13 + 1);
    memset(readback, 0, size);
    return platform_block_write(s.block, 0, blocks, size) == PLATFORM_OK &&
           platform_block_read(s.block, 0, readback, size) == PLATFORM_OK && memcmp(blocks, readback, size) == 0;
}

/* ---- Net requests ---- */

static bool net_write_block_handle(void)
{
    return platform_net_write(s.block, test_frame(60), 60) == PLATFORM_INVALID;
}

static bool net_write_unknown_handle(void)
{
    return platform_net_write(NO_SUCH_HANDLE, test_frame(60), 60) == PLATFORM_INVALID &&
           platform_net_write(UINT64_MAX, test_frame(60), 60) == PLATFORM_INVALID;
}

static bool net_write_size_zero(void)
{
    return platform_net_write(s.net, test_frame(60), 0) == PLATFORM_INVALID;
}

static bool net_write_shorter_than_header(void)
{
    return platform_net_write(s.net, test_frame(60), ETHERNET_HEADER - 1) == PLATFORM_INVALID;
}

static bool net_write_longer_than_mtu(void)
{
    return platform_net_write(s.net, test_frame(frame_max() + 1), frame_max() + 1) == PLATFORM_INVALID;
}

static bool net_write_minimum_frame(void)
{
    return platform_net_write(s.net, test_frame(60), 60) == PLATFORM_OK;
}

static bool net_write_largest_frame(void)
{
    return platform_net_write(s.net, test_frame(frame_max()), frame_max()) == PLATFORM_OK;
}

static bool net_read_block_handle(void)
{
    size_t got = 0;
    uint32_t flags;
    return platform_net_read(s.block, frame, sizeof frame, &got, &flags) == PLATFORM_INVALID;
}

static bool net_read_unknown_handle(void)
{
    size_t got = 0;
    uint32_t flags;
    return platform_net_read(NO_SUCH_HANDLE, frame, sizeof frame, &got, &flags) == PLATFORM_INVALID;
}

static bool net_read_buffer_too_small(void)
{
    size_t got = 0;
    uint32_t flags;
    return platform_net_read(s.net, frame, frame_max() - 1, &got, &flags) == PLATFORM_INVALID &&
           platform_net_read(s.net, frame, 60, &got, &flags) == PLATFORM_INVALID;
}

static bool net_offload_bad_handles(void)
{
    size_t frame_max_offloaded = 0;
    return platform_net_receive_offload(s.block, &frame_max_offloaded) == PLATFORM_INVALID &&
           platform_net_receive_offload(NO_SUCH_HANDLE, &frame_max_offloaded) == PLATFORM_INVALID;
}

/* Whatever the host sent (IPv6 neighbour discovery on a fresh tap) is read whole, then PLATFORM_AGAIN. */
static bool net_read_drains_to_again(void)
{
    for (int i = 0; i < DRAIN_FRAMES_MAX; i++) {
        size_t got = 0;
        uint32_t flags;
        platform_result_t result = platform_net_read(s.net, frame, frame_max(), &got, &flags);
        if (result == PLATFORM_AGAIN)
            return true;
        if (result != PLATFORM_OK || got < ETHERNET_HEADER || got > frame_max())
            return false;
    }
    return false;
}

/* ---- Yield, clocks, entropy, console ---- */

static bool yield_past_deadline_returns_at_once(void)
{
    uint64_t ready = UINT64_MAX;
    uint64_t before = platform_clock_monotonic();
    bool any = platform_yield(0, &ready);
    uint64_t after = platform_clock_monotonic();
    return after - before < 200 * NSECS_PER_MSEC && any == (ready != 0) && (ready & ~(UINT64_C(1) << s.net)) == 0;
}

static bool yield_waits_for_deadline(void)
{
    uint64_t start = platform_clock_monotonic();
    uint64_t deadline = start + 20 * NSECS_PER_MSEC;
    uint64_t ready = UINT64_MAX;
    bool any = platform_yield(deadline, &ready);
    uint64_t end = platform_clock_monotonic();
    /* Early only for a frame on the acquired net device; never later than a generous bound. */
    if (any)
        return ready == (UINT64_C(1) << s.net);
    return ready == 0 && end >= deadline && end - start < 2000 * NSECS_PER_MSEC;
}

static bool clock_monotonic_never_goes_back(void)
{
    uint64_t last = platform_clock_monotonic();
    for (int i = 0; i < MONOTONIC_READS; i++) {
        uint64_t now = platform_clock_monotonic();
        if (now < last)
            return false;
        last = now;
    }
    return true;
}

static bool clock_wall_is_plausible(void)
{
    return platform_clock_wall() > WALL_CLOCK_FLOOR;
}

static bool entropy_length_zero(void)
{
    return platform_entropy(blocks, 0) == PLATFORM_OK;
}

static bool entropy_fills_odd_length(void)
{
    uint8_t random[67];
    memset(random, 0, sizeof random);
    if (platform_entropy(random, sizeof random) != PLATFORM_OK)
        return false;
    int zeros = 0;
    for (size_t i = 0; i < sizeof random; i++)
        zeros += random[i] == 0;
    return zeros < 16; /* 67 random bytes have about 0.26 zeros on average */
}

static bool console_write_empty(void)
{
    platform_console_write("", 0);
    return true;
}

struct check {
    bool (*run)(void);
    const char *description;
};

static const struct check checks[] = {
    {net_acquire_null_name, "platform_net_acquire: a NULL name is PLATFORM_INVALID"},
    {net_acquire_unknown_name, "platform_net_acquire: a name the manifest lacks is PLATFORM_INVALID"},
    {net_acquire_block_name, "platform_net_acquire: a block device's name is PLATFORM_INVALID"},
    {net_acquire_ok, "platform_net_acquire: the manifest's net device, MTU 1500"},
    {net_acquire_again_same_handle, "platform_net_acquire: again gives the same handle, MAC and MTU"},
    {net_mac_is_unicast, "platform_net_acquire: the MAC address is unicast"},
    {block_acquire_null_name, "platform_block_acquire: a NULL name is PLATFORM_INVALID"},
    {block_acquire_unknown_name, "platform_block_acquire: a name the manifest lacks is PLATFORM_INVALID"},
    {block_acquire_net_name, "platform_block_acquire: a net device's name is PLATFORM_INVALID"},
    {block_acquire_ok, "platform_block_acquire: the manifest's block device, 512-byte blocks, whole capacity"},
    {block_acquire_again_same_handle, "platform_block_acquire: again gives the same handle and geometry"},
    {block_read_net_handle, "platform_block_read: a net device's handle is PLATFORM_INVALID"},
    {block_read_unknown_handle, "platform_block_read: a handle of no device is PLATFORM_INVALID"},
    {block_read_size_zero, "platform_block_read: size 0 is PLATFORM_INVALID"},
    {block_write_size_zero, "platform_block_write: size 0 is PLATFORM_INVALID"},
    {block_read_unaligned_offset, "platform_block_read: an offset inside a block is PLATFORM_INVALID"},
    {block_write_unaligned_size, "platform_block_write: a size of part of a block is PLATFORM_INVALID"},
    {block_read_at_capacity, "platform_block_read: a block at the capacity is PLATFORM_INVALID"},
    {block_write_across_end, "platform_block_write: a range across the end is PLATFORM_INVALID"},
    {block_offset_wraps, "platform_block_read/write: an offset where offset + size wraps is PLATFORM_INVALID"},
    {block_last_block_round_trip, "platform_block_write/read: the last block round-trips"},
    {block_many_blocks_round_trip, "platform_block_write/read: four blocks in one request round-trip"},
    {net_write_block_handle, "platform_net_write: a block device's handle is PLATFORM_INVALID"},
    {net_write_unknown_handle, "platform_net_write: a handle of no device is PLATFORM_INVALID"},
    {net_write_size_zero, "platform_net_write: size 0 is PLATFORM_INVALID"},
    {net_write_shorter_than_header, "platform_net_write: 13 bytes (less than a header) is PLATFORM_INVALID"},
    {net_write_longer_than_mtu, "platform_net_write: mtu + 15 bytes is PLATFORM_INVALID"},
    {net_write_minimum_frame, "platform_net_write: a 60-byte frame is PLATFORM_OK"},
    {net_write_largest_frame, "platform_net_write: an mtu + 14 byte frame is PLATFORM_OK"},
    {net_read_block_handle, "platform_net_read: a block device's handle is PLATFORM_INVALID"},
    {net_read_unknown_handle, "platform_net_read: a handle of no device is PLATFORM_INVALID"},
    {net_read_buffer_too_small, "platform_net_read: a buffer below mtu + 14 bytes is PLATFORM_INVALID"},
    {net_offload_bad_handles, "platform_net_receive_offload: a block or unknown handle is PLATFORM_INVALID"},
    {net_read_drains_to_again, "platform_net_read: waiting frames come whole, then PLATFORM_AGAIN"},
    {yield_past_deadline_returns_at_once, "platform_yield: a past deadline returns at once, only acquired bits"},
    {yield_waits_for_deadline, "platform_yield: returns at the deadline, or early only for the net device"},
    {clock_monotonic_never_goes_back, "platform_clock_monotonic: never goes back"},
    {clock_wall_is_plausible, "platform_clock_wall: after 2020"},
    {entropy_length_zero, "platform_entropy: length 0 is PLATFORM_OK"},
    {entropy_fills_odd_length, "platform_entropy: 67 bytes are filled"},
    {console_write_empty, "platform_console_write: length 0 writes nothing"},
};

static void say(struct console *console, const char *text)
{
    console_write(console, text, strlen(text));
}

/* The devices are acquired by their implementations at connect time; the checks acquire them again directly. */
int platform_conformance_start(struct console *console, struct netif *service, struct block *storage)
{
    const size_t count = sizeof checks / sizeof checks[0];
    char line[200];
    size_t failed = 0;

    (void)service;
    (void)storage;
    snprintf(line, sizeof line, "1..%u\n", (unsigned)count);
    say(console, line);
    for (size_t i = 0; i < count; i++) {
        bool ok = checks[i].run();
        failed += ok ? 0 : 1;
        snprintf(line, sizeof line, "%s %u - %s\n", ok ? "ok" : "not ok", (unsigned)(i + 1), checks[i].description);
        say(console, line);
    }
    return failed == 0 ? 0 : 1;
}
