/* platform.h: the platform interface: what every freestanding ABI's startup object provides.
 *
 * The base devices (console, clocks, sleep, random, netif, block) are thin layers over these calls, so all code
 * above them is the same C on every freestanding ABI. Single core, no interrupts: one cooperative event loop that
 * blocks in platform_yield(). Results are codes from the small fixed set below, never errno values.
 *
 * Every ABI gives every call the same results and edge behaviour, as documented here: device handles are kept and
 * requests checked by one device model (lib/platform/device_table.h, device_model.h), and the conformance guest
 * (tests/guests/platform_conformance.c) checks each case below on hvt, spt, virtio and virt_arm64.
 *
 * It has no version number: an ABI's startup object and lib/platform are always compiled together, from one tree.
 * What crosses a boundary between separately built programs is versioned and checked: each ABI's guest-host
 * interface (HVT_ABI_VERSION, SPT_ABI_VERSION, VIRTIO_ABI_VERSION, in the image's ABI note, which the tender or
 * runner compares with its own) and the manifest (MIRAGE_MANIFEST_VERSION, lib/platform/image_notes.h). */
#ifndef MIRAGE_PLATFORM_PLATFORM_H
#define MIRAGE_PLATFORM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    PLATFORM_OK = 0,
    PLATFORM_AGAIN = 1,       /* nothing to read now; yield and retry */
    PLATFORM_INVALID = 2,     /* a bad argument: unknown handle, wrong device type, misaligned or empty request */
    PLATFORM_UNSPECIFIED = 3, /* the host failed the request */
} platform_result_t;

/* A device handle: an index the tender assigned, valid for the unikernel's lifetime. */
typedef uint64_t platform_handle_t;

/* What the startup object hands to platform_main(). */
struct platform_boot_info {
    const char *cmdline;  /* boot arguments, NUL-terminated, separated by spaces */
    uintptr_t heap_start; /* first byte of memory the unikernel may allocate */
    size_t heap_size;
};

/* Defined by lib/platform (not by the ABI): sets up the heap and the stack canary, splits the command line, runs
 * the composition, and exits with its result. The ABI's startup object calls it once, on its boot stack. */
_Noreturn void platform_main(const struct platform_boot_info *info);

/* Write `len` bytes to the console; best effort, never fails (len 0 writes nothing). */
void platform_console_write(const char *text, size_t len);

/* Nanoseconds since an arbitrary point at boot; never goes back. */
uint64_t platform_clock_monotonic(void);

/* Nanoseconds since 1970-01-01T00:00:00Z as the host knows it. */
uint64_t platform_clock_wall(void);

/* Block until the monotonic clock reaches `deadline` or an acquired network device has data. Sets `*ready_set` to
 * the bitmask of ready handles (bit n = handle n) and returns whether any is ready; a deadline already past returns
 * at once, after one look at the devices. */
bool platform_yield(uint64_t deadline, uint64_t *ready_set);

/* End the unikernel with `status` as its exit code (its low 8 bits, as a process's). */
_Noreturn void platform_exit(int status);

/* End the unikernel because its own state is broken: the tender or runner exits PLATFORM_EXIT_ABORT (126). */
_Noreturn void platform_abort(void);

/* Fill `len` bytes with entropy from the host or the CPU: PLATFORM_OK (also for len 0), or PLATFORM_UNSPECIFIED
 * when the source failed (the buffer's contents are then unspecified). */
platform_result_t platform_entropy(void *buf, size_t len);

struct platform_net_info {
    uint8_t mac_address[6];
    size_t mtu; /* largest Ethernet payload; frames are at most mtu + 14 bytes */
};

/* Look up the network device the manifest names `name` and that the host attached: PLATFORM_INVALID for a NULL
 * name, a name the manifest lacks or a block device's name, PLATFORM_UNSPECIFIED when the host's device cannot be
 * started; acquiring again gives the same handle. Only acquired handles are valid in the calls below. */
platform_result_t platform_net_acquire(const char *name, platform_handle_t *handle, struct platform_net_info *info);

/* Send one Ethernet frame of `size` bytes: PLATFORM_INVALID for a handle that is no acquired net device or a size
 * below 14 (an Ethernet header) or above mtu + 14; PLATFORM_OK means the frame is on its way (it may be queued). */
platform_result_t platform_net_write(platform_handle_t handle, const uint8_t *buf, size_t size);

/* What platform_net_read says of a frame's TCP or UDP checksum: the values of devices/netif.h's NETIF_RX_*. */
#define PLATFORM_NET_CHECKSUM_VALID 1u   /* the host verified it */
#define PLATFORM_NET_CHECKSUM_PARTIAL 2u /* it holds the pseudo header's sum only: the host's own stack sent it */

/* Receive one frame into `buf` (of `size` bytes), with `*flags` (PLATFORM_NET_CHECKSUM_*): PLATFORM_INVALID for a
 * handle that is no acquired net device or a buffer smaller than the largest frame (mtu + 14, or what
 * platform_net_receive_offload said; no frame is consumed), PLATFORM_AGAIN when none is waiting. */
platform_result_t platform_net_read(platform_handle_t handle, uint8_t *buf, size_t size, size_t *read_size,
                                    uint32_t *flags);

/* Ask the host to deliver TCP segments it merged or never split whole (IPv4, up to 14 + 65,535 bytes a frame)
 * with checksum flags: PLATFORM_OK with `*frame_max` set to the largest frame platform_net_read may return from now
 * on, PLATFORM_INVALID for a handle that is no acquired net device, PLATFORM_UNSPECIFIED where the ABI or the host
 * cannot (frames stay at most mtu + 14). */
platform_result_t platform_net_receive_offload(platform_handle_t handle, size_t *frame_max);

/* Ask the host to take TCP segments longer than the MTU and cut them up itself (transmit segmentation offload):
 * PLATFORM_OK with `*frame_max` set to the largest frame platform_net_write_segment takes from now on,
 * PLATFORM_INVALID for a handle that is no acquired net device, PLATFORM_UNSPECIFIED where the ABI or the host
 * cannot. */
platform_result_t platform_net_transmit_offload(platform_handle_t handle, size_t *frame_max);

/* Send one Ethernet frame of `size` bytes holding one IPv4 TCP segment whose checksum field holds only the pseudo
 * header's sum: the host completes the checksum and cuts a payload longer than `segment_size` bytes into segments
 * of that many, each within the MTU. PLATFORM_INVALID for a handle that is no acquired net device, before
 * platform_net_transmit_offload said PLATFORM_OK, or for a size above its frame_max; like platform_net_write's,
 * PLATFORM_OK means the frame is on its way, and a frame the host finds malformed is dropped. */
platform_result_t platform_net_write_segment(platform_handle_t handle, const uint8_t *buf, size_t size,
                                             uint32_t segment_size);

struct platform_block_info {
    uint64_t capacity;   /* bytes */
    uint64_t block_size; /* bytes; offsets and sizes are multiples of it */
};

/* Look up the block device the manifest names `name` and that the host attached, with the same results as
 * platform_net_acquire (a net device's name is PLATFORM_INVALID). */
platform_result_t platform_block_acquire(const char *name, platform_handle_t *handle, struct platform_block_info *info);

/* Write `size` bytes at byte `offset`: PLATFORM_INVALID for a handle that is no acquired block device, a size of
 * 0, an offset or size that is not a multiple of the block size, or a range past the capacity (nothing is written);
 * PLATFORM_UNSPECIFIED when the host failed. */
platform_result_t platform_block_write(platform_handle_t handle, uint64_t offset, const uint8_t *buf, size_t size);

/* Read `size` bytes at byte `offset`, with the same checks and results as platform_block_write. */
platform_result_t platform_block_read(platform_handle_t handle, uint64_t offset, uint8_t *buf, size_t size);

#endif
