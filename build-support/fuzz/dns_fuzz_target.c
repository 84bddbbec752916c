/* dns_fuzz_target.c: libFuzzer entry points for lib/dns: by default dns_answer over the fixed test zone (parsed
 * once), with the response checked for sanity; built with -DDNS_FUZZ_ZONE_PARSER, dns_zone_parse over the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/dns_internal.h"
#include "lib/dns/tests/test_zone.h"

#ifndef DNS_FUZZ_ZONE_PARSER

static struct dns_zone *zone;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    zone = test_zone_or_abort();
    return 0;
}

/* Every section of a response must parse and end exactly at its length. */
static void check_response(const uint8_t *query, size_t query_len, const uint8_t *response, size_t length) {
    struct dns_header header;
    if (length < DNS_HEADER_SIZE || length > DNS_EDNS_PAYLOAD_MAX) {
        abort();
    }
    dns_header_read(response, &header);
    if (!(header.flags & DNS_FLAG_QR) || header.id != dns_get16(query) || header.qdcount > 1) {
        abort();
    }
    size_t pos = DNS_HEADER_SIZE;
    if (header.qdcount == 1) {
        struct dns_name name;
        if (dns_name_read(response, length, pos, &name, &pos) != 0 || length - pos < 4) {
            abort();
        }
        pos += 4;
    }
    unsigned records = (unsigned)header.ancount + header.nscount + header.arcount;
    for (unsigned i = 0; i < records; i++) {
        struct dns_wire_rr rr;
        if (dns_rr_read(response, length, &pos, &rr) != 0) {
            abort();
        }
    }
    if (pos != length || ((header.flags & DNS_FLAG_TC) && (header.ancount || header.nscount))) {
        abort();
    }
    (void)query_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* An exactly-sized heap buffer, so AddressSanitizer sees any write past it. */
    uint8_t *response = malloc(DNS_EDNS_PAYLOAD_MAX);
    size_t length = dns_answer(zone, data, size, response, DNS_EDNS_PAYLOAD_MAX);
    if (length > 0) {
        check_response(data, size, response, length);
    } else if (size >= DNS_HEADER_SIZE && !(data[2] & 0x80)) {
        abort(); /* every query gets an answer */
    }
    free(response);
    return 0;
}

#else

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char error[128];
    struct dns_zone *zone = dns_zone_parse((const char *)data, size, TEST_ZONE_ORIGIN, error, sizeof error);
    if (zone != NULL) {
        /* Whatever parsed must answer sanely too. */
        static const uint8_t query[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
                                        3, 'o', 'r', 'g', 0, 0, 255, 0, 1};
        uint8_t response[DNS_UDP_PAYLOAD];
        if (dns_answer(zone, query, sizeof query, response, sizeof response) == 0) {
            abort();
        }
        dns_zone_free(zone);
    } else if (error[0] < '0' || error[0] > '9') {
        abort(); /* an error always starts with its line number */
    }
    return 0;
}

#endif
