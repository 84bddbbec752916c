/* http_fuzz_target.c: libFuzzer entry point for lib/http: the checks of lib/http/tests/stream_check.h (the input
 * served as a connection's byte stream, whole and in reads of a size its first octet picks, and taken as a target
 * and field values), with a failed check aborting like a crash. */
#include <stdio.h>
#include <stdlib.h>

#include "lib/http/tests/stream_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[200];
    if (!stream_check(data, size, why, sizeof why)) {
        fprintf(stderr, "http_fuzz: %s\n", why);
        abort();
    }
    return 0;
}
