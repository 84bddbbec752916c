/* test_zone.h: the zone the DNS checks, the corpus replay and the fuzzer answer from: every record type and
 * master-file feature, CNAME chains and loops, wildcards, an empty non-terminal, a delegation with glue, and
 * RRsets too large for 512 and for 1232 octets; and how the TAP programs and the fuzz targets load it. */
#ifndef MIRAGE_DNS_TEST_ZONE_H
#define MIRAGE_DNS_TEST_ZONE_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/dns/dns.h"
#include "lib/testing/tap.h"

#define TEST_ZONE_ORIGIN "example.org."

#define TEST_ZONE_BIG_A                                                                                                \
    "big A 192.0.2.101\nbig A 192.0.2.102\nbig A 192.0.2.103\nbig A 192.0.2.104\nbig A 192.0.2.105\n"                  \
    "big A 192.0.2.106\nbig A 192.0.2.107\nbig A 192.0.2.108\nbig A 192.0.2.109\nbig A 192.0.2.110\n"                  \
    "big A 192.0.2.111\nbig A 192.0.2.112\nbig A 192.0.2.113\nbig A 192.0.2.114\nbig A 192.0.2.115\n"                  \
    "big A 192.0.2.116\nbig A 192.0.2.117\nbig A 192.0.2.118\nbig A 192.0.2.119\nbig A 192.0.2.120\n"                  \
    "big A 192.0.2.121\nbig A 192.0.2.122\nbig A 192.0.2.123\nbig A 192.0.2.124\nbig A 192.0.2.125\n"                  \
    "big A 192.0.2.126\nbig A 192.0.2.127\nbig A 192.0.2.128\nbig A 192.0.2.129\nbig A 192.0.2.130\n"                  \
    "big A 192.0.2.131\nbig A 192.0.2.132\nbig A 192.0.2.133\nbig A 192.0.2.134\nbig A 192.0.2.135\n"

#define TEST_ZONE_HUGE_LINE                                                                                            \
    "huge TXT "                                                                                                        \
    "\"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\" "

#define TEST_ZONE_HUGE_TXT                                                                                             \
    TEST_ZONE_HUGE_LINE "a\n" TEST_ZONE_HUGE_LINE "b\n" TEST_ZONE_HUGE_LINE "c\n" TEST_ZONE_HUGE_LINE                  \
                        "d\n" TEST_ZONE_HUGE_LINE "e\n" TEST_ZONE_HUGE_LINE "f\n" TEST_ZONE_HUGE_LINE                  \
                        "g\n" TEST_ZONE_HUGE_LINE "h\n" TEST_ZONE_HUGE_LINE "i\n" TEST_ZONE_HUGE_LINE                  \
                        "j\n" TEST_ZONE_HUGE_LINE "k\n" TEST_ZONE_HUGE_LINE "l\n" TEST_ZONE_HUGE_LINE                  \
                        "m\n" TEST_ZONE_HUGE_LINE "n\n"

static const char test_zone_text[] = "; The test zone. Comments, blank lines and odd spacing are part of the test.\n"
                                     "$TTL 1h\n"
                                     "\n"
                                     "@   IN  SOA ns1 hostmaster (   ; a multi-line SOA\n"
                                     "        2024010101 ; serial\n"
                                     "        7200       ; refresh\n"
                                     "        1h         ; retry\n"
                                     "        1w         ; expire\n"
                                     "        300 )      ; minimum\n"
                                     "    IN  NS  ns1\n"
                                     "        NS  ns2.example.org.\n"
                                     "    IN  MX  10 mail\n"
                                     "    A   192.0.2.1\n"
                                     "    AAAA 2001:db8::1\n"
                                     "ns1 IN A 192.0.2.53\n"
                                     "ns2 600 IN A 192.0.2.54\n"
                                     "mail IN 120 A 192.0.2.25\n"
                                     "    IN AAAA 2001:db8:0:0:0:0:0:25\n"
                                     "www IN CNAME web\n"
                                     "web A 192.0.2.80\n"
                                     "web A 192.0.2.80 ; the same record twice counts once\n"
                                     "alias1 CNAME alias2\n"
                                     "alias2 CNAME www.example.org.\n"
                                     "loop1 CNAME loop2\n"
                                     "loop2 CNAME loop1\n"
                                     "external CNAME www.example.net.\n"
                                     "dangling CNAME nothing-here\n"
                                     "txt TXT \"hello world\" \"say \\\"hi\\\"; ok\" unquoted \\065\\066\n"
                                     "_sip._udp SRV 10 60 5060 sipserver\n"
                                     "sipserver A 192.0.2.60\n"
                                     "caa CAA 0 issue \"letsencrypt.org\"\n"
                                     "1.2 PTR www\n"
                                     "generic TYPE65280 \\# 4 0a0B0c0D\n"
                                     "*.wild A 192.0.2.99\n"
                                     "    TXT \"wild\"\n"
                                     "exists.wild A 192.0.2.98\n"
                                     "deep.ent.example.org. A 192.0.2.77\n"
                                     "sub NS ns.sub\n"
                                     "sub NS ns.other.example.net.\n"
                                     "ns.sub A 192.0.2.200\n"
                                     "ns.sub AAAA 2001:db8::200\n"
                                     "cname-to-sub CNAME host.sub\n"
                                     "$ORIGIN v6.example.org.\n"
                                     "@ AAAA ::ffff:192.0.2.7\n"
                                     "$ORIGIN example.org.\n" TEST_ZONE_BIG_A TEST_ZONE_HUGE_TXT;

/* Distinct records in test_zone_text (the duplicate web A counts once). */
#define TEST_ZONE_RECORDS 83

/* The test zone parsed (dns_zone_free frees it), or NULL with the parser's message in `error`. */
static inline struct dns_zone *test_zone_parse(char *error, size_t error_size)
{
    return dns_zone_parse(test_zone_text, sizeof test_zone_text - 1, TEST_ZONE_ORIGIN, error, error_size);
}

/* A TAP program's run over the test zone: parse it into `*zone`, where the groups' checks read it, run `groups`
 * (tap_run_groups, naming `program`), free it. A zone that does not parse is the run's one failing check. */
static inline int test_zone_run_groups(const char *program, struct dns_zone **zone, const struct tap_group *groups,
                                       size_t count)
{
    char error[200];
    *zone = test_zone_parse(error, sizeof error);
    if (*zone == NULL) {
        printf("1..1\nnot ok 1 - the test zone parses: %s\n", error);
        return 1;
    }
    int status = tap_run_groups(program, groups, count);
    dns_zone_free(*zone);
    return status;
}

/* The test zone for a libFuzzer target, parsed once as it starts: nothing can be fuzzed without it. */
static inline struct dns_zone *test_zone_or_abort(void)
{
    char error[200];
    struct dns_zone *zone = test_zone_parse(error, sizeof error);
    if (zone == NULL) {
        abort();
    }
    return zone;
}

#endif
