/* hello.c: the hello unikernel: write the `message` key `count` times, one second apart. */
#include <stdint.h>
#include <string.h>

#include "devices/console.h"
#include "devices/sleep.h"
#include "lib/runtime/mirage.h"

int hello_start(struct console *console, struct sleep *time)
{
    const char *message = mirage_key_string("message");
    int64_t count = mirage_key_int("count");

    for (int64_t i = 0; i < count; i++) {
        if (i > 0 && sleep_ns(time, UINT64_C(1000000000)) != 0)
            return 1;
        if (console_write(console, message, strlen(message)) != 0 || console_write(console, "\n", 1) != 0)
            return 1;
    }
    return 0;
}
