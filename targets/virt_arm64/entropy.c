/* entropy.c: entropy from the virtio-rng device the runner attaches on the last virtio-mmio transport (virt_abi.h),
 * through the shared virtio-mmio and virtqueue code, one request at a time, polled. Without that device (QEMU run
 * by hand without it) platform_entropy fails, and an image that needs the random device stops at its connect
 * with a message naming it: this board has no CPU entropy instruction to fall back on (a Cortex-A72 lacks RNDR). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/platform.h"
#include "targets/virt_arm64/bindings.h"
#include "targets/virt_arm64/virt_abi.h"
#include "targets/virtio/virtio.h"

#define REQUEST_SIZE 64u
/* A device that has not answered by then is broken: give up on it for good. */
#define REQUEST_TIMEOUT_NSECS UINT64_C(1000000000)

static struct virtio_mmio transport;
static struct virtqueue *queue;
static bool present;

void virt_entropy_init(void)
{
    uintptr_t base = (uintptr_t)VIRT_MMIO_BASE + (uintptr_t)VIRT_RNG_TRANSPORT * VIRT_MMIO_STRIDE;
    if (!virtio_mmio_probe(base, &transport) || transport.device_id != VIRTIO_DEVICE_ID_ENTROPY) {
        /* Said at boot, as the Pi 4 board says a missing RNG200: the connect that fails later names only the
         * device, and this says why and what to add. */
        char line[192];
        snprintf(line, sizeof line,
                 "virt_arm64: no virtio-rng device on virtio-mmio transport %u, so no entropy (the runner attaches "
                 "one; by hand: -device virtio-rng-device,bus=virtio-mmio-bus.%u)\n",
                 (unsigned)VIRT_RNG_TRANSPORT, (unsigned)VIRT_RNG_TRANSPORT);
        pl011_puts(line);
        return;
    }
    if (virtio_mmio_negotiate(&transport, VIRTIO_F_VERSION_1, 0) != VIRTIO_OK ||
        virtio_mmio_queue_setup(&transport, 0, &queue) != VIRTIO_OK || virtio_mmio_driver_ok(&transport) != VIRTIO_OK) {
        virtio_mmio_fail(&transport);
        pl011_puts("virt_arm64: the virtio-rng device did not start; no entropy\n");
        return;
    }
    present = true;
}

/* One request: up to REQUEST_SIZE bytes into `out`; the count the device wrote, or 0 when it failed. */
static uint32_t request(uint8_t *out, uint32_t size)
{
    static uint8_t buffer[REQUEST_SIZE];
    const struct virtqueue_buffer chain = {virtio_device_address(buffer), size, true};
    uint16_t head, used;
    uint32_t written = 0;

    if (!virtqueue_add(queue, &chain, 1, &head))
        return 0;
    virtio_mmio_notify(&transport, 0, queue);
    uint64_t deadline = platform_clock_monotonic() + REQUEST_TIMEOUT_NSECS;
    for (;;) {
        virtqueue_take_t taken = virtqueue_take(queue, &used, &written);
        if (taken == VIRTQUEUE_TAKEN && used == head)
            break;
        if (taken == VIRTQUEUE_BAD_LENGTH || (taken == VIRTQUEUE_EMPTY && platform_clock_monotonic() > deadline))
            return 0;
    }
    memcpy(out, buffer, written);
    return written;
}

platform_result_t platform_entropy(void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len > 0) {
        if (!present)
            return PLATFORM_UNSPECIFIED;
        uint32_t got = request(out, len < REQUEST_SIZE ? (uint32_t)len : REQUEST_SIZE);
        if (got == 0) {
            /* Its buffer may still be the device's: never hand it another. */
            virtio_mmio_fail(&transport);
            present = false;
            return PLATFORM_UNSPECIFIED;
        }
        out += got;
        len -= got;
    }
    return PLATFORM_OK;
}
