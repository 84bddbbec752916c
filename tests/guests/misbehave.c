/* misbehave.c: exit with a chosen code, abort, fault on an unmapped address, write into its own code (which W^X
 * mappings refuse), recurse until the stack runs out, or overflow a buffer through a _FORTIFY_SOURCE check, as the
 * `action` key says. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console.h"
#include "lib/runtime/mirage.h"

/* Far above what any of our ABIs map: the page-table walk (or the host, on spt) finds nothing there. */
#define UNMAPPED_ADDRESS UINT64_C(0x7fff00000000)

/* What code built with _FORTIFY_SOURCE (Debian's archives) calls for a copy into an object of known size. */
void *__memcpy_chk(void *dest, const void *src, size_t n, size_t dest_size);

/* No stack is this deep: a bound the compiler cannot see through, so it accepts the recursion as finite. */
static volatile uint64_t recursion_limit = UINT64_MAX;

/* Half a KiB of stack a call, used after the call returns, so the compiler can turn none of it into a loop. */
static int recurse(volatile const char *caller, uint64_t depth)
{
    volatile char frame[512];
    if (depth >= recursion_limit)
        return 0;
    frame[0] = (char)depth;
    frame[1] = caller != NULL ? caller[0] : 0;
    return recurse(frame, depth + 1) + frame[1];
}

int misbehave_start(struct console *console)
{
    const char *action = mirage_key_string("action");
    static const char before[] = "misbehave: about to ";

    console_write(console, before, sizeof(before) - 1);
    console_write(console, action, strlen(action));
    console_write(console, "\n", 1);
    if (strcmp(action, "abort") == 0)
        abort();
    if (strcmp(action, "fault") == 0)
        return (int)*(volatile uint64_t *)(uintptr_t)UNMAPPED_ADDRESS;
    if (strcmp(action, "write_code") == 0) {
        *(volatile uint8_t *)(uintptr_t)misbehave_start = 0;
        return 0;
    }
    if (strcmp(action, "stack_overflow") == 0)
        return recurse(NULL, 0);
    if (strcmp(action, "overflow") == 0) {
        /* 16 bytes into an 8-byte object, as a fortified memcpy with a wrong length would. */
        static const char source[16] = "overflowing.....";
        char small[8];
        __memcpy_chk(small, source, sizeof source, sizeof small);
        return small[0];
    }
    return (int)mirage_key_int("code");
}
