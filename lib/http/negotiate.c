/* negotiate.c: the request fields that choose what is sent: If-None-Match, Accept-Encoding and Range. */
#include "lib/http/http_internal.h"

#include <string.h>

static size_t skip_space(const char *value, size_t length, size_t i)
{
    while (i < length && (value[i] == ' ' || value[i] == '\t')) {
        i++;
    }
    return i;
}

bool http_etag_valid(const char *etag)
{
    size_t i = strncmp(etag, "W/", 2) == 0 ? 2 : 0;
    if (etag[i] != '"') {
        return false;
    }
    for (i++; etag[i] != '"'; i++) {
        uint8_t c = (uint8_t)etag[i];
        if (c < 0x21 || c == 0x7F) {
            return false; /* etagc (RFC 9110 8.8.3): no whitespace or controls, which ends the string too */
        }
    }
    return etag[i + 1] == '\0' && i < 200;
}

bool http_etag_list_matches(const char *value, size_t length, const char *etag)
{
    size_t i = skip_space(value, length, 0);
    if (i < length && value[i] == '*') {
        return skip_space(value, length, i + 1) == length;
    }
    /* Weak comparison: the opaque tags, quotes included, are equal whether or not either is marked W/. */
    const char *ours = etag;
    if (strncmp(ours, "W/", 2) == 0) {
        ours += 2;
    }
    size_t ours_length = strlen(ours);
    bool matched = false;
    while (i < length) {
        if (length - i >= 2 && value[i] == 'W' && value[i + 1] == '/') {
            i += 2;
        }
        if (i >= length || value[i] != '"') {
            return false;
        }
        size_t start = i++;
        while (i < length && value[i] != '"') {
            uint8_t c = (uint8_t)value[i];
            if (c < 0x21 || c == 0x7F) {
                return false; /* etagc excludes whitespace and controls */
            }
            i++;
        }
        if (i >= length) {
            return false;
        }
        i++;
        matched = matched || (i - start == ours_length && memcmp(value + start, ours, ours_length) == 0);
        i = skip_space(value, length, i);
        if (i < length) {
            if (value[i] != ',') {
                return false;
            }
            i = skip_space(value, length, i + 1);
        }
    }
    return matched;
}

/* A qvalue (RFC 9110 12.4.2) as thousandths: "0", "0.5", "1.000"; -1 when malformed. */
static int parse_qvalue(const char *text, size_t length)
{
    if (length == 0 || (text[0] != '0' && text[0] != '1') || (length > 1 && text[1] != '.') || length > 5) {
        return -1;
    }
    int value = (text[0] - '0') * 1000;
    int scale = 100;
    for (size_t i = 2; i < length; i++, scale /= 10) {
        if (text[i] < '0' || text[i] > '9') {
            return -1;
        }
        value += (text[i] - '0') * scale;
    }
    return value > 1000 ? -1 : value;
}

int http_coding_weight(const char *value, size_t length, const char *coding)
{
    size_t coding_length = strlen(coding);
    int named = -1, wildcard = -1;
    size_t i = 0;
    while (i < length) {
        i = skip_space(value, length, i);
        size_t start = i;
        while (i < length && http_is_tchar((uint8_t)value[i])) {
            i++;
        }
        size_t name_length = i - start;
        int weight = 1000;
        i = skip_space(value, length, i);
        /* Parameters: only q counts; a malformed one makes the element weigh nothing. */
        while (i < length && value[i] == ';') {
            i = skip_space(value, length, i + 1);
            size_t parameter = i;
            while (i < length && value[i] != ',' && value[i] != ';' && value[i] != ' ' && value[i] != '\t') {
                i++;
            }
            if (i - parameter >= 2 && (value[parameter] == 'q' || value[parameter] == 'Q') &&
                value[parameter + 1] == '=') {
                weight = parse_qvalue(value + parameter + 2, i - parameter - 2);
            }
            i = skip_space(value, length, i);
        }
        if (i < length && value[i] != ',') {
            /* Not a list element: skip to the next comma, counting this one as absent. */
            while (i < length && value[i] != ',') {
                i++;
            }
            name_length = 0;
        }
        i++;
        if (weight < 0 || name_length == 0) {
            continue;
        }
        bool is_coding = name_length == coding_length && http_equal_nocase(value + start, coding, coding_length);
        /* "x-gzip" is gzip (RFC 9110 8.4.1.3). */
        if (!is_coding && strcmp(coding, "gzip") == 0 && name_length == 6 &&
            http_equal_nocase(value + start, "x-gzip", 6)) {
            is_coding = true;
        }
        if (is_coding && weight > named) {
            named = weight;
        } else if (name_length == 1 && value[start] == '*') {
            wildcard = weight;
        }
    }
    return named >= 0 ? named : wildcard;
}

/* Digits into *out; false when there are none or they pass 2^63 (far past any file). */
static bool parse_position(const char *text, size_t length, uint64_t *out)
{
    if (length == 0 || length > 18) {
        return false;
    }
    uint64_t n = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        n = n * 10 + (uint64_t)(text[i] - '0');
    }
    *out = n;
    return true;
}

enum http_range_result http_parse_range(const char *value, size_t length, uint64_t size, uint64_t *first,
                                        uint64_t *last)
{
    /* Only "bytes=" and one range: several ranges are answered with the whole representation (RFC 9110 14.2). */
    if (length < 6 || !http_equal_nocase(value, "bytes=", 6) || memchr(value, ',', length) != NULL) {
        return HTTP_RANGE_IGNORE;
    }
    size_t start = skip_space(value, length, 6);
    size_t end = length;
    while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t')) {
        end--;
    }
    const char *dash = memchr(value + start, '-', end - start);
    if (dash == NULL) {
        return HTTP_RANGE_IGNORE;
    }
    size_t dash_at = (size_t)(dash - value);
    uint64_t a = 0, b = 0;
    if (dash_at == start) {
        /* "-N": the last N octets */
        if (!parse_position(value + dash_at + 1, end - dash_at - 1, &b)) {
            return HTTP_RANGE_IGNORE;
        }
        if (b == 0 || size == 0) {
            return HTTP_RANGE_UNSATISFIABLE;
        }
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return HTTP_RANGE_SATISFIABLE;
    }
    if (!parse_position(value + start, dash_at - start, &a)) {
        return HTTP_RANGE_IGNORE;
    }
    bool open_ended = dash_at + 1 == end;
    if (!open_ended && (!parse_position(value + dash_at + 1, end - dash_at - 1, &b) || b < a)) {
        return HTTP_RANGE_IGNORE; /* invalid: last before first */
    }
    if (a >= size) {
        return HTTP_RANGE_UNSATISFIABLE;
    }
    *first = a;
    *last = (open_ended || b >= size) ? size - 1 : b;
    return HTTP_RANGE_SATISFIABLE;
}
