/* hypercall.h: the guest side of a hypercall: the argument struct's address, `outl` to the call's port. */
#ifndef MIRAGE_TARGETS_HVT_HYPERCALL_H
#define MIRAGE_TARGETS_HVT_HYPERCALL_H

#include <stdint.h>

#include "targets/hvt/hvt_abi.h"

/* Guest memory is identity mapped and at most 4 GiB, so the struct's virtual address is its 32-bit physical one.
 * The unikernel runs at CPL 3, so `int3` enters start.S's gate, which does the outl at CPL 0 (see start.S).
 * The "memory" clobber makes the compiler store the struct before the exit and reload it after. */
static inline void hvt_hypercall(enum hvt_hypercall number, volatile void *argument)
{
    __asm__ __volatile__("int3"
                         :
                         : "a"((uint32_t)(uintptr_t)argument), "d"((uint16_t)(HVT_HYPERCALL_PIO_BASE + number))
                         : "memory");
}

#endif
