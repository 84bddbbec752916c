/* wire.c: the message format: header, resource records in and out (with RDATA name compression), EDNS0 OPT. */
#include <string.h>

#include "lib/dns/dns_internal.h"

void dns_header_read(const uint8_t *message, struct dns_header *header)
{
    header->id = dns_get16(message);
    header->flags = dns_get16(message + 2);
    header->qdcount = dns_get16(message + 4);
    header->ancount = dns_get16(message + 6);
    header->nscount = dns_get16(message + 8);
    header->arcount = dns_get16(message + 10);
}

void dns_header_write(uint8_t *message, const struct dns_header *header)
{
    dns_put16(message, header->id);
    dns_put16(message + 2, header->flags);
    dns_put16(message + 4, header->qdcount);
    dns_put16(message + 6, header->ancount);
    dns_put16(message + 8, header->nscount);
    dns_put16(message + 10, header->arcount);
}

int dns_rr_read(const uint8_t *message, size_t message_len, size_t *pos, struct dns_wire_rr *rr)
{
    size_t at;
    if (dns_name_read(message, message_len, *pos, &rr->name, &at) != 0) {
        return -1;
    }
    if (at > message_len || message_len - at < DNS_RR_FIXED) {
        return -1;
    }
    rr->type = dns_get16(message + at);
    rr->class = dns_get16(message + at + 2);
    rr->ttl = dns_get32(message + at + 4);
    rr->rdlength = dns_get16(message + at + 8);
    at += DNS_RR_FIXED;
    if (message_len - at < rr->rdlength) {
        return -1;
    }
    rr->rdata = at;
    *pos = at + rr->rdlength;
    return 0;
}

int dns_opt_parse(const uint8_t *message, const struct dns_wire_rr *rr, struct dns_edns *edns)
{
    if (rr->name.length != 1) {
        return -1; /* the OPT owner is the root */
    }
    /* Options are {code, length, data}; they must tile the RDATA exactly. We act on none of them. */
    const uint8_t *rdata = message + rr->rdata;
    size_t at = 0;
    while (at < rr->rdlength) {
        if (rr->rdlength - at < 4) {
            return -1;
        }
        uint16_t length = dns_get16(rdata + at + 2);
        at += 4;
        if (rr->rdlength - at < length) {
            return -1;
        }
        at += length;
    }
    edns->present = true;
    edns->payload = rr->class;
    edns->extended_rcode = (uint8_t)(rr->ttl >> 24);
    edns->version = (uint8_t)(rr->ttl >> 16);
    edns->flags = (uint16_t)rr->ttl;
    return 0;
}

bool dns_opt_write(uint8_t *message, size_t *pos, size_t limit, uint16_t payload, uint8_t extended_rcode,
                   uint16_t flags, int32_t extended_error)
{
    size_t options = extended_error == DNS_EDE_NONE ? 0 : DNS_EDE_SIZE;
    if (*pos > limit || limit - *pos < DNS_OPT_SIZE + options) {
        return false;
    }
    uint8_t *p = message + *pos;
    p[0] = 0;
    dns_put16(p + 1, DNS_TYPE_OPT);
    dns_put16(p + 3, payload);
    dns_put32(p + 5, ((uint32_t)extended_rcode << 24) | flags); /* version 0 */
    dns_put16(p + 9, (uint16_t)options);
    if (options != 0) {
        dns_put16(p + 11, DNS_EDNS_OPTION_EDE);
        dns_put16(p + 13, 2); /* the info code, no EXTRA-TEXT */
        dns_put16(p + 15, (uint16_t)extended_error);
    }
    *pos += DNS_OPT_SIZE + options;
    return true;
}

/* Copies `length` octets of RDATA; false when they do not fit. */
static bool put_octets(uint8_t *message, size_t *pos, size_t limit, const uint8_t *octets, size_t length)
{
    if (*pos > limit || limit - *pos < length) {
        return false;
    }
    memcpy(message + *pos, octets, length);
    *pos += length;
    return true;
}

/* Writes RDATA, compressing the names of the types RFC 3597 section 4 allows (those of RFC 1035). */
static bool put_rdata(uint8_t *message, size_t *pos, size_t limit, struct dns_compressor *compressor, uint16_t type,
                      const uint8_t *rdata, uint16_t rdlength)
{
    switch (type) {
    case DNS_TYPE_NS:
    case DNS_TYPE_CNAME:
    case DNS_TYPE_PTR:
        return dns_name_write(message, pos, limit, rdata, compressor);
    case DNS_TYPE_MX:
        return put_octets(message, pos, limit, rdata, 2) && dns_name_write(message, pos, limit, rdata + 2, compressor);
    case DNS_TYPE_SOA: {
        size_t mname = dns_wire_name_length(rdata);
        size_t rname = dns_wire_name_length(rdata + mname);
        return dns_name_write(message, pos, limit, rdata, compressor) &&
               dns_name_write(message, pos, limit, rdata + mname, compressor) &&
               put_octets(message, pos, limit, rdata + mname + rname, 20);
    }
    default:
        return put_octets(message, pos, limit, rdata, rdlength);
    }
}

bool dns_rr_write(uint8_t *message, size_t *pos, size_t limit, struct dns_compressor *compressor, const uint8_t *owner,
                  uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlength)
{
    size_t start = *pos;
    unsigned entries = compressor->count;
    size_t at = start;
    if (!dns_name_write(message, &at, limit, owner, compressor) || limit - at < DNS_RR_FIXED) {
        goto undo;
    }
    uint8_t *fixed = message + at;
    dns_put16(fixed, type);
    dns_put16(fixed + 2, DNS_CLASS_IN);
    dns_put32(fixed + 4, ttl);
    at += DNS_RR_FIXED;
    size_t rdata_start = at;
    if (!put_rdata(message, &at, limit, compressor, type, rdata, rdlength)) {
        goto undo;
    }
    dns_put16(fixed + 8, (uint16_t)(at - rdata_start));
    *pos = at;
    return true;
undo:
    compressor->count = entries; /* entries are appended in message order, so this forgets exactly ours */
    return false;
}
