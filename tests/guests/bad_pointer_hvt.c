/* bad_pointer_hvt.c: asks the platform to print from an address far outside guest memory; the tender must stop
 * the guest rather than read host memory. */
#include <stdint.h>

#include "devices/console.h"
#include "lib/platform/platform.h"

int bad_pointer_start(struct console *console)
{
    static const char line[] = "bad_pointer: asking the tender to print from 0x7fff00000000\n";

    console_write(console, line, sizeof(line) - 1);
    platform_console_write((const char *)(uintptr_t)UINT64_C(0x7fff00000000), 64);
    return 0;
}
