/* spt_abi.h: the interface between an spt guest and the spt tender (targets/spt/tender), version 3 (version 2 with
 * arch_prctl(ARCH_SET_FS), which a guest needs to point %fs at its thread block; version 2 was version 1 with
 * block I/O of one block per call and tap writes of one frame at most, enforced by the filter).
 *
 * The guest runs inside the tender's Linux process. The tender maps guest memory [SPT_GUEST_LOAD_ADDRESS,
 * mem_size) at the same host addresses (guest address == host address), loads the image's segments there with
 * their own protections (W^X), and lays out the rest of guest memory, from low to high:
 *
 *   image | boot info + command line (read-only) | heap | guard page (no access) | stack (SPT_STACK_SIZE)
 *
 * It then installs a seccomp filter, zeroes its own arguments and environment (the strings and the pointers to
 * them: the guest shares the process) and jumps to the ELF entry with %rdi = the address of a struct
 * spt_boot_info, %rsp = mem_size (16-byte aligned) and the other general-purpose and SSE registers zero, but for
 * %rcx (the entry). From then on the guest may only make these system calls,
 * anything else kills the process with SIGSYS:
 *   write(1, ...)                    the console
 *   read(fd, ...)                    fd = a net device's host_fd (a tap, non-blocking)
 *   write(fd, buf, len)              the same fd, len <= mtu + 14 (one Ethernet frame)
 *   pread64/pwrite64(fd, buf, len, offset)
 *                                    fd = a block device's host_fd, len == block_size, offset a multiple of
 *                                    block_size and offset + len <= capacity: one whole block of the disk
 *   ppoll(...)                       waiting for the net devices or a timeout
 *   clock_gettime(CLOCK_MONOTONIC or CLOCK_REALTIME, ...)
 *   getrandom(..., ..., 0)
 *   arch_prctl(ARCH_SET_FS, base)    the guest's thread pointer (lib/libc/boot.h's thread block); %fs is the
 *                                    guest's own, since the tender's code never runs again after the jump
 *   exit_group(status)               status is the tender's exit code; PLATFORM_EXIT_ABORT for platform_abort() */
#ifndef MIRAGE_TARGETS_SPT_ABI_H
#define MIRAGE_TARGETS_SPT_ABI_H

#include <stdint.h>

#include "lib/platform/boot_devices.h"

#define SPT_ABI_VERSION 3
#define SPT_GUEST_LOAD_ADDRESS 0x100000u
#define SPT_PAGE_SIZE 0x1000u
#define SPT_STACK_SIZE 0x80000u /* 512 KiB, below which a guard page stops an overflow */

/* Written by the tender just after the image; read-only for the guest. Addresses are guest (= host) addresses. */
struct spt_boot_info {
    uint64_t mem_size;   /* guest memory ends here (exclusive) */
    uint64_t heap_start; /* first byte of the heap, page aligned */
    uint64_t heap_size;  /* bytes, up to the guard page below the stack */
    uint64_t cmdline;    /* address of the NUL-terminated boot arguments, at most PLATFORM_CMDLINE_SIZE bytes */
    struct mirage_boot_devices devices; /* handles are indexes in this table */
};

#endif
