/* misbehave.c: exit with a chosen code, abort, or fault on an unmapped address, as the `action` key says. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console.h"
#include "lib/runtime/mirage.h"

/* Far above what any of our ABIs map: the page-table walk (or the host, on spt) finds nothing there. */
#define UNMAPPED_ADDRESS UINT64_C(0x7fff00000000)

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
    return (int)mirage_key_int("code");
}
