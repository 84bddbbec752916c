/* virtqueue_fake_device.c: targets/virtio/virtqueue.c on the build host against a fake device that reads the
 * driver ring and writes the used ring, honestly and not: wrong ids, lengths past the buffers, replays. Prints one
 * TAP line per check; exits with the failure count. Built by Pants as a host program (tests/virtio/virtqueue) and
 * run by tests/virtio/virtqueue_test.py; by hand, from the repository root:
 *   gcc -std=c11 -Wall -Wextra -Werror -fsanitize=address,undefined -I. -o /tmp/virtqueue_fake_device \
 *       tests/virtio/virtqueue/virtqueue_fake_device.c targets/virtio/virtqueue.c && /tmp/virtqueue_fake_device */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/testing/tap.h"
#include "targets/virtio/virtio.h"

struct fake_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct fake_device {
    struct fake_desc *descriptors;
    volatile uint16_t *avail; /* flags, idx, ring[] */
    volatile uint16_t *used;  /* flags, idx, then {u32 id, u32 len}[] */
    uint16_t size;
    uint16_t seen_avail;
};

/* One TAP line per check (lib/testing/tap.h): a check's name says what failed. */
static void check(int ok, const char *what)
{
    tap_check(ok != 0, what, "%s", "failed");
}

static struct fake_device attach(struct virtqueue *queue)
{
    struct fake_device device = {
        .descriptors = (struct fake_desc *)(uintptr_t)virtqueue_descriptor_address(queue),
        .avail = (volatile uint16_t *)(uintptr_t)virtqueue_driver_address(queue),
        .used = (volatile uint16_t *)(uintptr_t)virtqueue_device_address(queue),
        .size = virtqueue_size(queue),
    };
    return device;
}

/* The next chain the driver made available, or -1; sets its writable bytes and descriptor count. */
static int device_pop(struct fake_device *device, uint32_t *writable, uint32_t *count)
{
    if (device->avail[1] == device->seen_avail)
        return -1;
    uint16_t head = device->avail[2 + (device->seen_avail++ % device->size)];
    *writable = 0;
    *count = 0;
    for (uint16_t index = head;; index = device->descriptors[index].next) {
        (*count)++;
        if (device->descriptors[index].flags & 2)
            *writable += device->descriptors[index].len;
        if (!(device->descriptors[index].flags & 1))
            break;
    }
    return head;
}

static void device_push(struct fake_device *device, uint32_t id, uint32_t len)
{
    uint16_t index = device->used[1];
    volatile uint32_t *element = (volatile uint32_t *)(device->used + 2) + 2 * (index % device->size);
    element[0] = id;
    element[1] = len;
    device->used[1] = (uint16_t)(index + 1);
}

int main(void)
{
    static uint8_t buffers[4][64];
    uint16_t head, taken_head;
    uint32_t len, writable, count;

    check(virtqueue_claim(0) == NULL && virtqueue_claim(3) == NULL && virtqueue_claim(512) == NULL,
          "sizes that are zero, not a power of two or too large are refused");
    struct virtqueue *queue = virtqueue_claim(8);
    check(queue != NULL && virtqueue_size(queue) == 8 && virtqueue_free_count(queue) == 8, "a queue of 8");
    check(virtqueue_descriptor_address(queue) % 16 == 0 && virtqueue_driver_address(queue) % 2 == 0 &&
              virtqueue_device_address(queue) % 4 == 0,
          "rings aligned as the specification requires");
    struct fake_device device = attach(queue);

    struct virtqueue_buffer chain[3] = {
        {.address = (uintptr_t)buffers[0], .len = 16, .device_writes = false},
        {.address = (uintptr_t)buffers[1], .len = 64, .device_writes = true},
        {.address = (uintptr_t)buffers[2], .len = 1, .device_writes = true},
    };
    check(virtqueue_add(queue, chain, 3, &head) && virtqueue_free_count(queue) == 5, "a chain of 3 takes 3");
    check(virtqueue_take(queue, &taken_head, &len) == VIRTQUEUE_EMPTY && !virtqueue_has_used(queue),
          "nothing used before the device answers");
    int popped = device_pop(&device, &writable, &count);
    check(popped == head && writable == 65 && count == 3, "the device sees the chain, 65 writable bytes");
    device_push(&device, (uint32_t)head, 65);
    check(virtqueue_has_used(queue), "the answer is seen");
    check(virtqueue_take(queue, &taken_head, &len) == VIRTQUEUE_TAKEN && taken_head == head && len == 65 &&
              virtqueue_free_count(queue) == 8,
          "an honest answer is taken and the chain freed");

    check(virtqueue_add(queue, chain, 3, &head), "another chain");
    device_pop(&device, &writable, &count);
    device_push(&device, (uint32_t)head, 66);
    check(virtqueue_take(queue, &taken_head, &len) == VIRTQUEUE_BAD_LENGTH && taken_head == head &&
              virtqueue_free_count(queue) == 8 && virtqueue_dropped(queue) == 1,
          "a length past the writable buffers is refused, counted, and the chain comes back");

    struct virtqueue_buffer read_only = {.address = (uintptr_t)buffers[3], .len = 64, .device_writes = false};
    check(virtqueue_add(queue, &read_only, 1, &head), "a chain the device only reads");
    device_pop(&device, &writable, &count);
    device_push(&device, (uint32_t)head, 1);
    check(virtqueue_take(queue, &taken_head, &len) == VIRTQUEUE_BAD_LENGTH && virtqueue_dropped(queue) == 2,
          "a device claiming to write into a read-only buffer is refused");

    device_push(&device, 99, 0);
    check(virtqueue_take(queue, &taken_head, &len) == VIRTQUEUE_BAD_ID && virtqueue_dropped(queue) == 3,
          "an id beyond the queue is refused");
    device_push(&device, (uint32_t)head, 0);
    check(virtqueue_take(queue, &taken_head, &len) == VIRTQUEUE_BAD_ID && virtqueue_free_count(queue) == 8,
          "a chain returned twice is refused the second time, and frees nothing");
    check(virtqueue_add(queue, chain, 3, &head) && virtqueue_add(queue, chain, 3, &head) &&
              !virtqueue_add(queue, chain, 3, &head) && virtqueue_free_count(queue) == 2,
          "a chain needing more descriptors than are free is refused");
    check(!virtqueue_add(queue, chain, 0, &head), "an empty chain is refused");

    /* Wrap the 16-bit indexes: many single-buffer rounds through a full queue, answered out of order. */
    device_pop(&device, &writable, &count);
    device_pop(&device, &writable, &count);
    int ok = 1;
    for (uint32_t round = 0; round < 70000 && ok; round++) {
        uint16_t heads[2];
        struct virtqueue_buffer single = {.address = (uintptr_t)buffers[1], .len = 64, .device_writes = true};
        ok = virtqueue_add(queue, &single, 1, &heads[0]) && virtqueue_add(queue, &single, 1, &heads[1]);
        int a = device_pop(&device, &writable, &count);
        int b = device_pop(&device, &writable, &count);
        device_push(&device, (uint32_t)b, 10);
        device_push(&device, (uint32_t)a, 20);
        ok = ok && virtqueue_take(queue, &taken_head, &len) == VIRTQUEUE_TAKEN && taken_head == heads[1] && len == 10;
        ok = ok && virtqueue_take(queue, &taken_head, &len) == VIRTQUEUE_TAKEN && taken_head == heads[0] && len == 20;
        ok = ok && virtqueue_free_count(queue) == 2;
    }
    check(ok, "70000 rounds answered out of order: indexes wrap and descriptors are never lost");

    /* The driver asks not to be interrupted; notification follows the device's flag. */
    check((device.avail[0] & 1) == 1, "the driver ring says no interrupts");
    device.used[0] = 1;
    check(!virtqueue_needs_notification(queue), "no notification while the device says so");
    device.used[0] = 0;
    check(virtqueue_needs_notification(queue), "a notification when the device wants one");

    int claimed = 1;
    while (virtqueue_claim(8) != NULL)
        claimed++;
    check(claimed == VIRTQUEUE_POOL_SIZE, "the static pool gives out exactly VIRTQUEUE_POOL_SIZE queues");

    tap_plan(tap_count());
    return tap_exit_status();
}
