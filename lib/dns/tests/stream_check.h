/* stream_check.h: the properties the TCP fuzz targets check and tcp_test replays their corpora with: a byte stream
 * cut into reads of any size frames the same as read whole, and each of its queries is answered over TCP in
 * well-formed frames; an access list parses, or fails with a reason, and what parses prints and parses back. */
#ifndef MIRAGE_DNS_STREAM_CHECK_H
#define MIRAGE_DNS_STREAM_CHECK_H

#include <stdio.h>
#include <string.h>

#include "lib/dns/dns_internal.h"

/* Answers `message` over TCP (transfers allowed), queues every message of the answer in `writer`'s fresh buffer,
 * and checks that the queued stream frames back into well-formed responses. */
static const char *stream_check_answer(const struct dns_zone *zone, const uint8_t *message, size_t length)
{
    static uint8_t out[2 + DNS_TCP_MESSAGE_MAX];
    static uint8_t again[2 + DNS_TCP_MESSAGE_MAX];
    struct dns_frame_writer writer;
    struct dns_transfer transfer;
    dns_frame_writer_init(&writer, out, sizeof out);
    size_t room;
    uint8_t *space = dns_frame_writer_message_space(&writer, &room);
    size_t n = dns_answer_tcp(zone, message, length, space, room, true, &transfer);
    for (unsigned messages = 0; n > 0; messages++) {
        if (messages > 100000 || n > room || n < DNS_HEADER_SIZE) {
            return "an answer of too many or badly sized messages";
        }
        if (!(space[2] & 0x80) || (space[2] & 0x02) || dns_get16(space) != dns_get16(message)) {
            return "a message that is no response to the query, or has TC set";
        }
        dns_frame_writer_commit(&writer, n);
        size_t pending_length;
        const uint8_t *pending = dns_frame_writer_pending(&writer, &pending_length);
        struct dns_frame_reader reader;
        dns_frame_reader_init(&reader, again, sizeof again);
        size_t space_room;
        uint8_t *read_space = dns_frame_reader_space(&reader, &space_room);
        if (pending == NULL || pending_length != n + 2 || space_room < pending_length) {
            return "the writer queued something else than the framed message";
        }
        memcpy(read_space, pending, pending_length);
        dns_frame_reader_received(&reader, pending_length);
        const uint8_t *framed;
        size_t framed_length;
        if (dns_frame_reader_next(&reader, &framed, &framed_length) != DNS_FRAME_READY || framed_length != n ||
            memcmp(framed, space, n) != 0) {
            return "a queued message does not frame back to itself";
        }
        dns_frame_writer_sent(&writer, pending_length);
        space = dns_frame_writer_message_space(&writer, &room);
        n = dns_transfer_next(&transfer, space, room);
    }
    return NULL;
}

/* Input: a seed octet for the read sizes, an octet for the reader's capacity, then the stream. */
static const char *stream_check(const struct dns_zone *zone, const uint8_t *input, size_t size)
{
    if (size < 2) {
        return NULL;
    }
    uint32_t seed = input[0] + 1u;
    size_t capacity = 14 + (size_t)input[1] * 32;
    const uint8_t *stream = input + 2;
    size_t stream_size = size - 2;
    static uint8_t buffer[14 + 255 * 32];
    struct dns_frame_reader reader;
    dns_frame_reader_init(&reader, buffer, capacity);
    size_t fed = 0, expected_at = 0;
    for (;;) {
        const uint8_t *message;
        size_t length;
        enum dns_frame_status status = dns_frame_reader_next(&reader, &message, &length);
        /* What reading the stream whole says comes next, given how much of it was fed. */
        size_t available = fed - expected_at;
        enum dns_frame_status expected = DNS_FRAME_NEED_MORE;
        size_t expected_length = available >= 2 ? dns_get16(stream + expected_at) : 0;
        if (available >= 2 && expected_length == 0) {
            expected = DNS_FRAME_EMPTY;
        } else if (available >= 2 && expected_length > capacity - 2) {
            expected = DNS_FRAME_TOO_LONG;
        } else if (available >= 2 && available - 2 >= expected_length) {
            expected = DNS_FRAME_READY;
        }
        if (status != expected) {
            return "reads of another size framed the stream differently";
        }
        if (status == DNS_FRAME_EMPTY || status == DNS_FRAME_TOO_LONG) {
            return NULL; /* the stream is unusable from here: a server closes it */
        }
        if (status == DNS_FRAME_READY) {
            if (length != expected_length || memcmp(message, stream + expected_at + 2, length) != 0) {
                return "a frame differs from the stream's bytes";
            }
            expected_at += 2 + length;
            const char *why = stream_check_answer(zone, message, length);
            if (why != NULL) {
                return why;
            }
            continue;
        }
        if (fed == stream_size) {
            bool partial = expected_at < stream_size;
            return dns_frame_reader_partial(&reader) == partial ? NULL : "a cut-off frame was not seen as partial";
        }
        seed = seed * 1103515245u + 12345u;
        size_t room;
        uint8_t *space = dns_frame_reader_space(&reader, &room);
        size_t chunk = 1 + (seed >> 16) % 97;
        chunk = chunk < room ? chunk : room;
        chunk = chunk < stream_size - fed ? chunk : stream_size - fed;
        if (chunk == 0) {
            return "the reader offered no room with no frame ready";
        }
        memcpy(space, stream + fed, chunk);
        dns_frame_reader_received(&reader, chunk);
        fed += chunk;
    }
}

/* An access list: parsed, or refused with "entry N ..."; a parsed list prints and parses back to itself. */
static const char *acl_check(const char *text, size_t len)
{
    struct dns_acl acl, again;
    char error[96];
    if (dns_acl_parse(&acl, text, len, error, sizeof error) != 0) {
        return strncmp(error, "entry ", 6) == 0 && acl.count == 0 ? NULL : "a refusal without its reason";
    }
    if (acl.count > DNS_ACL_ENTRIES_MAX) {
        return "more entries than the list holds";
    }
    static char printed[DNS_ACL_ENTRIES_MAX * 20 + 1];
    size_t used = 0;
    for (unsigned i = 0; i < acl.count; i++) {
        uint32_t a = acl.address[i];
        uint32_t mask = acl.prefix[i] == 0 ? 0 : UINT32_MAX << (32 - acl.prefix[i]);
        if (acl.prefix[i] > 32 || (a & ~mask) != 0 || !dns_acl_allows(&acl, a)) {
            return "an entry with host bits set, a bad prefix, or not allowing itself";
        }
        used += (size_t)snprintf(printed + used, sizeof printed - used, "%u.%u.%u.%u/%u ", a >> 24, (a >> 16) & 255,
                                 (a >> 8) & 255, a & 255, acl.prefix[i]);
    }
    if (dns_acl_parse(&again, printed, used, error, sizeof error) != 0 || again.count != acl.count ||
        memcmp(again.address, acl.address, sizeof acl.address[0] * acl.count) != 0 ||
        memcmp(again.prefix, acl.prefix, acl.count) != 0) {
        return "a parsed list does not print and parse back to itself";
    }
    return NULL;
}

#endif
