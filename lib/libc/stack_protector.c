/* stack_protector.c: the canaries that -fstack-protector code checks (ours in a global, Debian's archives' at
 * %fs:0x28 in the thread block), and what a failed check does. */
#include <stddef.h>
#include <stdint.h>

#include "lib/libc/boot.h"
#include "lib/platform/platform.h"

/* A fixed value until boot seeds it; the low byte is zero so a string overrun cannot reproduce the canary. */
#define STACK_GUARD_UNSEEDED UINT64_C(0x5f3759df0badc000)

uintptr_t __stack_chk_guard = STACK_GUARD_UNSEEDED;

_Static_assert(offsetof(struct libc_thread_block, stack_guard) == 0x28, "glibc's x86_64 canary is at %fs:0x28");

struct libc_thread_block libc_thread_block = {
    .self = &libc_thread_block,
    .stack_guard = STACK_GUARD_UNSEEDED,
};

_Noreturn void __stack_chk_fail(void);

/* Not protected itself: its caller's frame is already known to be broken. */
__attribute__((no_stack_protector)) _Noreturn void __stack_chk_fail(void)
{
    static const char message[] = "stack smashing detected\n";

    platform_console_write(message, sizeof(message) - 1);
    platform_abort();
}

/* Not protected itself: it changes the value its own frame would be checked against. */
__attribute__((no_stack_protector)) void libc_stack_guard_init(uint64_t seed)
{
    uintptr_t guard = (uintptr_t)seed & ~(uintptr_t)0xff;

    /* A seed with no bits above the low byte would leave no canary at all; keep the fixed one then. */
    if (guard != 0) {
        __stack_chk_guard = guard;
        libc_thread_block.stack_guard = guard;
    }
}
