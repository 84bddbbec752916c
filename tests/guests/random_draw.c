/* random_draw.c: print 16 bytes from the random device in hex, so a test sees that entropy reached the guest. */
#include <stdint.h>

#include "devices/console.h"
#include "devices/random.h"

int random_draw_start(struct console *console, struct random *random)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t bytes[16];
    char text[sizeof bytes * 2 + 1];

    if (random_fill(random, bytes, sizeof bytes) != 0)
        return 1;
    for (unsigned i = 0; i < sizeof bytes; i++) {
        text[2 * i] = digits[bytes[i] >> 4];
        text[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    text[sizeof text - 1] = '\n';
    console_write(console, text, sizeof text);
    return 0;
}
