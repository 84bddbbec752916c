/* virtio.h: the virtio device drivers, shared by every ABI on virtio-mmio (virtio on x86_64, virt_arm64 on
 * aarch64): the virtio-mmio transport, split virtqueues, virtio-net and virtio-blk, the calls platform_yield
 * (yield.c) makes into the net driver, and what they need from the board (where a transport is, how its interrupt
 * is routed and acknowledged, how to sleep).
 *
 * Everything follows the OASIS virtio 1.1 specification, modern devices only (virtio-mmio version 2). The boot
 * code identity-maps memory, so a guest virtual address is the address the device uses; the drivers poll, and ask
 * a net device to interrupt only while the unikernel sleeps (the board routes its line). Architecture-neutral C:
 * the ring's ordering uses C11 fences, which the compiler turns into each CPU's barriers. */
#ifndef MIRAGE_TARGETS_VIRTIO_VIRTIO_H
#define MIRAGE_TARGETS_VIRTIO_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/boot_devices.h"
#include "lib/platform/platform.h"

/* ---- Results inside the drivers: one code per step that can fail ---- */

typedef enum {
    VIRTIO_OK = 0,
    VIRTIO_ERROR_NOT_FOUND,        /* no attached device of that type for the manifest entry */
    VIRTIO_ERROR_LEGACY,           /* the transport is virtio-mmio version 1 (QEMU: force-legacy=false) */
    VIRTIO_ERROR_RESET,            /* the device did not come back from reset */
    VIRTIO_ERROR_FEATURES_MISSING, /* the device lacks a feature the driver requires (VIRTIO_F_VERSION_1) */
    VIRTIO_ERROR_FEATURES_REFUSED, /* the device cleared FEATURES_OK: it refused the driver's subset */
    VIRTIO_ERROR_QUEUE_MISSING,    /* QueueNumMax is 0: the device has no such queue */
    VIRTIO_ERROR_QUEUE_IN_USE,     /* QueueReady was already set after reset */
    VIRTIO_ERROR_QUEUE_MEMORY,     /* the static pool of virtqueues is used up */
    VIRTIO_ERROR_DEVICE_FAILED,    /* the device set DEVICE_NEEDS_RESET, or stopped answering */
    VIRTIO_ERROR_TOO_MANY,         /* more devices of a kind than the drivers have static memory for */
} virtio_result_t;

/* The address a device uses for the guest memory at `pointer` (identity-mapped). */
static inline uint64_t virtio_device_address(const void *pointer)
{
    return (uint64_t)(uintptr_t)pointer;
}

/* ---- Feature bits (virtio 1.1, 6 and 5.x.3) ---- */

#define VIRTIO_F_VERSION_1 (UINT64_C(1) << 32)
#define VIRTIO_NET_F_CSUM (UINT64_C(1) << 0)       /* the device finishes partial checksums the driver sends */
#define VIRTIO_NET_F_GUEST_CSUM (UINT64_C(1) << 1) /* the driver takes partial checksums, and DATA_VALID */
#define VIRTIO_NET_F_MAC (UINT64_C(1) << 5)
#define VIRTIO_NET_F_GUEST_TSO4 (UINT64_C(1) << 7) /* the driver takes TCP segments over IPv4 longer than the MTU */
#define VIRTIO_NET_F_HOST_TSO4 (UINT64_C(1) << 11) /* the device cuts TCP segments over IPv4 the driver sends */
#define VIRTIO_NET_F_MRG_RXBUF (UINT64_C(1) << 15) /* a frame may span several receive buffers */
#define VIRTIO_BLK_F_SIZE_MAX (UINT64_C(1) << 1)

enum virtio_device_id {
    VIRTIO_DEVICE_ID_NET = 1,
    VIRTIO_DEVICE_ID_BLOCK = 2,
    VIRTIO_DEVICE_ID_ENTROPY = 4,
};

/* ---- Split virtqueues (virtqueue.c; virtio 1.1, 2.6) ---- */

enum {
    VIRTIO_NET_DEVICES_MAX = 4, /* net devices the drivers have static memory for */
    VIRTIO_BLK_DEVICES_MAX = 4, /* block devices likewise */
    VIRTQUEUE_POOL_SIZE = 2 * VIRTIO_NET_DEVICES_MAX + VIRTIO_BLK_DEVICES_MAX, /* receive + transmit, request */
    VIRTQUEUE_SIZE_MAX = 256, /* descriptors per queue at most; the device's QueueNumMax may be smaller */
    VIRTQUEUE_CHAIN_MAX = 4,  /* descriptors in one chain at most */
};

struct virtqueue;

/* One buffer of a chain: `device_writes` for buffers the device fills, else the device only reads it. */
struct virtqueue_buffer {
    uint64_t address;
    uint32_t len;
    bool device_writes;
};

typedef enum {
    VIRTQUEUE_TAKEN = 0,  /* a used chain: its head and the length the device wrote */
    VIRTQUEUE_EMPTY,      /* the device has returned nothing new */
    VIRTQUEUE_BAD_LENGTH, /* a used chain whose length exceeds its writable buffers: its head is given back, its
                           * contents must be dropped */
    VIRTQUEUE_BAD_ID,     /* a used entry naming no chain the device holds: skipped */
} virtqueue_take_t;

/* A queue of `size` descriptors (a power of two, at most VIRTQUEUE_SIZE_MAX) from the static pool, or NULL. */
struct virtqueue *virtqueue_claim(uint16_t size);

/* Forget every chain and start empty, as claimed: for a device that was reset, which let go of them all. */
void virtqueue_reset(struct virtqueue *queue);

/* Its size, and the addresses of its descriptor table, driver (available) ring and device (used) ring. */
uint16_t virtqueue_size(const struct virtqueue *queue);
uint64_t virtqueue_descriptor_address(const struct virtqueue *queue);
uint64_t virtqueue_driver_address(const struct virtqueue *queue);
uint64_t virtqueue_device_address(const struct virtqueue *queue);

/* Free descriptors, and the one the next chain will start with (valid when any is free): a driver that ties a
 * buffer to each descriptor fills that buffer before adding it. */
uint16_t virtqueue_free_count(const struct virtqueue *queue);
uint16_t virtqueue_next_head(const struct virtqueue *queue);

/* Make `count` buffers one chain and make it available to the device; false (nothing changed) when `count` is 0
 * or above VIRTQUEUE_CHAIN_MAX or the queue has too few free descriptors. Sets `*head` to the chain's id. */
bool virtqueue_add(struct virtqueue *queue, const struct virtqueue_buffer *buffers, uint16_t count, uint16_t *head);

/* Whether the device asks to be notified of new buffers (it may process them without, if it says so). */
bool virtqueue_needs_notification(const struct virtqueue *queue);

/* Ask the device to interrupt when it returns a chain (`enable`), or not to (the default); when enabling, whether a
 * chain is already waiting, which then raises no interrupt. */
bool virtqueue_interrupts(struct virtqueue *queue, bool enable);

/* Whether the device has returned a chain not yet taken. */
bool virtqueue_has_used(const struct virtqueue *queue);

/* Take the next chain the device returned and free its descriptors; the length is checked against the chain's
 * writable buffers, and bad entries are counted. */
virtqueue_take_t virtqueue_take(struct virtqueue *queue, uint16_t *head, uint32_t *len);

/* Used entries dropped so far because their id or length was wrong. */
uint64_t virtqueue_dropped(const struct virtqueue *queue);

/* ---- The virtio-mmio transport (virtio_mmio.c; virtio 1.1, 4.2) ---- */

struct virtio_mmio {
    uintptr_t base;     /* the transport's registers */
    uint32_t device_id; /* enum virtio_device_id, or another type this ABI does not drive */
    uint32_t version;   /* 2 for modern devices */
    uint64_t features;  /* the features negotiated */
};

/* Whether a virtio-mmio transport with a device behind it is at `base`; fills `*transport`. */
bool virtio_mmio_probe(uintptr_t base, struct virtio_mmio *transport);

/* Reset the device, acknowledge it, and negotiate: every `required` feature, and those of `wanted` it offers. */
virtio_result_t virtio_mmio_negotiate(struct virtio_mmio *transport, uint64_t required, uint64_t wanted);

/* Set up queue `index` with as many descriptors as the device allows, up to VIRTQUEUE_SIZE_MAX. A `*queue` not NULL
 * is this queue from before the device was reset (negotiated again): it is emptied and reused, not claimed anew. */
virtio_result_t virtio_mmio_queue_setup(struct virtio_mmio *transport, uint16_t index, struct virtqueue **queue);

/* Tell the device the driver is ready (DRIVER_OK); it fails if the device wants a reset. */
virtio_result_t virtio_mmio_driver_ok(struct virtio_mmio *transport);

/* Give up on the device: reset it, so it touches no more driver memory, then mark it FAILED. */
void virtio_mmio_fail(struct virtio_mmio *transport);

/* Notify the device of new buffers in queue `index` if it asks for it. */
void virtio_mmio_notify(struct virtio_mmio *transport, uint16_t index, const struct virtqueue *queue);

/* The device-specific configuration space: fields of 8, 32 and 64 bits at `offset`. */
uint8_t virtio_mmio_config8(const struct virtio_mmio *transport, uint32_t offset);
uint32_t virtio_mmio_config32(const struct virtio_mmio *transport, uint32_t offset);
uint64_t virtio_mmio_config64(const struct virtio_mmio *transport, uint32_t offset);

/* ---- Discovery (virtio_devices.c) ---- */

/* Hand the image's manifest to the platform's device table (lib/platform/device_table.h). Called once at boot. */
void virtio_devices_init(void);

/* The transport of manifest entry `index` (`device`, from the device table), or NULL, reported on the console,
 * when no device of its type is attached there. Entry i is on transport i (pvh_abi.h). */
struct virtio_mmio *virtio_devices_transport(platform_handle_t index, const struct mirage_boot_device *device);

/* Print one line on the console saying why `device` could not be used. */
void virtio_devices_report(const struct mirage_boot_device *device, virtio_result_t result);

/* ---- virtio-net (virtio_net.c) ---- */

struct virtio_net;

/* Drive the net device behind `transport`: negotiate, fill the receive queue; from a static pool. */
virtio_result_t virtio_net_start(struct virtio_mmio *transport, struct virtio_net **net);
void virtio_net_info(const struct virtio_net *net, struct platform_net_info *info);
platform_result_t virtio_net_send(struct virtio_net *net, const uint8_t *frame, size_t size);
/* Tell the device about the frames virtio_net_send queued without telling it (it does so once per batch). */
void virtio_net_flush(struct virtio_net *net);
/* One frame into `buf`, with its PLATFORM_NET_CHECKSUM_* flags. */
platform_result_t virtio_net_receive(struct virtio_net *net, uint8_t *buf, size_t size, size_t *read_size,
                                     uint32_t *flags);
/* Start the device again with receive offload (platform_net_receive_offload): PLATFORM_OK with `*frame_max`, or
 * PLATFORM_UNSPECIFIED where the device lacks the features (it is then started again as it was). */
platform_result_t virtio_net_receive_offload(struct virtio_net *net, size_t *frame_max);
/* Transmit offload (platform_net_transmit_offload): PLATFORM_OK with `*frame_max` where the device took CSUM and
 * HOST_TSO4 (negotiated at start: they change nothing until a segment is sent) and memory for the segments was
 * found, else PLATFORM_UNSPECIFIED. */
platform_result_t virtio_net_transmit_offload(struct virtio_net *net, size_t *frame_max);
/* Send one IPv4 TCP segment of up to the offload's frame_max for the device to finish and cut at `segment_size`
 * (platform_net_write_segment); PLATFORM_INVALID before transmit offload or for a frame that is no such segment. */
platform_result_t virtio_net_send_segment(struct virtio_net *net, const uint8_t *frame, size_t size,
                                          uint32_t segment_size);
bool virtio_net_has_frame(const struct virtio_net *net);
/* Whether the device's interrupt is routed; then ask it to interrupt on a frame or not, as virtqueue_interrupts. */
bool virtio_net_can_interrupt(const struct virtio_net *net);
bool virtio_net_interrupts(struct virtio_net *net, bool enable);

/* ---- Calls for platform_yield, yield.c (net.c) ---- */

/* The acquired net handles with a received frame waiting (bit n = handle n), without blocking. */
uint64_t virtio_net_ready_set(void);
/* Before sleeping: flush every acquired net device's queued frames, then ask each to interrupt on its next frame.
 * False when one cannot (its line is not routed) or a frame is already waiting; then platform_yield polls instead.
 * After sleeping, they stop. */
bool virtio_net_interrupts_on(void);
/* Tell every acquired net device about the frames queued for it (virtio_net_send queues them silently). */
void virtio_net_flush_all(void);
void virtio_net_interrupts_off(void);

/* ---- What the board provides (x86_64 virtio: interrupts.c, transports.c; virt_arm64: its own files) ---- */

/* Route the interrupt line of the virtio-mmio transport at `transport->base` so that it wakes the sleeping CPU and
 * is acknowledged at the device; false where it cannot, and the driver keeps polling. */
bool virtio_interrupt_route(const struct virtio_mmio *transport);

/* Where virtio-mmio transport `index` (manifest entry `index`'s) has its registers, or 0 past the last one. */
uintptr_t virtio_board_transport_base(uint32_t index);

/* Before net devices are asked to interrupt: acknowledge, at each routed transport, the interrupt raised since the
 * last sleep, where no handler has done so, so its line drops and the next frame raises it again. */
void virtio_board_interrupts_acknowledge(void);

/* Sleep until the monotonic clock reaches `deadline` or a routed line wakes the CPU; it may return earlier. */
void virtio_board_sleep_until(uint64_t deadline);

/* ---- virtio-blk (virtio_blk.c) ---- */

enum {
    VIRTIO_BLK_SECTOR_SIZE = 512, /* the unit of capacity and request offsets, whatever the device's block size */
};

struct virtio_blk;

/* Drive the block device behind `transport`; from a static pool. */
virtio_result_t virtio_blk_start(struct virtio_mmio *transport, struct virtio_blk **blk);

/* Capacity in bytes. */
uint64_t virtio_blk_capacity(const struct virtio_blk *blk);

/* Read or write `size` bytes at byte `offset` (both multiples of VIRTIO_BLK_SECTOR_SIZE, inside the capacity),
 * waiting for the device. */
platform_result_t virtio_blk_transfer(struct virtio_blk *blk, bool write, uint64_t offset, uint8_t *buf, size_t size);

#endif
