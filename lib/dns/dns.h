/* dns.h: an authoritative DNS library: parse a zone from its RFC 1035 master file, answer UDP queries from it.
 * Pure code (no I/O, no clocks), for freestanding unikernels and the build host alike. Version 1. */
#ifndef MIRAGE_DNS_H
#define MIRAGE_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_API_VERSION 1

/* The largest UDP response dns_answer writes when a query carries EDNS0 and offers more (the DNS flag day 2020
 * value: no IP fragmentation on common paths). Queries without EDNS0 get at most 512 bytes. */
#define DNS_EDNS_PAYLOAD_MAX 1232

struct dns_zone; /* opaque: one zone, read-only once parsed, so several responders can share it */

/* Parses an RFC 1035 master file of `len` bytes (no NUL needed). `origin` is the initial $ORIGIN, absolute with or
 * without the final dot ("example.org."). The zone's apex is the owner of its one SOA record; every record must be
 * at or below it. Returns NULL on error, having written one line "<line number>: <problem>" into `error` (always
 * terminated when error_size > 0). Uses malloc; free the zone with dns_zone_free. */
struct dns_zone *dns_zone_parse(const char *text, size_t len, const char *origin, char *error, size_t error_size);

/* Frees everything dns_zone_parse allocated; NULL is allowed. */
void dns_zone_free(struct dns_zone *zone);

/* The number of distinct resource records in the zone (identical records given twice count once). */
size_t dns_zone_record_count(const struct dns_zone *zone);

/* Answers one query received over UDP. Writes the response into `response` (`response_size` bytes, at least 512)
 * and returns its length, or 0 when no response must be sent (the packet is itself a response, is shorter than a
 * header, or response_size is below 512). Never reads past query_len, never writes past response_size, never
 * allocates. The response is at most 512 bytes, or the query's EDNS0 payload size capped at DNS_EDNS_PAYLOAD_MAX;
 * when the answer does not fit it has TC set and empty answer, authority and additional sections. */
size_t dns_answer(const struct dns_zone *zone, const uint8_t *query, size_t query_len, uint8_t *response,
                  size_t response_size);

#endif
