/* stack_guard_x86_64.c: the x86_64 thread block, whose canary at %fs:0x28 glibc-built code reads. */
#include <stddef.h>
#include <stdint.h>

#include "lib/libc/stack_guard.h"
#include "lib/libc/thread_block_x86_64.h"

_Static_assert(offsetof(struct libc_thread_block, stack_guard) == 0x28, "glibc's x86_64 canary is at %fs:0x28");

struct libc_thread_block libc_thread_block = {
    .self = &libc_thread_block,
    .stack_guard = LIBC_STACK_GUARD_UNSEEDED,
};

__attribute__((no_stack_protector)) void libc_stack_guard_set_arch(uintptr_t guard)
{
    libc_thread_block.stack_guard = guard;
}
