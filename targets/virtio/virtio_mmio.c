/* virtio_mmio.c: the virtio-mmio transport (virtio 1.1, 4.2.2): probing, device initialization (3.1.1), feature
 * negotiation, queue setup and notification, and the device-specific configuration space. */
#include <stdbool.h>
#include <stdint.h>

#include "targets/virtio/virtio.h"

enum {
    MMIO_MAGIC_VALUE = 0x000,
    MMIO_VERSION = 0x004,
    MMIO_DEVICE_ID = 0x008,
    MMIO_DEVICE_FEATURES = 0x010,
    MMIO_DEVICE_FEATURES_SEL = 0x014,
    MMIO_DRIVER_FEATURES = 0x020,
    MMIO_DRIVER_FEATURES_SEL = 0x024,
    MMIO_QUEUE_SEL = 0x030,
    MMIO_QUEUE_NUM_MAX = 0x034,
    MMIO_QUEUE_NUM = 0x038,
    MMIO_QUEUE_READY = 0x044,
    MMIO_QUEUE_NOTIFY = 0x050,
    MMIO_STATUS = 0x070,
    MMIO_QUEUE_DESC_LOW = 0x080,
    MMIO_QUEUE_DESC_HIGH = 0x084,
    MMIO_QUEUE_DRIVER_LOW = 0x090,
    MMIO_QUEUE_DRIVER_HIGH = 0x094,
    MMIO_QUEUE_DEVICE_LOW = 0x0a0,
    MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
    MMIO_CONFIG_GENERATION = 0x0fc,
    MMIO_CONFIG = 0x100,
};

#define MMIO_MAGIC 0x74726976u /* "virt" in little-endian */
#define MMIO_VERSION_MODERN 2u
#define MMIO_VERSION_LEGACY 1u

enum {
    STATUS_ACKNOWLEDGE = 1,
    STATUS_DRIVER = 2,
    STATUS_DRIVER_OK = 4,
    STATUS_FEATURES_OK = 8,
    STATUS_DEVICE_NEEDS_RESET = 64,
    STATUS_FAILED = 128,
    RESET_POLLS = 1000000,     /* reads of Status before a reset counts as failed */
    CONFIG_READ_ATTEMPTS = 16, /* reads of a 64-bit field while the device keeps changing it */
};

/* Control registers take 32-bit aligned accesses only. */
static uint32_t mmio_read(const struct virtio_mmio *transport, uint32_t offset)
{
    return *(volatile const uint32_t *)(transport->base + offset);
}

static void mmio_write(const struct virtio_mmio *transport, uint32_t offset, uint32_t value)
{
    *(volatile uint32_t *)(transport->base + offset) = value;
}

bool virtio_mmio_probe(uintptr_t base, struct virtio_mmio *transport)
{
    *transport = (struct virtio_mmio){.base = base};
    if (mmio_read(transport, MMIO_MAGIC_VALUE) != MMIO_MAGIC)
        return false;
    transport->version = mmio_read(transport, MMIO_VERSION);
    transport->device_id = mmio_read(transport, MMIO_DEVICE_ID);
    /* Device id 0 is a transport with nothing behind it. */
    return transport->device_id != 0;
}

static void set_status(struct virtio_mmio *transport, uint32_t bits)
{
    mmio_write(transport, MMIO_STATUS, mmio_read(transport, MMIO_STATUS) | bits);
}

static uint64_t device_features(const struct virtio_mmio *transport)
{
    mmio_write(transport, MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t low = mmio_read(transport, MMIO_DEVICE_FEATURES);
    mmio_write(transport, MMIO_DEVICE_FEATURES_SEL, 1);
    uint64_t high = mmio_read(transport, MMIO_DEVICE_FEATURES);
    return high << 32 | low;
}

static void write_driver_features(const struct virtio_mmio *transport, uint64_t features)
{
    mmio_write(transport, MMIO_DRIVER_FEATURES_SEL, 0);
    mmio_write(transport, MMIO_DRIVER_FEATURES, (uint32_t)features);
    mmio_write(transport, MMIO_DRIVER_FEATURES_SEL, 1);
    mmio_write(transport, MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
}

static bool reset(struct virtio_mmio *transport)
{
    mmio_write(transport, MMIO_STATUS, 0);
    for (uint32_t i = 0; i < RESET_POLLS; i++) {
        if (mmio_read(transport, MMIO_STATUS) == 0)
            return true;
    }
    return false;
}

virtio_result_t virtio_mmio_negotiate(struct virtio_mmio *transport, uint64_t required, uint64_t wanted)
{
    if (transport->version == MMIO_VERSION_LEGACY)
        return VIRTIO_ERROR_LEGACY;
    if (transport->version != MMIO_VERSION_MODERN)
        return VIRTIO_ERROR_NOT_FOUND;
    if (!reset(transport))
        return VIRTIO_ERROR_RESET;
    set_status(transport, STATUS_ACKNOWLEDGE);
    set_status(transport, STATUS_DRIVER);
    uint64_t offered = device_features(transport);
    if ((offered & required) != required) {
        set_status(transport, STATUS_FAILED);
        return VIRTIO_ERROR_FEATURES_MISSING;
    }
    uint64_t accepted = offered & (required | wanted);
    write_driver_features(transport, accepted);
    set_status(transport, STATUS_FEATURES_OK);
    if ((mmio_read(transport, MMIO_STATUS) & STATUS_FEATURES_OK) == 0) {
        set_status(transport, STATUS_FAILED);
        return VIRTIO_ERROR_FEATURES_REFUSED;
    }
    transport->features = accepted;
    return VIRTIO_OK;
}

virtio_result_t virtio_mmio_queue_setup(struct virtio_mmio *transport, uint16_t index, struct virtqueue **queue)
{
    mmio_write(transport, MMIO_QUEUE_SEL, index);
    if (mmio_read(transport, MMIO_QUEUE_READY) != 0)
        return VIRTIO_ERROR_QUEUE_IN_USE;
    uint32_t maximum = mmio_read(transport, MMIO_QUEUE_NUM_MAX);
    if (maximum == 0)
        return VIRTIO_ERROR_QUEUE_MISSING;
    /* Split queues have a power-of-two size. */
    uint16_t size = VIRTQUEUE_SIZE_MAX;
    while (size > maximum)
        size /= 2;
    struct virtqueue *claimed = *queue;
    if (claimed != NULL && virtqueue_size(claimed) <= size) {
        size = virtqueue_size(claimed);
        virtqueue_reset(claimed);
    } else {
        claimed = virtqueue_claim(size);
    }
    if (claimed == NULL)
        return VIRTIO_ERROR_QUEUE_MEMORY;
    mmio_write(transport, MMIO_QUEUE_NUM, size);
    uint64_t descriptors = virtqueue_descriptor_address(claimed);
    uint64_t driver = virtqueue_driver_address(claimed);
    uint64_t device = virtqueue_device_address(claimed);
    mmio_write(transport, MMIO_QUEUE_DESC_LOW, (uint32_t)descriptors);
    mmio_write(transport, MMIO_QUEUE_DESC_HIGH, (uint32_t)(descriptors >> 32));
    mmio_write(transport, MMIO_QUEUE_DRIVER_LOW, (uint32_t)driver);
    mmio_write(transport, MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(driver >> 32));
    mmio_write(transport, MMIO_QUEUE_DEVICE_LOW, (uint32_t)device);
    mmio_write(transport, MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(device >> 32));
    mmio_write(transport, MMIO_QUEUE_READY, 1);
    *queue = claimed;
    return VIRTIO_OK;
}

virtio_result_t virtio_mmio_driver_ok(struct virtio_mmio *transport)
{
    set_status(transport, STATUS_DRIVER_OK);
    if ((mmio_read(transport, MMIO_STATUS) & STATUS_DEVICE_NEEDS_RESET) != 0) {
        virtio_mmio_fail(transport);
        return VIRTIO_ERROR_DEVICE_FAILED;
    }
    return VIRTIO_OK;
}

void virtio_mmio_fail(struct virtio_mmio *transport)
{
    (void)reset(transport);
    mmio_write(transport, MMIO_STATUS, STATUS_FAILED);
}

void virtio_mmio_notify(struct virtio_mmio *transport, uint16_t index, const struct virtqueue *queue)
{
    if (virtqueue_needs_notification(queue))
        mmio_write(transport, MMIO_QUEUE_NOTIFY, index);
}

uint8_t virtio_mmio_config8(const struct virtio_mmio *transport, uint32_t offset)
{
    return *(volatile const uint8_t *)(transport->base + MMIO_CONFIG + offset);
}

uint32_t virtio_mmio_config32(const struct virtio_mmio *transport, uint32_t offset)
{
    return mmio_read(transport, MMIO_CONFIG + offset);
}

/* A 64-bit field is two 32-bit reads; the generation counter tells whether the device changed it in between. */
uint64_t virtio_mmio_config64(const struct virtio_mmio *transport, uint32_t offset)
{
    uint64_t value = 0;
    for (int attempt = 0; attempt < CONFIG_READ_ATTEMPTS; attempt++) {
        uint32_t before = mmio_read(transport, MMIO_CONFIG_GENERATION);
        uint64_t low = mmio_read(transport, MMIO_CONFIG + offset);
        uint64_t high = mmio_read(transport, MMIO_CONFIG + offset + 4);
        value = high << 32 | low;
        if (mmio_read(transport, MMIO_CONFIG_GENERATION) == before)
            break;
    }
    return value;
}
