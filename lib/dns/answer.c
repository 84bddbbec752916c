/* answer.c: the authoritative responder: one query in, one response out, over UDP or TCP (RFC 1034 section 4.3.2
 * with RFC 2308 negative answers, RFC 4592 wildcards, RFC 6891 EDNS0), and the first message of a zone transfer;
 * allocation-free. */
#include <string.h>

#include "lib/dns/dns_internal.h"

#define ADDITIONAL_TARGETS_MAX 32
#define WRITTEN_RRSETS_MAX 64

enum section { ANSWER, AUTHORITY, ADDITIONAL };

struct response {
    const struct dns_zone *zone;
    uint8_t *message;
    size_t pos;
    size_t limit; /* where sections must stop: the payload size less room for our OPT record */
    size_t question_end;
    struct dns_compressor compressor;
    uint16_t counts[3];
    uint16_t flags;
    uint8_t rcode;
    int32_t extended_error; /* an RFC 8914 info code for the OPT record, or DNS_EDE_NONE */
    bool truncated;
    /* Names whose A and AAAA go into the additional section (RDATA in the zone), and RRsets already written. */
    const uint8_t *targets[ADDITIONAL_TARGETS_MAX];
    unsigned target_count;
    bool targets_required; /* referral glue: when it does not fit, the response is truncated (RFC 9471) */
    const struct dns_rrset *written[WRITTEN_RRSETS_MAX];
    unsigned written_count;
};

static bool already_written(const struct response *r, const struct dns_rrset *rrset)
{
    for (unsigned i = 0; i < r->written_count; i++) {
        if (r->written[i] == rrset) {
            return true;
        }
    }
    return false;
}

/* Appends an RRset under `owner`, with `ttl`; all or nothing. Records MX/NS/SRV targets for the additional
 * section. Returns false when it does not fit. */
static bool put_rrset(struct response *r, enum section section, const uint8_t *owner, const struct dns_rrset *rrset,
                      uint32_t ttl)
{
    size_t start = r->pos;
    unsigned entries = r->compressor.count;
    const struct dns_rdata_ref *ref = r->zone->rdata_refs + rrset->first;
    for (uint16_t i = 0; i < rrset->count; i++) {
        if (!dns_rr_write(r->message, &r->pos, r->limit, &r->compressor, owner, rrset->type, ttl,
                          r->zone->rdata + ref[i].offset, ref[i].length)) {
            r->pos = start;
            r->compressor.count = entries;
            return false;
        }
    }
    r->counts[section] = (uint16_t)(r->counts[section] + rrset->count);
    if (r->written_count < WRITTEN_RRSETS_MAX) {
        r->written[r->written_count++] = rrset;
    }
    /* Minimal responses, as NSD gives them with minimal-responses: addresses of name servers only (NS answers
     * and referrals); MX and SRV targets are left for the resolver to ask. */
    int target = rrset->type == DNS_TYPE_NS ? dns_rdata_target_offset(rrset->type) : -1;
    if (target >= 0 && section != ADDITIONAL) {
        for (uint16_t i = 0; i < rrset->count && r->target_count < ADDITIONAL_TARGETS_MAX; i++) {
            const uint8_t *name = r->zone->rdata + ref[i].offset + target;
            if (name[0] != 0) { /* SRV "." means no service */
                r->targets[r->target_count++] = name;
            }
        }
    }
    return true;
}

/* A required RRset (answer or authority): when it does not fit, the whole response is truncated. */
static bool put_required(struct response *r, enum section section, const uint8_t *owner, const struct dns_rrset *rrset,
                         uint32_t ttl)
{
    if (r->truncated) {
        return false;
    }
    if (!put_rrset(r, section, owner, rrset, ttl)) {
        r->truncated = true;
        return false;
    }
    return true;
}

static void put_negative_soa(struct response *r)
{
    const struct dns_node *apex = &r->zone->nodes[0];
    put_required(r, AUTHORITY, apex->owner, r->zone->soa, r->zone->negative_ttl);
}

/* A and AAAA for the names MX, NS and SRV records pointed at, when the zone has them (glue included). */
static void put_additional(struct response *r)
{
    for (unsigned t = 0; t < r->target_count && !r->truncated; t++) {
        struct dns_name name;
        if (dns_name_from_wire(r->targets[t], DNS_NAME_MAX, &name) != 0) {
            continue;
        }
        dns_name_lowercase(&name);
        if (!dns_name_is_at_or_below(dns_name_ref_of(&name), r->zone->nodes[0].key)) {
            continue;
        }
        bool exact;
        const struct dns_node *node = &r->zone->nodes[dns_zone_find(r->zone, &name, &exact)];
        if (!exact || (node->cut != DNS_NODE_NONE && !r->targets_required)) {
            continue; /* glue goes only into referrals */
        }
        static const uint16_t address_types[] = {DNS_TYPE_A, DNS_TYPE_AAAA};
        for (unsigned k = 0; k < 2; k++) {
            const struct dns_rrset *rrset = dns_node_rrset(r->zone, node, address_types[k]);
            if (rrset == NULL || already_written(r, rrset)) {
                continue;
            }
            if (!put_rrset(r, ADDITIONAL, node->owner, rrset, rrset->ttl)) {
                if (r->targets_required) {
                    r->truncated = true;
                }
                return; /* optional data stops at the first record that does not fit (RFC 2181 section 9) */
            }
        }
    }
}

static void put_referral(struct response *r, uint32_t cut, bool authoritative_so_far)
{
    const struct dns_node *node = &r->zone->nodes[cut];
    if (!authoritative_so_far) {
        r->flags &= (uint16_t)~DNS_FLAG_AA;
    }
    r->targets_required = true;
    put_required(r, AUTHORITY, node->owner, dns_node_rrset(r->zone, node, DNS_TYPE_NS),
                 dns_node_rrset(r->zone, node, DNS_TYPE_NS)->ttl);
}

/* Answers from one node: the exact match, or the wildcard standing in for `owner`. Returns the CNAME RRset to
 * follow, or NULL when the answer is complete. */
static const struct dns_rrset *answer_from_node(struct response *r, const struct dns_node *node, const uint8_t *owner,
                                                uint16_t qtype)
{
    const struct dns_rrset *sets = r->zone->rrsets + node->first_rrset;
    if (qtype == DNS_TYPE_ANY) {
        /* RFC 8482: one RRset, not all of them (as NSD does): the SOA at the apex, else the lowest type. */
        const struct dns_rrset *chosen = dns_node_rrset(r->zone, node, DNS_TYPE_SOA);
        if (chosen == NULL) {
            for (uint16_t i = 0; i < node->rrset_count; i++) {
                if (chosen == NULL || sets[i].type < chosen->type) {
                    chosen = &sets[i];
                }
            }
        }
        if (chosen != NULL) {
            put_required(r, ANSWER, owner, chosen, chosen->ttl);
        } else {
            put_negative_soa(r);
        }
        return NULL;
    }
    const struct dns_rrset *match = dns_node_rrset(r->zone, node, qtype);
    if (match != NULL) {
        put_required(r, ANSWER, owner, match, match->ttl);
        return NULL;
    }
    const struct dns_rrset *cname = dns_node_rrset(r->zone, node, DNS_TYPE_CNAME);
    if (cname != NULL && already_written(r, cname)) {
        return NULL; /* a CNAME loop: the chain so far is the answer */
    }
    if (cname != NULL) {
        return put_required(r, ANSWER, owner, cname, cname->ttl) ? cname : NULL;
    }
    put_negative_soa(r); /* NODATA */
    return NULL;
}

/* Resolves `qname` (the question's name, as asked) by RFC 1034 section 4.3.2 within the zone. */
static void resolve(struct response *r, const struct dns_name *qname, uint16_t qtype)
{
    const struct dns_zone *zone = r->zone;
    struct dns_name name = *qname;
    const uint8_t *owner = r->message + DNS_HEADER_SIZE; /* the question's name: compresses to one pointer */
    dns_name_lowercase(&name);
    if (!dns_name_is_at_or_below(dns_name_ref_of(&name), zone->nodes[0].key)) {
        r->rcode = DNS_RCODE_REFUSED;
        r->extended_error = DNS_EDE_NOT_AUTHORITATIVE; /* as NSD says why */
        r->flags &= (uint16_t)~DNS_FLAG_AA;
        return;
    }
    for (unsigned hop = 0; hop <= DNS_CNAME_HOPS_MAX && !r->truncated; hop++) {
        bool exact;
        uint32_t found = dns_zone_find(zone, &name, &exact);
        const struct dns_node *node = &zone->nodes[found];
        const struct dns_rrset *cname;
        if (exact) {
            if (node->cut != DNS_NODE_NONE && !(node->cut == found && qtype == DNS_TYPE_DS)) {
                put_referral(r, node->cut, hop > 0);
                return;
            }
            cname = answer_from_node(r, node, owner, qtype);
        } else {
            /* The closest encloser is the deepest ancestor of `name` with a node: the one `found` shares most
             * labels with (every ancestor of a node is a node, so it is an ancestor of `found` too). */
            unsigned common = dns_name_common_labels(node->key, dns_name_ref_of(&name));
            while (node->key.label_count > common) {
                node = &zone->nodes[node->parent];
            }
            if (node->cut != DNS_NODE_NONE) {
                put_referral(r, node->cut, hop > 0);
                return;
            }
            if (node->wildcard == DNS_NODE_NONE) {
                r->rcode = DNS_RCODE_NXDOMAIN;
                put_negative_soa(r);
                return;
            }
            cname = answer_from_node(r, &zone->nodes[node->wildcard], owner, qtype);
        }
        if (cname == NULL) {
            return;
        }
        /* Follow the CNAME when its target is in the zone; the answer is then complete up to that name. */
        const uint8_t *target = zone->rdata + zone->rdata_refs[cname->first].offset;
        if (dns_name_from_wire(target, DNS_NAME_MAX, &name) != 0) {
            return;
        }
        owner = target;
        dns_name_lowercase(&name);
        if (!dns_name_is_at_or_below(dns_name_ref_of(&name), zone->nodes[0].key)) {
            return;
        }
    }
}

/* A response with only a header, for errors found before the question could be trusted. */
static size_t header_only(uint8_t *response, const struct dns_header *query, uint8_t rcode)
{
    struct dns_header header = {
        .id = query->id,
        .flags = (uint16_t)(DNS_FLAG_QR | (query->flags & (0x7800 | DNS_FLAG_RD | DNS_FLAG_CD)) | rcode),
    };
    dns_header_write(response, &header);
    return DNS_HEADER_SIZE;
}

/* RFC 1982 serial arithmetic: whether serial `a` is `b` or after it. */
static bool serial_at_or_after(uint32_t a, uint32_t b)
{
    return a == b || (uint32_t)(a - b) < 0x80000000u;
}

/* Reads the serial of the SOA an IXFR query carries in its authority section (RFC 1995 section 3). */
static int ixfr_client_serial(const uint8_t *query, size_t query_len, const struct dns_wire_rr *rr, uint32_t *serial)
{
    struct dns_name name;
    size_t at = rr->rdata, end = rr->rdata + rr->rdlength;
    for (int i = 0; i < 2; i++) { /* MNAME and RNAME, possibly compressed */
        if (dns_name_read(query, query_len, at, &name, &at) != 0 || at > end) {
            return -1;
        }
    }
    if (end - at != 20) {
        return -1;
    }
    *serial = dns_get32(query + at);
    return 0;
}

/* A zone transfer question (RFC 5936 section 2.2.1, RFC 1995 section 2). Over UDP, AXFR is not defined and an
 * IXFR gets the zone's SOA alone, which sends the client to TCP. Over TCP, an AXFR or an IXFR whose client is
 * behind starts `transfer`, which writes the first records here. */
static void answer_transfer(struct response *r, const struct dns_name *qname, uint16_t qtype, bool tcp, bool allowed,
                            bool have_client_serial, uint32_t client_serial, struct dns_transfer *transfer,
                            const struct dns_header *query, const struct dns_edns *edns)
{
    const struct dns_zone *zone = r->zone;
    struct dns_name name = *qname;
    dns_name_lowercase(&name);
    r->flags &= (uint16_t)~DNS_FLAG_AA;
    if (!tcp && qtype == DNS_TYPE_AXFR) {
        r->rcode = DNS_RCODE_NOTIMP;
        return;
    }
    if (transfer != NULL) {
        transfer->qtype = qtype;
        transfer->outcome = DNS_TRANSFER_ERROR;
    }
    if (!allowed) {
        r->rcode = DNS_RCODE_REFUSED;
        if (transfer != NULL) {
            transfer->outcome = DNS_TRANSFER_REFUSED;
        }
        return;
    }
    if (!dns_name_is_at_or_below(dns_name_ref_of(&name), zone->nodes[0].key)) {
        r->rcode = DNS_RCODE_REFUSED;
        r->extended_error = DNS_EDE_NOT_AUTHORITATIVE;
        return;
    }
    if (name.label_count != zone->nodes[0].key.label_count) {
        r->rcode = DNS_RCODE_NOTAUTH; /* not a zone we serve: RFC 5936 section 2.2.1 */
        return;
    }
    if (qtype == DNS_TYPE_IXFR && !have_client_serial) {
        r->rcode = DNS_RCODE_FORMERR; /* RFC 1995 section 3: the query carries the client's SOA */
        return;
    }
    r->flags |= DNS_FLAG_AA;
    const struct dns_rdata_ref *soa = &zone->rdata_refs[zone->soa->first];
    const uint8_t *soa_rdata = zone->rdata + soa->offset;
    uint32_t serial = dns_get32(soa_rdata + soa->length - 20);
    bool current = qtype == DNS_TYPE_IXFR && serial_at_or_after(client_serial, serial);
    if (!tcp || current) {
        put_required(r, ANSWER, zone->nodes[0].owner, zone->soa, zone->soa->ttl);
        if (transfer != NULL) {
            transfer->outcome = DNS_TRANSFER_CURRENT;
        }
        return;
    }
    dns_transfer_begin(transfer, zone, query->id, (uint16_t)(r->flags), edns->present,
                       (uint16_t)(edns->flags & DNS_EDNS_DO));
    transfer->outcome = DNS_TRANSFER_FULL;
    transfer->qtype = qtype;
    if (dns_transfer_fill(transfer, r->message, &r->pos, r->limit, &r->compressor, &r->counts[ANSWER]) != 0) {
        r->truncated = true; /* the first record, the SOA, fits in any message over TCP, so this cannot happen */
    }
}

static size_t respond(const struct dns_zone *zone, const uint8_t *query, size_t query_len, uint8_t *response,
                      size_t response_size, bool tcp, bool transfer_allowed, struct dns_transfer *transfer)
{
    if (zone == NULL || query_len < DNS_HEADER_SIZE || response_size < DNS_UDP_PAYLOAD) {
        return 0;
    }
    struct dns_header header;
    dns_header_read(query, &header);
    if (header.flags & DNS_FLAG_QR) {
        return 0; /* never answer a response: no loops between servers */
    }
    if (DNS_OPCODE(header.flags) != 0) {
        return header_only(response, &header, DNS_RCODE_NOTIMP);
    }
    /* RCODE is set only in responses (RFC 1035 section 4.1.1): a query carrying one is malformed, as NSD says. */
    if (header.qdcount != 1 || DNS_RCODE(header.flags) != 0) {
        return header_only(response, &header, DNS_RCODE_FORMERR);
    }
    struct dns_name qname;
    size_t pos;
    if (dns_name_read(query, query_len, DNS_HEADER_SIZE, &qname, &pos) != 0 || query_len - pos < 4) {
        return header_only(response, &header, DNS_RCODE_FORMERR);
    }
    uint16_t qtype = dns_get16(query + pos), qclass = dns_get16(query + pos + 2);
    pos += 4;
    /* The other sections must parse; an OPT record in the additional section matters to us, and the SOA in the
     * authority section of an IXFR. */
    struct dns_edns edns = {.present = false};
    bool have_client_serial = false;
    uint32_t client_serial = 0;
    unsigned records = (unsigned)header.ancount + header.nscount + header.arcount;
    for (unsigned i = 0; i < records; i++) {
        struct dns_wire_rr rr;
        if (dns_rr_read(query, query_len, &pos, &rr) != 0) {
            return header_only(response, &header, DNS_RCODE_FORMERR);
        }
        bool in_authority = i >= header.ancount && i < (unsigned)header.ancount + header.nscount;
        if (qtype == DNS_TYPE_IXFR && in_authority && rr.type == DNS_TYPE_SOA && !have_client_serial) {
            if (ixfr_client_serial(query, query_len, &rr, &client_serial) != 0) {
                return header_only(response, &header, DNS_RCODE_FORMERR);
            }
            have_client_serial = true;
        }
        if (rr.type == DNS_TYPE_OPT) {
            bool in_additional = i >= (unsigned)header.ancount + header.nscount;
            if (!in_additional || edns.present || dns_opt_parse(query, &rr, &edns) != 0) {
                return header_only(response, &header, DNS_RCODE_FORMERR);
            }
        }
    }
    if (pos != query_len) {
        return header_only(response, &header, DNS_RCODE_FORMERR); /* bytes the counts do not account for */
    }

    struct response r = {.zone = zone, .message = response, .extended_error = DNS_EDE_NONE};
    size_t payload = DNS_UDP_PAYLOAD;
    if (tcp) {
        payload = DNS_TCP_MESSAGE_MAX; /* RFC 7766 section 8: the EDNS size does not apply over TCP */
    } else if (edns.present && edns.payload > DNS_UDP_PAYLOAD) {
        payload = edns.payload < DNS_EDNS_PAYLOAD_MAX ? edns.payload : DNS_EDNS_PAYLOAD_MAX;
    }
    if (payload > response_size) {
        payload = response_size;
    }
    r.limit = payload - (edns.present ? DNS_OPT_SIZE : 0);
    r.flags = (uint16_t)(DNS_FLAG_QR | DNS_FLAG_AA | (header.flags & (DNS_FLAG_RD | DNS_FLAG_CD)));
    r.pos = DNS_HEADER_SIZE;
    /* The question goes back as asked (the name uncompressed, its case kept). */
    if (!dns_name_write(response, &r.pos, r.limit, qname.wire, &r.compressor) || r.limit - r.pos < 4) {
        return header_only(response, &header, DNS_RCODE_FORMERR);
    }
    dns_put16(response + r.pos, qtype);
    dns_put16(response + r.pos + 2, qclass);
    r.pos += 4;
    r.question_end = r.pos;

    uint8_t extended_rcode = 0;
    if (edns.present && edns.version > 0) {
        extended_rcode = DNS_RCODE_BADVERS >> 4; /* RFC 6891 section 6.1.3 */
        r.flags &= (uint16_t)~DNS_FLAG_AA;
    } else if (qclass != DNS_CLASS_IN && qclass != DNS_CLASS_ANY) {
        r.rcode = DNS_RCODE_REFUSED;
        r.extended_error = DNS_EDE_NOT_SUPPORTED;
        r.flags &= (uint16_t)~DNS_FLAG_AA;
    } else if (qtype == DNS_TYPE_AXFR || qtype == DNS_TYPE_IXFR) {
        answer_transfer(&r, &qname, qtype, tcp, transfer_allowed, have_client_serial, client_serial, transfer, &header,
                        &edns);
    } else if (qtype == DNS_TYPE_OPT || (qtype >= 128 && qtype <= 250)) {
        r.rcode = DNS_RCODE_FORMERR; /* OPT and the meta types cannot be asked for */
        r.flags &= (uint16_t)~DNS_FLAG_AA;
    } else {
        resolve(&r, &qname, qtype);
        if (!r.truncated) {
            put_additional(&r);
        }
    }
    if (r.truncated) {
        r.pos = r.question_end;
        r.counts[ANSWER] = r.counts[AUTHORITY] = r.counts[ADDITIONAL] = 0;
        if (tcp) {
            /* Over TCP there is no larger transport to retry on (RFC 7766 section 8): what does not fit in
             * 65,535 octets cannot be answered. */
            r.rcode = DNS_RCODE_SERVFAIL;
            r.flags &= (uint16_t)~DNS_FLAG_AA;
            if (transfer != NULL) {
                dns_transfer_end(transfer);
            }
        } else {
            r.flags |= DNS_FLAG_TC;
        }
    }
    if (edns.present) {
        /* Room was kept under r.limit, so this fits; an extended error comes only with REFUSED, whose response
         * holds the question alone (under 300 octets), so it fits too. DO is echoed (RFC 3225); we add no
         * DNSSEC records. */
        dns_opt_write(response, &r.pos, payload, DNS_EDNS_PAYLOAD_MAX, extended_rcode, edns.flags & DNS_EDNS_DO,
                      r.extended_error);
        r.counts[ADDITIONAL]++;
    }
    struct dns_header out = {
        .id = header.id,
        .flags = (uint16_t)(r.flags | r.rcode),
        .qdcount = 1,
        .ancount = r.counts[ANSWER],
        .nscount = r.counts[AUTHORITY],
        .arcount = r.counts[ADDITIONAL],
    };
    dns_header_write(response, &out);
    return r.pos;
}

size_t dns_answer(const struct dns_zone *zone, const uint8_t *query, size_t query_len, uint8_t *response,
                  size_t response_size)
{
    return respond(zone, query, query_len, response, response_size, false, false, NULL);
}

size_t dns_answer_udp(const struct dns_zone *zone, const uint8_t *query, size_t query_len, uint8_t *response,
                      size_t response_size, bool transfer_allowed)
{
    return respond(zone, query, query_len, response, response_size, false, transfer_allowed, NULL);
}

size_t dns_answer_tcp(const struct dns_zone *zone, const uint8_t *query, size_t query_len, uint8_t *response,
                      size_t response_size, bool transfer_allowed, struct dns_transfer *transfer)
{
    /* Until a transfer starts, there is nothing after the first message. */
    dns_transfer_end(transfer);
    transfer->outcome = DNS_TRANSFER_NONE;
    return respond(zone, query, query_len, response, response_size, true, transfer_allowed, transfer);
}
