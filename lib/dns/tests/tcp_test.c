/* tcp_test.c: checks of the DNS library's TCP parts on the build host, printed as TAP: answers over TCP, zone
 * transfers, the length framing and the transfer access list. `tcp_test --frames DIR` replays streams (the framing
 * fuzzer's corpus) and `tcp_test --acl DIR` access lists (the list parser's), one check per file. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testing/tap.h"
#include "lib/dns/dns_internal.h"
#include "lib/dns/tests/stream_check.h"
#include "lib/dns/tests/test_zone.h"

/* --- queries and responses ---------------------------------------------------------------------------------- */

struct query {
    uint8_t bytes[600];
    size_t length;
};

/* A query for `name` and `type`; `edns` adds an OPT record (payload 512); `ixfr_serial` >= 0 adds the client's
 * SOA to the authority section, as an IXFR carries it. */
static struct query make_query(const char *name, uint16_t type, bool edns, int64_t ixfr_serial)
{
    struct query q = {.length = DNS_HEADER_SIZE};
    struct dns_name root = {.length = 1}, wire;
    if (dns_name_from_text(name, strlen(name), &root, &wire) != NULL) {
        fprintf(stderr, "tcp_test: bad test name %s\n", name);
        exit(2);
    }
    struct dns_header header = {.id = 0x4242, .qdcount = 1, .nscount = ixfr_serial >= 0, .arcount = edns};
    dns_header_write(q.bytes, &header);
    memcpy(q.bytes + q.length, wire.wire, wire.length);
    q.length += wire.length;
    dns_put16(q.bytes + q.length, type);
    dns_put16(q.bytes + q.length + 2, DNS_CLASS_IN);
    q.length += 4;
    if (ixfr_serial >= 0) {
        /* owner: a pointer to the question's name; MNAME and RNAME: the root; then five 32-bit numbers */
        uint8_t *p = q.bytes + q.length;
        dns_put16(p, 0xC000 | DNS_HEADER_SIZE);
        dns_put16(p + 2, DNS_TYPE_SOA);
        dns_put16(p + 4, DNS_CLASS_IN);
        dns_put32(p + 6, 0);
        dns_put16(p + 10, 22);
        p[12] = 0;
        p[13] = 0;
        dns_put32(p + 14, (uint32_t)ixfr_serial);
        memset(p + 18, 0, 16);
        q.length += 34;
    }
    if (edns) {
        uint8_t *p = q.bytes + q.length;
        p[0] = 0;
        dns_put16(p + 1, DNS_TYPE_OPT);
        dns_put16(p + 3, 512);
        dns_put32(p + 5, 0);
        dns_put16(p + 9, 0);
        q.length += 11;
    }
    return q;
}

/* What the checks need of a response: its header, and its answer records' types and owners. */
struct summary {
    struct dns_header header;
    unsigned answers;
    uint16_t first_type, last_type;
    bool has_opt;
    bool ok; /* every section parsed and ended at the message's end */
};

static struct summary summarize(const uint8_t *message, size_t length,
                                void (*each)(const struct dns_wire_rr *rr, const uint8_t *message, void *),
                                void *context)
{
    struct summary s = {.ok = false};
    if (length < DNS_HEADER_SIZE) {
        return s;
    }
    dns_header_read(message, &s.header);
    size_t pos = DNS_HEADER_SIZE;
    for (unsigned i = 0; i < s.header.qdcount; i++) {
        struct dns_name name;
        if (dns_name_read(message, length, pos, &name, &pos) != 0 || length - pos < 4) {
            return s;
        }
        pos += 4;
    }
    unsigned records = (unsigned)s.header.ancount + s.header.nscount + s.header.arcount;
    for (unsigned i = 0; i < records; i++) {
        struct dns_wire_rr rr;
        if (dns_rr_read(message, length, &pos, &rr) != 0) {
            return s;
        }
        if (rr.type == DNS_TYPE_OPT) {
            s.has_opt = true;
            continue;
        }
        if (i < s.header.ancount) {
            if (s.answers == 0) {
                s.first_type = rr.type;
            }
            s.last_type = rr.type;
            s.answers++;
            if (each != NULL) {
                each(&rr, message, context);
            }
        }
    }
    s.ok = pos == length;
    return s;
}

static struct dns_zone *zone;
static uint8_t response[DNS_TCP_MESSAGE_MAX + 100];

static unsigned rcode_of(const struct summary *s)
{
    return DNS_RCODE(s->header.flags);
}

/* --- answers over TCP ---------------------------------------------------------------------------------------- */

static void tcp_answer_checks(void)
{
    struct dns_transfer transfer;
    struct query q = make_query("huge.example.org.", DNS_TYPE_TXT, false, -1);
    size_t n = dns_answer(zone, q.bytes, q.length, response, sizeof response);
    struct summary s = summarize(response, n, NULL, NULL);
    tap_check(s.ok && (s.header.flags & DNS_FLAG_TC) && s.answers == 0, "over UDP the huge TXT RRset is truncated",
              "flags %04x, %u answers", s.header.flags, s.answers);
    n = dns_answer_tcp(zone, q.bytes, q.length, response, sizeof response, false, &transfer);
    s = summarize(response, n, NULL, NULL);
    tap_check(s.ok && !(s.header.flags & DNS_FLAG_TC) && s.answers == 14 && n > DNS_EDNS_PAYLOAD_MAX,
              "over TCP the huge TXT RRset is answered whole", "flags %04x, %u answers, %zu octets", s.header.flags,
              s.answers, n);
    tap_check(dns_transfer_next(&transfer, response, sizeof response) == 0, "a plain query is one message over TCP",
              "a second message came");

    q = make_query("huge.example.org.", DNS_TYPE_TXT, true, -1);
    n = dns_answer_tcp(zone, q.bytes, q.length, response, sizeof response, false, &transfer);
    s = summarize(response, n, NULL, NULL);
    tap_check(s.ok && !(s.header.flags & DNS_FLAG_TC) && s.answers == 14 && s.has_opt,
              "over TCP an EDNS payload of 512 does not truncate (RFC 7766 section 8)", "flags %04x, %u answers",
              s.header.flags, s.answers);

    q = make_query("www.example.org.", DNS_TYPE_A, false, -1);
    uint8_t udp[DNS_UDP_PAYLOAD];
    size_t udp_length = dns_answer(zone, q.bytes, q.length, udp, sizeof udp);
    n = dns_answer_tcp(zone, q.bytes, q.length, response, sizeof response, false, &transfer);
    tap_check(n == udp_length && memcmp(udp, response, n) == 0, "a small answer is the same over TCP as over UDP",
              "%zu octets over TCP, %zu over UDP", n, udp_length);

    n = dns_answer_tcp(zone, q.bytes, q.length, response, 100, false, &transfer);
    tap_check(n == 0, "a response buffer under 512 octets gets no answer", "%zu octets", n);
    response[2] |= 0x80;
    n = dns_answer_tcp(zone, response, udp_length, response + 1000, 1000, false, &transfer);
    tap_check(n == 0, "a response is not answered over TCP either", "%zu octets", n);

    /* 267 octets a record: 240 of them fit in 65,535 octets, 300 do not. */
    static char text[400000];
    size_t used = (size_t)snprintf(text, sizeof text, "$TTL 60\n@ SOA ns hm 1 2 3 4 5\n");
    for (int i = 0; i < 300; i++) {
        used += (size_t)snprintf(text + used, sizeof text - used, "wide TXT \"%03d %0250d\"\n", i, 0);
    }
    for (int i = 0; i < 240; i++) {
        used += (size_t)snprintf(text + used, sizeof text - used, "fits TXT \"%03d %0250d\"\n", i, 0);
    }
    char error[200];
    struct dns_zone *wide = dns_zone_parse(text, used, "example.org.", error, sizeof error);
    if (wide == NULL) {
        tap_check(false, "the wide zone parses", "%s", error);
        return;
    }
    q = make_query("fits.example.org.", DNS_TYPE_TXT, false, -1);
    n = dns_answer_tcp(wide, q.bytes, q.length, response, sizeof response, false, &transfer);
    s = summarize(response, n, NULL, NULL);
    tap_check(s.ok && rcode_of(&s) == DNS_RCODE_NOERROR && s.answers == 240 && n > 64000 && n <= DNS_TCP_MESSAGE_MAX,
              "an answer of 64 KB goes whole in one TCP message", "rcode %u, %u answers, %zu octets", rcode_of(&s),
              s.answers, n);
    /* An RRset over 65,535 octets cannot be sent over any transport: SERVFAIL with the question, never TC. */
    q = make_query("wide.example.org.", DNS_TYPE_TXT, false, -1);
    n = dns_answer_tcp(wide, q.bytes, q.length, response, sizeof response, false, &transfer);
    s = summarize(response, n, NULL, NULL);
    tap_check(s.ok && rcode_of(&s) == DNS_RCODE_SERVFAIL && !(s.header.flags & DNS_FLAG_TC) && s.header.qdcount == 1 &&
                  s.answers == 0,
              "an RRset over 65,535 octets is SERVFAIL over TCP, without TC", "rcode %u flags %04x", rcode_of(&s),
              s.header.flags);
    dns_zone_free(wide);
}

/* --- zone transfers ------------------------------------------------------------------------------------------ */

struct tally {
    unsigned records, soas, messages, questions;
    size_t largest;
    bool all_ok, ids_match, opt_everywhere, wrong_class;
    unsigned glue, delegation, wildcard;
};

static void count_record(const struct dns_wire_rr *rr, const uint8_t *message, void *context)
{
    struct tally *t = context;
    char owner[16] = "";
    t->records++;
    t->soas += rr->type == DNS_TYPE_SOA;
    t->wrong_class |= rr->class != DNS_CLASS_IN;
    (void)message;
    if (rr->name.label_count >= 3) {
        const uint8_t *first = rr->name.wire;
        const uint8_t *second = first + first[0] + 1;
        snprintf(owner, sizeof owner, "%.*s.%.*s", first[0], (const char *)first + 1, second[0],
                 (const char *)second + 1);
        t->glue += strcmp(owner, "ns.sub") == 0 && rr->type == DNS_TYPE_A;
        t->delegation += strcmp(owner, "sub.example") == 0 && rr->type == DNS_TYPE_NS;
        t->wildcard += strcmp(owner, "*.wild") == 0;
    }
}

/* Runs a whole transfer of `z` with messages of `size` octets and tallies it. Returns the first message's summary. */
static struct summary run_transfer(const struct dns_zone *z, const struct query *q, size_t size, bool allowed,
                                   struct tally *t)
{
    struct dns_transfer transfer;
    memset(t, 0, sizeof *t);
    t->all_ok = t->ids_match = t->opt_everywhere = true;
    size_t n = dns_answer_tcp(z, q->bytes, q->length, response, size, allowed, &transfer);
    struct summary first = summarize(response, n, count_record, t);
    while (n > 0 && t->messages < 100000) {
        struct summary s = t->messages == 0 ? first : summarize(response, n, count_record, t);
        t->messages++;
        t->all_ok &= s.ok;
        t->ids_match &= s.header.id == 0x4242 && (s.header.flags & DNS_FLAG_QR);
        t->opt_everywhere &= s.has_opt;
        t->questions += s.header.qdcount;
        t->largest = n > t->largest ? n : t->largest;
        n = dns_transfer_next(&transfer, response, size);
    }
    return first;
}

static void transfer_checks(void)
{
    struct tally t;
    struct query axfr = make_query("example.org.", DNS_TYPE_AXFR, false, -1);
    struct summary s = run_transfer(zone, &axfr, sizeof response, true, &t);
    tap_check(s.ok && rcode_of(&s) == DNS_RCODE_NOERROR && (s.header.flags & DNS_FLAG_AA) && s.header.qdcount == 1 &&
                  s.first_type == DNS_TYPE_SOA,
              "AXFR: the first message has the question and starts with the SOA", "rcode %u qdcount %u first type %u",
              rcode_of(&s), s.header.qdcount, s.first_type);
    tap_check(t.all_ok && t.messages == 1 && t.records == TEST_ZONE_RECORDS + 1 && t.soas == 2 && !t.wrong_class,
              "AXFR: every record once and the SOA twice, in one message", "%u messages, %u records, %u SOA",
              t.messages, t.records, t.soas);
    tap_check(s.last_type == DNS_TYPE_SOA, "AXFR: the last record is the SOA", "type %u", s.last_type);
    tap_check(t.glue == 1 && t.delegation == 2 && t.wildcard == 2, "AXFR: glue, delegation and wildcard records go too",
              "glue %u, delegation %u, wildcard %u", t.glue, t.delegation, t.wildcard);

    s = run_transfer(zone, &axfr, sizeof response, false, &t);
    tap_check(s.ok && rcode_of(&s) == DNS_RCODE_REFUSED && s.header.qdcount == 1 && s.answers == 0 && t.messages == 1,
              "AXFR from a client not allowed is REFUSED, one message", "rcode %u, %u messages", rcode_of(&s),
              t.messages);

    struct query below = make_query("www.example.org.", DNS_TYPE_AXFR, false, -1);
    s = run_transfer(zone, &below, sizeof response, true, &t);
    tap_check(s.ok && rcode_of(&s) == DNS_RCODE_NOTAUTH && t.messages == 1, "AXFR of a name below the apex is NOTAUTH",
              "rcode %u", rcode_of(&s));
    struct query outside = make_query("example.net.", DNS_TYPE_AXFR, false, -1);
    s = run_transfer(zone, &outside, sizeof response, true, &t);
    tap_check(s.ok && rcode_of(&s) == DNS_RCODE_REFUSED, "AXFR of another zone is REFUSED", "rcode %u", rcode_of(&s));

    size_t n = dns_answer_udp(zone, axfr.bytes, axfr.length, response, 512, true);
    s = summarize(response, n, NULL, NULL);
    tap_check(s.ok && rcode_of(&s) == DNS_RCODE_NOTIMP, "AXFR over UDP is NOTIMP even when allowed (RFC 5936 4.2)",
              "rcode %u", rcode_of(&s));

    /* IXFR: the zone's serial is 2024010101. */
    struct query ixfr_current = make_query("example.org.", DNS_TYPE_IXFR, false, 2024010101);
    n = dns_answer_udp(zone, ixfr_current.bytes, ixfr_current.length, response, 512, true);
    s = summarize(response, n, NULL, NULL);
    tap_check(s.ok && rcode_of(&s) == DNS_RCODE_NOERROR && s.answers == 1 && s.first_type == DNS_TYPE_SOA,
              "IXFR over UDP is answered with the SOA alone (RFC 1995 section 2)", "rcode %u, %u answers", rcode_of(&s),
              s.answers);
    n = dns_answer_udp(zone, ixfr_current.bytes, ixfr_current.length, response, 512, false);
    s = summarize(response, n, NULL, NULL);
    tap_check(s.ok && rcode_of(&s) == DNS_RCODE_REFUSED, "IXFR over UDP from a client not allowed is REFUSED",
              "rcode %u", rcode_of(&s));
    n = dns_answer(zone, ixfr_current.bytes, ixfr_current.length, response, 512);
    s = summarize(response, n, NULL, NULL);
    tap_check(s.ok && rcode_of(&s) == DNS_RCODE_REFUSED, "dns_answer allows no transfer", "rcode %u", rcode_of(&s));

    s = run_transfer(zone, &ixfr_current, sizeof response, true, &t);
    tap_check(s.ok && t.messages == 1 && s.answers == 1 && s.first_type == DNS_TYPE_SOA,
              "IXFR over TCP from a current client is the SOA alone", "%u messages, %u answers", t.messages, s.answers);
    struct query ixfr_newer = make_query("example.org.", DNS_TYPE_IXFR, false, 2024010102);
    s = run_transfer(zone, &ixfr_newer, sizeof response, true, &t);
    tap_check(s.ok && s.answers == 1, "IXFR with a newer serial is the SOA alone", "%u answers", s.answers);
    struct query ixfr_behind = make_query("example.org.", DNS_TYPE_IXFR, false, 2024010100);
    s = run_transfer(zone, &ixfr_behind, sizeof response, true, &t);
    tap_check(s.ok && t.records == TEST_ZONE_RECORDS + 1 && s.first_type == DNS_TYPE_SOA && s.last_type == DNS_TYPE_SOA,
              "IXFR from a client behind gets the whole zone in AXFR form (RFC 1995 section 4)", "%u records",
              t.records);
    /* 2024010101 + 2^31 + 1 is before 2024010101 in RFC 1982 arithmetic, though larger as a number. */
    struct query ixfr_wrapped = make_query("example.org.", DNS_TYPE_IXFR, false, 2024010101LL + 0x80000001LL);
    s = run_transfer(zone, &ixfr_wrapped, sizeof response, true, &t);
    tap_check(s.ok && t.records == TEST_ZONE_RECORDS + 1, "IXFR serials compare in RFC 1982 arithmetic", "%u records",
              t.records);
    struct query ixfr_bare = make_query("example.org.", DNS_TYPE_IXFR, false, -1);
    s = run_transfer(zone, &ixfr_bare, sizeof response, true, &t);
    tap_check(s.ok && rcode_of(&s) == DNS_RCODE_FORMERR, "IXFR without the client's SOA is FORMERR", "rcode %u",
              rcode_of(&s));

    /* What the server logs: the outcome of each query, and whether it was AXFR or IXFR. */
    struct {
        const struct query *query;
        bool allowed;
        enum dns_transfer_outcome outcome;
        uint16_t qtype;
    } outcomes[] = {
        {&axfr, true, DNS_TRANSFER_FULL, DNS_TYPE_AXFR},
        {&axfr, false, DNS_TRANSFER_REFUSED, DNS_TYPE_AXFR},
        {&below, true, DNS_TRANSFER_ERROR, DNS_TYPE_AXFR},
        {&ixfr_bare, true, DNS_TRANSFER_ERROR, DNS_TYPE_IXFR},
        {&ixfr_current, true, DNS_TRANSFER_CURRENT, DNS_TYPE_IXFR},
        {&ixfr_behind, true, DNS_TRANSFER_FULL, DNS_TYPE_IXFR},
    };
    unsigned right = 0;
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
        struct dns_transfer transfer;
        dns_answer_tcp(zone, outcomes[i].query->bytes, outcomes[i].query->length, response, sizeof response,
                       outcomes[i].allowed, &transfer);
        right += transfer.outcome == outcomes[i].outcome && transfer.qtype == outcomes[i].qtype;
    }
    struct dns_transfer plain;
    struct query www = make_query("www.example.org.", DNS_TYPE_A, false, -1);
    dns_answer_tcp(zone, www.bytes, www.length, response, sizeof response, true, &plain);
    tap_check(right == sizeof outcomes / sizeof outcomes[0] && plain.outcome == DNS_TRANSFER_NONE,
              "dns_answer_tcp says what became of each transfer", "%u of %zu right, plain query %u", right,
              sizeof outcomes / sizeof outcomes[0], plain.outcome);

    struct query axfr_edns = make_query("example.org.", DNS_TYPE_AXFR, true, -1);
    s = run_transfer(zone, &axfr_edns, 512, true, &t);
    tap_check(t.all_ok && t.messages > 3 && t.largest <= 512 && t.records == TEST_ZONE_RECORDS + 1 && t.soas == 2 &&
                  t.questions == 1 && t.ids_match && t.opt_everywhere,
              "AXFR in 512-octet messages: split, question once, OPT and ID in each", "%u messages, largest %zu",
              t.messages, t.largest);

    /* A zone larger than one message: 4,000 records of 100 octets. */
    static char text[600000];
    size_t used = (size_t)snprintf(text, sizeof text, "$TTL 60\n@ SOA ns hm 77 2 3 4 5\n");
    for (int i = 0; i < 4000; i++) {
        used += (size_t)snprintf(text + used, sizeof text - used, "h%d TXT \"%080d\"\n", i, i);
    }
    char error[200];
    struct dns_zone *large = dns_zone_parse(text, used, "example.org.", error, sizeof error);
    if (large == NULL) {
        tap_check(false, "the large zone parses", "%s", error);
        return;
    }
    s = run_transfer(large, &axfr, sizeof response, true, &t);
    tap_check(t.all_ok && t.messages >= 6 && t.largest <= DNS_TCP_MESSAGE_MAX && t.records == 4002 && t.soas == 2 &&
                  t.questions == 1,
              "AXFR of 400 KB: several messages under 65,535 octets, every record",
              "%u messages, largest %zu, %u records", t.messages, t.largest, t.records);
    dns_zone_free(large);

    /* A record too large for the message size ends the transfer with SERVFAIL. */
    used = (size_t)snprintf(text, sizeof text,
                            "$TTL 60\n@ SOA ns hm 1 2 3 4 5\nbig TXT \"%0250d\" \"%0250d\" \"%0250d\"\n", 0, 0, 0);
    struct dns_zone *fat = dns_zone_parse(text, used, "example.org.", error, sizeof error);
    if (fat == NULL) {
        tap_check(false, "the zone with a large record parses", "%s", error);
        return;
    }
    struct dns_transfer transfer;
    n = dns_answer_tcp(fat, axfr.bytes, axfr.length, response, 512, true, &transfer);
    s = summarize(response, n, NULL, NULL);
    size_t second = dns_transfer_next(&transfer, response, 512);
    struct summary after = summarize(response, second, NULL, NULL);
    tap_check(s.ok && s.answers == 1 && after.ok && rcode_of(&after) == DNS_RCODE_SERVFAIL &&
                  dns_transfer_next(&transfer, response, 512) == 0,
              "a record larger than the messages ends the transfer with SERVFAIL", "first %u answers, then rcode %u",
              s.answers, rcode_of(&after));
    dns_zone_free(fat);
}

/* --- framing ------------------------------------------------------------------------------------------------- */

static void feed(struct dns_frame_reader *reader, const uint8_t *bytes, size_t count)
{
    size_t room;
    uint8_t *space = dns_frame_reader_space(reader, &room);
    memcpy(space, bytes, count < room ? count : room);
    dns_frame_reader_received(reader, count < room ? count : room);
}

static void framing_checks(void)
{
    uint8_t buffer[64];
    struct dns_frame_reader reader;
    const uint8_t *message;
    size_t length;
    static const uint8_t two[] = {0, 3, 'a', 'b', 'c', 0, 2, 'x', 'y'};

    dns_frame_reader_init(&reader, buffer, sizeof buffer);
    feed(&reader, two, sizeof two);
    enum dns_frame_status first = dns_frame_reader_next(&reader, &message, &length);
    bool first_ok = first == DNS_FRAME_READY && length == 3 && memcmp(message, "abc", 3) == 0;
    enum dns_frame_status second = dns_frame_reader_next(&reader, &message, &length);
    bool second_ok = second == DNS_FRAME_READY && length == 2 && memcmp(message, "xy", 2) == 0;
    tap_check(first_ok && second_ok && dns_frame_reader_next(&reader, &message, &length) == DNS_FRAME_NEED_MORE &&
                  !dns_frame_reader_partial(&reader),
              "two frames in one read come out in order", "statuses %d %d", first, second);

    dns_frame_reader_init(&reader, buffer, sizeof buffer);
    unsigned early = 0;
    for (size_t i = 0; i + 1 < 5; i++) {
        feed(&reader, two + i, 1);
        early += dns_frame_reader_next(&reader, &message, &length) != DNS_FRAME_NEED_MORE;
    }
    bool partial = dns_frame_reader_partial(&reader);
    feed(&reader, two + 4, 1);
    enum dns_frame_status last = dns_frame_reader_next(&reader, &message, &length);
    tap_check(early == 0 && partial && last == DNS_FRAME_READY && length == 3 && memcmp(message, "abc", 3) == 0,
              "a frame read one octet at a time comes out when complete", "%u early, last status %d", early, last);

    dns_frame_reader_init(&reader, buffer, sizeof buffer);
    feed(&reader, (const uint8_t[]){0, 0, 0, 1, 'z'}, 5);
    tap_check(dns_frame_reader_next(&reader, &message, &length) == DNS_FRAME_EMPTY, "a length of zero is an error",
              "not reported");

    dns_frame_reader_init(&reader, buffer, sizeof buffer);
    feed(&reader, (const uint8_t[]){0, 63}, 2);
    enum dns_frame_status long_status = dns_frame_reader_next(&reader, &message, &length);
    dns_frame_reader_init(&reader, buffer, sizeof buffer);
    feed(&reader, (const uint8_t[]){0, 62}, 2);
    enum dns_frame_status fits = dns_frame_reader_next(&reader, &message, &length);
    tap_check(long_status == DNS_FRAME_TOO_LONG && fits == DNS_FRAME_NEED_MORE,
              "a frame longer than the buffer is an error; one that fills it exactly is not", "statuses %d %d",
              long_status, fits);

    dns_frame_reader_init(&reader, buffer, sizeof buffer);
    feed(&reader, (const uint8_t[]){0, 5, 'a', 'b'}, 4);
    tap_check(dns_frame_reader_next(&reader, &message, &length) == DNS_FRAME_NEED_MORE &&
                  dns_frame_reader_partial(&reader),
              "a frame cut off by the end of the stream shows as partial", "not partial");

    /* A frame that starts near the end of the buffer moves to the front to grow. */
    dns_frame_reader_init(&reader, buffer, 8);
    feed(&reader, (const uint8_t[]){0, 2, 'o', 'k', 0, 5, 'h', 'e'}, 8);
    bool ok_frame = dns_frame_reader_next(&reader, &message, &length) == DNS_FRAME_READY && length == 2;
    feed(&reader, (const uint8_t[]){'l', 'l', 'o'}, 3);
    bool hello = dns_frame_reader_next(&reader, &message, &length) == DNS_FRAME_READY && length == 5 &&
                 memcmp(message, "hello", 5) == 0;
    tap_check(ok_frame && hello, "the buffer is reused once frames are taken", "ok %d hello %d", ok_frame, hello);

    uint8_t out[40];
    struct dns_frame_writer writer;
    dns_frame_writer_init(&writer, out, sizeof out);
    size_t room;
    uint8_t *space = dns_frame_writer_message_space(&writer, &room);
    memcpy(space, "twelve-bytes", 12);
    dns_frame_writer_commit(&writer, 12);
    space = dns_frame_writer_message_space(&writer, &room);
    bool room_ok = room == 40 - 14 - 2;
    memcpy(space, "another-twelve..", 16);
    dns_frame_writer_commit(&writer, 16);
    size_t pending_length;
    const uint8_t *pending = dns_frame_writer_pending(&writer, &pending_length);
    tap_check(room_ok && pending_length == 32 && pending[0] == 0 && pending[1] == 12 && pending[14] == 0 &&
                  pending[15] == 16 && memcmp(pending + 16, "another", 7) == 0,
              "the writer queues messages after their lengths", "room ok %d, %zu pending", room_ok, pending_length);
    dns_frame_writer_sent(&writer, 5);
    pending = dns_frame_writer_pending(&writer, &pending_length);
    bool rest = pending_length == 27 && memcmp(pending, "lve-bytes", 9) == 0;
    space = dns_frame_writer_message_space(&writer, &room);
    pending = dns_frame_writer_pending(&writer, &pending_length);
    tap_check(rest && room == 0 && pending_length == 27 && memcmp(pending, "lve-bytes", 9) == 0,
              "a partial write leaves the rest queued; a full queue offers no room", "rest %d room %zu", rest, room);
    dns_frame_writer_sent(&writer, 27);
    space = dns_frame_writer_message_space(&writer, &room);
    tap_check(dns_frame_writer_pending(&writer, &pending_length) == NULL && pending_length == 0 && room == 38,
              "a drained writer offers its whole buffer", "room %zu", room);

    static uint8_t large[70000];
    dns_frame_writer_init(&writer, large, sizeof large);
    dns_frame_writer_message_space(&writer, &room);
    tap_check(room == DNS_TCP_MESSAGE_MAX, "no message over 65,535 octets is offered room", "room %zu", room);
}

/* --- the transfer access list -------------------------------------------------------------------------------- */

static uint32_t ipv4(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

static bool parses(struct dns_acl *acl, const char *text, char *error, size_t size)
{
    return dns_acl_parse(acl, text, strlen(text), error, size) == 0;
}

static void acl_checks(void)
{
    struct dns_acl acl;
    char error[160];
    tap_check(parses(&acl, "", error, sizeof error) && acl.count == 0 && !dns_acl_allows(&acl, ipv4(127, 0, 0, 1)),
              "an empty list allows nobody", "%s", error);
    tap_check(parses(&acl, " , ,", error, sizeof error) && acl.count == 0, "separators alone allow nobody", "%s",
              error);
    tap_check(parses(&acl, "127.0.0.1", error, sizeof error) && dns_acl_allows(&acl, ipv4(127, 0, 0, 1)) &&
                  !dns_acl_allows(&acl, ipv4(127, 0, 0, 2)),
              "an address alone is itself only", "%s", error);
    tap_check(parses(&acl, "10.0.0.0/8, 192.0.2.0/24 198.51.100.7/32", error, sizeof error) && acl.count == 3 &&
                  dns_acl_allows(&acl, ipv4(10, 200, 3, 4)) && dns_acl_allows(&acl, ipv4(192, 0, 2, 255)) &&
                  dns_acl_allows(&acl, ipv4(198, 51, 100, 7)) && !dns_acl_allows(&acl, ipv4(192, 0, 3, 1)) &&
                  !dns_acl_allows(&acl, ipv4(11, 0, 0, 0)),
              "prefixes match their addresses, commas or spaces between", "%s", error);
    tap_check(parses(&acl, "0.0.0.0/0", error, sizeof error) && dns_acl_allows(&acl, ipv4(203, 0, 113, 9)),
              "0.0.0.0/0 allows everyone", "%s", error);

    static const char *const bad[] = {
        "256.0.0.1", "1.2.3",    "1.2.3.4/33", "10.0.0.1/8",  "01.2.3.4",          "1.2.3.4x",
        "1.2.3.4/",  "-1.2.3.4", "1..2.3",     "1.2.3.4/8/8", "99999999999.1.1.1",
    };
    unsigned refused = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        error[0] = '\0';
        refused += !parses(&acl, bad[i], error, sizeof error) && strncmp(error, "entry 1 ", 8) == 0 && acl.count == 0;
    }
    tap_check(refused == sizeof bad / sizeof bad[0], "malformed entries are refused with a reason", "%u of %zu refused",
              refused, sizeof bad / sizeof bad[0]);
    char many[33 * 12 + 1] = "";
    for (int i = 0; i < 33; i++) {
        snprintf(many + strlen(many), sizeof many - strlen(many), "10.0.0.%d ", i);
    }
    tap_check(!parses(&acl, many, error, sizeof error) && strstr(error, "entry 33") != NULL,
              "more than 32 entries are refused", "%s", error);
    tap_check(!parses(&acl, "127.0.0.1 1.2.3", error, 12) && strlen(error) == 11, "the reason fits the buffer given",
              "'%s'", error);
}

/* --- corpus replays ------------------------------------------------------------------------------------------ */

static int replay(const char *directory, bool frames)
{
    char error[200];
    zone = test_zone_parse(error, sizeof error);
    DIR *dir = opendir(directory);
    if (zone == NULL || dir == NULL) {
        fprintf(stderr, "tcp_test: cannot open the corpus directory %s\n", directory);
        return 2;
    }
    static char names[4096][256];
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && count < 4096) {
        if (entry->d_name[0] != '.') {
            snprintf(names[count++], sizeof names[0], "%s", entry->d_name);
        }
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    tap_plan((unsigned)count);
    static uint8_t input[1 << 20];
    for (size_t i = 0; i < count; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%.4000s/%.255s", directory, names[i]);
        FILE *file = fopen(path, "rb");
        size_t length = file ? fread(input, 1, sizeof input, file) : 0;
        if (file) {
            fclose(file);
        }
        const char *why = file == NULL ? "unreadable"
                          : frames     ? stream_check(zone, input, length)
                                       : acl_check((const char *)input, length);
        tap_check(why == NULL, names[i], "%s", why);
    }
    dns_zone_free(zone);
    return tap_exit_status();
}

enum { TCP_ANSWER_CHECKS = 9, TRANSFER_CHECKS = 20, FRAMING_CHECKS = 10, ACL_CHECKS = 8 };

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--frames") == 0) {
        return replay(argv[2], true);
    }
    if (argc == 3 && strcmp(argv[1], "--acl") == 0) {
        return replay(argv[2], false);
    }
    if (argc != 1) {
        fprintf(stderr, "usage: tcp_test [--frames DIR | --acl DIR]\n");
        return 2;
    }
    /* Each group's count is fixed: a group that runs a different number of checks fails the run. */
    static const struct tap_group groups[] = {
        {"tcp answers", tcp_answer_checks, TCP_ANSWER_CHECKS},
        {"transfers", transfer_checks, TRANSFER_CHECKS},
        {"framing", framing_checks, FRAMING_CHECKS},
        {"acl", acl_checks, ACL_CHECKS},
    };
    return test_zone_run_groups("tcp_test", &zone, groups, sizeof groups / sizeof groups[0]);
}
