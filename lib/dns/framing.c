/* framing.c: DNS messages over a TCP stream, each after a two-octet length (RFC 1035 section 4.2.2, RFC 7766
 * section 8): an incremental reader that cuts frames out of reads of any size, and a writer that queues framed
 * messages until the stream takes them. Neither allocates: the caller gives each its buffer. */
#include <string.h>

#include "lib/dns/dns_internal.h"

enum { LENGTH_SIZE = 2 };

void dns_frame_reader_init(struct dns_frame_reader *reader, uint8_t *buffer, size_t capacity)
{
    *reader = (struct dns_frame_reader){.buffer = buffer, .capacity = capacity};
}

uint8_t *dns_frame_reader_space(struct dns_frame_reader *reader, size_t *room)
{
    if (reader->start > 0) {
        /* What is left is the beginning of the next frame: move it to the front so it can grow to capacity. */
        memmove(reader->buffer, reader->buffer + reader->start, reader->end - reader->start);
        reader->end -= reader->start;
        reader->start = 0;
    }
    *room = reader->capacity - reader->end;
    return reader->buffer + reader->end;
}

void dns_frame_reader_received(struct dns_frame_reader *reader, size_t count)
{
    size_t room = reader->capacity - reader->end;
    reader->end += count < room ? count : room;
}

enum dns_frame_status dns_frame_reader_next(struct dns_frame_reader *reader, const uint8_t **message, size_t *length)
{
    size_t buffered = reader->end - reader->start;
    if (buffered < LENGTH_SIZE) {
        return DNS_FRAME_NEED_MORE;
    }
    size_t frame = dns_get16(reader->buffer + reader->start);
    if (frame == 0) {
        return DNS_FRAME_EMPTY;
    }
    if (reader->capacity < LENGTH_SIZE || frame > reader->capacity - LENGTH_SIZE) {
        return DNS_FRAME_TOO_LONG;
    }
    if (buffered - LENGTH_SIZE < frame) {
        return DNS_FRAME_NEED_MORE;
    }
    *message = reader->buffer + reader->start + LENGTH_SIZE;
    *length = frame;
    reader->start += LENGTH_SIZE + frame;
    if (reader->start == reader->end) {
        reader->start = reader->end = 0; /* the common case: every byte read was whole frames */
    }
    return DNS_FRAME_READY;
}

bool dns_frame_reader_partial(const struct dns_frame_reader *reader)
{
    return reader->end > reader->start;
}

void dns_frame_writer_init(struct dns_frame_writer *writer, uint8_t *buffer, size_t capacity)
{
    *writer = (struct dns_frame_writer){.buffer = buffer, .capacity = capacity};
}

uint8_t *dns_frame_writer_message_space(struct dns_frame_writer *writer, size_t *room)
{
    if (writer->start == writer->end) {
        writer->start = writer->end = 0;
    } else if (writer->start > 0) {
        memmove(writer->buffer, writer->buffer + writer->start, writer->end - writer->start);
        writer->end -= writer->start;
        writer->start = 0;
    }
    size_t free_octets = writer->capacity - writer->end;
    size_t message_room = free_octets > LENGTH_SIZE ? free_octets - LENGTH_SIZE : 0;
    if (message_room > DNS_TCP_MESSAGE_MAX) {
        message_room = DNS_TCP_MESSAGE_MAX;
    }
    *room = message_room < DNS_HEADER_SIZE ? 0 : message_room;
    return writer->buffer + writer->end + LENGTH_SIZE;
}

void dns_frame_writer_commit(struct dns_frame_writer *writer, size_t length)
{
    if (length == 0 || length > DNS_TCP_MESSAGE_MAX || writer->capacity - writer->end < LENGTH_SIZE + length) {
        return; /* not a message composed in the space given: nothing to queue */
    }
    dns_put16(writer->buffer + writer->end, (uint16_t)length);
    writer->end += LENGTH_SIZE + length;
}

const uint8_t *dns_frame_writer_pending(const struct dns_frame_writer *writer, size_t *length)
{
    *length = writer->end - writer->start;
    return *length > 0 ? writer->buffer + writer->start : NULL;
}

void dns_frame_writer_sent(struct dns_frame_writer *writer, size_t count)
{
    size_t queued = writer->end - writer->start;
    writer->start += count < queued ? count : queued;
    if (writer->start == writer->end) {
        writer->start = writer->end = 0;
    }
}
