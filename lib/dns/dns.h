/* dns.h: an authoritative DNS library: parse a zone from its RFC 1035 master file, answer queries from it over UDP
 * and TCP (zone transfers included), frame TCP streams, and decide who may transfer the zone.
 * Pure code (no I/O, no clocks), for freestanding unikernels and the build host alike. Version 2. */
#ifndef MIRAGE_DNS_H
#define MIRAGE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_API_VERSION 2

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

/* dns_answer with a say on zone transfers: AXFR over UDP is NOTIMP (RFC 5936 section 4.2 defines none); IXFR is
 * REFUSED unless `transfer_allowed`, else answered with the single SOA of the zone, which tells the client to
 * transfer over TCP or that it is current (RFC 1995 section 2). dns_answer is this with transfers refused. */
size_t dns_answer_udp(const struct dns_zone *zone, const uint8_t *query, size_t query_len, uint8_t *response,
                      size_t response_size, bool transfer_allowed);

/* The largest DNS message over TCP (RFC 1035 section 4.2.2: a two-octet length prefix). */
#define DNS_TCP_MESSAGE_MAX 65535

/* What dns_answer_tcp made of a query, for the server's log. */
enum dns_transfer_outcome {
    DNS_TRANSFER_NONE = 0, /* the query asked for no zone transfer */
    DNS_TRANSFER_REFUSED,  /* the client is not allowed one */
    DNS_TRANSFER_FULL,     /* the whole zone goes: AXFR, or IXFR from a client behind */
    DNS_TRANSFER_CURRENT,  /* IXFR from a client as new as we are: the SOA alone */
    DNS_TRANSFER_ERROR,    /* not our zone's apex (NOTAUTH, REFUSED), or no client SOA in an IXFR (FORMERR) */
};

/* What remains of a zone transfer after its first message: the records still to send. Plain data; a zone
 * transfer needs no other memory. */
struct dns_transfer {
    uint8_t outcome; /* an enum dns_transfer_outcome, set by dns_answer_tcp */
    uint16_t qtype;  /* DNS_TYPE_AXFR (252) or DNS_TYPE_IXFR (251) when outcome is not NONE */
    const struct dns_zone *zone;
    uint16_t id, flags;  /* of every message: the query's ID, QR AA and the query's RD CD */
    bool edns;           /* every message carries an OPT record (the query had one) */
    uint16_t edns_flags; /* DO echoed */
    uint8_t phase;       /* private: the first SOA, the records, the last SOA, done */
    uint32_t node, rrset;
    uint16_t record;
};

/* Answers one query received over TCP: never truncated (TC is never set), up to min(response_size, 65535) octets.
 * response_size must be at least 512. Returns the length of the first message of the answer (0: no response, as
 * for dns_answer). An AXFR for the zone's apex, or an IXFR whose client is behind, from a client
 * `transfer_allowed`, is answered with the whole zone (RFC 5936: the SOA first and last, the question in the first
 * message): the first message is written here and `transfer` holds the rest, for dns_transfer_next. Otherwise,
 * and when not allowed (REFUSED), the answer is one message and dns_transfer_next returns 0 at once. `transfer`
 * (never NULL) also says, in `outcome`, what became of a transfer query.
 * An answer larger than 65,535 octets (an RRset that big) is SERVFAIL with only the question. */
size_t dns_answer_tcp(const struct dns_zone *zone, const uint8_t *query, size_t query_len, uint8_t *response,
                      size_t response_size, bool transfer_allowed, struct dns_transfer *transfer);

/* Writes the next message of a zone transfer (no question section, the records that fit in min(response_size,
 * 65535) octets, at least 512) and returns its length, or 0 when the transfer is complete. A record too large for
 * any message ends the transfer with a SERVFAIL message. */
size_t dns_transfer_next(struct dns_transfer *transfer, uint8_t *response, size_t response_size);

/* --- DNS over TCP framing (RFC 1035 section 4.2.2, RFC 7766 section 8) ---------------------------------------- */

/* Splits a received byte stream into messages, each after its two-octet length, however the stream was cut into
 * reads: a frame may arrive in pieces, several frames in one read. The caller's buffer holds one frame at most
 * (`capacity` less 2 octets of message). */
struct dns_frame_reader {
    uint8_t *buffer;
    size_t capacity;
    size_t start, end; /* unconsumed octets are buffer[start, end) */
};

enum dns_frame_status {
    DNS_FRAME_NEED_MORE = 0, /* no complete frame buffered; read more into dns_frame_reader_space */
    DNS_FRAME_READY = 1,     /* *message and *length are the next message, valid until the next call */
    DNS_FRAME_EMPTY = -1,    /* a length of zero: no DNS message is that short; the stream is unusable */
    DNS_FRAME_TOO_LONG = -2, /* a frame longer than the buffer holds */
};

void dns_frame_reader_init(struct dns_frame_reader *reader, uint8_t *buffer, size_t capacity);
/* Where the next read may store bytes, and how many (0: a frame is ready to be taken first). */
uint8_t *dns_frame_reader_space(struct dns_frame_reader *reader, size_t *room);
/* Records that `count` bytes (at most the room given) were read into the space. */
void dns_frame_reader_received(struct dns_frame_reader *reader, size_t count);
/* The next complete message, if buffered. */
enum dns_frame_status dns_frame_reader_next(struct dns_frame_reader *reader, const uint8_t **message, size_t *length);
/* True when part of a frame is buffered: at the end of the stream, that frame was cut off. */
bool dns_frame_reader_partial(const struct dns_frame_reader *reader);

/* Output to a stream: messages framed with their length, queued until the stream takes them (writes may take
 * fewer bytes than offered). The caller's buffer bounds what can wait. */
struct dns_frame_writer {
    uint8_t *buffer;
    size_t capacity;
    size_t start, end; /* queued octets are buffer[start, end) */
};

void dns_frame_writer_init(struct dns_frame_writer *writer, uint8_t *buffer, size_t capacity);
/* Where the next message may be composed, after room for its length, and its largest size (at most 65,535; 0 when
 * the queue is too full for even a 12-octet message). */
uint8_t *dns_frame_writer_message_space(struct dns_frame_writer *writer, size_t *room);
/* Queues the `length`-octet message just composed in the space (0 < length <= the room given). */
void dns_frame_writer_commit(struct dns_frame_writer *writer, size_t length);
/* The queued octets, for a write; NULL and 0 when nothing waits. */
const uint8_t *dns_frame_writer_pending(const struct dns_frame_writer *writer, size_t *length);
/* Drops the first `count` queued octets, which a write took. */
void dns_frame_writer_sent(struct dns_frame_writer *writer, size_t count);

/* --- who may transfer the zone -------------------------------------------------------------------------------- */

#define DNS_ACL_ENTRIES_MAX 32

/* IPv4 addresses and prefixes; empty means nobody. */
struct dns_acl {
    unsigned count;
    uint32_t address[DNS_ACL_ENTRIES_MAX]; /* host byte order, host bits cleared */
    uint8_t prefix[DNS_ACL_ENTRIES_MAX];   /* 0..32 */
};

/* Parses a list such as "127.0.0.1, 10.0.0.0/8 192.0.2.0/24" (commas or spaces between entries; an address
 * without a prefix is /32; host bits set beyond the prefix are an error, as in "10.0.0.1/8"). An empty or blank
 * text allows nobody. Returns 0, or -1 with a one-line reason in `error` (always terminated when error_size > 0). */
int dns_acl_parse(struct dns_acl *acl, const char *text, size_t len, char *error, size_t error_size);
/* Whether `address` (IPv4, host byte order) is in the list. */
bool dns_acl_allows(const struct dns_acl *acl, uint32_t address);

#endif
