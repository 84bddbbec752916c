/* stack_guard_aarch64.c: on aarch64, glibc-built code reads the global __stack_chk_guard too (GCC's default guard
 * there is the global, not the thread pointer), so the one canary stack_protector.c seeds serves both. */
#include <stdint.h>

#include "lib/libc/stack_guard.h"

__attribute__((no_stack_protector)) void libc_stack_guard_set_arch(uintptr_t guard)
{
    /* Nothing beside the global to keep in step: TPIDR_EL0 holds no canary on aarch64 Linux. */
    (void)guard;
}
