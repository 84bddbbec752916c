/* zone.c: the zone's lookup structure: nodes in canonical order (empty non-terminals included) for binary
 * search, their RRsets, zone cuts and wildcard children; built once from the parsed records, then read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/dns_internal.h"

int dns_builder_add(struct dns_zone_builder *builder, const struct dns_name *owner, uint16_t type, uint32_t ttl,
                    const uint8_t *rdata, size_t rdlength, unsigned line)
{
    if (builder->count == builder->capacity) {
        size_t capacity = builder->capacity ? builder->capacity * 2 : 64;
        struct dns_zone_record *records = realloc(builder->records, capacity * sizeof *records);
        if (records == NULL) {
            return -1;
        }
        builder->records = records;
        builder->capacity = capacity;
    }
    size_t need = (size_t)owner->length + rdlength;
    if (builder->data_capacity - builder->data_length < need) {
        size_t capacity = builder->data_capacity ? builder->data_capacity : 4096;
        while (capacity - builder->data_length < need) {
            capacity *= 2;
        }
        if (capacity > UINT32_MAX) {
            return -1;
        }
        uint8_t *data = realloc(builder->data, capacity);
        if (data == NULL) {
            return -1;
        }
        builder->data = data;
        builder->data_capacity = capacity;
    }
    struct dns_zone_record *record = &builder->records[builder->count++];
    record->owner = (uint32_t)builder->data_length;
    memcpy(builder->data + builder->data_length, owner->wire, owner->length);
    builder->data_length += owner->length;
    record->rdata = (uint32_t)builder->data_length;
    if (rdlength > 0) {
        memcpy(builder->data + builder->data_length, rdata, rdlength);
    }
    builder->data_length += rdlength;
    record->rdlength = (uint16_t)rdlength;
    record->type = type;
    record->ttl = ttl;
    record->line = line;
    return 0;
}

void dns_builder_free(struct dns_zone_builder *builder)
{
    free(builder->records);
    free(builder->data);
    memset(builder, 0, sizeof *builder);
}

/* Canonical order of two uncompressed wire names of any case (load time only: label offsets found per call). */
static int compare_wire(const uint8_t *a, const uint8_t *b)
{
    uint8_t a_starts[DNS_LABELS_MAX + 1], b_starts[DNS_LABELS_MAX + 1];
    unsigned i = 0, j = 0;
    for (unsigned at = 0; a[at] != 0; at += (unsigned)a[at] + 1) {
        a_starts[i++] = (uint8_t)at;
    }
    for (unsigned at = 0; b[at] != 0; at += (unsigned)b[at] + 1) {
        b_starts[j++] = (uint8_t)at;
    }
    while (i > 0 && j > 0) {
        const uint8_t *la = a + a_starts[--i], *lb = b + b_starts[--j];
        unsigned shorter = la[0] < lb[0] ? la[0] : lb[0];
        for (unsigned k = 1; k <= shorter; k++) {
            uint8_t ca = dns_lower(la[k]), cb = dns_lower(lb[k]);
            if (ca != cb) {
                return ca < cb ? -1 : 1;
            }
        }
        if (la[0] != lb[0]) {
            return la[0] < lb[0] ? -1 : 1;
        }
    }
    if (i == j) {
        return 0;
    }
    return i == 0 ? -1 : 1;
}

static int compare_name_pointers(const void *a, const void *b)
{
    return compare_wire(*(const uint8_t *const *)a, *(const uint8_t *const *)b);
}

/* A record during the build, pointing into the builder's data. */
struct pending {
    uint32_t node;
    uint16_t type;
    uint16_t rdlength;
    uint32_t ttl;
    unsigned line;
    const uint8_t *rdata;
};

static int compare_pending(const void *a, const void *b)
{
    const struct pending *x = a, *y = b;
    if (x->node != y->node) {
        return x->node < y->node ? -1 : 1;
    }
    if (x->type != y->type) {
        return x->type < y->type ? -1 : 1;
    }
    if (x->rdlength != y->rdlength) {
        return x->rdlength < y->rdlength ? -1 : 1;
    }
    int order = memcmp(x->rdata, y->rdata, x->rdlength);
    if (order != 0) {
        return order;
    }
    return x->line < y->line ? -1 : x->line > y->line; /* keeps the earliest line first among duplicates */
}

static void name_text(const uint8_t *wire, char *out, size_t size)
{
    size_t used = 0;
    if (size == 0) {
        return;
    }
    if (wire[0] == 0) {
        snprintf(out, size, ".");
        return;
    }
    for (const uint8_t *label = wire; *label != 0; label += *label + 1) {
        for (unsigned i = 1; i <= *label; i++) {
            uint8_t c = label[i];
            int wrote;
            if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')') {
                wrote = snprintf(out + used, size - used, "\\%c", c);
            } else if (c <= ' ' || c >= 0x7F) {
                wrote = snprintf(out + used, size - used, "\\%03u", c);
            } else {
                wrote = snprintf(out + used, size - used, "%c", c);
            }
            if (wrote < 0 || (size_t)wrote >= size - used) {
                return;
            }
            used += (size_t)wrote;
        }
        if (used + 1 >= size) {
            return;
        }
        out[used++] = '.';
        out[used] = '\0';
    }
}

uint32_t dns_zone_find(const struct dns_zone *zone, const struct dns_name *name, bool *exact)
{
    struct dns_name_ref key = dns_name_ref_of(name);
    uint32_t low = 0, high = zone->node_count; /* nodes[low] <= name < nodes[high] */
    while (high - low > 1) {
        uint32_t middle = low + (high - low) / 2;
        if (dns_name_canonical_compare(zone->nodes[middle].key, key) <= 0) {
            low = middle;
        } else {
            high = middle;
        }
    }
    *exact = dns_name_canonical_compare(zone->nodes[low].key, key) == 0;
    return low;
}

const struct dns_rrset *dns_node_rrset(const struct dns_zone *zone, const struct dns_node *node, uint16_t type)
{
    const struct dns_rrset *rrset = zone->rrsets + node->first_rrset;
    for (uint16_t i = 0; i < node->rrset_count; i++) {
        if (rrset[i].type == type) {
            return &rrset[i];
        }
    }
    return NULL;
}

void dns_zone_free(struct dns_zone *zone)
{
    if (zone == NULL) {
        return;
    }
    free(zone->nodes);
    free(zone->rrsets);
    free(zone->rdata_refs);
    free(zone->rdata);
    free(zone->owners);
    free(zone->keys);
    free(zone);
}

size_t dns_zone_record_count(const struct dns_zone *zone)
{
    return zone == NULL ? 0 : zone->record_count;
}

/* Sorts and de-duplicates every owner name and its ancestors down to the apex, and lays out the nodes. */
static int build_nodes(struct dns_zone *zone, const struct dns_zone_builder *builder, unsigned apex_labels)
{
    size_t candidates = 0;
    for (size_t i = 0; i < builder->count; i++) {
        struct dns_name owner;
        dns_name_from_wire(builder->data + builder->records[i].owner, DNS_NAME_MAX, &owner);
        candidates += owner.label_count - apex_labels + 1;
    }
    const uint8_t **names = malloc(candidates * sizeof *names);
    if (names == NULL) {
        return -1;
    }
    size_t count = 0;
    for (size_t i = 0; i < builder->count; i++) {
        const uint8_t *wire = builder->data + builder->records[i].owner;
        struct dns_name owner;
        dns_name_from_wire(wire, DNS_NAME_MAX, &owner);
        for (unsigned drop = 0; drop <= owner.label_count - apex_labels; drop++) {
            names[count++] = wire + owner.labels[drop];
        }
    }
    qsort(names, count, sizeof *names, compare_name_pointers);
    size_t unique = 0, octets = 0;
    for (size_t i = 0; i < count; i++) {
        if (unique == 0 || compare_wire(names[unique - 1], names[i]) != 0) {
            names[unique++] = names[i];
            octets += dns_wire_name_length(names[i]);
        }
    }
    zone->nodes = calloc(unique, sizeof *zone->nodes);
    zone->owners = malloc(octets);
    zone->keys = malloc(octets * 2);
    if (zone->nodes == NULL || zone->owners == NULL || zone->keys == NULL) {
        free(names);
        return -1;
    }
    zone->node_count = (uint32_t)unique;
    size_t owner_at = 0, key_at = 0;
    for (size_t i = 0; i < unique; i++) {
        struct dns_name name;
        dns_name_from_wire(names[i], DNS_NAME_MAX, &name);
        struct dns_node *node = &zone->nodes[i];
        node->owner = zone->owners + owner_at;
        memcpy(node->owner, name.wire, name.length);
        owner_at += name.length;
        dns_name_lowercase(&name);
        uint8_t *key = zone->keys + key_at;
        memcpy(key, name.wire, name.length);
        memcpy(key + name.length, name.labels, (size_t)name.label_count + 1);
        key_at += name.length + (size_t)name.label_count + 1;
        node->key = (struct dns_name_ref){key, key + name.length, name.length, name.label_count};
        node->parent = node->cut = node->wildcard = DNS_NODE_NONE;
    }
    free(names);
    return 0;
}

/* The node of `wire` (which is one: every owner and ancestor has a node). */
static uint32_t node_of(const struct dns_zone *zone, const uint8_t *wire)
{
    struct dns_name name;
    dns_name_from_wire(wire, DNS_NAME_MAX, &name);
    dns_name_lowercase(&name);
    bool exact;
    return dns_zone_find(zone, &name, &exact);
}

static struct dns_zone *build_failed(struct dns_zone *zone, struct pending *pending, unsigned *line, unsigned at_line,
                                     char *problem, size_t problem_size, const char *what)
{
    if (problem[0] == '\0') {
        snprintf(problem, problem_size, "%s", what);
    }
    *line = at_line;
    free(pending);
    dns_zone_free(zone);
    return NULL;
}

struct dns_zone *dns_zone_build(struct dns_zone_builder *builder, unsigned *line, char *problem, size_t problem_size)
{
    problem[0] = '\0';
    const struct dns_zone_record *soa = NULL;
    for (size_t i = 0; i < builder->count; i++) {
        const struct dns_zone_record *record = &builder->records[i];
        if (record->type != DNS_TYPE_SOA) {
            continue;
        }
        if (soa != NULL) {
            snprintf(problem, problem_size, "a second SOA record (the first is on line %u)", soa->line);
            return build_failed(NULL, NULL, line, record->line, problem, problem_size, "");
        }
        soa = record;
    }
    if (soa == NULL) {
        return build_failed(NULL, NULL, line, 0, problem, problem_size, "the zone has no SOA record");
    }
    struct dns_name apex;
    dns_name_from_wire(builder->data + soa->owner, DNS_NAME_MAX, &apex);
    for (size_t i = 0; i < builder->count; i++) {
        struct dns_name owner;
        dns_name_from_wire(builder->data + builder->records[i].owner, DNS_NAME_MAX, &owner);
        if (!dns_name_is_at_or_below(dns_name_ref_of(&owner), dns_name_ref_of(&apex))) {
            char owner_text[128], apex_text[128];
            name_text(owner.wire, owner_text, sizeof owner_text);
            name_text(apex.wire, apex_text, sizeof apex_text);
            snprintf(problem, problem_size, "'%s' is outside the zone '%s'", owner_text, apex_text);
            return build_failed(NULL, NULL, line, builder->records[i].line, problem, problem_size, "");
        }
    }
    struct dns_zone *zone = calloc(1, sizeof *zone);
    struct pending *pending = malloc(builder->count * sizeof *pending);
    if (zone == NULL || pending == NULL || build_nodes(zone, builder, apex.label_count) != 0) {
        return build_failed(zone, pending, line, 0, problem, problem_size, "out of memory");
    }
    for (size_t i = 0; i < builder->count; i++) {
        const struct dns_zone_record *record = &builder->records[i];
        pending[i] = (struct pending){node_of(zone, builder->data + record->owner),
                                      record->type,
                                      record->rdlength,
                                      record->ttl,
                                      record->line,
                                      builder->data + record->rdata};
    }
    qsort(pending, builder->count, sizeof *pending, compare_pending);
    size_t records = 0, rrsets = 0, octets = 0;
    for (size_t i = 0; i < builder->count; i++) {
        const struct pending *p = &pending[i];
        if (records > 0 && pending[records - 1].node == p->node && pending[records - 1].type == p->type &&
            pending[records - 1].rdlength == p->rdlength &&
            memcmp(pending[records - 1].rdata, p->rdata, p->rdlength) == 0) {
            continue; /* RFC 2181 section 5: an RRset has no duplicate records */
        }
        if (records == 0 || pending[records - 1].node != p->node || pending[records - 1].type != p->type) {
            rrsets++;
        }
        pending[records++] = *p;
        octets += p->rdlength;
    }
    zone->record_count = records;
    zone->rrsets = calloc(rrsets, sizeof *zone->rrsets);
    zone->rdata_refs = calloc(records, sizeof *zone->rdata_refs);
    zone->rdata = malloc(octets ? octets : 1);
    if (zone->rrsets == NULL || zone->rdata_refs == NULL || zone->rdata == NULL || octets > UINT32_MAX) {
        return build_failed(zone, pending, line, 0, problem, problem_size, "out of memory");
    }
    size_t rdata_at = 0;
    uint32_t rrset_index = 0;
    for (size_t i = 0; i < records; i++) {
        const struct pending *p = &pending[i];
        struct dns_node *node = &zone->nodes[p->node];
        bool starts_rrset = i == 0 || pending[i - 1].node != p->node || pending[i - 1].type != p->type;
        if (starts_rrset) {
            struct dns_rrset *rrset = &zone->rrsets[rrset_index];
            if (node->rrset_count == 0) {
                node->first_rrset = rrset_index;
            }
            node->rrset_count++;
            rrset_index++;
            *rrset = (struct dns_rrset){p->type, 0, p->ttl, (uint32_t)i};
        }
        struct dns_rrset *rrset = &zone->rrsets[rrset_index - 1];
        if (rrset->count == UINT16_MAX) {
            return build_failed(zone, pending, line, p->line, problem, problem_size,
                                "more than 65535 records in one RRset");
        }
        rrset->count++;
        if (p->ttl < rrset->ttl) {
            rrset->ttl = p->ttl; /* RFC 2181 section 5.2: one TTL per RRset; the smallest is the safe one */
        }
        zone->rdata_refs[i] = (struct dns_rdata_ref){(uint32_t)rdata_at, p->rdlength};
        memcpy(zone->rdata + rdata_at, p->rdata, p->rdlength);
        rdata_at += p->rdlength;
    }
    zone->rrset_count = rrset_index;
    /* Per node: its parent, the CNAME rule, the nearest zone cut, the wildcard child. Parents sort first. */
    for (uint32_t n = 0; n < zone->node_count; n++) {
        struct dns_node *node = &zone->nodes[n];
        if (n > 0) {
            node->parent = node_of(zone, node->owner + node->owner[0] + 1);
        }
        const struct dns_rrset *cname = dns_node_rrset(zone, node, DNS_TYPE_CNAME);
        if (cname != NULL && (node->rrset_count > 1 || cname->count > 1)) {
            char owner_text[128];
            unsigned cname_line = pending[cname->first].line;
            name_text(node->owner, owner_text, sizeof owner_text);
            snprintf(problem, problem_size, "'%s' has a CNAME and %s", owner_text,
                     cname->count > 1 ? "another CNAME" : "other records");
            return build_failed(zone, pending, line, cname_line, problem, problem_size, "");
        }
        if (n > 0) {
            struct dns_node *parent = &zone->nodes[node->parent];
            node->cut = dns_node_rrset(zone, node, DNS_TYPE_NS) != NULL ? n : parent->cut;
            if (node->owner[0] == 1 && node->owner[1] == '*') {
                parent->wildcard = n;
            }
        }
    }
    zone->soa = dns_node_rrset(zone, &zone->nodes[0], DNS_TYPE_SOA);
    const struct dns_rdata_ref *soa_rdata = &zone->rdata_refs[zone->soa->first];
    uint32_t minimum = dns_get32(zone->rdata + soa_rdata->offset + soa_rdata->length - 4);
    zone->negative_ttl = zone->soa->ttl < minimum ? zone->soa->ttl : minimum;
    free(pending);
    return zone;
}
