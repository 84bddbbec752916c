/* tcp_fuzz_target.c: libFuzzer entry point for the TCP core: each input runs through a fresh core listening on
 * port 80 with one connect under way (lib/tcpip/tests/tcp_fuzz_input.h): raw and crafted segments into the input
 * path of listening, half-open and established connections, time, and application calls; a broken invariant aborts
 * like a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/tcpip/tests/tcp_fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[200];
    if (!tcp_fuzz_run(data, size, why, sizeof(why))) {
        fprintf(stderr, "tcp_fuzz: %s\n", why);
        abort();
    }
    return 0;
}
