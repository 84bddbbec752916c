/* chunked.c: skipping a request body in the chunked transfer coding (RFC 9112 section 7.1), incrementally, so the
 * next pipelined request is found; the body's octets count against the caller's body limit. */
#include "lib/http/http_internal.h"

enum chunked_state {
    CHUNK_SIZE_FIRST, /* the first hex digit of a chunk size */
    CHUNK_SIZE,       /* more hex digits, or the extensions, or the CR */
    CHUNK_EXTENSION,  /* up to the CR */
    CHUNK_SIZE_LF,
    CHUNK_DATA,
    CHUNK_DATA_CR,
    CHUNK_DATA_LF,
    CHUNK_TRAILER_START, /* a trailer field line, or the CR of the final empty line */
    CHUNK_TRAILER,
    CHUNK_TRAILER_LF,
    CHUNK_FINAL_LF,
};

void http_chunked_init(struct http_chunked *chunked)
{
    *chunked = (struct http_chunked){.state = CHUNK_SIZE_FIRST};
}

static enum http_chunked_result chunked_refuse(unsigned *status, unsigned refusal)
{
    *status = refusal;
    return HTTP_CHUNKED_ERROR;
}

enum http_chunked_result http_chunked_skip(struct http_chunked *chunked, const struct http_limits *limits,
                                           const uint8_t *bytes, size_t length, size_t *consumed, unsigned *status)
{
    size_t i = 0;
    while (i < length) {
        uint8_t c = bytes[i];
        if (chunked->state == CHUNK_DATA) {
            size_t take = chunked->remaining < length - i ? (size_t)chunked->remaining : length - i;
            chunked->remaining -= take;
            i += take;
            if (chunked->remaining == 0) {
                chunked->state = CHUNK_DATA_CR;
            }
            continue;
        }
        i++;
        /* Chunk-size lines and trailer lines are bounded like a request line and a header section. */
        chunked->line++;
        bool in_trailer = chunked->state >= CHUNK_TRAILER_START;
        if (chunked->line > (in_trailer ? limits->header_bytes_max : limits->request_line_max)) {
            return chunked_refuse(status, in_trailer ? 431 : 400);
        }
        bool control = (c < 0x20 && c != '\t') || c == 0x7F;
        switch (chunked->state) {
        case CHUNK_SIZE_FIRST:
        case CHUNK_SIZE: {
            int digit = http_hex_value(c);
            if (digit >= 0) {
                /* Past body_max (or 60 bits) the body is too large whatever follows. */
                if (chunked->remaining > (limits->body_max - chunked->total) / 16 ||
                    chunked->remaining * 16 + (uint64_t)digit > limits->body_max - chunked->total) {
                    return chunked_refuse(status, 413);
                }
                chunked->remaining = chunked->remaining * 16 + (uint64_t)digit;
                chunked->state = CHUNK_SIZE;
            } else if (chunked->state == CHUNK_SIZE && c == '\r') {
                chunked->state = CHUNK_SIZE_LF;
            } else if (chunked->state == CHUNK_SIZE && (c == ';' || c == ' ' || c == '\t')) {
                chunked->state = CHUNK_EXTENSION;
            } else {
                return chunked_refuse(status, 400);
            }
            break;
        }
        case CHUNK_EXTENSION:
            if (c == '\r') {
                chunked->state = CHUNK_SIZE_LF;
            } else if (control) {
                return chunked_refuse(status, 400);
            }
            break;
        case CHUNK_SIZE_LF:
            if (c != '\n') {
                return chunked_refuse(status, 400);
            }
            chunked->line = 0;
            chunked->total += chunked->remaining;
            chunked->state = chunked->remaining == 0 ? CHUNK_TRAILER_START : CHUNK_DATA;
            break;
        case CHUNK_DATA_CR:
            if (c != '\r') {
                return chunked_refuse(status, 400);
            }
            chunked->state = CHUNK_DATA_LF;
            break;
        case CHUNK_DATA_LF:
            if (c != '\n') {
                return chunked_refuse(status, 400);
            }
            chunked->line = 0;
            chunked->state = CHUNK_SIZE_FIRST;
            break;
        case CHUNK_TRAILER_START:
        case CHUNK_TRAILER:
            if (c == '\r') {
                chunked->state = chunked->state == CHUNK_TRAILER_START ? CHUNK_FINAL_LF : CHUNK_TRAILER_LF;
            } else if (control) {
                return chunked_refuse(status, 400);
            } else {
                chunked->state = CHUNK_TRAILER;
            }
            break;
        case CHUNK_TRAILER_LF:
            if (c != '\n') {
                return chunked_refuse(status, 400);
            }
            chunked->state = CHUNK_TRAILER_START;
            break;
        case CHUNK_FINAL_LF:
            if (c != '\n') {
                return chunked_refuse(status, 400);
            }
            *consumed = i;
            return HTTP_CHUNKED_DONE;
        default:
            return chunked_refuse(status, 400);
        }
    }
    *consumed = i;
    return HTTP_CHUNKED_INCOMPLETE;
}
