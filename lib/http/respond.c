/* respond.c: the answer to a parsed request over the caller's read-only files (RFC 9110): GET and HEAD, 304, 206,
 * 416, 404, 405 and 501, a folder named without its '/' sent to it, a precompressed ".gz" variant, HSTS, the
 * redirect to HTTPS, and the error answers to refused requests. */
#include "lib/http/http_internal.h"

#include <string.h>

/* The header being written into the caller's buffer; once full, nothing more is written and `full` says so. */
struct writer {
    uint8_t *out;
    size_t size;
    size_t length;
    bool full;
};

static void put_bytes(struct writer *w, const char *text, size_t length)
{
    if (w->full || length > w->size - w->length) {
        w->full = true;
        return;
    }
    memcpy(w->out + w->length, text, length);
    w->length += length;
}

static void put(struct writer *w, const char *text)
{
    put_bytes(w, text, strlen(text));
}

static void put_number(struct writer *w, uint64_t value)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof digits - ++n] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    put_bytes(w, digits + sizeof digits - n, n);
}

static const char *reason(unsigned status)
{
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 416:
        return "Range Not Satisfiable";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

/* The status line and Date. A clock outside the years 0 to 9999 leaves Date out (RFC 9110 6.6.1 allows it). */
static void put_start(struct writer *w, unsigned status, int64_t now)
{
    put(w, "HTTP/1.1 ");
    put_number(w, status);
    put(w, " ");
    put(w, reason(status));
    put(w, "\r\n");
    char date[HTTP_DATE_SIZE];
    if (http_format_date(now, date)) {
        put(w, "Date: ");
        put(w, date);
        put(w, "\r\n");
    }
}

/* Connection, the empty line, and the answer's summary; false when the header did not fit. */
static bool finish(struct writer *w, unsigned status, bool close, bool keep_alive_said, const uint8_t *body,
                   size_t body_length, struct http_response *response)
{
    if (close) {
        put(w, "Connection: close\r\n");
    } else if (keep_alive_said) {
        put(w, "Connection: keep-alive\r\n"); /* HTTP/1.0 persists only when told so (RFC 9112 9.3) */
    }
    put(w, "\r\n");
    response->status = status;
    response->header_length = w->length;
    response->body = body;
    response->body_length = body_length;
    response->close = close;
    return !w->full;
}

/* "<status> <reason>\n": the plain-text body of an answer without a file; empty for a status without one. */
static const char *plain_body(unsigned status)
{
    static const char *const bodies[] = {"301 Moved Permanently\n",
                                         "400 Bad Request\n",
                                         "404 Not Found\n",
                                         "405 Method Not Allowed\n",
                                         "413 Content Too Large\n",
                                         "414 URI Too Long\n",
                                         "431 Request Header Fields Too Large\n",
                                         "501 Not Implemented\n",
                                         "505 HTTP Version Not Supported\n"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        if ((unsigned)((bodies[i][0] - '0') * 100 + (bodies[i][1] - '0') * 10 + (bodies[i][2] - '0')) == status) {
            return bodies[i];
        }
    }
    return "";
}

/* Strict-Transport-Security when the site asks for it (it is served over TLS). */
static void put_hsts(struct writer *w, const struct http_site *site)
{
    if (site != NULL && site->hsts_max_age != 0) {
        put(w, "Strict-Transport-Security: max-age=");
        put_number(w, site->hsts_max_age);
        put(w, "\r\n");
    }
}

/* An answer whose body is plain_body(status) (left out for HEAD, its length still given); `site` is NULL for a
 * refused request, whose answer has no HSTS. */
static bool respond_plain(const struct http_site *site, unsigned status, bool head, bool close, bool keep_alive_said,
                          int64_t now, uint8_t *out, size_t out_size, struct http_response *response)
{
    const char *body = plain_body(status);
    size_t length = strlen(body);
    struct writer w = {.out = out, .size = out_size};
    put_start(&w, status, now);
    put(&w, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    put_number(&w, length);
    put(&w, "\r\n");
    if (status == 405) {
        put(&w, "Allow: GET, HEAD\r\n");
    }
    put_hsts(&w, site);
    return finish(&w, status, close, keep_alive_said, (const uint8_t *)body, head ? 0 : length, response);
}

bool http_respond_error(unsigned status, int64_t now, uint8_t *out, size_t out_size, struct http_response *response)
{
    return respond_plain(NULL, status, false, true, false, now, out, out_size, response);
}

/* The largest weight any Accept-Encoding field of the request gives `coding`; -1 when none names it. */
static int coding_weight(const struct http_request *request, const char *coding)
{
    int weight = -1;
    size_t position = 0;
    for (const struct http_header *h; (h = http_header_next(request, "accept-encoding", &position));) {
        int w = http_coding_weight(h->value, h->value_length, coding);
        weight = w > weight ? w : weight;
    }
    return weight;
}

/* Whether an If-Range field lets a Range apply: only a strong entity-tag equal to ours (RFC 9110 13.1.5); a date
 * is not compared (we send no Last-Modified), so it disables the range, as does having no valid ETag. */
static bool if_range_allows(const struct http_request *request, const char *etag)
{
    size_t position = 0;
    const struct http_header *h = http_header_next(request, "if-range", &position);
    if (h == NULL) {
        return true;
    }
    if (etag == NULL) {
        return false;
    }
    size_t length = strlen(etag);
    return strncmp(etag, "W/", 2) != 0 && h->value_length == length && memcmp(h->value, etag, length) == 0;
}

/* The path and query to redirect to: an origin-form target as it is (the parser admitted only visible ASCII, so
 * it cannot break the header), an absolute-form one from the '/' or '?' after its authority; `*slash` says that a
 * '/' must go before them (an empty path, or the asterisk-form, is the root). */
static void redirect_path(const struct http_request *request, const char **path, size_t *length, bool *slash)
{
    const char *target = request->target;
    size_t n = request->target_length;
    *path = target;
    *length = n;
    *slash = false;
    if (n > 0 && target[0] == '/') {
        return;
    }
    for (size_t i = 0; i + 3 <= n; i++) {
        if (memcmp(target + i, "://", 3) == 0) {
            size_t j = i + 3;
            while (j < n && target[j] != '/' && target[j] != '?') {
                j++;
            }
            *path = target + j;
            *length = n - j;
            *slash = j == n || target[j] == '?';
            return;
        }
    }
    *length = 0;
    *slash = true;
}

/* Whether a method this responder does not serve is one HTTP defines (RFC 9110 9.3, RFC 5789): 405 with Allow for
 * those; any other is not implemented here at all (501, RFC 9110 15.6.2). Methods are case-sensitive. */
static bool method_defined(const struct http_request *request)
{
    static const char *const defined[] = {"POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    for (size_t i = 0; i < sizeof defined / sizeof defined[0]; i++) {
        size_t length = strlen(defined[i]);
        if (request->method_length == length && memcmp(request->method_text, defined[i], length) == 0) {
            return true;
        }
    }
    return false;
}

/* Whether `path` (normalised, no file) names a folder that has an index.html: a link to it without its trailing
 * '/' is sent there, so the index's relative links resolve inside the folder, as web servers do. */
static bool is_folder(const struct http_site *site, const char *path)
{
    static const char index[] = "/index.html";
    char folder[HTTP_PATH_MAX + sizeof index];
    size_t length = strlen(path);
    struct http_file file;
    if (length + sizeof index > sizeof folder) {
        return false;
    }
    memcpy(folder, path, length);
    memcpy(folder + length, index, sizeof index);
    return site->lookup(site->context, folder, &file);
}

/* The request's target as the client wrote it (its escapes kept), split for a '/' to go between its path,
 * target[0..*path_length), and the query after it, up to `*length`; false when the path is already a folder's
 * form ("/docs/", or empty), where another '/' would send the client round in a circle. */
static bool folder_target(const struct http_request *request, const char **target, size_t *path_length, size_t *length)
{
    bool slash;
    redirect_path(request, target, length, &slash);
    *path_length = 0;
    while (*path_length < *length && (*target)[*path_length] != '?' && (*target)[*path_length] != '#') {
        (*path_length)++;
    }
    return !slash && *path_length > 0 && (*target)[*path_length - 1] != '/';
}

/* 301 to the folder's form of the target: its path with '/' added before its query. */
static bool respond_folder(const struct http_site *site, const char *target, size_t path_length, size_t length,
                           bool head, bool close, bool keep_alive_said, int64_t now, uint8_t *out, size_t out_size,
                           struct http_response *response)
{
    const char *body = plain_body(301);
    size_t body_length = strlen(body);
    struct writer w = {.out = out, .size = out_size};
    put_start(&w, 301, now);
    put(&w, "Location: ");
    put_bytes(&w, target, path_length);
    put(&w, "/");
    put_bytes(&w, target + path_length, length - path_length);
    put(&w, "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    put_number(&w, body_length);
    put(&w, "\r\n");
    put_hsts(&w, site);
    return finish(&w, 301, close, keep_alive_said, (const uint8_t *)body, head ? 0 : body_length, response);
}

bool http_respond(const struct http_site *site, const struct http_request *request, int64_t now, uint8_t *out,
                  size_t out_size, struct http_response *response)
{
    bool close = !request->keep_alive;
    bool keep_alive_said = request->keep_alive && request->version_minor == 0;
    bool head = request->method == HTTP_METHOD_HEAD;
    if (request->method == HTTP_METHOD_OTHER) {
        unsigned status = method_defined(request) ? 405 : 501;
        return respond_plain(site, status, false, close, keep_alive_said, now, out, out_size, response);
    }
    char path[HTTP_PATH_MAX + 3];
    unsigned refusal = http_normalise_path(request->target, request->target_length, path);
    if (refusal != 0) {
        return respond_plain(site, refusal, head, close, keep_alive_said, now, out, out_size, response);
    }
    struct http_file file;
    if (!site->lookup(site->context, path, &file)) {
        const char *target;
        size_t path_length, length;
        if (folder_target(request, &target, &path_length, &length) && is_folder(site, path)) {
            return respond_folder(site, target, path_length, length, head, close, keep_alive_said, now, out, out_size,
                                  response);
        }
        return respond_plain(site, 404, head, close, keep_alive_said, now, out, out_size, response);
    }
    const char *content_type = http_content_type(path);

    /* The ".gz" variant, when there is one and the client takes gzip at least as gladly as identity (which is
     * acceptable unless refused, RFC 9110 12.5.3); either way the answer varies with Accept-Encoding. */
    size_t path_length = strlen(path);
    memcpy(path + path_length, ".gz", 4);
    struct http_file compressed;
    bool has_variant = site->lookup(site->context, path, &compressed);
    bool gzip = false;
    if (has_variant) {
        int gzip_weight = coding_weight(request, "gzip");
        int identity_weight = coding_weight(request, "identity");
        gzip = gzip_weight > 0 && (identity_weight < 0 || gzip_weight >= identity_weight);
        if (gzip) {
            file = compressed;
        }
    }

    /* An entity-tag that is not one (the lookup's mistake) is left out rather than let break the header: the
     * answer then has no ETag, is never 304 and never honours If-Range. */
    const char *etag = http_etag_valid(file.etag) ? file.etag : NULL;
    struct writer w = {.out = out, .size = out_size};
    size_t position = 0;
    const struct http_header *none_match = http_header_next(request, "if-none-match", &position);
    bool not_modified = false;
    for (; none_match != NULL && etag != NULL; none_match = http_header_next(request, "if-none-match", &position)) {
        not_modified = not_modified || http_etag_list_matches(none_match->value, none_match->value_length, etag);
    }
    if (not_modified) {
        put_start(&w, 304, now);
        put(&w, "ETag: ");
        put(&w, etag);
        put(&w, "\r\n");
        if (has_variant) {
            put(&w, "Vary: Accept-Encoding\r\n");
        }
        put_hsts(&w, site);
        return finish(&w, 304, close, keep_alive_said, NULL, 0, response);
    }

    unsigned status = 200;
    uint64_t first = 0, last = 0;
    position = 0;
    const struct http_header *range = http_header_next(request, "range", &position);
    /* GET is the only method with range handling (RFC 9110 14.2). */
    if (range != NULL && !head && if_range_allows(request, etag)) {
        enum http_range_result result = http_parse_range(range->value, range->value_length, file.length, &first, &last);
        status = result == HTTP_RANGE_SATISFIABLE ? 206 : result == HTTP_RANGE_UNSATISFIABLE ? 416 : 200;
    }
    put_start(&w, status, now);
    const uint8_t *body = file.data;
    size_t body_length = file.length;
    if (status == 416) {
        body_length = 0;
        put(&w, "Content-Range: bytes */");
        put_number(&w, file.length);
        put(&w, "\r\n");
    } else {
        put(&w, "Content-Type: ");
        put(&w, content_type);
        put(&w, "\r\n");
        if (gzip) {
            put(&w, "Content-Encoding: gzip\r\n");
        }
        if (status == 206) {
            body = file.data + first;
            body_length = (size_t)(last - first + 1);
            put(&w, "Content-Range: bytes ");
            put_number(&w, first);
            put(&w, "-");
            put_number(&w, last);
            put(&w, "/");
            put_number(&w, file.length);
            put(&w, "\r\n");
        }
    }
    put(&w, "Content-Length: ");
    put_number(&w, body_length);
    put(&w, "\r\n");
    if (etag != NULL) {
        put(&w, "ETag: ");
        put(&w, etag);
        put(&w, "\r\n");
    }
    put(&w, "Accept-Ranges: bytes\r\n");
    if (has_variant) {
        put(&w, "Vary: Accept-Encoding\r\n");
    }
    put_hsts(&w, site);
    return finish(&w, status, close, keep_alive_said, body, head ? 0 : body_length, response);
}

bool http_authority_valid(const char *authority)
{
    size_t length = strlen(authority);
    if (length == 0 || length > 255) {
        return false;
    }
    for (size_t i = 0; i < length; i++) {
        char c = authority[i];
        bool alphanumeric = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alphanumeric && strchr(".-_~:[]", c) == NULL) {
            return false;
        }
    }
    return true;
}

bool http_respond_redirect(const char *authority, const struct http_request *request, int64_t now, uint8_t *out,
                           size_t out_size, struct http_response *response)
{
    if (!http_authority_valid(authority)) {
        return false;
    }
    const char *path;
    size_t path_length;
    bool slash;
    redirect_path(request, &path, &path_length, &slash);
    const char *body = plain_body(301);
    size_t body_length = strlen(body);
    struct writer w = {.out = out, .size = out_size};
    put_start(&w, 301, now);
    put(&w, "Location: https://");
    put(&w, authority);
    if (slash) {
        put(&w, "/");
    }
    put_bytes(&w, path, path_length);
    put(&w, "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    put_number(&w, body_length);
    put(&w, "\r\n");
    bool keep_alive_said = request->keep_alive && request->version_minor == 0;
    bool head = request->method == HTTP_METHOD_HEAD;
    return finish(&w, 301, !request->keep_alive, keep_alive_said, (const uint8_t *)body, head ? 0 : body_length,
                  response);
}
