/* http.h: an HTTP/1.1 request parser and a responder over read-only files (RFC 9110, RFC 9112), as pure C.
 *
 * No I/O, no clocks, no allocation: the caller keeps the bytes of a connection in its buffer, hands them to
 * http_parse until a request is complete, answers it with http_respond (the header goes into the caller's buffer,
 * the body is a pointer into the file's bytes so it can be sent without copying), then drops the request's bytes. */
#ifndef MIRAGE_LIB_HTTP_HTTP_H
#define MIRAGE_LIB_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most header fields a request can hold whatever the limits say (they are kept in http_request). */
#define HTTP_HEADERS_MAX 100

/* The longest normalised path handed to the lookup (with a ".gz" suffix), including its terminating NUL. */
#define HTTP_PATH_MAX 1024

/* What the caller allows a request to take; over a limit the request is refused with the status named. */
struct http_limits {
    size_t request_line_max; /* octets of the request line without its CRLF: 414 */
    size_t header_count_max; /* header fields, at most HTTP_HEADERS_MAX: 431 */
    size_t header_bytes_max; /* octets of the header section after the request line, CRLFs included: 431 */
    uint64_t body_max;       /* octets of a Content-Length body: 413 */
};

enum http_method {
    HTTP_METHOD_OTHER,
    HTTP_METHOD_GET,
    HTTP_METHOD_HEAD,
};

/* A header field: both parts point into the caller's buffer; the value has no leading or trailing whitespace. */
struct http_header {
    const char *name;
    size_t name_length;
    const char *value;
    size_t value_length;
};

/* A parsed request. Its pointers are into the buffer given to http_parse and live as long as those bytes do. */
struct http_request {
    enum http_method method;
    const char *method_text;
    size_t method_length;
    const char *target;
    size_t target_length;
    unsigned version_minor; /* HTTP/1.x */
    bool keep_alive;        /* the connection may carry another request after this one */
    size_t head_length;     /* octets of the request line and header section, final empty line included */
    uint64_t body_length;   /* octets of body that follow the head (Content-Length), which the caller skips */
    bool chunked;           /* a chunked body follows the head instead: the caller skips it with http_chunked_skip */
    size_t header_count;
    struct http_header headers[HTTP_HEADERS_MAX];
};

/* The parser's state between calls for one request: where the search for the end of the head stopped, and where
 * the request line ends (one past its CR; 0 until seen). */
struct http_parser {
    size_t scanned;
    size_t line_end;
};

enum http_parse_result {
    HTTP_PARSE_INCOMPLETE, /* more bytes are needed; call again with the same bytes and more after them */
    HTTP_PARSE_DONE,       /* a request is in `request`; it takes head_length + body_length octets */
    HTTP_PARSE_ERROR,      /* the request is refused with `*status`; the connection must close after the answer */
};

/* Starts (or restarts) the parser for a new request. */
void http_parser_init(struct http_parser *parser);

/* Parses the request at the start of `bytes[0..length)`: the bytes not yet consumed of a connection, which grow
 * between calls that return HTTP_PARSE_INCOMPLETE. On HTTP_PARSE_DONE or HTTP_PARSE_ERROR the parser is ready for
 * the next request. `*status` is set on an error: 400, 413, 414, 431, 501 (a transfer coding besides chunked) or
 * 505. */
enum http_parse_result http_parse(struct http_parser *parser, const struct http_limits *limits, const uint8_t *bytes,
                                  size_t length, struct http_request *request, unsigned *status);

/* Skipping a chunked request body: its state between calls. */
struct http_chunked {
    unsigned state;
    uint64_t remaining; /* octets of the current chunk's size or data still to come */
    uint64_t total;     /* octets of chunk data so far, against body_max */
    size_t line;        /* octets of the current chunk-size line, or of the trailer section */
};

enum http_chunked_result {
    HTTP_CHUNKED_INCOMPLETE, /* every octet given was consumed; more of the body is to come */
    HTTP_CHUNKED_DONE,       /* the body ended after `*consumed` octets; the next request starts there */
    HTTP_CHUNKED_ERROR,      /* the framing is lost (`*status` says why: 400, 413, 431): close the connection */
};

/* Starts skipping a chunked body. */
void http_chunked_init(struct http_chunked *chunked);

/* Skips the chunked body's octets in `bytes[0..length)` (the ones after those already consumed), with chunk-size
 * lines bounded by request_line_max, the trailer section by header_bytes_max and the data by body_max. */
enum http_chunked_result http_chunked_skip(struct http_chunked *chunked, const struct http_limits *limits,
                                           const uint8_t *bytes, size_t length, size_t *consumed, unsigned *status);

/* The next header field named `name` (compared without case) from index `*position` on, advancing `*position`
 * past it; NULL when there is none. Start with `*position` = 0. */
const struct http_header *http_header_next(const struct http_request *request, const char *name, size_t *position);

/* A file as the caller's lookup gives it: its bytes, and a strong entity-tag it computed (with its quotes, at most
 * 200 octets). */
struct http_file {
    const uint8_t *data;
    size_t length;
    const char *etag;
};

/* Finds the file at `path` (NUL-terminated, normalised, starting with '/'); returns false when there is none. */
typedef bool (*http_lookup)(void *context, const char *path, struct http_file *file);

struct http_site {
    http_lookup lookup;
    void *context;
    /* Seconds for a Strict-Transport-Security field (RFC 6797) on every answer of http_respond, 0 for none. Set
     * it only where the site is served over TLS: a user agent ignores the field over plain HTTP (RFC 6797 8.1). */
    uint32_t hsts_max_age;
};

/* An answer: its header is out[0..header_length); then body_length octets from `body` are sent (none for HEAD). */
struct http_response {
    unsigned status;
    size_t header_length;
    const uint8_t *body;
    size_t body_length;
    bool close; /* close the connection once the answer is sent */
};

/* Answers a request over `site` with `now` (POSIX seconds) as its Date: a file, 304, 206 or 416 for GET and HEAD;
 * 301 to "<path>/" for a path without its trailing '/' whose "<path>/index.html" is a file; 404; 405 with Allow for
 * another method HTTP defines, 501 for one it does not. Returns false only when the header does not fit in
 * `out_size` octets (512 plus the request target always do: the fields are at most about 300 octets besides the
 * ETag, which must be at most 200 and is left out when it is not a valid entity-tag, and a 301's Location). */
bool http_respond(const struct http_site *site, const struct http_request *request, int64_t now, uint8_t *out,
                  size_t out_size, struct http_response *response);

/* Whether `authority` is a host with an optional port ("example.org", "example.org:8443", "[2001:db8::1]") that
 * a Location field can carry: 1 to 255 octets of letters, digits, '.', '-', '_', '~', ':', '[' and ']'. */
bool http_authority_valid(const char *authority);

/* Answers any request with 301 Moved Permanently to "https://" `authority` followed by the request's path and
 * query (its absolute-form reduced to them), so a client of the plain-HTTP port moves to the TLS site. The
 * connection persists as the request allows. Returns false when `authority` is not valid or the header does not
 * fit in `out_size` octets (512 plus the authority and the request target always do). */
bool http_respond_redirect(const char *authority, const struct http_request *request, int64_t now, uint8_t *out,
                           size_t out_size, struct http_response *response);

/* Answers a request that http_parse refused with `status`; the answer closes the connection. */
bool http_respond_error(unsigned status, int64_t now, uint8_t *out, size_t out_size, struct http_response *response);

/* Writes `seconds` (POSIX time) as an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", and a NUL: 30 octets. Returns
 * false for a time outside the years 0 to 9999. */
#define HTTP_DATE_SIZE 30
bool http_format_date(int64_t seconds, char out[HTTP_DATE_SIZE]);

#endif
