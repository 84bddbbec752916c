/* platform.h: the platform interface, version 1: what every freestanding ABI's startup object provides.
 *
 * The base devices (console, clocks, sleep, random, netif, block) are thin layers over these calls, so all code
 * above them is the same C on every freestanding ABI. Single core, no interrupts: one cooperative event loop that
 * blocks in platform_yield(). Results are codes from the small fixed set below, never errno values. */
#ifndef MIRAGE_PLATFORM_PLATFORM_H
#define MIRAGE_PLATFORM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLATFORM_INTERFACE_VERSION 1

typedef enum {
    PLATFORM_OK = 0,
    PLATFORM_AGAIN = 1,       /* nothing to read now; yield and retry */
    PLATFORM_INVALID = 2,     /* a bad argument: unknown handle, misaligned offset, oversize buffer */
    PLATFORM_UNSPECIFIED = 3, /* the host failed the request */
} platform_result_t;

/* A device handle: an index the tender assigned, valid for the unikernel's lifetime. */
typedef uint64_t platform_handle_t;

/* What the startup object hands to platform_main(). */
struct platform_boot_info {
    const char *cmdline; /* boot arguments, NUL-terminated, separated by spaces */
    uintptr_t heap_start; /* first byte of memory the unikernel may allocate */
    size_t heap_size;
};

/* Defined by lib/platform (not by the ABI): sets up the heap and the stack canary, splits the command line, runs
 * the composition, and exits with its result. The ABI's startup object calls it once, on its boot stack. */
_Noreturn void platform_main(const struct platform_boot_info *info);

/* Write `len` bytes to the console; best effort, never fails. */
void platform_console_write(const char *text, size_t len);

/* Nanoseconds since an arbitrary point at boot; never goes back. */
uint64_t platform_clock_monotonic(void);

/* Nanoseconds since 1970-01-01T00:00:00Z as the host knows it. */
uint64_t platform_clock_wall(void);

/* Block until the monotonic clock reaches `deadline` or a network device has data. Sets `*ready_set` to the
 * bitmask of ready handles (bit n = handle n) and returns whether any is ready. */
bool platform_yield(uint64_t deadline, uint64_t *ready_set);

/* End the unikernel with `status` as its exit code. */
_Noreturn void platform_exit(int status);

/* End the unikernel because its own state is broken; the host reports an abnormal end. */
_Noreturn void platform_abort(void);

/* Fill `len` bytes with entropy from the host or the CPU. */
platform_result_t platform_entropy(void *buf, size_t len);

struct platform_net_info {
    uint8_t mac_address[6];
    size_t mtu; /* largest Ethernet payload; frames are at most mtu + 14 bytes */
};

/* Look up the network device the manifest names `name` and that the host attached. */
platform_result_t platform_net_acquire(const char *name, platform_handle_t *handle, struct platform_net_info *info);

/* Send one Ethernet frame of `size` bytes. */
platform_result_t platform_net_write(platform_handle_t handle, const uint8_t *buf, size_t size);

/* Receive one frame into `buf` (of `size` bytes); PLATFORM_AGAIN when none is waiting. */
platform_result_t platform_net_read(platform_handle_t handle, uint8_t *buf, size_t size, size_t *read_size);

struct platform_block_info {
    uint64_t capacity;   /* bytes */
    uint64_t block_size; /* bytes; offsets and sizes are multiples of it */
};

/* Look up the block device the manifest names `name` and that the host attached. */
platform_result_t platform_block_acquire(const char *name, platform_handle_t *handle,
                                         struct platform_block_info *info);

/* Write `size` bytes at byte `offset` (both multiples of the block size). */
platform_result_t platform_block_write(platform_handle_t handle, uint64_t offset, const uint8_t *buf, size_t size);

/* Read `size` bytes at byte `offset` (both multiples of the block size). */
platform_result_t platform_block_read(platform_handle_t handle, uint64_t offset, uint8_t *buf, size_t size);

#endif
