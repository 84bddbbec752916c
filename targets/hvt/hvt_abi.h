/* hvt_abi.h: the interface between an hvt guest and the hvt tender, version 4 (version 3 with receive offload:
 * NET_RECEIVE_OFFLOAD, and checksum flags on received frames; version 3 was version 2 without the single-frame
 * NET_WRITE and NET_READ, which NET_EXCHANGE replaced; the tender refuses older images).
 *
 * The tender loads the image's PT_LOAD segments at their physical addresses (images are linked at 1 MiB), builds
 * identity-mapped page tables for all guest memory, and enters the guest in 64-bit long mode at CPL 0 at the ELF
 * entry with %rdi = the guest-physical address of a struct hvt_boot_info and %rsp = the top of guest memory.
 * Every mapping is user-accessible, so the guest may run at CPL 3 (targets/hvt/start.S does); the image's pages
 * keep their segment's permissions (text R+X, rodata R, data R+W), heap and stack are R+W, page 0 is unmapped.
 *
 * A hypercall is `outl %eax, $(HVT_HYPERCALL_PIO_BASE + number)` where %eax holds the guest-physical address of
 * the call's argument struct (below 4 GiB). Every address and length inside it is checked by the tender against
 * guest memory before use; a bad one stops the guest, and so does an argument struct or buffer the tender is to
 * write into that lies in the image's text or read-only data (the tender maps those pages read-only).
 *
 * A hypercall is a VM exit, the dominant cost of a frame on nested KVM (tens of microseconds), so the network moves
 * frames in batches: NET_EXCHANGE sends and receives many frames in one exit, and can wait like POLL. */
#ifndef MIRAGE_TARGETS_HVT_ABI_H
#define MIRAGE_TARGETS_HVT_ABI_H

#include <stdint.h>

#include "lib/platform/boot_devices.h"

#define HVT_ABI_VERSION 5
#define HVT_GUEST_LOAD_ADDRESS 0x100000u
#define HVT_HYPERCALL_PIO_BASE 0x500u

enum hvt_hypercall {
    HVT_HYPERCALL_WALLTIME = 1,
    HVT_HYPERCALL_PUTS = 2,
    HVT_HYPERCALL_POLL = 3,
    HVT_HYPERCALL_BLOCK_WRITE = 4,
    HVT_HYPERCALL_BLOCK_READ = 5,
    /* 6 and 7 were NET_WRITE and NET_READ (version 2): unknown hypercalls now. */
    HVT_HYPERCALL_HALT = 8,
    HVT_HYPERCALL_NET_EXCHANGE = 9,
    HVT_HYPERCALL_NET_RECEIVE_OFFLOAD = 10,
    HVT_HYPERCALL_MAX = 11,
};

/* Filled by the tender at the address it passes in %rdi. */
struct hvt_boot_info {
    uint64_t mem_size;   /* bytes of guest memory, from guest-physical 0 */
    uint64_t kernel_end; /* first byte after the loaded image, page aligned */
    uint64_t cmdline;    /* guest-physical address of the NUL-terminated boot arguments */
    uint64_t tsc_freq;   /* TSC ticks per second */
    struct mirage_boot_devices devices;
};

/* Results in `ret` fields use the platform interface's codes (PLATFORM_OK, PLATFORM_AGAIN, ...). */

struct hvt_hc_walltime {
    uint64_t nsecs; /* out: ns since the epoch */
};

struct hvt_hc_puts {
    uint64_t data; /* in: guest-physical address */
    uint64_t len;  /* in */
};

struct hvt_hc_poll {
    uint64_t timeout_nsecs; /* in: how long to block at most */
    uint64_t ready_set;     /* out: bit n = net handle n has data */
    int32_t ret;            /* out: 1 if any is ready, else 0 */
    uint32_t reserved;
};

struct hvt_hc_block {
    uint64_t handle; /* in */
    uint64_t offset; /* in: bytes, a multiple of the block size */
    uint64_t data;   /* in: guest-physical address */
    uint64_t len;    /* in: bytes, a multiple of the block size */
    int32_t ret;     /* out */
    uint32_t reserved;
};

/* Frames per direction in one NET_EXCHANGE at most. */
#define HVT_NET_EXCHANGE_MAX_FRAMES 64u

/* A received frame's checksum flags (lib/platform/platform.h's PLATFORM_NET_CHECKSUM_*), from the tap's
 * virtio-net header: the host verified its TCP or UDP checksum, or its own stack sent it with only the pseudo
 * header's sum in place. */
#define HVT_NET_CHECKSUM_VALID 1u
#define HVT_NET_CHECKSUM_PARTIAL 2u

/* The largest frame after NET_RECEIVE_OFFLOAD: an Ethernet header and the longest IPv4 datagram. */
#define HVT_NET_OFFLOAD_FRAME_MAX (14u + 65535u)

/* A transmitted frame's flag: the frame is one Ethernet, IPv4 and TCP segment of up to HVT_NET_OFFLOAD_FRAME_MAX
 * bytes whose TCP checksum field holds only the pseudo header's sum. The host completes the checksum and cuts a
 * payload longer than `segment_size` into segments of `segment_size` bytes, copying the headers (TCP segmentation
 * offload). The tender reads the headers' sizes from the frame itself: a frame that is no such segment, a segment
 * size below HVT_NET_SEGMENT_SIZE_MIN (a 64 KiB frame is at most 123 segments) or one whose segments would exceed
 * the MTU is refused (PLATFORM_INVALID) like an overlong frame. */
#define HVT_NET_TRANSMIT_SEGMENT 1u
#define HVT_NET_SEGMENT_SIZE_MIN 536u /* RFC 9293 3.7.1's default MSS */

/* One frame or receive buffer of a NET_EXCHANGE. */
struct hvt_net_frame {
    uint64_t data;         /* in: guest-physical address */
    uint64_t len;          /* transmit: in: the frame's size; receive: in: the buffer's size, out: the frame's size */
    uint32_t flags;        /* transmit: in: 0 or HVT_NET_TRANSMIT_SEGMENT; receive: out: HVT_NET_CHECKSUM_* */
    uint32_t segment_size; /* transmit with HVT_NET_TRANSMIT_SEGMENT: in: TCP payload bytes a segment (the MSS);
                              receive: out: 0 */
};

/* Send `transmit_count` frames in order, then receive up to `receive_count` waiting frames without blocking. If
 * none was received (or none was asked for) and `timeout_nsecs` is nonzero, wait like POLL for any net device, then
 * receive from this one if it became ready. A frame the host refuses is dropped and counted; a waiting frame
 * longer than its buffer is dropped. */
struct hvt_hc_net_exchange {
    uint64_t handle;          /* in */
    uint64_t transmit;        /* in: guest-physical address of transmit_count struct hvt_net_frame */
    uint64_t receive;         /* in: guest-physical address of receive_count struct hvt_net_frame */
    uint64_t timeout_nsecs;   /* in: how long to block at most when nothing was received; 0: never block */
    uint32_t transmit_count;  /* in: at most HVT_NET_EXCHANGE_MAX_FRAMES */
    uint32_t receive_count;   /* in: buffers, at most HVT_NET_EXCHANGE_MAX_FRAMES; out: frames received */
    uint32_t transmit_failed; /* out: frames the host refused */
    int32_t ret;              /* out: PLATFORM_INVALID (bad handle, count or frame size: nothing was done) or
                                 PLATFORM_UNSPECIFIED (receiving failed before any frame) */
    uint64_t ready_set;       /* out: bit n = net handle n may have frames waiting beyond those received */
};

/* From now on the tap of net device `handle` delivers IPv4 TCP segments the host merged or never split whole, up to
 * `frame_max` bytes a frame, with their checksums flagged rather than computed (the tender enables the tap's
 * checksum and TSO4 offloads). The guest's receive buffers must hold frame_max bytes from then on: a longer frame
 * is dropped. `ret`: PLATFORM_OK, PLATFORM_INVALID (no such net device), PLATFORM_UNSPECIFIED (the host refused). */
struct hvt_hc_net_receive_offload {
    uint64_t handle;    /* in */
    uint64_t frame_max; /* out */
    int32_t ret;        /* out */
    uint32_t reserved;
};

struct hvt_hc_halt {
    int32_t exit_status; /* in: the unikernel's exit code; 255 + abort flag below means abort */
    uint32_t aborted;    /* in: 1 when platform_abort() was called */
};

#endif
