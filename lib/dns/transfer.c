/* transfer.c: zone transfer messages (RFC 5936 AXFR, and RFC 1995 IXFR in its AXFR form): the zone's SOA, every
 * other record in canonical order, the SOA again, split into messages of at most 65,535 octets. */
#include "lib/dns/dns_internal.h"

enum transfer_phase { FIRST_SOA, RECORDS, LAST_SOA, DONE };

void dns_transfer_begin(struct dns_transfer *transfer, const struct dns_zone *zone, uint16_t id, uint16_t flags,
                        bool edns, uint16_t edns_flags)
{
    *transfer = (struct dns_transfer){
        .zone = zone,
        .id = id,
        .flags = flags,
        .edns = edns,
        .edns_flags = edns_flags,
        .phase = FIRST_SOA,
    };
}

void dns_transfer_end(struct dns_transfer *transfer)
{
    if (transfer != NULL) {
        transfer->phase = DONE;
    }
}

/* Moves the cursor to the next record to send in the RECORDS phase, skipping the SOA (sent first and last) and
 * empty non-terminals; enters LAST_SOA after the last node. */
static void settle(struct dns_transfer *t)
{
    const struct dns_zone *zone = t->zone;
    while (t->phase == RECORDS) {
        if (t->node >= zone->node_count) {
            t->phase = LAST_SOA;
            return;
        }
        const struct dns_node *node = &zone->nodes[t->node];
        if (t->rrset >= node->rrset_count) {
            t->node++;
            t->rrset = 0;
            t->record = 0;
            continue;
        }
        const struct dns_rrset *rrset = &zone->rrsets[node->first_rrset + t->rrset];
        if (rrset == zone->soa || t->record >= rrset->count) {
            t->rrset++;
            t->record = 0;
            continue;
        }
        return;
    }
}

int dns_transfer_fill(struct dns_transfer *t, uint8_t *message, size_t *pos, size_t limit,
                      struct dns_compressor *compressor, uint16_t *count)
{
    const struct dns_zone *zone = t->zone;
    uint16_t added = 0;
    settle(t);
    while (t->phase != DONE && *count < UINT16_MAX) {
        const uint8_t *owner;
        const struct dns_rrset *rrset;
        uint16_t record;
        if (t->phase == RECORDS) {
            const struct dns_node *node = &zone->nodes[t->node];
            owner = node->owner;
            rrset = &zone->rrsets[node->first_rrset + t->rrset];
            record = t->record;
        } else {
            owner = zone->nodes[0].owner;
            rrset = zone->soa;
            record = 0;
        }
        const struct dns_rdata_ref *ref = &zone->rdata_refs[rrset->first + record];
        if (!dns_rr_write(message, pos, limit, compressor, owner, rrset->type, rrset->ttl, zone->rdata + ref->offset,
                          ref->length)) {
            return added == 0 && *count == 0 ? -1 : 0;
        }
        added++;
        (*count)++;
        if (t->phase == RECORDS) {
            t->record++;
        } else {
            t->phase = t->phase == FIRST_SOA ? RECORDS : DONE;
            t->node = 0;
            t->rrset = 0;
            t->record = 0;
        }
        settle(t);
    }
    return 0;
}

size_t dns_transfer_next(struct dns_transfer *t, uint8_t *response, size_t response_size)
{
    if (t->phase == DONE || response_size < DNS_UDP_PAYLOAD) {
        return 0;
    }
    size_t payload = response_size < DNS_TCP_MESSAGE_MAX ? response_size : DNS_TCP_MESSAGE_MAX;
    size_t limit = payload - (t->edns ? DNS_OPT_SIZE : 0);
    struct dns_compressor compressor = {.count = 0};
    size_t pos = DNS_HEADER_SIZE;
    uint16_t answers = 0;
    uint16_t flags = t->flags;
    if (dns_transfer_fill(t, response, &pos, limit, &compressor, &answers) != 0) {
        /* A record larger than any message: the secondary must not take the zone without it. */
        flags = (uint16_t)((flags & (uint16_t)~DNS_FLAG_AA) | DNS_RCODE_SERVFAIL);
        t->phase = DONE;
    }
    uint16_t additional = 0;
    if (t->edns) {
        dns_opt_write(response, &pos, payload, DNS_EDNS_PAYLOAD_MAX, 0, t->edns_flags, DNS_EDE_NONE);
        additional = 1;
    }
    struct dns_header header = {.id = t->id, .flags = flags, .ancount = answers, .arcount = additional};
    dns_header_write(response, &header);
    return pos;
}
