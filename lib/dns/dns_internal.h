/* dns_internal.h: what the files of lib/dns share: wire constants, names, the zone's lookup structure, the
 * master-file lexer and the per-type RDATA codecs. Not part of the API (dns.h); the tests use it too. */
#ifndef MIRAGE_DNS_INTERNAL_H
#define MIRAGE_DNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dns/dns.h"

/* --- wire constants (RFC 1035 section 4, RFC 6891) ----------------------------------------------------------- */

#define DNS_HEADER_SIZE 12
#define DNS_NAME_MAX 255 /* octets in wire form, root label included */
#define DNS_LABEL_MAX 63
#define DNS_LABELS_MAX 127 /* non-root labels a 255-octet name can hold */
#define DNS_UDP_PAYLOAD 512
#define DNS_RR_FIXED 10 /* type, class, TTL, RDLENGTH */
#define DNS_OPT_SIZE 11 /* an OPT record without options */
#define DNS_EDE_SIZE 6  /* an Extended DNS Error option (RFC 8914) with no text */
#define DNS_CNAME_HOPS_MAX 8

enum dns_type {
    DNS_TYPE_A = 1,
    DNS_TYPE_NS = 2,
    DNS_TYPE_CNAME = 5,
    DNS_TYPE_SOA = 6,
    DNS_TYPE_PTR = 12,
    DNS_TYPE_MX = 15,
    DNS_TYPE_TXT = 16,
    DNS_TYPE_AAAA = 28,
    DNS_TYPE_SRV = 33,
    DNS_TYPE_OPT = 41,
    DNS_TYPE_DS = 43,
    DNS_TYPE_IXFR = 251,
    DNS_TYPE_AXFR = 252,
    DNS_TYPE_ANY = 255,
    DNS_TYPE_CAA = 257,
};

#define DNS_CLASS_IN 1
#define DNS_CLASS_ANY 255

enum dns_rcode {
    DNS_RCODE_NOERROR = 0,
    DNS_RCODE_FORMERR = 1,
    DNS_RCODE_SERVFAIL = 2,
    DNS_RCODE_NXDOMAIN = 3,
    DNS_RCODE_NOTIMP = 4,
    DNS_RCODE_REFUSED = 5,
    DNS_RCODE_NOTAUTH = 9,
    DNS_RCODE_BADVERS = 16, /* extended: the upper 8 bits travel in the OPT record */
};

/* Header flag bits, in the 16-bit flags word (byte 2 high, byte 3 low). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xF)
#define DNS_RCODE(flags) ((flags)&0xF)
#define DNS_EDNS_DO 0x8000 /* in the OPT TTL's low 16 bits */
#define DNS_EDNS_OPTION_EDE 15
#define DNS_EDE_NONE (-1)
#define DNS_EDE_NOT_AUTHORITATIVE 20
#define DNS_EDE_NOT_SUPPORTED 21

static inline uint16_t dns_get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t dns_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void dns_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void dns_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline uint8_t dns_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* --- names (name.c) ----------------------------------------------------------------------------------------- */

/* A name in uncompressed wire form with the offset of each label, so suffixes and labels are found in O(1). */
struct dns_name {
    uint8_t length;      /* octets in wire, root label included: 1..255 */
    uint8_t label_count; /* labels before the root */
    uint8_t labels[DNS_LABELS_MAX + 1];
    uint8_t wire[DNS_NAME_MAX];
};

/* A name kept elsewhere (a zone's node keys live in one block): the same fields, by pointer. */
struct dns_name_ref {
    const uint8_t *wire;
    const uint8_t *labels;
    uint8_t length, label_count;
};

static inline struct dns_name_ref dns_name_ref_of(const struct dns_name *name)
{
    struct dns_name_ref ref = {name->wire, name->labels, name->length, name->label_count};
    return ref;
}

/* Reads the possibly compressed name at `offset` of a message. Pointers must point strictly before every
 * position already read for this name (so no loops and no forward pointers); labels must be 0..63 octets and the
 * name at most 255. On success fills `name`, sets *next to the octet after the name where it began, returns 0. */
int dns_name_read(const uint8_t *message, size_t message_len, size_t offset, struct dns_name *name, size_t *next);
/* Fills `name` from an uncompressed wire name (checked the same way); returns 0 or -1. */
int dns_name_from_wire(const uint8_t *wire, size_t available, struct dns_name *name);
/* The length of an uncompressed wire name that is known to be valid. */
size_t dns_wire_name_length(const uint8_t *wire);
void dns_name_lowercase(struct dns_name *name);
/* Case-insensitive equality of two uncompressed wire names. */
bool dns_wire_name_equal(const uint8_t *a, const uint8_t *b);
/* The number of trailing labels two names share (compared case-insensitively). */
unsigned dns_name_common_labels(struct dns_name_ref a, struct dns_name_ref b);
bool dns_name_is_at_or_below(struct dns_name_ref name, struct dns_name_ref ancestor);
/* RFC 4034 section 6.1 ordering: labels compared from the root down, each as lowercase octets, a proper prefix
 * first. Returns <0, 0, >0. Both names must be lowercase (dns_name_lowercase). */
int dns_name_canonical_compare(struct dns_name_ref a, struct dns_name_ref b);
/* Writes `name` without its first `drop` labels into `suffix`. */
void dns_name_suffix(const struct dns_name *name, unsigned drop, struct dns_name *suffix);

/* Remembers where names were written into a message, for compression (RFC 1035 section 4.1.4). */
#define DNS_COMPRESS_ENTRIES 96
struct dns_compressor {
    unsigned count;
    uint16_t offset[DNS_COMPRESS_ENTRIES];
    uint8_t labels[DNS_COMPRESS_ENTRIES]; /* labels of the suffix that starts at offset */
};
/* Appends the uncompressed wire name `wire` at message[*pos], compressed against (and recorded in) `compressor`
 * when it is not NULL. Returns false, leaving *pos alone, when it would pass `limit`. */
bool dns_name_write(uint8_t *message, size_t *pos, size_t limit, const uint8_t *wire,
                    struct dns_compressor *compressor);

/* Presentation form to wire form (RFC 1035 section 5.1): "@" is the origin, a name without a final dot is
 * relative to it, \X and \DDD escape. Returns NULL on success or a problem description. */
const char *dns_name_from_text(const char *text, size_t len, const struct dns_name *origin, struct dns_name *name);

/* --- wire records (wire.c) ---------------------------------------------------------------------------------- */

struct dns_header {
    uint16_t id, flags, qdcount, ancount, nscount, arcount;
};

struct dns_wire_rr {
    struct dns_name name;
    uint16_t type, class;
    uint32_t ttl;
    uint16_t rdlength;
    size_t rdata; /* offset of the RDATA in the message */
};

struct dns_edns {
    bool present;
    uint16_t payload;
    uint8_t extended_rcode, version;
    uint16_t flags;
};

void dns_header_read(const uint8_t *message, struct dns_header *header);
void dns_header_write(uint8_t *message, const struct dns_header *header);
/* Reads the resource record at *pos and advances *pos past it; returns 0, or -1 when it runs past the end. */
int dns_rr_read(const uint8_t *message, size_t message_len, size_t *pos, struct dns_wire_rr *rr);
/* Checks an OPT record (RFC 6891 section 6.1) and extracts its fields; returns 0, or -1 when it is malformed. */
int dns_opt_parse(const uint8_t *message, const struct dns_wire_rr *rr, struct dns_edns *edns);
/* Appends an OPT record advertising `payload` with the given extended rcode (upper 8 bits) and DO flag, and an
 * Extended DNS Error option with `extended_error` unless it is DNS_EDE_NONE. */
bool dns_opt_write(uint8_t *message, size_t *pos, size_t limit, uint16_t payload, uint8_t extended_rcode,
                   uint16_t flags, int32_t extended_error);
/* Appends one resource record of class IN; RDATA names of RFC 1035 types are compressed. Returns false, having
 * written nothing and forgotten any compression entries it added, when it does not fit under `limit`. */
bool dns_rr_write(uint8_t *message, size_t *pos, size_t limit, struct dns_compressor *compressor, const uint8_t *owner,
                  uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlength);

/* --- RR types (rrtypes.c) ----------------------------------------------------------------------------------- */

/* Where the domain name sits in a type's RDATA for additional-section processing (MX, NS, SRV), or -1. */
int dns_rdata_target_offset(uint16_t type);
/* The type for a mnemonic ("MX") or RFC 3597 "TYPE123"; 0 when unknown. */
uint16_t dns_type_from_text(const char *text, size_t len);

/* --- master-file lexer (zone_lexer.c) ----------------------------------------------------------------------- */

struct dns_token {
    const char *text; /* into the master file, quotes stripped, escapes still in place */
    uint32_t length;
    bool quoted;
};

#define DNS_ENTRY_TOKENS_MAX 1024
struct dns_entry {
    unsigned line;    /* where the entry starts */
    bool owner_blank; /* the entry's first line starts with white space: the previous owner applies */
    size_t count;
    struct dns_token tokens[DNS_ENTRY_TOKENS_MAX];
};

struct dns_lexer {
    const char *text;
    size_t length, pos;
    unsigned line;
};

/* Reads the next entry (one line, or several joined by parentheses), skipping blank and comment-only lines.
 * Returns 1 with an entry, 0 at the end of the text, or -1 with the problem in `problem`. */
int dns_lexer_next(struct dns_lexer *lexer, struct dns_entry *entry, const char **problem);

/* --- RDATA from presentation form (rrtypes.c) --------------------------------------------------------------- */

#define DNS_RDATA_MAX 65535
/* Parses the RDATA tokens of `type` into `rdata` (DNS_RDATA_MAX octets). Returns NULL and sets *rdlength, or a
 * problem; `detail` (at least 64 octets) receives the offending token for the message. */
const char *dns_rdata_from_text(uint16_t type, const struct dns_token *tokens, size_t count,
                                const struct dns_name *origin, uint8_t *rdata, size_t *rdlength, char *detail);
/* A TTL: seconds, or BIND units (1w2d3h4m5s). Returns 0 on success. */
int dns_ttl_from_text(const char *text, size_t len, uint32_t *ttl);

/* --- the zone (zone.c) -------------------------------------------------------------------------------------- */

struct dns_rrset {
    uint16_t type;
    uint16_t count;
    uint32_t ttl;
    uint32_t first; /* index into zone->rdata_refs */
};

struct dns_rdata_ref {
    uint32_t offset; /* into zone->rdata */
    uint16_t length;
};

#define DNS_NODE_NONE UINT32_MAX
struct dns_node {
    struct dns_name_ref key; /* lowercase, for lookups (in zone->keys) */
    uint8_t *owner;          /* the name as the master file spelled it, uncompressed wire */
    uint32_t parent;         /* the node one label up; DNS_NODE_NONE at the apex */
    uint32_t cut;            /* the nearest delegation point at or above this node (not the apex), or NONE */
    uint32_t wildcard;       /* the "*" child, or NONE */
    uint32_t first_rrset;
    uint16_t rrset_count; /* 0: an empty non-terminal */
};

struct dns_zone {
    struct dns_node *nodes; /* canonical order: nodes[0] is the apex */
    uint32_t node_count;
    struct dns_rrset *rrsets;
    uint32_t rrset_count;
    struct dns_rdata_ref *rdata_refs;
    size_t record_count;
    uint8_t *rdata;
    uint8_t *owners; /* the nodes' owner names */
    uint8_t *keys;   /* the nodes' lowercase names and label offsets */
    const struct dns_rrset *soa;
    uint32_t negative_ttl; /* min(SOA TTL, SOA minimum), RFC 2308 section 5 */
};

/* Records collected from the master file before the zone is built. */
struct dns_zone_record {
    uint32_t owner; /* offset of the uncompressed owner name in data */
    uint32_t rdata; /* offset in data */
    uint16_t rdlength;
    uint16_t type;
    uint32_t ttl;
    unsigned line;
};

struct dns_zone_builder {
    struct dns_zone_record *records;
    size_t count, capacity;
    uint8_t *data;
    size_t data_length, data_capacity;
};

int dns_builder_add(struct dns_zone_builder *builder, const struct dns_name *owner, uint16_t type, uint32_t ttl,
                    const uint8_t *rdata, size_t rdlength, unsigned line);
void dns_builder_free(struct dns_zone_builder *builder);
/* Checks the records (one SOA, all at or below it, CNAME alone at its name) and builds the lookup structure.
 * On error returns NULL with *line and a problem (written into problem). */
struct dns_zone *dns_zone_build(struct dns_zone_builder *builder, unsigned *line, char *problem, size_t problem_size);

/* The index of the last node not after `name` (lowercase, at or below the apex) in canonical order; sets *exact. */
uint32_t dns_zone_find(const struct dns_zone *zone, const struct dns_name *name, bool *exact);
const struct dns_rrset *dns_node_rrset(const struct dns_zone *zone, const struct dns_node *node, uint16_t type);

/* --- zone transfers (transfer.c) ----------------------------------------------------------------------------- */

/* Starts a transfer of `zone` whose messages carry `id` and `flags`, and an OPT record when `edns`. */
void dns_transfer_begin(struct dns_transfer *transfer, const struct dns_zone *zone, uint16_t id, uint16_t flags,
                        bool edns, uint16_t edns_flags);
/* Marks the transfer complete: dns_transfer_next returns 0. */
void dns_transfer_end(struct dns_transfer *transfer);
/* Appends the transfer's next records that fit under `limit` to a message, adding to *count. Returns 0, or -1
 * when the next record does not fit and the message has no record yet (it can never be sent). */
int dns_transfer_fill(struct dns_transfer *transfer, uint8_t *message, size_t *pos, size_t limit,
                      struct dns_compressor *compressor, uint16_t *count);

#endif
