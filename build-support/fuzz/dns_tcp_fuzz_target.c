/* dns_tcp_fuzz_target.c: libFuzzer entry points for lib/dns's TCP parts: by default the stream framing (an input
 * is a read-size seed, a buffer size and a byte stream, whose queries are answered over TCP with transfers allowed);
 * built with -DDNS_FUZZ_ACL, the transfer access list parser. The properties are lib/dns/tests/stream_check.h's,
 * which tcp_test replays the corpora with. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/dns/tests/stream_check.h"
#include "lib/dns/tests/test_zone.h"

#ifndef DNS_FUZZ_ACL

static struct dns_zone *zone;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    zone = test_zone_or_abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (stream_check(zone, data, size) != NULL) {
        abort();
    }
    return 0;
}

#else

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* An exactly-sized heap copy, so AddressSanitizer sees a read past the text. */
    char *text = malloc(size > 0 ? size : 1);
    if (text == NULL) {
        return 0;
    }
    if (size > 0) {
        memcpy(text, data, size);
    }
    if (acl_check(text, size) != NULL) {
        abort();
    }
    free(text);
    return 0;
}

#endif
