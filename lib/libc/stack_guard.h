/* stack_guard.h: the libc's per-architecture half of the stack protector (stack_guard_<architecture>.c). */
#ifndef MIRAGE_LIBC_STACK_GUARD_H
#define MIRAGE_LIBC_STACK_GUARD_H

#include <stdint.h>

/* A fixed value until boot seeds it; the low byte is zero so a string overrun cannot reproduce the canary. */
#define LIBC_STACK_GUARD_UNSEEDED UINT64_C(0x5f3759df0badc000)

/* Store the seeded canary `guard` where this architecture's hosted-Linux code (Debian's archives) reads it, beside
 * the global __stack_chk_guard that our own code reads. */
void libc_stack_guard_set_arch(uintptr_t guard);

#endif
