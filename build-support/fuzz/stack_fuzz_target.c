/* stack_fuzz_target.c: libFuzzer entry points for lib/tcpip: each input is a timed sequence of frames (see
 * lib/tcpip/tests/stack_harness.h) run through ethernet -> arp -> ipv4 -> icmp/udp/tcp and the stack's event loop,
 * with every frame the stack sends checked as a peer would check it. The layers keep their state (ARP cache and
 * queue, listeners, the clock) from one input to the next, as a long-running unikernel does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/tcpip/tests/stack_harness.h"

static struct harness *harness;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    harness = harness_setup();
    if (harness == NULL)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int rc = harness_run(harness, data, size);
    char why[160];
    if (rc != 0) {
        fprintf(stderr, "stack_fuzz: the event loop stopped with %d\n", rc);
        abort();
    }
    if (harness->stale_handler_calls > 0 || harness->oversized_writes > 0 || harness->bad_segments > 0) {
        fprintf(stderr, "stack_fuzz: an unlistened handler ran, a write exceeded MTU + 14, or a segment handed down "
                        "whole was malformed\n");
        abort();
    }
    for (size_t i = 0; i < harness->sent_logged; i++) {
        if (!harness_frame_is_sane(harness->sent[i].data, harness->sent[i].len, why, sizeof(why))) {
            fprintf(stderr, "stack_fuzz: sent frame %zu: %s\n", i, why);
            abort();
        }
    }
    return 0;
}
