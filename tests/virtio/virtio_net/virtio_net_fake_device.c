/* virtio_net_fake_device.c: targets/virtio/virtio_net.c's receive path on the build host against a fake device that
 * writes frames into the receive queue, merged over several buffers (VIRTIO_NET_F_MRG_RXBUF) or not, honestly and
 * not: fewer buffers than the header counts, a count of 0, a frame longer than the reader's buffer, checksum flags
 * without the feature that allows them. The transport (virtio_mmio.c) is replaced by stubs that offer a feature set
 * the test chooses. Prints one TAP line per check; exits with the failure count. Built by Pants as a host program
 * (tests/virtio/virtio_net) and run by tests/virtio/virtio_net_test.py. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/testing/tap.h"
#include "targets/virtio/virtio.h"

enum {
    HEADER_SIZE = 12,   /* virtio_net_hdr with num_buffers */
    BUFFER_SIZE = 1536, /* the driver's receive buffers */
    QUEUE_SIZE = 64,    /* what the fake device's QueueNumMax allows */
    FRAME_MAX = 14 + 65535,
};

/* One TAP line per check (lib/testing/tap.h): a check's name says what failed. */
static void check(int ok, const char *what)
{
    tap_check(ok != 0, what, "%s", "failed");
}

/* ---- The transport, as a fake device that offers `offered` ---- */

static uint64_t offered;
static struct virtqueue *receive_queue;
static uint32_t resets;
static uint32_t receive_notifies;

virtio_result_t virtio_mmio_negotiate(struct virtio_mmio *transport, uint64_t required, uint64_t wanted)
{
    resets++;
    if ((offered & required) != required)
        return VIRTIO_ERROR_FEATURES_MISSING;
    transport->features = offered & (required | wanted);
    return VIRTIO_OK;
}

virtio_result_t virtio_mmio_queue_setup(struct virtio_mmio *transport, uint16_t index, struct virtqueue **queue)
{
    (void)transport;
    if (*queue != NULL)
        virtqueue_reset(*queue);
    else
        *queue = virtqueue_claim(QUEUE_SIZE);
    if (*queue == NULL)
        return VIRTIO_ERROR_QUEUE_MEMORY;
    if (index == 0)
        receive_queue = *queue;
    return VIRTIO_OK;
}

virtio_result_t virtio_mmio_driver_ok(struct virtio_mmio *transport)
{
    (void)transport;
    return VIRTIO_OK;
}

void virtio_mmio_fail(struct virtio_mmio *transport)
{
    (void)transport;
}

void virtio_mmio_notify(struct virtio_mmio *transport, uint16_t index, const struct virtqueue *queue)
{
    (void)transport;
    (void)queue;
    if (index == 0)
        receive_notifies++;
}

uint8_t virtio_mmio_config8(const struct virtio_mmio *transport, uint32_t offset)
{
    (void)transport;
    return (uint8_t)(0x50 + offset);
}

bool virtio_interrupt_route(const struct virtio_mmio *transport)
{
    (void)transport;
    return false;
}

platform_result_t platform_entropy(void *buf, size_t len)
{
    memset(buf, 0x42, len);
    return PLATFORM_OK;
}

uint64_t platform_clock_monotonic(void)
{
    return 0;
}

/* ---- The device's side of the receive queue ---- */

struct fake_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

static uint16_t seen_avail;

/* The next receive buffer the driver made available: its address and size, or NULL. */
static uint8_t *device_pop(uint16_t *head, uint32_t *size)
{
    volatile uint16_t *avail = (volatile uint16_t *)(uintptr_t)virtqueue_driver_address(receive_queue);
    struct fake_desc *descriptors = (struct fake_desc *)(uintptr_t)virtqueue_descriptor_address(receive_queue);
    if (avail[1] == seen_avail)
        return NULL;
    *head = avail[2 + (seen_avail++ % virtqueue_size(receive_queue))];
    *size = descriptors[*head].len;
    return (uint8_t *)(uintptr_t)descriptors[*head].addr;
}

static void device_push(uint16_t id, uint32_t len)
{
    volatile uint16_t *used = (volatile uint16_t *)(uintptr_t)virtqueue_device_address(receive_queue);
    uint16_t index = used[1];
    volatile uint32_t *element = (volatile uint32_t *)(used + 2) + 2 * (index % virtqueue_size(receive_queue));
    element[0] = id;
    element[1] = len;
    used[1] = (uint16_t)(index + 1);
}

/* Write `len` bytes of `frame` behind a header with `flags` and a buffer count of `count` (0: as many as it takes),
 * into as many buffers as it takes; push only the first `pushed` of them (all when larger). */
static void device_send(const uint8_t *frame, size_t len, uint8_t flags, uint16_t count, uint16_t pushed)
{
    uint16_t needed = (uint16_t)((HEADER_SIZE + len + BUFFER_SIZE - 1) / BUFFER_SIZE);
    size_t at = 0;
    for (uint16_t i = 0; i < needed && i < pushed; i++) {
        uint16_t head;
        uint32_t size;
        uint8_t *buffer = device_pop(&head, &size);
        if (buffer == NULL || size != BUFFER_SIZE) {
            check(0, "the driver keeps its receive buffers available");
            return;
        }
        uint32_t header = 0;
        if (i == 0) {
            memset(buffer, 0, HEADER_SIZE);
            buffer[0] = flags;
            uint16_t buffers = count != 0 ? count : needed;
            buffer[10] = (uint8_t)buffers;
            buffer[11] = (uint8_t)(buffers >> 8);
            header = HEADER_SIZE;
        }
        uint32_t part = (uint32_t)(len - at < size - header ? len - at : size - header);
        memcpy(buffer + header, frame + at, part);
        at += part;
        device_push(head, header + part);
    }
}

static uint8_t frame[FRAME_MAX + 100];
static uint8_t received[FRAME_MAX];

static void fill(size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++)
        frame[i] = (uint8_t)(seed + i * 7);
}

int main(void)
{
    struct virtio_mmio transport = {.version = 2};
    struct virtio_net *net;
    size_t len, frame_max;
    uint32_t flags;

    /* A device with every feature the driver may want. */
    offered = VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_GUEST_CSUM |
              VIRTIO_NET_F_GUEST_TSO4;
    check(virtio_net_start(&transport, &net) == VIRTIO_OK, "the device starts");
    check((transport.features & (VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4)) == 0 &&
              (transport.features & VIRTIO_NET_F_MRG_RXBUF) != 0,
          "merged buffers are negotiated from the start, the offloads only when asked");
    check(virtqueue_free_count(receive_queue) == 0, "every receive buffer is given to the device");

    fill(60, 1);
    device_send(frame, 60, 2 /* DATA_VALID */, 0, UINT16_MAX);
    check(virtio_net_receive(net, received, FRAME_MAX, &len, &flags) == PLATFORM_OK && len == 60 &&
              memcmp(received, frame, 60) == 0 && flags == 0,
          "a small frame is read whole; checksum flags mean nothing before GUEST_CSUM");

    uint32_t resets_before = resets;
    check(virtio_net_receive_offload(net, &frame_max) == PLATFORM_OK && frame_max == FRAME_MAX &&
              resets == resets_before + 1,
          "receive offload starts the device again, once, and announces 14 + 65,535 bytes");
    check((transport.features & (VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4)) ==
              (VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4),
          "GUEST_CSUM and GUEST_TSO4 are negotiated");
    seen_avail = 0; /* the device was reset: its view of the queue starts again */
    check(virtqueue_free_count(receive_queue) == 0, "the reset queue is full of buffers again");
    check(virtio_net_receive_offload(net, &frame_max) == PLATFORM_OK && resets == resets_before + 1,
          "asking again changes nothing");

    fill(FRAME_MAX, 3);
    device_send(frame, FRAME_MAX, 1 /* NEEDS_CSUM */, 0, UINT16_MAX);
    check(virtio_net_receive(net, received, FRAME_MAX, &len, &flags) == PLATFORM_OK && len == FRAME_MAX &&
              memcmp(received, frame, FRAME_MAX) == 0 && flags == PLATFORM_NET_CHECKSUM_PARTIAL,
          "a 65,549-byte frame over 43 buffers is put together, flagged partial");
    check(virtqueue_free_count(receive_queue) == 0, "every buffer of it goes back to the device");
    (void)virtio_net_receive(net, received, FRAME_MAX, &len, &flags); /* nothing left: the device is told */

    fill(3000, 5);
    device_send(frame, 3000, 2, 0, UINT16_MAX);
    uint32_t notifies_before = receive_notifies;
    check(virtio_net_receive(net, received, FRAME_MAX, &len, &flags) == PLATFORM_OK && len == 3000 &&
              memcmp(received, frame, 3000) == 0 && flags == PLATFORM_NET_CHECKSUM_VALID,
          "a frame over 3 buffers, flagged valid");
    check(receive_notifies == notifies_before, "the device is not told of 3 buffers while the reader goes on");
    check(virtio_net_receive(net, received, FRAME_MAX, &len, &flags) == PLATFORM_AGAIN &&
              receive_notifies == notifies_before + 1,
          "it is told once the reader finds no frame left");

    /* Lies: each frame is dropped, and the frame after it is read as it was sent. */
    fill(3000, 9);
    device_send(frame, 3000, 0, 5, UINT16_MAX);
    check(virtio_net_receive(net, received, FRAME_MAX, &len, &flags) == PLATFORM_AGAIN,
          "a header counting 5 buffers where the device returned 3 drops the frame");
    fill(100, 11);
    device_send(frame, 100, 0, 0, UINT16_MAX);
    check(virtio_net_receive(net, received, FRAME_MAX, &len, &flags) == PLATFORM_OK && len == 100 &&
              memcmp(received, frame, 100) == 0,
          "the next frame is read whole");

    device_send(frame, 100, 0, UINT16_MAX, UINT16_MAX);
    device_send(frame, 100, 0, 0, UINT16_MAX);
    check(virtio_net_receive(net, received, FRAME_MAX, &len, &flags) == PLATFORM_OK && len == 100,
          "a header counting more buffers than the queue has drops only its frame");

    fill(FRAME_MAX + 100, 13);
    device_send(frame, FRAME_MAX + 100, 0, 0, UINT16_MAX);
    fill(200, 17);
    device_send(frame, 200, 0, 0, UINT16_MAX);
    check(virtio_net_receive(net, received, FRAME_MAX, &len, &flags) == PLATFORM_OK && len == 200 &&
              memcmp(received, frame, 200) == 0,
          "a frame longer than the reader's buffer is dropped, its buffers taken, the next read");

    fill(3000, 19);
    device_send(frame, 3000, 0, 1, UINT16_MAX);
    check(virtio_net_receive(net, received, FRAME_MAX, &len, &flags) == PLATFORM_OK && len == 1524,
          "a header counting 1 buffer of a 3-buffer frame: its first buffer is a frame");
    /* The other two buffers start with frame bytes where a header belongs: whatever they are taken for, reading
     * ends, and every buffer goes back to the device. */
    platform_result_t result = PLATFORM_OK;
    for (int i = 0; i < 4 && result != PLATFORM_AGAIN; i++)
        result = virtio_net_receive(net, received, FRAME_MAX, &len, &flags);
    check(result == PLATFORM_AGAIN && virtqueue_free_count(receive_queue) == 0,
          "the buffers after it are used up within four reads, and every buffer is back with the device");

    fill(100, 29);
    device_send(frame, 100, 0, 0, UINT16_MAX);
    check(virtio_net_receive(net, received, FRAME_MAX, &len, &flags) == PLATFORM_OK && len == 100 &&
              memcmp(received, frame, 100) == 0,
          "honest frames are read again after the lies");

    /* A device without the offloads: asked, it is started again as it was. */
    struct virtio_mmio plain = {.version = 2};
    struct virtio_net *plain_net;
    offered = VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | VIRTIO_NET_F_MRG_RXBUF;
    seen_avail = 0;
    check(virtio_net_start(&plain, &plain_net) == VIRTIO_OK, "a device without offloads starts");
    check(virtio_net_receive_offload(plain_net, &frame_max) == PLATFORM_UNSPECIFIED &&
              (plain.features & VIRTIO_NET_F_MRG_RXBUF) != 0,
          "receive offload is refused, and the device runs with merged buffers as before");
    seen_avail = 0;
    fill(60, 23);
    device_send(frame, 60, 2, 0, UINT16_MAX);
    check(virtio_net_receive(plain_net, received, FRAME_MAX, &len, &flags) == PLATFORM_OK && len == 60 && flags == 0,
          "it still receives, with no flags");

    tap_plan(tap_count());
    return tap_exit_status();
}
