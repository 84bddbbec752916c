/* thread_block_x86_64.h: the thread block each x86_64 freestanding ABI's startup points %fs at. */
#ifndef MIRAGE_LIBC_THREAD_BLOCK_X86_64_H
#define MIRAGE_LIBC_THREAD_BLOCK_X86_64_H

#include <stdint.h>

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
