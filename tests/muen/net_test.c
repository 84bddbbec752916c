/* net_test.c: targets/muen/net.c, the network transport over muennet channels, on the build host against channels
 * in memory: frames out and in, hostile lengths from the other subject, overruns, missing or small channels. The
 * platform calls net.c makes are stubbed here. Compiled and run with ASan and UBSan by tests/muen/host_test.py
 * (net.c's headers belong to lib/platform's freestanding library, which a host_program cannot take). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "lib/platform/transport.h"
#include "lib/testing/tap.h"
#include "targets/muen/bindings.h"
#include "targets/muen/channel.h"
#include "targets/muen/sinfo.h"
#include "tests/muen/parsed_region.h"

#define MUENNET_PROTOCOL UINT64_C(0x7ade5c549b08e814)
#define ELEMENT_SIZE 1516u
#define CHANNEL_SIZE 0x40000u

/* --- the platform as net.c sees it ------------------------------------------------------------------------- */

static char console[4096];
static size_t console_used;
static struct mirage_boot_device described;
static uint64_t acquired_nets;

void platform_console_write(const char *text, size_t len)
{
    if (console_used + len < sizeof console) {
        memcpy(console + console_used, text, len);
        console_used += len;
        console[console_used] = '\0';
    }
}

void platform_device_describe(platform_handle_t handle, const struct mirage_boot_device *device)
{
    (void)handle;
    described = *device;
}

static void console_reset(void)
{
    console_used = 0;
    console[0] = '\0';
}

uint64_t platform_devices_acquired(uint32_t type)
{
    return type == MIRAGE_DEVICE_NET ? acquired_nets : 0;
}

/* --- the other subject's side of the channels -------------------------------------------------------------- */

static _Alignas(4096) uint8_t out_channel[CHANNEL_SIZE];
static _Alignas(4096) uint8_t in_channel[CHANNEL_SIZE];
static struct muen_sinfo sinfo;
static struct mirage_boot_device service = {.name = "service", .type = MIRAGE_DEVICE_NET};

/* An element as the other subject writes it: the frame's bytes, then its length (u16, little-endian). */
static void peer_element(uint8_t element[ELEMENT_SIZE], uint8_t fill, uint16_t claimed_length)
{
    memset(element, fill, ELEMENT_SIZE);
    element[1514] = (uint8_t)claimed_length;
    element[1515] = (uint8_t)(claimed_length >> 8);
}

static void net_start(void)
{
    memset(&sinfo, 0, sizeof sinfo);
    snprintf(sinfo.subject_name, sizeof sinfo.subject_name, "%s", "unikernel");
    muen_net_init(&sinfo);
    console_reset();
    tap_check(transport_net_start(0, &service) == PLATFORM_UNSPECIFIED && strstr(console, "service") != NULL,
              "no channels: the device does not start, and the console names it", "%s", console);

    parsed_region_add(&sinfo, "service|out", out_channel, 0x400, MUEN_MEMORY_SUBJECT_CHANNEL, 0);
    parsed_region_add(&sinfo, "service|in", in_channel, 0x400, MUEN_MEMORY_SUBJECT_CHANNEL, 0);
    console_reset();
    tap_check(transport_net_start(0, &service) == PLATFORM_UNSPECIFIED && strstr(console, "not writable") != NULL,
              "a read-only out channel is refused", "%s", console);
    sinfo.regions[0].flags = MUEN_MEMORY_WRITABLE;
    console_reset();
    tap_check(transport_net_start(0, &service) == PLATFORM_UNSPECIFIED && strstr(console, "too small") != NULL,
              "channels too small for one frame are refused", "%s", console);

    sinfo.regions[0].size = CHANNEL_SIZE;
    sinfo.regions[1].size = CHANNEL_SIZE;
    tap_check(transport_net_start(0, &service) == PLATFORM_OK && described.mtu == 1500 &&
                  (described.mac[0] & 3) == 2,
              "with both channels it starts: MTU 1500, a locally administered unicast MAC", "mtu %" PRIu32,
              described.mtu);
    uint8_t first_mac[6];
    memcpy(first_mac, described.mac, 6);
    transport_net_start(0, &service);
    tap_check(memcmp(first_mac, described.mac, 6) == 0, "the MAC is the same at every start", "it changed");
}

static void net_frames(void)
{
    static uint8_t frame[1514], got[1514], element[ELEMENT_SIZE];
    struct muen_channel_reader peer_reader;
    struct muen_channel_writer peer_writer;
    size_t size = 0;
    uint32_t flags = 7;

    for (unsigned i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)(i * 7);
    muen_channel_reader_init(&peer_reader, out_channel, CHANNEL_SIZE, MUENNET_PROTOCOL, ELEMENT_SIZE);
    transport_net_send(0, &service, frame, 60);
    transport_net_send(0, &service, frame, 1514);
    bool sent = true;
    for (size_t length = 0; length < 2; length++) {
        memset(element, 0, sizeof element);
        enum muen_channel_read_result result = muen_channel_read(&peer_reader, element);
        if (result == MUEN_CHANNEL_READ_NO_DATA) /* the first read synchronises to the epoch */
            result = muen_channel_read(&peer_reader, element);
        size_t expected = length == 0 ? 60 : 1514;
        sent = sent && result == MUEN_CHANNEL_READ_OK && (element[1514] | element[1515] << 8) == (int)expected &&
               memcmp(element, frame, expected) == 0;
    }
    tap_check(sent, "frames of 60 and 1,514 bytes reach the out channel with their lengths", "they did not");

    muen_channel_writer_init(&peer_writer, in_channel, CHANNEL_SIZE, MUENNET_PROTOCOL, ELEMENT_SIZE, 77);
    tap_check(transport_net_receive(0, &service, got, sizeof got, &size, &flags) == PLATFORM_AGAIN,
              "nothing to receive yet", "something");
    acquired_nets = 1;
    uint64_t ready = 0;
    tap_check(!muen_net_ready(&ready) && ready == 0, "not ready without a frame", "ready %" PRIx64, ready);

    peer_element(element, 0xaa, 13);
    muen_channel_write(&peer_writer, element);
    peer_element(element, 0xbb, 1515);
    muen_channel_write(&peer_writer, element);
    peer_element(element, 0xcc, 0xffff);
    muen_channel_write(&peer_writer, element);
    peer_element(element, 0xdd, 100);
    muen_channel_write(&peer_writer, element);
    tap_check(muen_net_ready(&ready) && ready == 1, "ready when a frame waits on an acquired device",
              "ready %" PRIx64, ready);
    acquired_nets = 0;
    tap_check(!muen_net_ready(&ready), "a device not acquired is never ready", "it was");
    platform_result_t result = transport_net_receive(0, &service, got, sizeof got, &size, &flags);
    tap_check(result == PLATFORM_OK && size == 100 && got[0] == 0xdd && got[99] == 0xdd && flags == 0,
              "lengths of 13, 1,515 and 65,535 are dropped, the next frame of 100 bytes received",
              "result %d size %zu", result, size);
    tap_check(transport_net_receive(0, &service, got, sizeof got, &size, &flags) == PLATFORM_AGAIN,
              "then nothing", "something");

    /* Lapped: 200 frames into 172 slots before a read; the oldest ones still there come next, in order. */
    unsigned slots = (CHANNEL_SIZE - 64) / ELEMENT_SIZE;
    for (unsigned n = 0; n < 200; n++) {
        peer_element(element, (uint8_t)n, 64);
        muen_channel_write(&peer_writer, element);
    }
    unsigned in_order = 0, received = 0;
    while (transport_net_receive(0, &service, got, sizeof got, &size, &flags) == PLATFORM_OK) {
        if (got[0] == (uint8_t)(200 - slots + received))
            in_order++;
        received++;
    }
    tap_check(received == slots && in_order == slots, "lapped by 28 frames: the newest 172 are received in order",
              "%u received, %u in order", received, in_order);

    /* A peer header of another element size makes the channel unreadable, not a read outside it. */
    uint64_t bad_size = 4096;
    memcpy(in_channel + 24, &bad_size, sizeof bad_size);
    uint64_t epoch = 78;
    memcpy(in_channel + 8, &epoch, sizeof epoch);
    tap_check(transport_net_receive(0, &service, got, sizeof got, &size, &flags) == PLATFORM_AGAIN,
              "a peer header with 4 KiB elements is not read", "it was");
}

int main(void)
{
    static const struct tap_group groups[] = {
        {"net_start", net_start, 5},
        {"net_frames", net_frames, 9},
    };
    return tap_run_groups("net_test", groups, sizeof groups / sizeof groups[0]);
}
