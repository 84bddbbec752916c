/* parser.c: the incremental HTTP/1.1 request parser (RFC 9112 sections 2 to 6) with the caller's limits. */
#include "lib/http/http_internal.h"

#include <string.h>

bool http_is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int http_hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

bool http_equal_nocase(const char *a, const char *b, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (lower((uint8_t)a[i]) != lower((uint8_t)b[i])) {
            return false;
        }
    }
    return true;
}

void http_parser_init(struct http_parser *parser)
{
    parser->scanned = 0;
    parser->line_end = 0;
}

/* The end of the line that starts at `start`, at its CR; `end` when no CRLF ends it before `end`. */
static size_t line_end(const uint8_t *bytes, size_t start, size_t end)
{
    for (size_t i = start; i + 1 < end; i++) {
        if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
            return i;
        }
    }
    return end;
}

/* The request line: method SP request-target SP HTTP-version, nothing else (RFC 9112 section 3). */
static unsigned parse_request_line(const uint8_t *line, size_t length, struct http_request *request)
{
    size_t i = 0;
    while (i < length && http_is_tchar(line[i])) {
        i++;
    }
    if (i == 0 || i >= length || line[i] != ' ') {
        return 400;
    }
    request->method_text = (const char *)line;
    request->method_length = i;
    request->method = HTTP_METHOD_OTHER;
    if (i == 3 && memcmp(line, "GET", 3) == 0) {
        request->method = HTTP_METHOD_GET;
    } else if (i == 4 && memcmp(line, "HEAD", 4) == 0) {
        request->method = HTTP_METHOD_HEAD;
    }
    size_t target = ++i;
    /* The target is visible ASCII: no whitespace, controls or octets above 0x7E (RFC 3986 allows none). */
    while (i < length && line[i] > 0x20 && line[i] < 0x7F) {
        i++;
    }
    if (i == target || i >= length || line[i] != ' ') {
        return 400;
    }
    request->target = (const char *)line + target;
    request->target_length = i - target;
    const uint8_t *version = line + i + 1;
    if (length - i - 1 != 8 || memcmp(version, "HTTP/", 5) != 0 || version[5] < '0' || version[5] > '9' ||
        version[6] != '.' || version[7] < '0' || version[7] > '9') {
        return 400;
    }
    if (version[5] != '1') {
        return 505;
    }
    request->version_minor = (unsigned)(version[7] - '0');
    return 0;
}

/* Whether a comma-separated list of tokens (a Connection value) holds `token`, compared without case. */
static bool list_has_token(const char *value, size_t length, const char *token)
{
    size_t token_length = strlen(token);
    size_t i = 0;
    while (i < length) {
        while (i < length && (value[i] == ' ' || value[i] == '\t' || value[i] == ',')) {
            i++;
        }
        size_t start = i;
        while (i < length && value[i] != ',' && value[i] != ' ' && value[i] != '\t') {
            i++;
        }
        if (i - start == token_length && http_equal_nocase(value + start, token, token_length)) {
            return true;
        }
    }
    return false;
}

/* One field line, "name: value" (RFC 9112 section 5): no whitespace before the colon, no obs-fold, no controls. */
static unsigned parse_field_line(const uint8_t *line, size_t length, struct http_header *header)
{
    size_t i = 0;
    while (i < length && http_is_tchar(line[i])) {
        i++;
    }
    /* A line starting with whitespace is obs-fold and one with whitespace before the colon is refused outright
     * (RFC 9112 5.1 and 5.2): both have been used to make two parsers disagree. */
    if (i == 0 || i >= length || line[i] != ':') {
        return 400;
    }
    header->name = (const char *)line;
    header->name_length = i;
    i++;
    while (i < length && (line[i] == ' ' || line[i] == '\t')) {
        i++;
    }
    size_t start = i, end = i;
    for (; i < length; i++) {
        uint8_t c = line[i];
        /* field-vchar, SP and HTAB; every other control (a bare CR, NUL, DEL) makes the line invalid. */
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            return 400;
        }
        if (c != ' ' && c != '\t') {
            end = i + 1;
        }
    }
    header->value = (const char *)line + start;
    header->value_length = end - start;
    return 0;
}

/* A Content-Length value: digits only. Sets `*too_large` when it is above `max` (or past 64 bits). */
static bool parse_content_length(const char *value, size_t length, uint64_t max, uint64_t *out, bool *too_large)
{
    if (length == 0) {
        return false;
    }
    uint64_t n = 0;
    *too_large = false;
    for (size_t i = 0; i < length; i++) {
        if (value[i] < '0' || value[i] > '9') {
            return false;
        }
        unsigned digit = (unsigned)(value[i] - '0');
        if (n > (UINT64_MAX - digit) / 10) {
            *too_large = true;
        } else {
            n = n * 10 + digit;
        }
    }
    *too_large = *too_large || n > max;
    *out = n;
    return true;
}

/* The header section's fields once the whole head is in: framing (RFC 9112 6.3), Host, Connection. */
static unsigned check_fields(const struct http_limits *limits, struct http_request *request)
{
    size_t position = 0;
    const struct http_header *host = http_header_next(request, "host", &position);
    if (host != NULL && http_header_next(request, "host", &position) != NULL) {
        return 400; /* RFC 9112 3.2: more than one Host */
    }
    if (host == NULL && request->version_minor >= 1) {
        return 400; /* RFC 9112 3.2: an HTTP/1.1 request without Host */
    }
    size_t transfer_position = 0;
    const struct http_header *transfer = http_header_next(request, "transfer-encoding", &transfer_position);
    position = 0;
    const struct http_header *length = http_header_next(request, "content-length", &position);
    if (length != NULL && http_header_next(request, "content-length", &position) != NULL) {
        return 400; /* duplicates, equal or not, are refused rather than merged (RFC 9112 6.3 item 5) */
    }
    request->body_length = 0;
    request->chunked = false;
    if (transfer != NULL) {
        /* With Content-Length, or in HTTP/1.0, the framing is ambiguous and the connection is closed (RFC 9112 6.1
         * and 6.3 item 3). Only chunked alone is decoded; another coding before it is 501, and chunked not last
         * leaves the body's end unknown (RFC 9112 6.3 item 4: 400). */
        if (length != NULL || request->version_minor == 0) {
            return 400;
        }
        const struct http_header *last = transfer;
        bool several = false;
        for (const struct http_header *h; (h = http_header_next(request, "transfer-encoding", &transfer_position));) {
            last = h;
            several = true;
        }
        size_t n = last->value_length;
        bool ends_chunked =
            n >= 7 && http_equal_nocase(last->value + n - 7, "chunked", 7) &&
            (n == 7 || last->value[n - 8] == ',' || last->value[n - 8] == ' ' || last->value[n - 8] == '\t');
        if (!ends_chunked) {
            return 400;
        }
        if (several || last->value_length != 7) {
            return 501;
        }
        request->chunked = true;
    }
    if (length != NULL) {
        bool too_large;
        if (!parse_content_length(length->value, length->value_length, limits->body_max, &request->body_length,
                                  &too_large)) {
            return 400;
        }
        if (too_large) {
            return 413;
        }
    }
    bool close = false, keep_alive = false;
    position = 0;
    for (const struct http_header *connection; (connection = http_header_next(request, "connection", &position));) {
        close = close || list_has_token(connection->value, connection->value_length, "close");
        keep_alive = keep_alive || list_has_token(connection->value, connection->value_length, "keep-alive");
    }
    /* RFC 9112 9.3: HTTP/1.1 persists unless closed; HTTP/1.0 only when asked with keep-alive. */
    request->keep_alive = !close && (request->version_minor >= 1 || keep_alive);
    return 0;
}

/* Parses a head known to end at `end` (just past its empty line), after `skip` octets of leading empty lines. */
static unsigned parse_head(const struct http_limits *limits, const uint8_t *bytes, size_t skip, size_t end,
                           struct http_request *request)
{
    size_t line = line_end(bytes, skip, end);
    if (line - skip > limits->request_line_max) {
        return 414;
    }
    unsigned status = parse_request_line(bytes + skip, line - skip, request);
    if (status != 0) {
        return status;
    }
    if (end - (line + 2) > limits->header_bytes_max) {
        return 431;
    }
    size_t count_max = limits->header_count_max < HTTP_HEADERS_MAX ? limits->header_count_max : HTTP_HEADERS_MAX;
    request->header_count = 0;
    for (size_t start = line + 2; start + 2 < end;) {
        size_t stop = line_end(bytes, start, end);
        if (request->header_count == count_max) {
            return 431;
        }
        status = parse_field_line(bytes + start, stop - start, &request->headers[request->header_count++]);
        if (status != 0) {
            return status;
        }
        start = stop + 2;
    }
    request->head_length = end;
    return check_fields(limits, request);
}

/* Ends the parse of one request with a refusal; the parser is ready for another (on a new connection). */
static enum http_parse_result refuse(struct http_parser *parser, unsigned *status, unsigned refusal)
{
    http_parser_init(parser);
    *status = refusal;
    return HTTP_PARSE_ERROR;
}

enum http_parse_result http_parse(struct http_parser *parser, const struct http_limits *limits, const uint8_t *bytes,
                                  size_t length, struct http_request *request, unsigned *status)
{
    /* RFC 9112 2.2: empty lines before the request line are ignored; a few at most, so they cannot go on forever. */
    size_t skip = 0;
    while (skip < 8 && skip + 1 < length && bytes[skip] == '\r' && bytes[skip + 1] == '\n') {
        skip += 2;
    }
    /* Each pair of octets is looked at once across calls, and every decision at octet i depends only on the octets
     * up to i + 1: a request split anywhere is parsed as it is whole, and a slow or endless head is refused as soon
     * as a limit is certainly passed. */
    size_t from = parser->scanned > skip ? parser->scanned : skip;
    for (size_t i = from; i + 1 < length; i++) {
        parser->scanned = i + 1;
        if (parser->line_end == 0 && i - skip > limits->request_line_max) {
            return refuse(parser, status, 414); /* a CRLF from here on would end too long a line */
        }
        if (parser->line_end != 0 && i + 2 - (parser->line_end + 1) > limits->header_bytes_max) {
            return refuse(parser, status, 431); /* a head ending from here on would have too long a header section */
        }
        /* A bare CR or a bare LF ends nothing: the head is refused at once rather than waited on (RFC 9112 2.2 lets
         * a server refuse a bare CR; lines ended by LF alone are refused too, so two parsers cannot split the head
         * differently). */
        if ((bytes[i] == '\r') != (bytes[i + 1] == '\n') || (i == skip && bytes[i] == '\n')) {
            return refuse(parser, status, 400);
        }
        if (bytes[i] != '\r') {
            continue;
        }
        if (parser->line_end == 0) {
            parser->line_end = i + 1; /* at the LF, so that 0 means "not found yet" */
        } else if (i >= skip + 2 && bytes[i - 2] == '\r' && bytes[i - 1] == '\n') {
            http_parser_init(parser);
            *status = parse_head(limits, bytes, skip, i + 2, request);
            return *status == 0 ? HTTP_PARSE_DONE : HTTP_PARSE_ERROR;
        }
    }
    return HTTP_PARSE_INCOMPLETE;
}

const struct http_header *http_header_next(const struct http_request *request, const char *name, size_t *position)
{
    size_t length = strlen(name);
    for (; *position < request->header_count; (*position)++) {
        const struct http_header *header = &request->headers[*position];
        if (header->name_length == length && http_equal_nocase(header->name, name, length)) {
            (*position)++;
            return header;
        }
    }
    return NULL;
}
