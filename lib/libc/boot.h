/* boot.h: the two calls lib/platform makes into the libc at boot, before any other libc call, and the thread block
 * each x86_64 ABI's startup points %fs at. */
#ifndef MIRAGE_LIBC_BOOT_H
#define MIRAGE_LIBC_BOOT_H

#include <stddef.h>
#include <stdint.h>

/* Hand the allocator its one heap region, [start, start + size). Called once; until then malloc returns NULL.
 * The region is trimmed to 16-byte alignment; a region too small to hold one block leaves the heap empty. */
void libc_heap_init(void *start, size_t size);

/* Set the stack-protector canary from `seed` (entropy), both the global one our code checks and the one in the
 * thread block. Call it from a frame that never returns (platform_main), because every protected frame already
 * live would fail its check against the new value. */
void libc_stack_guard_init(uint64_t seed);

/* The thread block that x86_64 code built for a hosted Linux (Debian's static archives, compiled with
 * -fstack-protector-strong) expects at %fs:0: it reads its stack canary at %fs:0x28, where glibc keeps it. Every
 * x86_64 freestanding ABI sets the FS base to this block before platform_main() (hvt and virtio with wrmsr at
 * CPL 0, spt with arch_prctl). Single core, no threads: one block. A global symbol because startup code in
 * assembly takes its address; only libc_stack_guard_init() writes it. */
struct libc_thread_block {
    struct libc_thread_block *self; /* %fs:0, as in glibc's thread control block */
    uint64_t reserved[4];
    uintptr_t stack_guard; /* %fs:0x28 */
};

extern struct libc_thread_block libc_thread_block;

#endif
