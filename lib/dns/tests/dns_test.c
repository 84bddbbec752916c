/* dns_test.c: the DNS library's checks on the build host, printed as TAP. `dns_test` runs them all;
 * `dns_test --corpus DIR` answers every file in DIR as a query and checks each response is well formed (files
 * named zone-* are parsed as master files instead);
 * `dns_test --answer-hex ORIGIN ZONEFILE` answers hex queries from stdin with hex responses (for dnspython). */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testing/tap.h"
#include "lib/dns/dns_internal.h"
#include "lib/dns/tests/test_zone.h"

/* --- building queries ---------------------------------------------------------------------------------------- */

struct query {
    uint8_t bytes[600];
    size_t length;
};

static void wire_from_text(const char *text, struct dns_name *name)
{
    struct dns_name root = {.length = 1};
    const char *problem = dns_name_from_text(text, strlen(text), &root, name);
    if (problem != NULL) {
        fprintf(stderr, "bad test name %s: %s\n", text, problem);
        exit(2);
    }
}

/* A query for `name` and `type`; `payload` > 0 adds an OPT record with that size, EDNS version and flags. */
static struct query make_query(const char *name, uint16_t type, int payload, uint8_t version, uint16_t edns_flags)
{
    struct query q = {.length = DNS_HEADER_SIZE};
    struct dns_name wire;
    wire_from_text(name, &wire);
    struct dns_header header = {.id = 0x1234, .flags = DNS_FLAG_RD, .qdcount = 1, .arcount = payload > 0};
    dns_header_write(q.bytes, &header);
    memcpy(q.bytes + q.length, wire.wire, wire.length);
    q.length += wire.length;
    dns_put16(q.bytes + q.length, type);
    dns_put16(q.bytes + q.length + 2, DNS_CLASS_IN);
    q.length += 4;
    if (payload > 0) {
        q.bytes[q.length] = 0;
        dns_put16(q.bytes + q.length + 1, DNS_TYPE_OPT);
        dns_put16(q.bytes + q.length + 3, (uint16_t)payload);
        dns_put32(q.bytes + q.length + 5, ((uint32_t)version << 16) | edns_flags);
        dns_put16(q.bytes + q.length + 9, 0);
        q.length += 11;
    }
    return q;
}

/* --- reading responses --------------------------------------------------------------------------------------- */

static void name_to_text(const struct dns_name *name, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    if (name->label_count == 0) {
        snprintf(out, size, ".");
        return;
    }
    for (unsigned l = 0; l < name->label_count; l++) {
        const uint8_t *label = name->wire + name->labels[l];
        for (unsigned i = 1; i <= label[0] && used + 5 < size; i++) {
            uint8_t c = label[i];
            used += (size_t)snprintf(out + used, size - used, (c > ' ' && c < 0x7F && c != '.') ? "%c" : "\\%03u", c);
        }
        if (used + 2 < size) {
            out[used++] = '.';
            out[used] = '\0';
        }
    }
}

/* Reads a (possibly compressed) name inside RDATA as text; false when malformed. */
static bool rdata_name(const uint8_t *message, size_t length, size_t *at, char *out, size_t size)
{
    struct dns_name name;
    if (dns_name_read(message, length, *at, &name, at) != 0) {
        return false;
    }
    name_to_text(&name, out, size);
    return true;
}

struct record {
    char owner[300];
    uint16_t type;
    uint32_t ttl;
    char rdata[1400];
};

struct response {
    struct dns_header header;
    char qname[300];
    uint16_t qtype;
    unsigned counts[3];
    struct record records[3][64];
    bool has_opt;
    uint16_t opt_payload;
    uint8_t opt_extended_rcode, opt_version;
    uint16_t opt_flags;
    unsigned rcode; /* with the OPT record's extension */
};

/* RDATA as presentation text, so checks read like a zone file. False when it is malformed for its type. */
static bool rdata_text(const uint8_t *message, size_t length, const struct dns_wire_rr *rr, char *out, size_t size)
{
    const uint8_t *p = message + rr->rdata;
    size_t end = rr->rdata + rr->rdlength, at = rr->rdata;
    char a[300], b[300];
    switch (rr->type) {
    case DNS_TYPE_A:
        if (rr->rdlength != 4)
            return false;
        snprintf(out, size, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
        return true;
    case DNS_TYPE_AAAA: {
        if (rr->rdlength != 16)
            return false;
        size_t used = 0;
        for (int i = 0; i < 16; i += 2) {
            used += (size_t)snprintf(out + used, size - used, "%s%x", i ? ":" : "", (unsigned)dns_get16(p + i));
        }
        return true;
    }
    case DNS_TYPE_NS:
    case DNS_TYPE_CNAME:
    case DNS_TYPE_PTR:
        return rdata_name(message, length, &at, out, size) && at == end;
    case DNS_TYPE_MX:
        if (rr->rdlength < 3)
            return false;
        at += 2;
        if (!rdata_name(message, length, &at, a, sizeof a) || at != end)
            return false;
        snprintf(out, size, "%u %s", (unsigned)dns_get16(p), a);
        return true;
    case DNS_TYPE_SRV:
        if (rr->rdlength < 7)
            return false;
        at += 6;
        if (!rdata_name(message, length, &at, a, sizeof a) || at != end)
            return false;
        snprintf(out, size, "%u %u %u %s", (unsigned)dns_get16(p), (unsigned)dns_get16(p + 2),
                 (unsigned)dns_get16(p + 4), a);
        return true;
    case DNS_TYPE_SOA:
        if (!rdata_name(message, length, &at, a, sizeof a) || !rdata_name(message, length, &at, b, sizeof b) ||
            end < at || end - at != 20) {
            return false;
        }
        snprintf(out, size, "%s %s %u %u %u %u %u", a, b, dns_get32(message + at), dns_get32(message + at + 4),
                 dns_get32(message + at + 8), dns_get32(message + at + 12), dns_get32(message + at + 16));
        return true;
    case DNS_TYPE_TXT: {
        size_t used = 0;
        out[0] = '\0';
        while (at < end) {
            unsigned n = message[at++];
            if (end - at < n)
                return false;
            used += (size_t)snprintf(out + used, size - used, "%s\"%.*s\"", used ? " " : "", (int)n,
                                     (const char *)message + at);
            at += n;
        }
        return rr->rdlength > 0;
    }
    case DNS_TYPE_CAA:
        if (rr->rdlength < 2 || (size_t)p[1] + 2 > rr->rdlength)
            return false;
        snprintf(out, size, "%u %.*s \"%.*s\"", p[0], p[1], (const char *)p + 2, (int)(rr->rdlength - 2 - p[1]),
                 (const char *)p + 2 + p[1]);
        return true;
    default: {
        size_t used = (size_t)snprintf(out, size, "\\# %u ", (unsigned)rr->rdlength);
        for (size_t i = 0; i < rr->rdlength && used + 3 < size; i++) {
            used += (size_t)snprintf(out + used, size - used, "%02x", p[i]);
        }
        return true;
    }
    }
}

static const char *type_text(uint16_t type)
{
    switch (type) {
    case DNS_TYPE_A:
        return "A";
    case DNS_TYPE_NS:
        return "NS";
    case DNS_TYPE_CNAME:
        return "CNAME";
    case DNS_TYPE_SOA:
        return "SOA";
    case DNS_TYPE_PTR:
        return "PTR";
    case DNS_TYPE_MX:
        return "MX";
    case DNS_TYPE_TXT:
        return "TXT";
    case DNS_TYPE_AAAA:
        return "AAAA";
    case DNS_TYPE_SRV:
        return "SRV";
    case DNS_TYPE_OPT:
        return "OPT";
    case DNS_TYPE_CAA:
        return "CAA";
    default:
        return "TYPE";
    }
}

/* Parses a whole response strictly: every section, no octet left over, sensible flags. On failure `why`
 * says what was wrong. `query` is what was asked (for the ID and opcode). */
static bool parse_response(const uint8_t *query, size_t query_len, const uint8_t *message, size_t length,
                           struct response *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    if (length < DNS_HEADER_SIZE) {
        snprintf(why, why_size, "response of %zu octets", length);
        return false;
    }
    if (length > DNS_EDNS_PAYLOAD_MAX) {
        snprintf(why, why_size, "response of %zu octets is above %d", length, DNS_EDNS_PAYLOAD_MAX);
        return false;
    }
    dns_header_read(message, &out->header);
    struct dns_header *h = &out->header;
    if (query_len >= 2 && h->id != dns_get16(query)) {
        snprintf(why, why_size, "ID %u differs from the query's", h->id);
        return false;
    }
    if (!(h->flags & DNS_FLAG_QR)) {
        snprintf(why, why_size, "QR clear");
        return false;
    }
    if (query_len >= 3 && DNS_OPCODE(h->flags) != DNS_OPCODE(dns_get16(query + 2))) {
        snprintf(why, why_size, "opcode differs from the query's");
        return false;
    }
    if (h->qdcount > 1) {
        snprintf(why, why_size, "qdcount %u", h->qdcount);
        return false;
    }
    size_t pos = DNS_HEADER_SIZE;
    if (h->qdcount == 1) {
        struct dns_name qname;
        if (dns_name_read(message, length, pos, &qname, &pos) != 0 || length - pos < 4) {
            snprintf(why, why_size, "malformed question");
            return false;
        }
        name_to_text(&qname, out->qname, sizeof out->qname);
        out->qtype = dns_get16(message + pos);
        pos += 4;
    }
    unsigned section_counts[3] = {h->ancount, h->nscount, h->arcount};
    for (int s = 0; s < 3; s++) {
        for (unsigned i = 0; i < section_counts[s]; i++) {
            struct dns_wire_rr rr;
            if (dns_rr_read(message, length, &pos, &rr) != 0) {
                snprintf(why, why_size, "record %u of section %d runs past the end", i, s);
                return false;
            }
            if (rr.type == DNS_TYPE_OPT) {
                struct dns_edns edns = {0};
                if (s != 2 || out->has_opt || dns_opt_parse(message, &rr, &edns) != 0) {
                    snprintf(why, why_size, "misplaced or malformed OPT record");
                    return false;
                }
                out->has_opt = true;
                out->opt_payload = edns.payload;
                out->opt_extended_rcode = edns.extended_rcode;
                out->opt_version = edns.version;
                out->opt_flags = edns.flags;
                continue;
            }
            if (rr.class != DNS_CLASS_IN) {
                snprintf(why, why_size, "record of class %u", rr.class);
                return false;
            }
            if (out->counts[s] == 64) {
                snprintf(why, why_size, "more than 64 records in section %d", s);
                return false;
            }
            struct record *record = &out->records[s][out->counts[s]++];
            name_to_text(&rr.name, record->owner, sizeof record->owner);
            record->type = rr.type;
            record->ttl = rr.ttl;
            if (!rdata_text(message, length, &rr, record->rdata, sizeof record->rdata)) {
                snprintf(why, why_size, "malformed %s RDATA of %s", type_text(rr.type), record->owner);
                return false;
            }
        }
    }
    if (pos != length) {
        snprintf(why, why_size, "%zu octets after the last record", length - pos);
        return false;
    }
    out->rcode = DNS_RCODE(h->flags) | ((unsigned)out->opt_extended_rcode << 4);
    static const unsigned valid[] = {DNS_RCODE_NOERROR, DNS_RCODE_FORMERR, DNS_RCODE_NXDOMAIN,
                                     DNS_RCODE_NOTIMP,  DNS_RCODE_REFUSED, DNS_RCODE_BADVERS};
    bool known = false;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        known |= out->rcode == valid[i];
    }
    if (!known) {
        snprintf(why, why_size, "rcode %u", out->rcode);
        return false;
    }
    if ((h->flags & DNS_FLAG_TC) && (h->ancount || h->nscount)) {
        snprintf(why, why_size, "TC set with records in the answer or authority section");
        return false;
    }
    if (out->rcode != DNS_RCODE_NOERROR && out->rcode != DNS_RCODE_NXDOMAIN && h->ancount) {
        snprintf(why, why_size, "an error response with answers");
        return false;
    }
    return true;
}

/* --- the responder checks ------------------------------------------------------------------------------------ */

static struct dns_zone *zone;

/* Answers `q` into `r`; false (with a failed check) when the response is missing or malformed. */
static bool ask(const char *name, const struct query *q, struct response *r, size_t *length_out)
{
    uint8_t buffer[1500];
    char why[200];
    size_t length = dns_answer(zone, q->bytes, q->length, buffer, sizeof buffer);
    if (length_out != NULL) {
        *length_out = length;
    }
    if (length == 0) {
        return tap_check(false, name, "no response");
    }
    if (!parse_response(q->bytes, q->length, buffer, length, r, why, sizeof why)) {
        return tap_check(false, name, "malformed response: %s", why);
    }
    return true;
}

/* Compares one section with the expected records, each "owner TYPE rdata", in order. */
static bool section_is(const struct response *r, int section, const char *const *expected, unsigned count, char *why,
                       size_t why_size)
{
    if (r->counts[section] != count) {
        snprintf(why, why_size, "section %d has %u records, expected %u%s%s", section, r->counts[section], count,
                 r->counts[section] ? ", the first: " : "", r->counts[section] ? r->records[section][0].owner : "");
        return false;
    }
    for (unsigned i = 0; i < count; i++) {
        const struct record *record = &r->records[section][i];
        char text[2000];
        snprintf(text, sizeof text, "%s %s %s", record->owner, type_text(record->type), record->rdata);
        if (strcmp(text, expected[i]) != 0) {
            snprintf(why, why_size, "section %d record %u is '%.150s', expected '%.150s'", section, i, text,
                     expected[i]);
            return false;
        }
    }
    return true;
}

#define LIST(...) ((const char *const[]){__VA_ARGS__}), (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))
#define NONE ((const char *const[]){""}), 0

struct expectation {
    unsigned rcode;
    bool aa;
};

static void expect(const char *name, const char *qname, uint16_t qtype, struct expectation e, const char *const *answer,
                   unsigned answer_count, const char *const *authority, unsigned authority_count,
                   const char *const *additional, unsigned additional_count)
{
    struct query q = make_query(qname, qtype, 0, 0, 0);
    struct response r;
    char why[400] = "";
    if (!ask(name, &q, &r, NULL)) {
        return;
    }
    bool aa = (r.header.flags & DNS_FLAG_AA) != 0;
    if (r.rcode != e.rcode || aa != e.aa) {
        tap_check(false, name, "rcode %u AA %d, expected rcode %u AA %d", r.rcode, aa, e.rcode, e.aa);
        return;
    }
    if (!section_is(&r, 0, answer, answer_count, why, sizeof why) ||
        !section_is(&r, 1, authority, authority_count, why, sizeof why) ||
        !section_is(&r, 2, additional, additional_count, why, sizeof why)) {
        tap_check(false, name, "%s", why);
        return;
    }
    tap_check(true, name, "%s", "");
}

#define SOA_RECORD "example.org. SOA ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 604800 300"
static const struct expectation AUTHORITATIVE = {DNS_RCODE_NOERROR, true};
static const struct expectation NXDOMAIN = {DNS_RCODE_NXDOMAIN, true};
static const struct expectation REFERRAL = {DNS_RCODE_NOERROR, false};

static void responder_checks(void)
{
    expect("A at the apex", "example.org.", DNS_TYPE_A, AUTHORITATIVE, LIST("example.org. A 192.0.2.1"), NONE, NONE);
    expect("AAAA at the apex", "example.org.", DNS_TYPE_AAAA, AUTHORITATIVE,
           LIST("example.org. AAAA 2001:db8:0:0:0:0:0:1"), NONE, NONE);
    expect("MX alone: minimal responses leave the exchange's addresses out", "example.org.", DNS_TYPE_MX, AUTHORITATIVE,
           LIST("example.org. MX 10 mail.example.org."), NONE, NONE);
    expect("NS at the apex with addresses", "example.org.", DNS_TYPE_NS, AUTHORITATIVE,
           LIST("example.org. NS ns1.example.org.", "example.org. NS ns2.example.org."), NONE,
           LIST("ns1.example.org. A 192.0.2.53", "ns2.example.org. A 192.0.2.54"));
    expect("SOA", "example.org.", DNS_TYPE_SOA, AUTHORITATIVE, LIST(SOA_RECORD), NONE, NONE);
    expect("NXDOMAIN with the SOA", "nope.example.org.", DNS_TYPE_A, NXDOMAIN, NONE, LIST(SOA_RECORD), NONE);
    expect("NODATA with the SOA", "web.example.org.", DNS_TYPE_AAAA, AUTHORITATIVE, NONE, LIST(SOA_RECORD), NONE);
    expect("an empty non-terminal is NODATA, not NXDOMAIN", "ent.example.org.", DNS_TYPE_A, AUTHORITATIVE, NONE,
           LIST(SOA_RECORD), NONE);
    expect("below an empty non-terminal", "deep.ent.example.org.", DNS_TYPE_A, AUTHORITATIVE,
           LIST("deep.ent.example.org. A 192.0.2.77"), NONE, NONE);
    expect("a CNAME is followed", "www.example.org.", DNS_TYPE_A, AUTHORITATIVE,
           LIST("www.example.org. CNAME web.example.org.", "web.example.org. A 192.0.2.80"), NONE, NONE);
    expect("a CNAME chain is followed to the end", "alias1.example.org.", DNS_TYPE_A, AUTHORITATIVE,
           LIST("alias1.example.org. CNAME alias2.example.org.", "alias2.example.org. CNAME www.example.org.",
                "www.example.org. CNAME web.example.org.", "web.example.org. A 192.0.2.80"),
           NONE, NONE);
    expect("asking for the CNAME itself", "www.example.org.", DNS_TYPE_CNAME, AUTHORITATIVE,
           LIST("www.example.org. CNAME web.example.org."), NONE, NONE);
    expect("a CNAME loop ends", "loop1.example.org.", DNS_TYPE_A, AUTHORITATIVE,
           LIST("loop1.example.org. CNAME loop2.example.org.", "loop2.example.org. CNAME loop1.example.org."), NONE,
           NONE);
    expect("a CNAME out of the zone is not followed", "external.example.org.", DNS_TYPE_A, AUTHORITATIVE,
           LIST("external.example.org. CNAME www.example.net."), NONE, NONE);
    expect("a CNAME to a missing name is NXDOMAIN (RFC 6604)", "dangling.example.org.", DNS_TYPE_A, NXDOMAIN,
           LIST("dangling.example.org. CNAME nothing-here.example.org."), LIST(SOA_RECORD), NONE);
    expect("a CNAME into a delegation adds the referral", "cname-to-sub.example.org.", DNS_TYPE_A, AUTHORITATIVE,
           LIST("cname-to-sub.example.org. CNAME host.sub.example.org."),
           LIST("sub.example.org. NS ns.sub.example.org.", "sub.example.org. NS ns.other.example.net."),
           LIST("ns.sub.example.org. A 192.0.2.200", "ns.sub.example.org. AAAA 2001:db8:0:0:0:0:0:200"));
    expect("a referral below a zone cut", "host.sub.example.org.", DNS_TYPE_A, REFERRAL, NONE,
           LIST("sub.example.org. NS ns.sub.example.org.", "sub.example.org. NS ns.other.example.net."),
           LIST("ns.sub.example.org. A 192.0.2.200", "ns.sub.example.org. AAAA 2001:db8:0:0:0:0:0:200"));
    expect("a referral at the zone cut", "sub.example.org.", DNS_TYPE_NS, REFERRAL, NONE,
           LIST("sub.example.org. NS ns.sub.example.org.", "sub.example.org. NS ns.other.example.net."),
           LIST("ns.sub.example.org. A 192.0.2.200", "ns.sub.example.org. AAAA 2001:db8:0:0:0:0:0:200"));
    expect("glue is not answered authoritatively", "ns.sub.example.org.", DNS_TYPE_A, REFERRAL, NONE,
           LIST("sub.example.org. NS ns.sub.example.org.", "sub.example.org. NS ns.other.example.net."),
           LIST("ns.sub.example.org. A 192.0.2.200", "ns.sub.example.org. AAAA 2001:db8:0:0:0:0:0:200"));
    expect("DS at a zone cut is the parent's (NODATA)", "sub.example.org.", DNS_TYPE_DS, AUTHORITATIVE, NONE,
           LIST(SOA_RECORD), NONE);
    expect("a wildcard answers for a missing name", "foo.wild.example.org.", DNS_TYPE_A, AUTHORITATIVE,
           LIST("foo.wild.example.org. A 192.0.2.99"), NONE, NONE);
    expect("a wildcard answers several labels down", "a.b.wild.example.org.", DNS_TYPE_TXT, AUTHORITATIVE,
           LIST("a.b.wild.example.org. TXT \"wild\""), NONE, NONE);
    expect("a wildcard without the type is NODATA", "foo.wild.example.org.", DNS_TYPE_MX, AUTHORITATIVE, NONE,
           LIST(SOA_RECORD), NONE);
    expect("a wildcard does not answer for an existing name", "exists.wild.example.org.", DNS_TYPE_TXT, AUTHORITATIVE,
           NONE, LIST(SOA_RECORD), NONE);
    expect("a wildcard does not answer below an existing name", "x.exists.wild.example.org.", DNS_TYPE_A, NXDOMAIN,
           NONE, LIST(SOA_RECORD), NONE);
    expect("the wildcard's own name is an ordinary name", "*.wild.example.org.", DNS_TYPE_A, AUTHORITATIVE,
           LIST("*.wild.example.org. A 192.0.2.99"), NONE, NONE);
    expect("TXT strings, quotes, escapes", "txt.example.org.", DNS_TYPE_TXT, AUTHORITATIVE,
           LIST("txt.example.org. TXT \"hello world\" \"say \"hi\"; ok\" \"unquoted\" \"AB\""), NONE, NONE);
    expect("SRV alone: minimal responses leave the target's address out", "_sip._udp.example.org.", DNS_TYPE_SRV,
           AUTHORITATIVE, LIST("_sip._udp.example.org. SRV 10 60 5060 sipserver.example.org."), NONE, NONE);
    expect("CAA", "caa.example.org.", DNS_TYPE_CAA, AUTHORITATIVE,
           LIST("caa.example.org. CAA 0 issue \"letsencrypt.org\""), NONE, NONE);
    expect("PTR", "1.2.example.org.", DNS_TYPE_PTR, AUTHORITATIVE, LIST("1.2.example.org. PTR www.example.org."), NONE,
           NONE);
    expect("an RFC 3597 generic type", "generic.example.org.", 65280, AUTHORITATIVE,
           LIST("generic.example.org. TYPE \\# 4 0a0b0c0d"), NONE, NONE);
    expect("AAAA with an embedded IPv4 address, after $ORIGIN", "v6.example.org.", DNS_TYPE_AAAA, AUTHORITATIVE,
           LIST("v6.example.org. AAAA 0:0:0:0:0:ffff:c000:207"), NONE, NONE);
    /* Compression points into the question, so later names take its case (names compare without case). */
    expect("names are matched regardless of case", "WwW.ExAmPlE.oRg.", DNS_TYPE_A, AUTHORITATIVE,
           LIST("WwW.ExAmPlE.oRg. CNAME web.ExAmPlE.oRg.", "web.ExAmPlE.oRg. A 192.0.2.80"), NONE, NONE);
    expect("ANY returns one RRset, the lowest type (RFC 8482)", "mail.example.org.", DNS_TYPE_ANY, AUTHORITATIVE,
           LIST("mail.example.org. A 192.0.2.25"), NONE, NONE);
    expect("ANY at the apex returns the SOA (RFC 8482)", "example.org.", DNS_TYPE_ANY, AUTHORITATIVE, LIST(SOA_RECORD),
           NONE, NONE);
    expect("a name outside the zone is REFUSED", "www.example.net.", DNS_TYPE_A,
           (struct expectation){DNS_RCODE_REFUSED, false}, NONE, NONE, NONE);
    expect("the parent of the zone is REFUSED", "org.", DNS_TYPE_A, (struct expectation){DNS_RCODE_REFUSED, false},
           NONE, NONE, NONE);
    expect("AXFR over UDP is NOTIMP", "example.org.", DNS_TYPE_AXFR, (struct expectation){DNS_RCODE_NOTIMP, false},
           NONE, NONE, NONE);

    /* TTLs: the negative TTL is min(SOA TTL, SOA minimum); RRsets keep theirs. */
    struct response r;
    struct query q = make_query("nope.example.org.", DNS_TYPE_A, 0, 0, 0);
    if (ask("negative TTL", &q, &r, NULL)) {
        tap_check(r.counts[1] == 1 && r.records[1][0].ttl == 300, "negative TTL", "TTL %u", r.records[1][0].ttl);
    }
    q = make_query("example.org.", DNS_TYPE_NS, 0, 0, 0);
    if (ask("TTLs from $TTL and explicit", &q, &r, NULL)) {
        tap_check(r.records[0][0].ttl == 3600 && r.records[2][1].ttl == 600, "TTLs from $TTL and explicit", "%u and %u",
                  r.records[0][0].ttl, r.records[2][1].ttl);
    }
    q = make_query("mail.example.org.", DNS_TYPE_AAAA, 0, 0, 0);
    if (ask("the class before the TTL; a blank owner takes $TTL", &q, &r, NULL)) {
        tap_check(r.records[0][0].ttl == 3600, "the class before the TTL; a blank owner takes $TTL", "TTL %u",
                  r.records[0][0].ttl);
    }
    q = make_query("WwW.ExAmPlE.oRg.", DNS_TYPE_A, 0, 0, 0);
    if (ask("the question is echoed as asked", &q, &r, NULL)) {
        tap_check(strcmp(r.qname, "WwW.ExAmPlE.oRg.") == 0 && r.qtype == DNS_TYPE_A && r.header.id == 0x1234 &&
                      (r.header.flags & DNS_FLAG_RD) && !(r.header.flags & DNS_FLAG_RA),
                  "the question is echoed as asked", "%s", r.qname);
    }
}

static void header_checks(void)
{
    uint8_t out[1500];
    struct query q = make_query("www.example.org.", DNS_TYPE_A, 0, 0, 0);
    size_t length = dns_answer(zone, q.bytes, q.length, out, sizeof out);
    tap_check(length > q.length + 2 && out[q.length] == 0xC0 && out[q.length + 1] == DNS_HEADER_SIZE,
              "the answer's owner compresses to the question", "octets %02x %02x", out[q.length], out[q.length + 1]);
    /* The CNAME's target (web.example.org.) is written once; web's A record points at it. */
    tap_check(length == q.length + 2 + 10 + 6 + 2 + 10 + 4, "names in RDATA are compressed", "length %zu", length);

    q.bytes[2] |= 0x80;
    tap_check(dns_answer(zone, q.bytes, q.length, out, sizeof out) == 0, "a response gets no response", "%s", "");
    q = make_query("www.example.org.", DNS_TYPE_A, 0, 0, 0);
    tap_check(dns_answer(zone, q.bytes, 11, out, sizeof out) == 0, "a packet shorter than a header gets no response",
              "%s", "");
    tap_check(dns_answer(zone, q.bytes, q.length, out, 511) == 0, "a buffer below 512 octets gets no response", "%s",
              "");

    struct {
        const char *name;
        void (*mutate)(struct query *);
        unsigned rcode;
    } cases[] = {
        {"qdcount 0 is FORMERR", NULL, DNS_RCODE_FORMERR},
        {"qdcount 2 is FORMERR", NULL, DNS_RCODE_FORMERR},
        {"a truncated question is FORMERR", NULL, DNS_RCODE_FORMERR},
        {"a forward pointer in the question is FORMERR", NULL, DNS_RCODE_FORMERR},
        {"a pointer loop in the question is FORMERR", NULL, DNS_RCODE_FORMERR},
        {"an answer count with no answer is FORMERR", NULL, DNS_RCODE_FORMERR},
        {"two OPT records are FORMERR", NULL, DNS_RCODE_FORMERR},
        {"an OPT record not at the root is FORMERR", NULL, DNS_RCODE_FORMERR},
        {"opcode STATUS is NOTIMP", NULL, DNS_RCODE_NOTIMP},
        {"opcode NOTIFY is NOTIMP", NULL, DNS_RCODE_NOTIMP},
        {"class CH is REFUSED", NULL, DNS_RCODE_REFUSED},
        {"a question for OPT is FORMERR", NULL, DNS_RCODE_FORMERR},
        {"a query with an RCODE set is FORMERR", NULL, DNS_RCODE_FORMERR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        q = make_query("www.example.org.", DNS_TYPE_A, 0, 0, 0);
        switch (i) {
        case 0:
            dns_put16(q.bytes + 4, 0);
            break;
        case 1:
            dns_put16(q.bytes + 4, 2);
            break;
        case 2:
            q.length -= 3;
            break;
        case 3:
            q.bytes[12 + 4] = 0xC0;
            q.bytes[12 + 5] = 30;
            break; /* "www" then a pointer forward */
        case 4:
            q.bytes[12] = 0xC0;
            q.bytes[13] = 12;
            break; /* a pointer to itself */
        case 5:
            dns_put16(q.bytes + 6, 1);
            break;
        case 6: {
            struct query with = make_query("www.example.org.", DNS_TYPE_A, 1232, 0, 0);
            memcpy(with.bytes + with.length, with.bytes + with.length - 11, 11);
            with.length += 11;
            dns_put16(with.bytes + 10, 2);
            q = with;
            break;
        }
        case 7: {
            static const uint8_t opt_at_x[] = {1, 'x', 0, 0, DNS_TYPE_OPT, 0x04, 0xD0, 0, 0, 0, 0, 0, 0};
            memcpy(q.bytes + q.length, opt_at_x, sizeof opt_at_x);
            q.length += sizeof opt_at_x;
            dns_put16(q.bytes + 10, 1);
            break;
        }
        case 8:
            q.bytes[2] = (uint8_t)((q.bytes[2] & 0x87) | (2 << 3));
            break;
        case 9:
            q.bytes[2] = (uint8_t)((q.bytes[2] & 0x87) | (4 << 3));
            break;
        case 10:
            dns_put16(q.bytes + q.length - 2, 3);
            break;
        case 11:
            dns_put16(q.bytes + q.length - 4, DNS_TYPE_OPT);
            break;
        case 12:
            q.bytes[3] = (uint8_t)(q.bytes[3] | DNS_RCODE_REFUSED);
            break;
        }
        struct response r;
        if (ask(cases[i].name, &q, &r, NULL)) {
            tap_check(r.rcode == cases[i].rcode && r.counts[0] == 0 && !(r.header.flags & DNS_FLAG_AA), cases[i].name,
                      "rcode %u, %u answers, flags %04x", r.rcode, r.counts[0], r.header.flags);
        }
    }
}

static void edns_checks(void)
{
    struct response r;
    size_t length;
    struct query q = make_query("www.example.org.", DNS_TYPE_A, 4096, 0, DNS_EDNS_DO);
    if (ask("EDNS0: the OPT record is echoed", &q, &r, NULL)) {
        tap_check(r.has_opt && r.opt_payload == DNS_EDNS_PAYLOAD_MAX && r.opt_version == 0 && r.rcode == 0 &&
                      (r.opt_flags & DNS_EDNS_DO) && r.counts[0] == 2,
                  "EDNS0: the OPT record is echoed", "opt %d payload %u flags %04x", r.has_opt, r.opt_payload,
                  r.opt_flags);
    }
    q = make_query("www.example.org.", DNS_TYPE_A, 1232, 1, 0);
    if (ask("EDNS version 1 is BADVERS", &q, &r, NULL)) {
        tap_check(r.has_opt && r.rcode == DNS_RCODE_BADVERS && DNS_RCODE(r.header.flags) == 0 && r.counts[0] == 0,
                  "EDNS version 1 is BADVERS", "rcode %u", r.rcode);
    }
    q = make_query("big.example.org.", DNS_TYPE_A, 0, 0, 0);
    if (ask("over 512 octets without EDNS0: truncated", &q, &r, &length)) {
        tap_check((r.header.flags & DNS_FLAG_TC) && r.counts[0] == 0 && r.counts[1] == 0 && length <= 512,
                  "over 512 octets without EDNS0: truncated", "flags %04x, %u answers, %zu octets", r.header.flags,
                  r.counts[0], length);
    }
    q = make_query("big.example.org.", DNS_TYPE_A, 4096, 0, 0);
    if (ask("over 512 octets with EDNS0: whole", &q, &r, &length)) {
        tap_check(!(r.header.flags & DNS_FLAG_TC) && r.counts[0] == 35 && length > 512 && length <= 1232 && r.has_opt,
                  "over 512 octets with EDNS0: whole", "flags %04x, %u answers, %zu octets", r.header.flags,
                  r.counts[0], length);
    }
    q = make_query("big.example.org.", DNS_TYPE_A, 256, 0, 0);
    if (ask("an EDNS0 payload below 512 counts as 512", &q, &r, &length)) {
        tap_check((r.header.flags & DNS_FLAG_TC) && length <= 512 && r.has_opt,
                  "an EDNS0 payload below 512 counts as 512", "flags %04x, %zu octets", r.header.flags, length);
    }
    q = make_query("huge.example.org.", DNS_TYPE_TXT, 65000, 0, 0);
    if (ask("over 1232 octets: truncated even with EDNS0", &q, &r, &length)) {
        tap_check((r.header.flags & DNS_FLAG_TC) && r.counts[0] == 0 && length <= 1232 && r.has_opt,
                  "over 1232 octets: truncated even with EDNS0", "flags %04x, %zu octets", r.header.flags, length);
    }
    uint8_t small[512];
    q = make_query("big.example.org.", DNS_TYPE_A, 4096, 0, 0);
    length = dns_answer(zone, q.bytes, q.length, small, sizeof small);
    tap_check(length > 0 && length <= sizeof small && (small[2] & 0x02), "the response buffer's size is respected",
              "%zu octets", length);
}

static void name_checks(void)
{
    struct dns_name name = {0};
    size_t next = 0;
    /* "a.example.org." at 12, then "b" + pointer to "example.org." at 14. */
    const uint8_t message[] = {0,   0,   0,   0,   0,   0,   0, 0,   0,   0,   0, 0, 1,   'a',  7, 'e',
                               'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0, 1, 'b', 0xC0, 14};
    tap_check(dns_name_read(message, sizeof message, 27, &name, &next) == 0 && next == 31 && name.length == 15 &&
                  name.label_count == 3 && memcmp(name.wire, "\001b\007example\003org", 15) == 0,
              "a compressed name is read", "next %zu length %u", next, name.length);
    const uint8_t self[] = {0xC0, 0};
    tap_check(dns_name_read(self, sizeof self, 0, &name, &next) != 0, "a pointer to itself is rejected", "%s", "");
    const uint8_t forward[] = {0xC0, 2, 0};
    tap_check(dns_name_read(forward, sizeof forward, 0, &name, &next) != 0, "a forward pointer is rejected", "%s", "");
    const uint8_t loop[] = {1, 'a', 0xC0, 0};
    tap_check(dns_name_read(loop, sizeof loop, 0, &name, &next) != 0, "a pointer back into the same name is rejected",
              "%s", "");
    const uint8_t two_step[] = {0xC0, 4, 0, 0, 0xC0, 0};
    tap_check(dns_name_read(two_step, sizeof two_step, 4, &name, &next) != 0, "a two-pointer loop is rejected", "%s",
              "");
    uint8_t overlong[300];
    for (int i = 0; i < 4; i++) {
        overlong[i * 64] = 63;
        memset(overlong + i * 64 + 1, 'x', 63);
    }
    overlong[256] = 0;
    tap_check(dns_name_read(overlong, 257, 0, &name, &next) != 0, "a name over 255 octets is rejected", "%s", "");
    overlong[192] = 61;
    overlong[254] = 0;
    tap_check(dns_name_read(overlong, 255, 0, &name, &next) == 0 && name.length == 255, "a name of 255 octets is read",
              "%s", "");
    const uint8_t label64[] = {64, 'x'};
    tap_check(dns_name_read(label64, sizeof label64, 0, &name, &next) != 0, "label type 0x40 is rejected", "%s", "");
    const uint8_t cut_short[] = {3, 'w', 'w'};
    tap_check(dns_name_read(cut_short, sizeof cut_short, 0, &name, &next) != 0, "a name past the end is rejected", "%s",
              "");
    const uint8_t pointer_cut[] = {1, 'a', 0xC0};
    tap_check(dns_name_read(pointer_cut, sizeof pointer_cut, 0, &name, &next) != 0, "half a pointer is rejected", "%s",
              "");

    /* Compression round trip: names written with a compressor read back the same, and share suffixes. */
    uint8_t out[512] = {0};
    size_t pos = DNS_HEADER_SIZE;
    struct dns_compressor compressor = {0};
    const char *texts[] = {"www.example.org.",
                           "mail.example.org.",
                           "www.example.org.",
                           "example.org.",
                           "org.",
                           "a.b.c.example.net.",
                           "c.example.net.",
                           "WWW.EXAMPLE.ORG.",
                           "."};
    size_t offsets[9];
    bool written = true;
    for (int i = 0; i < 9; i++) {
        wire_from_text(texts[i], &name);
        offsets[i] = pos;
        written &= dns_name_write(out, &pos, sizeof out, name.wire, &compressor);
    }
    bool same = written;
    for (int i = 0; i < 9 && same; i++) {
        struct dns_name back, expected;
        wire_from_text(texts[i], &expected);
        same = dns_name_read(out, pos, offsets[i], &back, &next) == 0 && dns_wire_name_equal(back.wire, expected.wire);
    }
    tap_check(same, "compressed names read back as written", "%s", "");
    tap_check(pos - DNS_HEADER_SIZE == 17 + 7 + 2 + 2 + 2 + 19 + 2 + 2 + 1, "compression shares every suffix",
              "%zu octets", pos - DNS_HEADER_SIZE);
    pos = 500;
    wire_from_text("www.example.org.", &name);
    tap_check(!dns_name_write(out, &pos, 510, name.wire, NULL) && pos == 500, "a name that does not fit is not written",
              "%s", "");

    /* Text form. */
    struct dns_name origin, parsed;
    wire_from_text("example.org.", &origin);
    tap_check(dns_name_from_text("a\\.b\\065", 8, &origin, &parsed) == NULL &&
                  memcmp(parsed.wire, "\004a.bA\007example\003org", 18) == 0,
              "escapes in names", "%s", "");
    tap_check(dns_name_from_text("@", 1, &origin, &parsed) == NULL && parsed.length == origin.length, "@ is the origin",
              "%s", "");
    char long_label[80];
    memset(long_label, 'x', 64);
    tap_check(dns_name_from_text(long_label, 64, &origin, &parsed) != NULL, "a 64-octet label is rejected", "%s", "");
    tap_check(dns_name_from_text("a..b", 4, &origin, &parsed) != NULL, "an empty label is rejected", "%s", "");

    /* Canonical order (RFC 4034 section 6.1's example). */
    const char *ordered[] = {"example.",         "a.example.",      "yljkjljk.a.example.",
                             "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
                             "\\001.z.example.", "*.z.example.",    "\\200.z.example."};
    bool in_order = true;
    for (int i = 0; i + 1 < 9; i++) {
        struct dns_name a, b;
        wire_from_text(ordered[i], &a);
        wire_from_text(ordered[i + 1], &b);
        dns_name_lowercase(&a);
        dns_name_lowercase(&b);
        if (dns_name_canonical_compare(dns_name_ref_of(&a), dns_name_ref_of(&b)) >= 0) {
            in_order = false;
            tap_check(false, "canonical order", "%s is not before %s", ordered[i], ordered[i + 1]);
        }
    }
    if (in_order) {
        tap_check(true, "canonical order", "%s", "");
    }
}

/* A zone that must fail, and the start of its error ("<line>: <problem>"). */
static void zone_error(const char *name, const char *text, const char *expected)
{
    char error[200];
    struct dns_zone *bad = dns_zone_parse(text, strlen(text), "example.org.", error, sizeof error);
    tap_check(bad == NULL && strncmp(error, expected, strlen(expected)) == 0, name, "got '%s', expected '%s...'",
              bad ? "a zone" : error, expected);
    dns_zone_free(bad);
}

#define HEAD "$TTL 60\n@ SOA ns hm 1 2 3 4 5\n"

static void zone_checks(void)
{
    tap_check(dns_zone_record_count(zone) == TEST_ZONE_RECORDS, "the test zone's record count", "%zu records",
              dns_zone_record_count(zone));
    char error[200];
    const char minimal[] = "@ 60 IN SOA ns hm 1 2 3 4 5\n";
    struct dns_zone *small = dns_zone_parse(minimal, sizeof minimal - 1, "example.org", error, sizeof error);
    tap_check(small != NULL && dns_zone_record_count(small) == 1, "an origin without the final dot; the last TTL", "%s",
              small ? "" : error);
    dns_zone_free(small);
    const char no_newline[] = "@ 60 SOA ns hm 1 2 3 4 5\nwww A 192.0.2.1";
    small = dns_zone_parse(no_newline, sizeof no_newline - 1, "example.org.", error, sizeof error);
    tap_check(small != NULL && dns_zone_record_count(small) == 2, "no newline at the end", "%s", small ? "" : error);
    dns_zone_free(small);

    zone_error("a bad IPv4 address", HEAD "www A 192.0.2\n", "3: A record: bad IPv4 address '192.0.2'");
    zone_error("a bad IPv6 address", HEAD "www AAAA 2001:db8:::1\n", "3: AAAA record: bad IPv6 address");
    zone_error("an IPv6 address with 9 groups", HEAD "www AAAA 1:2:3:4:5:6:7:8:9\n", "3: AAAA record: bad IPv6");
    zone_error("an unknown type", HEAD "www BOGUS 1\n", "3: unknown record type 'BOGUS'");
    zone_error("no SOA", "$TTL 60\nwww A 192.0.2.1\n", "0: the zone has no SOA record");
    zone_error("two SOAs", HEAD "\n@ SOA ns hm 1 2 3 4 5\n", "4: a second SOA record (the first is on line 2)");
    zone_error("a record outside the zone", HEAD "www.example.net. A 192.0.2.1\n",
               "3: 'www.example.net.' is outside the zone 'example.org.'");
    zone_error("a CNAME beside other data", HEAD "www A 192.0.2.1\nwww CNAME web\n",
               "4: 'www.example.org.' has a CNAME and other records");
    zone_error("two CNAMEs", HEAD "www CNAME a\nwww CNAME b\n", "3: 'www.example.org.' has a CNAME and another CNAME");
    zone_error("an unclosed parenthesis", HEAD "\nwww TXT ( \"a\"\n \"b\"\n", "4: '(' not closed");
    zone_error("a stray closing parenthesis", HEAD "www A 192.0.2.1 )\n", "3: ')' without '('");
    zone_error("an unclosed quote", HEAD "www TXT \"abc\n", "3: quoted string not closed");
    zone_error("$INCLUDE", HEAD "$INCLUDE other.zone\n", "3: $INCLUDE is not supported");
    zone_error("an unknown directive", "$GENERATE 1-2 a A 1.2.3.4\n", "1: unknown directive '$GENERATE'");
    zone_error("class CH", HEAD "www CH A 192.0.2.1\n", "3: class 'CH' is not supported");
    zone_error("no TTL anywhere", "@ SOA ns hm 1 2 3 4 5\n", "1: no TTL");
    zone_error("a blank owner first", " 60 SOA ns hm 1 2 3 4 5\n", "1: the first record has no owner name");
    zone_error("a label over 63 octets",
               HEAD "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx A 192.0.2.1\n",
               "3: bad owner name");
    zone_error("a bad TTL", HEAD "www 5x A 192.0.2.1\n", "3: bad TTL '5x'");
    zone_error("too few MX fields", HEAD "@ MX 10\n", "3: MX record: too few RDATA fields");
    zone_error("too many A fields", HEAD "www A 192.0.2.1 192.0.2.2\n", "3: A record: too many RDATA fields");
    zone_error("a bad MX preference", HEAD "@ MX 70000 mail\n", "3: MX record: bad 16-bit number '70000'");
    zone_error("a bad SOA timer", "$TTL 60\n@ SOA ns hm 1 2 3 4 five\n", "2: SOA record: bad SOA timer 'five'");
    zone_error("a bad CAA tag", HEAD "@ CAA 0 is-sue \"x\"\n", "3: CAA record: CAA tag must be");
    zone_error("generic RDATA of the wrong length", HEAD "x TYPE999 \\# 3 0102\n",
               "3: TYPE999 record: generic RDATA length");
    zone_error("generic RDATA malformed for its type", HEAD "x A \\# 3 010203\n",
               "3: A record: generic RDATA is malformed");
    zone_error("a type needing the generic form", HEAD "x TYPE999 1 2 3\n", "3: TYPE999 record: this type needs");
    char long_txt[400];
    snprintf(long_txt, sizeof long_txt, HEAD "x TXT \"%0256d\"\n", 0);
    zone_error("a TXT string over 255 octets", long_txt, "3: TXT record: character string longer than 255");
    zone_error("a bad origin", "$ORIGIN a..b.\n", "1: bad $ORIGIN 'a..b.': empty label");
}

/* Random changes to real queries: every response must parse (the fuzzer does this at scale). */
static void mutation_checks(void)
{
    uint32_t state = 12345;
    const struct query seeds[] = {
        make_query("www.example.org.", DNS_TYPE_A, 1232, 0, 0),
        make_query("a.b.wild.example.org.", DNS_TYPE_TXT, 0, 0, 0),
        make_query("host.sub.example.org.", DNS_TYPE_A, 4096, 0, 0),
        make_query("example.org.", DNS_TYPE_MX, 0, 0, 0),
    };
    char why[200] = "";
    unsigned bad = 0, rounds = 20000;
    for (unsigned i = 0; i < rounds; i++) {
        struct query q = seeds[i % 4];
        unsigned changes = 1 + i % 4;
        for (unsigned c = 0; c < changes; c++) {
            state = state * 1103515245u + 12345u;
            size_t at = (state >> 8) % q.length;
            state = state * 1103515245u + 12345u;
            q.bytes[at] = (uint8_t)(state >> 16);
        }
        if (i % 7 == 0) {
            q.length -= (state >> 4) % q.length;
        }
        uint8_t out[1500];
        size_t length = dns_answer(zone, q.bytes, q.length, out, sizeof out);
        struct response r;
        bool expected_silence = q.length < DNS_HEADER_SIZE || (q.bytes[2] & 0x80);
        if (length == 0 ? !expected_silence : !parse_response(q.bytes, q.length, out, length, &r, why, sizeof why)) {
            if (length == 0) {
                snprintf(why, sizeof why, "no response");
            }
            bad++;
            break;
        }
    }
    tap_check(bad == 0, "20000 mutated queries get well-formed responses", "%s", why);
}

/* How many checks each group runs (the TAP plan is their sum). */
enum {
    NAME_CHECKS = 18,
    ZONE_CHECKS = 32,
    RESPONDER_CHECKS = 42,
    HEADER_CHECKS = 18,
    EDNS_CHECKS = 7,
    MUTATION_CHECKS = 1,
};

static int run_all(void)
{
    /* Each group's count is fixed: a group that runs a different number of checks fails the run. */
    static const struct tap_group groups[] = {
        {"names", name_checks, NAME_CHECKS},
        {"zone", zone_checks, ZONE_CHECKS},
        {"responder", responder_checks, RESPONDER_CHECKS},
        {"header", header_checks, HEADER_CHECKS},
        {"edns", edns_checks, EDNS_CHECKS},
        {"mutation", mutation_checks, MUTATION_CHECKS},
    };
    return test_zone_run_groups("dns_test", &zone, groups, sizeof groups / sizeof groups[0]);
}

static int run_corpus(const char *directory)
{
    char error[200];
    zone = test_zone_parse(error, sizeof error);
    if (zone == NULL) {
        fprintf(stderr, "dns_test: the test zone does not parse: %s\n", error);
        return 2;
    }
    DIR *dir = opendir(directory);
    if (dir == NULL) {
        fprintf(stderr, "dns_test: cannot open the corpus directory %s\n", directory);
        return 2;
    }
    struct dirent *entry;
    static char names[4096][256];
    size_t count = 0;
    while ((entry = readdir(dir)) != NULL && count < 4096) {
        if (entry->d_name[0] != '.') {
            snprintf(names[count++], sizeof names[0], "%s", entry->d_name);
        }
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    tap_plan((unsigned)count); /* one check per file, planned before any runs */
    for (size_t i = 0; i < count; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%.4000s/%.255s", directory, names[i]);
        FILE *file = fopen(path, "rb");
        uint8_t query[65536];
        size_t length = file ? fread(query, 1, sizeof query, file) : 0;
        if (file) {
            fclose(file);
        }
        if (strncmp(names[i], "zone-", 5) == 0) {
            /* A master file (from the zone-parser fuzzer): it parses, or fails with "<line>: <problem>". */
            char problem[200] = "";
            struct dns_zone *parsed =
                dns_zone_parse((const char *)query, length, TEST_ZONE_ORIGIN, problem, sizeof problem);
            tap_check(file != NULL &&
                          (parsed != NULL || (problem[0] >= '0' && problem[0] <= '9' && strchr(problem, ':'))),
                      names[i], "error '%s'", problem);
            dns_zone_free(parsed);
            continue;
        }
        uint8_t out[DNS_EDNS_PAYLOAD_MAX + 100];
        memset(out, 0xAA, sizeof out);
        size_t answer = dns_answer(zone, query, length, out, DNS_EDNS_PAYLOAD_MAX);
        char why[200] = "";
        struct response r;
        bool silent_ok = length < DNS_HEADER_SIZE || (query[2] & 0x80);
        bool ok = answer == 0 ? silent_ok : parse_response(query, length, out, answer, &r, why, sizeof why);
        bool guard = out[DNS_EDNS_PAYLOAD_MAX] == 0xAA;
        if (answer == 0 && !silent_ok) {
            snprintf(why, sizeof why, "no response");
        }
        tap_check(ok && guard && file != NULL, names[i], "%s%s", why, guard ? "" : " (wrote past the buffer)");
    }
    dns_zone_free(zone);
    return tap_exit_status();
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int run_answer_hex(const char *origin, const char *path)
{
    FILE *file = fopen(path, "rb");
    static char text[1 << 20];
    size_t length = file ? fread(text, 1, sizeof text, file) : 0;
    if (file == NULL) {
        fprintf(stderr, "dns_test: cannot read %s\n", path);
        return 2;
    }
    fclose(file);
    char error[200];
    zone = dns_zone_parse(text, length, origin, error, sizeof error);
    if (zone == NULL) {
        fprintf(stderr, "dns_test: %s: %s\n", path, error);
        return 2;
    }
    static char line[140000];
    while (fgets(line, sizeof line, stdin) != NULL) {
        uint8_t query[65536];
        size_t n = 0;
        for (size_t i = 0; hex_value(line[i]) >= 0 && hex_value(line[i + 1]) >= 0 && n < sizeof query; i += 2) {
            query[n++] = (uint8_t)(hex_value(line[i]) * 16 + hex_value(line[i + 1]));
        }
        uint8_t out[DNS_EDNS_PAYLOAD_MAX];
        size_t answer = dns_answer(zone, query, n, out, sizeof out);
        for (size_t i = 0; i < answer; i++) {
            printf("%02x", out[i]);
        }
        printf("\n");
        fflush(stdout);
    }
    dns_zone_free(zone);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--corpus") == 0) {
        return run_corpus(argv[2]);
    }
    if (argc == 4 && strcmp(argv[1], "--answer-hex") == 0) {
        return run_answer_hex(argv[2], argv[3]);
    }
    if (argc != 1) {
        fprintf(stderr, "usage: dns_test [--corpus DIR | --answer-hex ORIGIN ZONEFILE]\n");
        return 2;
    }
    return run_all();
}
