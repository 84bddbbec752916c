/* http_internal.h: what the files of lib/http share with each other and with the tests. */
#ifndef MIRAGE_LIB_HTTP_HTTP_INTERNAL_H
#define MIRAGE_LIB_HTTP_HTTP_INTERNAL_H

#include "lib/http/http.h"

/* tchar of RFC 9110 section 5.6.2: the characters of a token (methods, field names, codings). */
bool http_is_tchar(uint8_t c);

/* The value of a hex digit (chunk sizes, percent-encoding), or -1 for any other octet. */
int http_hex_value(uint8_t c);

/* Equal ignoring ASCII case, over `length` octets. */
bool http_equal_nocase(const char *a, const char *b, size_t length);

/* Normalises a request target into `path` (HTTP_PATH_MAX octets): origin-form or absolute-form, the query dropped,
 * percent-decoding, "." and ".." segments resolved, empty segments collapsed, a trailing '/' given "index.html".
 * Returns 0, or the status to answer: 400 for a malformed target, an escape above the root or a control character
 * (literal or decoded); 414
 * when the result does not fit. */
unsigned http_normalise_path(const char *target, size_t length, char path[HTTP_PATH_MAX]);

/* The media type to send for `path`, by its extension; application/octet-stream when unknown. */
const char *http_content_type(const char *path);

/* Whether `etag` is one entity-tag (RFC 9110 8.8.3), W/ or not, of at most 200 octets: what the lookup gave is
 * checked before it goes into a header. */
bool http_etag_valid(const char *etag);

/* Whether any entity-tag of an If-None-Match value matches `etag` by weak comparison (RFC 9110 13.1.2), or the
 * value is "*". A malformed list matches nothing. */
bool http_etag_list_matches(const char *value, size_t length, const char *etag);

/* The weight (0 to 1000) an Accept-Encoding value gives `coding` ("gzip" or "identity"), by name or by "*";
 * -1 when the value names neither. */
int http_coding_weight(const char *value, size_t length, const char *coding);

/* A Range value against a representation of `size` octets (RFC 9110 14.1.2). */
enum http_range_result {
    HTTP_RANGE_IGNORE,        /* not one valid byte range: the whole representation is sent */
    HTTP_RANGE_SATISFIABLE,   /* bytes first..last inclusive */
    HTTP_RANGE_UNSATISFIABLE, /* 416 */
};
enum http_range_result http_parse_range(const char *value, size_t length, uint64_t size, uint64_t *first,
                                        uint64_t *last);

#endif
