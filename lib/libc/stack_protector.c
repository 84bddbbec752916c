/* stack_protector.c: the canary that -fstack-protector code checks (a global, with
 * -mstack-protector-guard=global), and what a failed check does. */
#include <stddef.h>
#include <stdint.h>

#include "lib/libc/boot.h"
#include "lib/libc/stack_guard.h"
#include "lib/platform/platform.h"

uintptr_t __stack_chk_guard = LIBC_STACK_GUARD_UNSEEDED;

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
        libc_stack_guard_set_arch(guard);
    }
}
