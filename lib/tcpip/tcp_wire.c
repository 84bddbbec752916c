/* tcp_wire.c: TCP segment headers and options: every length checked before it is used, and options written in the
 * layouts RFC 7323 appendix A recommends. */
#include "lib/tcpip/tcp_wire.h"

#include "lib/tcpip/wire.h"

enum {
    OPTION_END = 0,
    OPTION_NOP = 1,
    OPTION_MSS = 2,
    OPTION_WSCALE = 3,
    OPTION_SACK_PERMITTED = 4,
    OPTION_SACK = 5,
    OPTION_TIMESTAMPS = 8,
    OPTION_MSS_LEN = 4,
    OPTION_SACK_PERMITTED_LEN = 2,
    OPTION_SACK_BLOCK_LEN = 8,
    OPTION_WSCALE_LEN = 3,
    OPTION_TIMESTAMPS_LEN = 10,
};

static uint64_t pseudo_header_sum(uint32_t source, uint32_t destination, size_t len)
{
    uint64_t sum = 0;
    sum = checksum_add16(sum, (uint16_t)(source >> 16));
    sum = checksum_add16(sum, (uint16_t)source);
    sum = checksum_add16(sum, (uint16_t)(destination >> 16));
    sum = checksum_add16(sum, (uint16_t)destination);
    sum = checksum_add16(sum, TCP_PROTOCOL);
    return checksum_add16(sum, (uint16_t)len);
}

/* Options between the fixed header and the data offset; unknown kinds are skipped by their length. */
static int parse_options(const uint8_t *options, size_t len, struct tcp_segment *out)
{
    size_t at = 0;
    while (at < len) {
        uint8_t kind = options[at];
        if (kind == OPTION_END)
            break;
        if (kind == OPTION_NOP) {
            at++;
            continue;
        }
        if (len - at < 2)
            return TCP_PARSE_OPTIONS;
        uint8_t option_len = options[at + 1];
        if (option_len < 2 || option_len > len - at)
            return TCP_PARSE_OPTIONS;
        const uint8_t *value = options + at + 2;
        switch (kind) {
        case OPTION_MSS:
            if (option_len != OPTION_MSS_LEN)
                return TCP_PARSE_OPTIONS;
            out->has_mss = true;
            out->mss = wire_get16(value);
            break;
        case OPTION_WSCALE:
            if (option_len != OPTION_WSCALE_LEN)
                return TCP_PARSE_OPTIONS;
            out->has_wscale = true;
            out->wscale = value[0] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : value[0];
            break;
        case OPTION_TIMESTAMPS:
            if (option_len != OPTION_TIMESTAMPS_LEN)
                return TCP_PARSE_OPTIONS;
            out->has_timestamps = true;
            out->ts_value = wire_get32(value);
            out->ts_echo = wire_get32(value + 4);
            break;
        case OPTION_SACK_PERMITTED:
            /* A wrong length is not an offer; the rest of the segment stands (as Linux reads it). */
            out->sack_permitted = option_len == OPTION_SACK_PERMITTED_LEN;
            break;
        case OPTION_SACK: {
            /* Only the first SACK option counts, and only whole blocks: a malformed one is ignored, never
             * half-read, as it only advises the sender. */
            uint32_t blocks = (uint32_t)(option_len - 2) / OPTION_SACK_BLOCK_LEN;
            bool whole = option_len > 2 && (option_len - 2) % OPTION_SACK_BLOCK_LEN == 0;
            if (out->sack_count == 0 && whole && blocks <= TCP_SACK_BLOCKS_MAX) {
                for (uint32_t i = 0; i < blocks; i++) {
                    out->sack[i].start = wire_get32(value + i * OPTION_SACK_BLOCK_LEN);
                    out->sack[i].end = wire_get32(value + i * OPTION_SACK_BLOCK_LEN + 4);
                }
                out->sack_count = (uint8_t)blocks;
            }
            break;
        }
        default:
            break;
        }
        at += option_len;
    }
    return TCP_PARSE_OK;
}

static int parse_segment(const uint8_t *bytes, size_t len, uint32_t source, uint32_t destination, bool verify_checksum,
                         struct tcp_segment *out)
{
    if (len < TCP_HEADER_SIZE)
        return TCP_PARSE_SHORT;
    /* The pseudo header's length field is 16 bits; IPv4 never hands up more, but the harnesses might. */
    if (len > UINT16_MAX)
        return TCP_PARSE_SHORT;
    size_t header_len = (size_t)(bytes[12] >> 4) * 4;
    if (header_len < TCP_HEADER_SIZE || header_len > len)
        return TCP_PARSE_DATA_OFFSET;
    if (verify_checksum && checksum_finish(checksum_add(pseudo_header_sum(source, destination, len), bytes, len)) != 0)
        return TCP_PARSE_CHECKSUM;
    *out = (struct tcp_segment){
        .source_port = wire_get16(bytes),
        .destination_port = wire_get16(bytes + 2),
        .seq = wire_get32(bytes + 4),
        .ack = wire_get32(bytes + 8),
        .flags = (uint8_t)(bytes[13] & 0x3f),
        .window = wire_get16(bytes + 14),
        .payload = bytes + header_len,
        .payload_len = len - header_len,
    };
    if (out->source_port == 0 || out->destination_port == 0)
        return TCP_PARSE_PORT;
    if ((out->flags & TCP_FLAG_SYN) != 0 && (out->flags & (TCP_FLAG_FIN | TCP_FLAG_RST)) != 0)
        return TCP_PARSE_FLAGS;
    return parse_options(bytes + TCP_HEADER_SIZE, header_len - TCP_HEADER_SIZE, out);
}

int tcp_segment_parse(const uint8_t *bytes, size_t len, uint32_t source, uint32_t destination, struct tcp_segment *out)
{
    return parse_segment(bytes, len, source, destination, true, out);
}

int tcp_segment_parse_trusted(const uint8_t *bytes, size_t len, uint32_t source, uint32_t destination,
                              struct tcp_segment *out)
{
    return parse_segment(bytes, len, source, destination, false, out);
}

size_t tcp_header_size(const struct tcp_header_out *header)
{
    size_t size = TCP_HEADER_SIZE;
    if (header->has_mss)
        size += 4;
    if (header->has_wscale)
        size += 4; /* NOP, then the 3-byte option */
    if (header->has_timestamps)
        size += 12; /* NOP, NOP (or SACK-permitted), then the 10-byte option */
    if (header->has_sack_permitted && !header->has_timestamps)
        size += 4; /* NOP, NOP, then the 2-byte option */
    if (header->sack_count > 0)
        size += 4 + (size_t)header->sack_count * OPTION_SACK_BLOCK_LEN; /* NOP, NOP, kind, length, blocks */
    return size;
}

/* The header and its options, with a zero checksum field; returns the header's length. */
static size_t write_header(uint8_t *buffer, const struct tcp_header_out *header)
{
    size_t header_len = tcp_header_size(header);
    uint8_t *option = buffer + TCP_HEADER_SIZE;
    wire_put16(buffer, header->source_port);
    wire_put16(buffer + 2, header->destination_port);
    wire_put32(buffer + 4, header->seq);
    wire_put32(buffer + 8, header->ack);
    buffer[12] = (uint8_t)((header_len / 4) << 4);
    buffer[13] = header->flags;
    wire_put16(buffer + 14, header->window);
    wire_put16(buffer + 16, 0);
    wire_put16(buffer + 18, 0); /* urgent pointer: urgent data is never sent */
    if (header->has_mss) {
        option[0] = OPTION_MSS;
        option[1] = OPTION_MSS_LEN;
        wire_put16(option + 2, header->mss);
        option += 4;
    }
    if (header->has_wscale) {
        option[0] = OPTION_NOP;
        option[1] = OPTION_WSCALE;
        option[2] = OPTION_WSCALE_LEN;
        option[3] = header->wscale;
        option += 4;
    }
    if (header->has_sack_permitted) {
        /* In the two NOPs before the timestamps (Linux's layout), else padded on its own. */
        uint8_t *at = header->has_timestamps ? option : option + 2;
        if (!header->has_timestamps) {
            option[0] = OPTION_NOP;
            option[1] = OPTION_NOP;
            option += 4;
        }
        at[0] = OPTION_SACK_PERMITTED;
        at[1] = OPTION_SACK_PERMITTED_LEN;
    }
    if (header->has_timestamps) {
        if (!header->has_sack_permitted) {
            option[0] = OPTION_NOP;
            option[1] = OPTION_NOP;
        }
        option[2] = OPTION_TIMESTAMPS;
        option[3] = OPTION_TIMESTAMPS_LEN;
        wire_put32(option + 4, header->ts_value);
        wire_put32(option + 8, header->ts_echo);
        option += 12;
    }
    if (header->sack_count > 0) {
        option[0] = OPTION_NOP;
        option[1] = OPTION_NOP;
        option[2] = OPTION_SACK;
        option[3] = (uint8_t)(2 + header->sack_count * OPTION_SACK_BLOCK_LEN);
        for (uint32_t i = 0; i < header->sack_count; i++) {
            wire_put32(option + 4 + i * OPTION_SACK_BLOCK_LEN, header->sack[i].start);
            wire_put32(option + 8 + i * OPTION_SACK_BLOCK_LEN, header->sack[i].end);
        }
    }
    return header_len;
}

size_t tcp_segment_write(uint8_t *buffer, const struct tcp_header_out *header, size_t payload_len, uint32_t source,
                         uint32_t destination)
{
    size_t len = write_header(buffer, header) + payload_len;
    wire_put16(buffer + 16, checksum_finish(checksum_add(pseudo_header_sum(source, destination, len), buffer, len)));
    return len;
}

size_t tcp_segment_write_partial(uint8_t *buffer, const struct tcp_header_out *header, size_t payload_len,
                                 uint32_t source, uint32_t destination)
{
    size_t len = write_header(buffer, header) + payload_len;
    /* The folded sum itself, not its complement: what the host adds the segment's bytes to, as a stack's own
     * NEEDS_CSUM segment carries it. Linux's segmentation takes the length out again and puts each piece's in. */
    wire_put16(buffer + 16, (uint16_t)~checksum_finish(pseudo_header_sum(source, destination, len)));
    return len;
}
