/* virtqueue.c: split virtqueues (virtio 1.1, 2.6) in static memory: chains of descriptors out, used chains back,
 * every id and length the device reports checked against what the driver gave it. */
#include <stdbool.h>
#include <stdint.h>

#include "targets/virtio/virtio.h"

enum {
    VIRTQ_DESC_F_NEXT = 1,
    VIRTQ_DESC_F_WRITE = 2,
    VIRTQ_AVAIL_F_NO_INTERRUPT = 1, /* set except while the driver sleeps on the queue */
    VIRTQ_USED_F_NO_NOTIFY = 1,
    VIRTQUEUE_RINGS_ALIGNMENT = 4096,
};

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

/* Laid out for VIRTQUEUE_SIZE_MAX; a smaller queue uses the start of each ring. Without VIRTIO_F_EVENT_IDX the
 * device never looks at used_event and avail_event, so their place after a shorter ring does not matter. */
struct virtqueue_rings {
    struct virtq_desc descriptors[VIRTQUEUE_SIZE_MAX]; /* 16-byte alignment required */
    struct {
        uint16_t flags;
        uint16_t idx;
        uint16_t ring[VIRTQUEUE_SIZE_MAX];
        uint16_t used_event;
    } avail; /* 2-byte alignment required */
    struct {
        uint16_t flags;
        uint16_t idx;
        struct virtq_used_elem ring[VIRTQUEUE_SIZE_MAX];
        uint16_t avail_event;
    } __attribute__((aligned(4))) used; /* 4-byte alignment required */
};

struct virtqueue {
    struct virtqueue_rings *rings;
    uint16_t size;
    uint16_t next_avail; /* the driver's copy of avail.idx */
    uint16_t next_used;  /* the used index of the next chain to take */
    uint16_t free_head;
    uint16_t free_count;
    uint64_t dropped;
    /* The driver's own links, never read back from shared memory: the free list, and while a chain is with the
     * device, the order of its descriptors. */
    uint16_t links[VIRTQUEUE_SIZE_MAX];
    /* Per head of a chain with the device: its descriptors (0 when the head is not with the device), and the
     * bytes it may write. */
    uint16_t chain_length[VIRTQUEUE_SIZE_MAX];
    uint64_t chain_writable[VIRTQUEUE_SIZE_MAX];
};

static _Alignas(VIRTQUEUE_RINGS_ALIGNMENT) struct virtqueue_rings rings_pool[VIRTQUEUE_POOL_SIZE];
static struct virtqueue queue_pool[VIRTQUEUE_POOL_SIZE];
static uint32_t queues_claimed;

/* Shared fields are read and written exactly once each, in program order. */
#define SHARED(field) (*(volatile __typeof__(field) *)&(field))

struct virtqueue *virtqueue_claim(uint16_t size)
{
    if (size == 0 || size > VIRTQUEUE_SIZE_MAX || (size & (size - 1)) != 0)
        return NULL;
    if (queues_claimed == VIRTQUEUE_POOL_SIZE)
        return NULL;
    struct virtqueue *queue = &queue_pool[queues_claimed];
    queue->rings = &rings_pool[queues_claimed];
    queues_claimed++;
    queue->size = size;
    virtqueue_reset(queue);
    return queue;
}

void virtqueue_reset(struct virtqueue *queue)
{
    uint16_t size = queue->size;
    queue->next_avail = 0;
    queue->next_used = 0;
    queue->free_head = 0;
    queue->free_count = size;
    queue->dropped = 0;
    for (uint16_t i = 0; i < size; i++) {
        queue->links[i] = (uint16_t)(i + 1);
        queue->chain_length[i] = 0;
        queue->chain_writable[i] = 0;
    }
    queue->rings->avail.flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    queue->rings->avail.idx = 0;
    queue->rings->used.flags = 0;
    queue->rings->used.idx = 0;
}

uint16_t virtqueue_size(const struct virtqueue *queue)
{
    return queue->size;
}

uint64_t virtqueue_descriptor_address(const struct virtqueue *queue)
{
    return virtio_device_address(queue->rings->descriptors);
}

uint64_t virtqueue_driver_address(const struct virtqueue *queue)
{
    return virtio_device_address(&queue->rings->avail);
}

uint64_t virtqueue_device_address(const struct virtqueue *queue)
{
    return virtio_device_address(&queue->rings->used);
}

uint16_t virtqueue_free_count(const struct virtqueue *queue)
{
    return queue->free_count;
}

uint16_t virtqueue_next_head(const struct virtqueue *queue)
{
    return queue->free_head;
}

bool virtqueue_add(struct virtqueue *queue, const struct virtqueue_buffer *buffers, uint16_t count, uint16_t *head)
{
    if (count == 0 || count > VIRTQUEUE_CHAIN_MAX || count > queue->free_count)
        return false;
    uint16_t first = queue->free_head;
    uint16_t index = first;
    uint64_t writable = 0;
    for (uint16_t i = 0; i < count; i++) {
        struct virtq_desc *descriptor = &queue->rings->descriptors[index];
        uint16_t next = queue->links[index];
        descriptor->addr = buffers[i].address;
        descriptor->len = buffers[i].len;
        descriptor->flags =
            (uint16_t)((i + 1 < count ? VIRTQ_DESC_F_NEXT : 0) | (buffers[i].device_writes ? VIRTQ_DESC_F_WRITE : 0));
        descriptor->next = i + 1 < count ? next : 0;
        if (buffers[i].device_writes)
            writable += buffers[i].len;
        if (i + 1 < count)
            index = next;
    }
    /* links[] still chains the descriptors first..index in order: that is how virtqueue_take frees them. */
    queue->free_head = queue->links[index];
    queue->free_count = (uint16_t)(queue->free_count - count);
    queue->chain_length[first] = count;
    queue->chain_writable[first] = writable;

    SHARED(queue->rings->avail.ring[queue->next_avail & (queue->size - 1)]) = first;
    /* The descriptors and the ring entry must be visible before the index that publishes them. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    queue->next_avail++;
    SHARED(queue->rings->avail.idx) = queue->next_avail;
    *head = first;
    return true;
}

bool virtqueue_needs_notification(const struct virtqueue *queue)
{
    /* The index store must reach the device before its flags are read, or a notification could be missed. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return (SHARED(queue->rings->used.flags) & VIRTQ_USED_F_NO_NOTIFY) == 0;
}

bool virtqueue_interrupts(struct virtqueue *queue, bool enable)
{
    SHARED(queue->rings->avail.flags) = enable ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT;
    if (!enable)
        return false;
    /* The flag must reach the device before the used index is read: a chain the device returns after this read
     * sees the flag clear and interrupts. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return virtqueue_has_used(queue);
}

bool virtqueue_has_used(const struct virtqueue *queue)
{
    return SHARED(queue->rings->used.idx) != queue->next_used;
}

virtqueue_take_t virtqueue_take(struct virtqueue *queue, uint16_t *head, uint32_t *len)
{
    if (SHARED(queue->rings->used.idx) == queue->next_used)
        return VIRTQUEUE_EMPTY;
    /* The entry is read only after the index that says it is there. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    const struct virtq_used_elem *element = &queue->rings->used.ring[queue->next_used & (queue->size - 1)];
    uint32_t id = SHARED(element->id);
    uint32_t written = SHARED(element->len);
    queue->next_used++;
    if (id >= queue->size || queue->chain_length[id] == 0) {
        queue->dropped++;
        return VIRTQUEUE_BAD_ID;
    }
    uint16_t first = (uint16_t)id;
    uint16_t last = first;
    for (uint16_t i = 1; i < queue->chain_length[first]; i++)
        last = queue->links[last];
    queue->links[last] = queue->free_head;
    queue->free_head = first;
    queue->free_count = (uint16_t)(queue->free_count + queue->chain_length[first]);
    queue->chain_length[first] = 0;
    *head = first;
    if (written > queue->chain_writable[first]) {
        queue->dropped++;
        return VIRTQUEUE_BAD_LENGTH;
    }
    *len = written;
    return VIRTQUEUE_TAKEN;
}

uint64_t virtqueue_dropped(const struct virtqueue *queue)
{
    return queue->dropped;
}
