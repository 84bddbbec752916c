/* device_rules.h: the seccomp rules the hvt and spt tenders share: a guest may use its devices' host descriptors
 * only within the devices' bounds, whatever it asks. Host code (hosted C11, Linux, libseccomp). */
#ifndef MIRAGE_TARGETS_TENDER_SECCOMP_DEVICE_RULES_H
#define MIRAGE_TARGETS_TENDER_SECCOMP_DEVICE_RULES_H

#include <seccomp.h>

#include "lib/platform/boot_devices.h"

/* Add a rule allowing `syscall` when all `count` comparisons hold; stops the tender with one line naming `what`
 * if libseccomp refuses it. */
void tender_seccomp_allow(scmp_filter_ctx filter, int syscall, unsigned count, const struct scmp_arg_cmp *comparisons,
                          const char *what);

/* Allow, on each device's host_fd: for a tap, read of any size and write of one frame at most (mtu + 14 bytes, or
 * `net_offload_frame_max` if larger: a segment the host cuts up; behind `net_header_size` bytes of virtio-net
 * header where the tap was opened with one, else 0); for a disk,
 * pread64 and pwrite64 of exactly one block at an offset no greater than capacity - block size. */
void tender_seccomp_allow_devices(scmp_filter_ctx filter, const struct mirage_boot_devices *devices,
                                  uint64_t net_header_size, uint64_t net_offload_frame_max);

/* Load a filter that lets everything through but a disk's pread64/pwrite64 at an offset that is not a multiple of
 * its block size, which kills the process. It must come before a filter that forbids seccomp(2) itself. */
void tender_seccomp_load_block_alignment(const struct mirage_boot_devices *devices);

/* Load `filter`; stops the tender with one line if the kernel refuses it. */
void tender_seccomp_load(scmp_filter_ctx filter);

#endif
