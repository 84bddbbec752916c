/* stream_check.h: what must hold when a byte stream is served, shared by the fuzzer and `http_test --corpus`: the
 * stream is parsed and answered request by request as a connection would be, once whole and once in reads of a
 * size the first octet picks; both must give the same answers, each answer (and the redirect to HTTPS of each
 * request) must be well formed, and its body must lie inside a served file. The input is also taken as a target and as
 * field values, whose results are checked. */
#ifndef MIRAGE_LIB_HTTP_TESTS_STREAM_CHECK_H
#define MIRAGE_LIB_HTTP_TESTS_STREAM_CHECK_H

#include <stdio.h>
#include <string.h>

#include "lib/http/http_internal.h"
#include "lib/http/tests/test_site.h"

#define STREAM_ANSWERS_MAX 64
#define STREAM_HEADER_SIZE 512

struct stream_answers {
    size_t count;
    unsigned status[STREAM_ANSWERS_MAX];
    size_t consumed[STREAM_ANSWERS_MAX];
    size_t header_length[STREAM_ANSWERS_MAX];
    size_t body_length[STREAM_ANSWERS_MAX];
};

/* Whether `body` lies inside one of the test site's files (or is the static text of an error answer). */
static bool stream_body_inside_site(const uint8_t *body, size_t length)
{
    if (length == 0) {
        return true;
    }
    for (size_t i = 0; i < sizeof test_files / sizeof test_files[0]; i++) {
        const uint8_t *data = (const uint8_t *)test_files[i].data;
        size_t size = strlen(test_files[i].data);
        if (body >= data && body <= data + size && length <= (size_t)(data + size - body)) {
            return true;
        }
    }
    /* Error bodies are "<status> <reason>\n". */
    return length < 64 && body[0] >= '1' && body[0] <= '5' && body[length - 1] == '\n';
}

/* A header written by the responder: status line, fields of token ": " value, the empty line, in the buffer. */
static bool stream_header_well_formed(const uint8_t *header, size_t length, unsigned status, char *why, size_t size)
{
    if (length < 19 || length > STREAM_HEADER_SIZE || memcmp(header, "HTTP/1.1 ", 9) != 0 ||
        memcmp(header + length - 4, "\r\n\r\n", 4) != 0) {
        snprintf(why, size, "the header of a %u answer is not framed", status);
        return false;
    }
    unsigned written = (unsigned)(header[9] - '0') * 100 + (unsigned)(header[10] - '0') * 10 + (header[11] - '0');
    if (written != status) {
        snprintf(why, size, "status line says %u, the answer %u", written, status);
        return false;
    }
    for (size_t i = 0; i + 1 < length; i++) {
        if ((header[i] == '\r') != (header[i + 1] == '\n') || header[i] == 0) {
            snprintf(why, size, "a bare CR, LF or NUL at %zu in a %u header", i, status);
            return false;
        }
    }
    return true;
}

/* Serves `data` as one connection, handing the parser `read_size` more octets at a time (0: all at once). */
static bool stream_serve(const uint8_t *data, size_t size, size_t read_size, struct stream_answers *answers, char *why,
                         size_t why_size)
{
    static const unsigned refusals[] = {400, 413, 414, 431, 501, 505};
    static const unsigned answers_allowed[] = {200, 206, 301, 304, 400, 404, 405, 414, 416, 501};
    struct http_parser parser;
    http_parser_init(&parser);
    static struct http_request request; /* large; one stream at a time */
    uint8_t header[STREAM_HEADER_SIZE];
    size_t offset = 0, available = read_size == 0 ? size : (read_size < size ? read_size : size);
    answers->count = 0;
    while (offset < size && answers->count < STREAM_ANSWERS_MAX) {
        unsigned status = 0;
        enum http_parse_result result =
            http_parse(&parser, &test_limits, data + offset, available - offset, &request, &status);
        if (result == HTTP_PARSE_INCOMPLETE) {
            if (available == size) {
                return true; /* the stream ends part-way through a request */
            }
            available = available + read_size < size ? available + read_size : size;
            continue;
        }
        struct http_response response;
        size_t consumed = 0;
        bool fits;
        if (result == HTTP_PARSE_ERROR) {
            bool known = false;
            for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
                known = known || refusals[i] == status;
            }
            if (!known) {
                snprintf(why, why_size, "refused with %u", status);
                return false;
            }
            fits = http_respond_error(status, TEST_NOW, header, sizeof header, &response);
        } else {
            if (request.head_length == 0 || request.head_length > available - offset ||
                request.header_count > test_limits.header_count_max || request.body_length > test_limits.body_max) {
                snprintf(why, why_size, "a request of %zu octets from %zu", request.head_length, available - offset);
                return false;
            }
            fits = http_respond(&test_site, &request, TEST_NOW, header, sizeof header, &response);
            uint64_t rest = size - offset - request.head_length;
            consumed = request.head_length + (size_t)(request.body_length < rest ? request.body_length : rest);
            bool known = false;
            for (size_t i = 0; i < sizeof answers_allowed / sizeof answers_allowed[0]; i++) {
                known = known || answers_allowed[i] == response.status;
            }
            if (!known) {
                snprintf(why, why_size, "answered %u", response.status);
                return false;
            }
        }
        if (!fits || !stream_header_well_formed(header, response.header_length, response.status, why, why_size)) {
            if (!fits) {
                snprintf(why, why_size, "a %u header does not fit in %zu octets", response.status, sizeof header);
            }
            return false;
        }
        if (!stream_body_inside_site(response.body, response.body_length)) {
            snprintf(why, why_size, "a %u body of %zu octets outside the files", response.status, response.body_length);
            return false;
        }
        /* The same request redirected to HTTPS: its target goes into Location, which must stay one field line. */
        struct http_response moved;
        if (result == HTTP_PARSE_DONE) {
            if (!http_respond_redirect("example.org:8443", &request, TEST_NOW, header, sizeof header, &moved) ||
                moved.status != 301 || moved.close != response.close ||
                !stream_body_inside_site(moved.body, moved.body_length)) {
                snprintf(why, why_size, "the redirect of a request answered %u is wrong", response.status);
                return false;
            }
            if (!stream_header_well_formed(header, moved.header_length, 301, why, why_size)) {
                return false;
            }
        }
        answers->status[answers->count] = response.status;
        answers->consumed[answers->count] = consumed;
        answers->header_length[answers->count] = response.header_length;
        answers->body_length[answers->count] = response.body_length;
        answers->count++;
        if (result == HTTP_PARSE_ERROR || response.close) {
            return true;
        }
        if (result == HTTP_PARSE_DONE && request.chunked) {
            /* The body is skipped in the same reads; a refusal is one more answer, and ends the stream. */
            struct http_chunked chunked;
            http_chunked_init(&chunked);
            size_t position = offset + request.head_length;
            for (;;) {
                size_t used = 0;
                unsigned refusal = 0;
                enum http_chunked_result skipped =
                    http_chunked_skip(&chunked, &test_limits, data + position, available - position, &used, &refusal);
                if (used > available - position) {
                    snprintf(why, why_size, "the chunked body consumed %zu of %zu octets", used, available - position);
                    return false;
                }
                position += used;
                if (skipped == HTTP_CHUNKED_DONE) {
                    break;
                }
                if (skipped == HTTP_CHUNKED_ERROR) {
                    if (refusal != 400 && refusal != 413 && refusal != 431) {
                        snprintf(why, why_size, "a chunked body refused with %u", refusal);
                        return false;
                    }
                    answers->status[answers->count] = refusal;
                    answers->consumed[answers->count] = answers->header_length[answers->count] = 0;
                    answers->body_length[answers->count] = 0;
                    answers->count += answers->count < STREAM_ANSWERS_MAX;
                    return true;
                }
                if (available == size) {
                    return true; /* the stream ends inside the body */
                }
                available = available + read_size < size ? available + read_size : size;
            }
            consumed = position - offset;
            answers->consumed[answers->count - 1] = consumed;
        }
        offset += consumed;
        if (available < offset) {
            available = offset;
        }
    }
    return true;
}

/* A normalised path starts with '/', holds no control character and no empty, "." or ".." segment, and fits. */
static bool path_well_formed(const char *path, size_t size)
{
    size_t length = strnlen(path, size);
    if (length == size || path[0] != '/') {
        return false;
    }
    for (size_t start = 1; start <= length;) {
        size_t end = start;
        while (end < length && path[end] != '/' && (uint8_t)path[end] >= 0x20 && path[end] != 0x7F) {
            end++;
        }
        if (end < length && path[end] != '/') {
            return false;
        }
        size_t segment = end - start;
        if (segment == 0 || (segment == 1 && path[start] == '.') ||
            (segment == 2 && path[start] == '.' && path[start + 1] == '.')) {
            return false;
        }
        start = end + 1;
    }
    return true;
}

/* The input taken as a target, an If-None-Match, an Accept-Encoding and a Range value. */
static bool values_check(const uint8_t *data, size_t size, char *why, size_t why_size)
{
    char path[HTTP_PATH_MAX];
    memset(path, 0x55, sizeof path);
    unsigned status = http_normalise_path((const char *)data, size, path);
    if ((status == 0 && !path_well_formed(path, sizeof path)) || (status != 0 && status != 400 && status != 414)) {
        snprintf(why, why_size, "the target normalised to status %u, path %.40s", status, path);
        return false;
    }
    (void)http_etag_list_matches((const char *)data, size, "\"etag\"");
    int weight = http_coding_weight((const char *)data, size, "gzip");
    if (weight < -1 || weight > 1000) {
        snprintf(why, why_size, "gzip weighs %d", weight);
        return false;
    }
    uint64_t first = 0, last = 0, length = size > 0 ? data[0] : 0;
    if (http_parse_range((const char *)data, size, length, &first, &last) == HTTP_RANGE_SATISFIABLE &&
        (first > last || last >= length)) {
        snprintf(why, why_size, "range %llu-%llu of %llu", (unsigned long long)first, (unsigned long long)last,
                 (unsigned long long)length);
        return false;
    }
    return true;
}

/* The whole check on one input: the first octet picks the read size, the rest is the stream; the input is also
 * taken as each field value the responder reads. */
static bool stream_check(const uint8_t *data, size_t size, char *why, size_t why_size)
{
    if (size == 0 || !values_check(data, size, why, why_size)) {
        return size == 0;
    }
    size_t read_size = 1 + data[0] % 32;
    static struct stream_answers whole, pieces;
    if (!stream_serve(data + 1, size - 1, 0, &whole, why, why_size) ||
        !stream_serve(data + 1, size - 1, read_size, &pieces, why, why_size)) {
        return false;
    }
    if (whole.count != pieces.count) {
        snprintf(why, why_size, "%zu answers whole, %zu in reads of %zu", whole.count, pieces.count, read_size);
        return false;
    }
    for (size_t i = 0; i < whole.count; i++) {
        if (whole.status[i] != pieces.status[i] || whole.consumed[i] != pieces.consumed[i] ||
            whole.header_length[i] != pieces.header_length[i] || whole.body_length[i] != pieces.body_length[i]) {
            snprintf(why, why_size, "answer %zu: %u whole, %u in reads of %zu", i, whole.status[i], pieces.status[i],
                     read_size);
            return false;
        }
    }
    return true;
}

#endif
