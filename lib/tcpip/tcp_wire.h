/* tcp_wire.h: the TCP segment header and its options (RFC 9293 3.1, RFC 7323): checked parsing, serialization. */
#ifndef MIRAGE_TCPIP_TCP_WIRE_H
#define MIRAGE_TCPIP_TCP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_HEADER_SIZE 20
#define TCP_HEADER_MAX 60
#define TCP_PROTOCOL 6

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define TCP_FLAG_URG 0x20

#define TCP_WSCALE_MAX 14     /* RFC 7323 2.3: larger shifts are taken as 14 */
#define TCP_SACK_BLOCKS_MAX 4 /* RFC 2018 3: 40 bytes of options hold 4 blocks (3 beside timestamps) */

/* One SACK block (RFC 2018 3): the sequence numbers [start, end) received, as on the wire (unchecked). */
struct tcp_sack_block {
    uint32_t start;
    uint32_t end;
};

enum tcp_parse_error {
    TCP_PARSE_OK = 0,
    TCP_PARSE_SHORT = -1,       /* fewer bytes than a header */
    TCP_PARSE_DATA_OFFSET = -2, /* data offset under 5 words, or past the segment's end */
    TCP_PARSE_OPTIONS = -3,     /* an option's length is under 2 or runs past the header, or a known option's
                                   length is wrong */
    TCP_PARSE_FLAGS = -4,       /* SYN with FIN, or SYN with RST */
    TCP_PARSE_CHECKSUM = -5,    /* the checksum over the pseudo header disagrees */
    TCP_PARSE_PORT = -6,        /* port 0 at either end */
};

/* One segment, parsed: fields in host byte order, the payload pointing into the received bytes. */
struct tcp_segment {
    uint16_t source_port;
    uint16_t destination_port;
    uint32_t seq;
    uint32_t ack;
    uint8_t flags;
    uint16_t window; /* as on the wire: not yet scaled */
    bool has_mss;
    uint16_t mss;
    bool has_wscale;
    uint8_t wscale; /* clamped to TCP_WSCALE_MAX */
    bool has_timestamps;
    uint32_t ts_value;
    uint32_t ts_echo;
    bool sack_permitted; /* RFC 2018 2: a SYN's offer */
    uint8_t sack_count;  /* blocks of the first well-formed SACK option; a malformed one is ignored (count 0) */
    struct tcp_sack_block sack[TCP_SACK_BLOCKS_MAX];
    const uint8_t *payload;
    size_t payload_len;
};

/* Parse and check `len` bytes received from `source` to `destination` (IPv4, host byte order); returns
 * TCP_PARSE_OK with `*out` filled, or the first problem found. */
int tcp_segment_parse(const uint8_t *bytes, size_t len, uint32_t source, uint32_t destination, struct tcp_segment *out);

/* tcp_segment_parse without the checksum, for a segment whose network interface vouches for it (the host verified
 * it, or a local sender left only the pseudo header's sum there): every other check stays. */
int tcp_segment_parse_trusted(const uint8_t *bytes, size_t len, uint32_t source, uint32_t destination,
                              struct tcp_segment *out);

/* The sequence space a segment occupies: its payload, plus one each for SYN and FIN. */
static inline uint32_t tcp_segment_length(const struct tcp_segment *segment)
{
    return (uint32_t)segment->payload_len + ((segment->flags & TCP_FLAG_SYN) != 0) +
           ((segment->flags & TCP_FLAG_FIN) != 0);
}

/* The header of an outgoing segment; options are written only where `has_*` is set. */
struct tcp_header_out {
    uint16_t source_port;
    uint16_t destination_port;
    uint32_t seq;
    uint32_t ack;
    uint8_t flags;
    uint16_t window;
    bool has_mss;
    uint16_t mss;
    bool has_wscale;
    uint8_t wscale;
    bool has_timestamps;
    uint32_t ts_value;
    uint32_t ts_echo;
    bool has_sack_permitted;
    uint8_t sack_count; /* at most TCP_SACK_BLOCKS_MAX, and 3 beside timestamps (the caller keeps to it) */
    struct tcp_sack_block sack[TCP_SACK_BLOCKS_MAX];
};

/* The header size `header` needs, options included (a multiple of 4, at most TCP_HEADER_MAX). */
size_t tcp_header_size(const struct tcp_header_out *header);

/* Write `header` at `buffer` (which must hold tcp_header_size bytes and the payload behind them) and the
 * checksum over it and `payload_len` payload bytes already in place; returns the whole segment's length. */
size_t tcp_segment_write(uint8_t *buffer, const struct tcp_header_out *header, size_t payload_len, uint32_t source,
                         uint32_t destination);

/* tcp_segment_write for a segment the network interface finishes (transmit offload): the checksum field holds only
 * the pseudo header's sum over the whole segment's length, folded and not complemented. */
size_t tcp_segment_write_partial(uint8_t *buffer, const struct tcp_header_out *header, size_t payload_len,
                                 uint32_t source, uint32_t destination);

#endif
