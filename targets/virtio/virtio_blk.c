/* virtio_blk.c: the virtio-blk driver (virtio 1.1, 5.2): one request at a time, a chain of header, data and
 * status byte, waited for by polling the used ring. */
#include <stdbool.h>
#include <stdint.h>

#include "lib/platform/cpu_pause.h"
#include "targets/virtio/virtio.h"

enum {
    BLK_REQUEST_QUEUE = 0,
    BLK_TYPE_IN = 0,  /* read */
    BLK_TYPE_OUT = 1, /* write */
    BLK_STATUS_OK = 0,
    BLK_STATUS_NONE = 0xff,            /* not a status the device writes: it tells an unanswered request */
    BLK_CONFIG_CAPACITY = 0,           /* le64, in 512-byte sectors */
    BLK_CONFIG_SIZE_MAX = 8,           /* le32, with VIRTIO_BLK_F_SIZE_MAX */
    BLK_REQUEST_DATA_MAX = 128 * 1024, /* bytes in one request: larger transfers are split */
};

/* How long a request may take before the device counts as broken. */
#define BLK_REQUEST_TIMEOUT_NS (UINT64_C(30) * 1000 * 1000 * 1000)

struct virtio_blk_request_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

struct virtio_blk {
    struct virtio_mmio *transport;
    struct virtqueue *queue;
    uint64_t capacity;    /* bytes */
    uint32_t request_max; /* data bytes in one request, a multiple of the sector size */
    bool broken;          /* a request timed out and the device was reset: refuse further requests */
    uint64_t bad_replies; /* requests the device answered with an impossible length or status */
    /* Shared with the device during a request. */
    struct virtio_blk_request_header header;
    uint8_t status;
};

static struct virtio_blk blks[VIRTIO_BLK_DEVICES_MAX];
static uint32_t blks_started;

virtio_result_t virtio_blk_start(struct virtio_mmio *transport, struct virtio_blk **started)
{
    if (blks_started == VIRTIO_BLK_DEVICES_MAX)
        return VIRTIO_ERROR_TOO_MANY;
    struct virtio_blk *blk = &blks[blks_started];
    blk->transport = transport;
    /* Without VIRTIO_BLK_F_FLUSH the device writes through: a completed write is on the host's file. */
    virtio_result_t result = virtio_mmio_negotiate(transport, VIRTIO_F_VERSION_1, VIRTIO_BLK_F_SIZE_MAX);
    if (result == VIRTIO_OK)
        result = virtio_mmio_queue_setup(transport, BLK_REQUEST_QUEUE, &blk->queue);
    if (result != VIRTIO_OK) {
        virtio_mmio_fail(transport);
        return result;
    }
    uint64_t sectors = virtio_mmio_config64(transport, BLK_CONFIG_CAPACITY);
    uint64_t sectors_max = UINT64_MAX / VIRTIO_BLK_SECTOR_SIZE;
    blk->capacity = (sectors < sectors_max ? sectors : sectors_max) * VIRTIO_BLK_SECTOR_SIZE;
    blk->request_max = BLK_REQUEST_DATA_MAX;
    if ((transport->features & VIRTIO_BLK_F_SIZE_MAX) != 0) {
        uint32_t size_max =
            virtio_mmio_config32(transport, BLK_CONFIG_SIZE_MAX) / VIRTIO_BLK_SECTOR_SIZE * VIRTIO_BLK_SECTOR_SIZE;
        if (size_max != 0 && size_max < blk->request_max)
            blk->request_max = size_max;
    }
    result = virtio_mmio_driver_ok(transport);
    if (result != VIRTIO_OK)
        return result;
    blks_started++;
    *started = blk;
    return VIRTIO_OK;
}

uint64_t virtio_blk_capacity(const struct virtio_blk *blk)
{
    return blk->capacity;
}

/* Wait for the device to return chain `head`; anything else it returns is a bad entry, dropped and counted by
 * the queue. Sets `*len` to the bytes it says it wrote. */
static bool wait_for(struct virtio_blk *blk, uint16_t head, uint32_t *len, bool *length_ok)
{
    uint64_t deadline = platform_clock_monotonic() + BLK_REQUEST_TIMEOUT_NS;
    for (;;) {
        uint16_t taken_head;
        virtqueue_take_t taken = virtqueue_take(blk->queue, &taken_head, len);
        if ((taken == VIRTQUEUE_TAKEN || taken == VIRTQUEUE_BAD_LENGTH) && taken_head == head) {
            *length_ok = taken == VIRTQUEUE_TAKEN;
            return true;
        }
        if (taken != VIRTQUEUE_EMPTY)
            continue;
        if (platform_clock_monotonic() > deadline)
            return false;
        cpu_pause();
    }
}

static platform_result_t request(struct virtio_blk *blk, bool write, uint64_t sector, uint8_t *data, uint32_t size)
{
    blk->header = (struct virtio_blk_request_header){
        .type = write ? BLK_TYPE_OUT : BLK_TYPE_IN,
        .sector = sector,
    };
    blk->status = BLK_STATUS_NONE;
    const struct virtqueue_buffer chain[3] = {
        {.address = virtio_device_address(&blk->header), .len = sizeof(blk->header), .device_writes = false},
        {.address = virtio_device_address(data), .len = size, .device_writes = !write},
        {.address = virtio_device_address(&blk->status), .len = 1, .device_writes = true},
    };
    uint16_t head;
    if (!virtqueue_add(blk->queue, chain, 3, &head))
        return PLATFORM_UNSPECIFIED;
    virtio_mmio_notify(blk->transport, BLK_REQUEST_QUEUE, blk->queue);
    uint32_t len = 0;
    bool length_ok = false;
    if (!wait_for(blk, head, &len, &length_ok)) {
        /* The reset stops the device from writing into `data` after the caller has it back. */
        virtio_mmio_fail(blk->transport);
        blk->broken = true;
        return PLATFORM_UNSPECIFIED;
    }
    /* A read must have filled all of `data` and the status byte; a write, the status byte. */
    uint32_t expected = write ? 1 : size + 1;
    uint8_t status = *(volatile uint8_t *)&blk->status;
    if (!length_ok || len < expected || status == BLK_STATUS_NONE) {
        blk->bad_replies++;
        return PLATFORM_UNSPECIFIED;
    }
    return status == BLK_STATUS_OK ? PLATFORM_OK : PLATFORM_UNSPECIFIED;
}

platform_result_t virtio_blk_transfer(struct virtio_blk *blk, bool write, uint64_t offset, uint8_t *buf, size_t size)
{
    if (blk->broken)
        return PLATFORM_UNSPECIFIED;
    while (size > 0) {
        uint32_t chunk = size < blk->request_max ? (uint32_t)size : blk->request_max;
        platform_result_t result = request(blk, write, offset / VIRTIO_BLK_SECTOR_SIZE, buf, chunk);
        if (result != PLATFORM_OK)
            return result;
        offset += chunk;
        buf += chunk;
        size -= chunk;
    }
    return PLATFORM_OK;
}
