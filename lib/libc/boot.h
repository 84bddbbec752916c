/* boot.h: the two calls lib/platform makes into the libc at boot, before any other libc call. */
#ifndef MIRAGE_LIBC_BOOT_H
#define MIRAGE_LIBC_BOOT_H

#include <stddef.h>
#include <stdint.h>

/* Hand the allocator its one heap region, [start, start + size). Called once; until then malloc returns NULL.
 * The region is trimmed to 16-byte alignment; a region too small to hold one block leaves the heap empty. */
void libc_heap_init(void *start, size_t size);

/* Set the stack-protector canary from `seed` (entropy): the global one our code checks, and wherever the
 * architecture's code built for a hosted Linux reads it (stack_guard_<architecture>.c). Call it from a frame that
 * never returns (platform_main), because every protected frame already live would fail its check against the new
 * value. */
void libc_stack_guard_init(uint64_t seed);

#endif
