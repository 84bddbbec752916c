/* misbehave.c: exit with a chosen code, or abort, as the `action` key says. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console.h"
#include "lib/runtime/mirage.h"

int misbehave_start(struct console *console)
{
    const char *action = mirage_key_string("action");
    static const char before[] = "misbehave: about to ";

    console_write(console, before, sizeof(before) - 1);
    console_write(console, action, strlen(action));
    console_write(console, "\n", 1);
    if (strcmp(action, "abort") == 0)
        abort();
    return (int)mirage_key_int("code");
}
