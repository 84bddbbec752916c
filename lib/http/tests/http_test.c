/* http_test.c: lib/http's checks on the build host, printed as TAP. `http_test` runs them all;
 * `http_test --corpus DIR` serves every file in DIR as a connection's byte stream (stream_check.h) and checks it;
 * `http_test --serve` serves stdin as one connection and writes the answers (header and body) to stdout. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/testing/tap.h"
#include "lib/http/http_internal.h"
#include "lib/http/tests/stream_check.h"
#include "lib/http/tests/test_site.h"

/* --- dates ---------------------------------------------------------------------------------------------------- */

static void date_checks(void)
{
    static const struct {
        int64_t seconds;
        const char *text;
    } cases[] = {
        {784111777, "Sun, 06 Nov 1994 08:49:37 GMT"},    {0, "Thu, 01 Jan 1970 00:00:00 GMT"},
        {-1, "Wed, 31 Dec 1969 23:59:59 GMT"},           {951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
        {4107542400, "Mon, 01 Mar 2100 00:00:00 GMT"},   {-62167219200, "Sat, 01 Jan 0000 00:00:00 GMT"},
        {253402300799, "Fri, 31 Dec 9999 23:59:59 GMT"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char date[HTTP_DATE_SIZE];
        bool ok = http_format_date(cases[i].seconds, date);
        tap_check(ok && strcmp(date, cases[i].text) == 0, cases[i].text, "got '%s'", ok ? date : "(refused)");
    }
    char date[HTTP_DATE_SIZE];
    tap_check(!http_format_date(253402300800, date) && !http_format_date(-62167219201, date),
              "years past 9999 and before 0 are refused", "formatted one");
    /* Against the C library's gmtime over times spread across 1900 to 2200. */
    unsigned mismatches = 0;
    int64_t first_mismatch = 0;
    for (int64_t t = -2208988800; t < 7258118400; t += 86399 * 13 + 7) {
        time_t host = (time_t)t;
        struct tm tm;
        char expected[64];
        if (gmtime_r(&host, &tm) == NULL ||
            strftime(expected, sizeof expected, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0 || !http_format_date(t, date) ||
            strcmp(date, expected) != 0) {
            first_mismatch = mismatches++ == 0 ? t : first_mismatch;
        }
    }
    tap_check(mismatches == 0, "dates agree with gmtime from 1900 to 2200", "%u differ, first at %lld", mismatches,
              (long long)first_mismatch);
}
enum { DATE_CHECKS = 9 };

/* --- the parser ----------------------------------------------------------------------------------------------- */

static struct http_request request;

/* Parses `text` whole; returns the result and sets `*status`. */
static enum http_parse_result parse_with(const struct http_limits *limits, const char *text, unsigned *status)
{
    struct http_parser parser;
    http_parser_init(&parser);
    *status = 0;
    return http_parse(&parser, limits, (const uint8_t *)text, strlen(text), &request, status);
}

static void expect_refusal(const char *name, const char *text, unsigned expected)
{
    unsigned status;
    enum http_parse_result result = parse_with(&test_limits, text, &status);
    tap_check(result == HTTP_PARSE_ERROR && status == expected, name, "result %d status %u, wanted %u", result, status,
              expected);
}

static void parser_checks(void)
{
    unsigned status;
    const char *simple = "GET /index.html?x=1 HTTP/1.1\r\nHost: example.org\r\nAccept:  text/html \r\n\r\n";
    enum http_parse_result result = parse_with(&test_limits, simple, &status);
    size_t position = 0;
    const struct http_header *accept = http_header_next(&request, "ACCEPT", &position);
    tap_check(result == HTTP_PARSE_DONE && request.method == HTTP_METHOD_GET && request.version_minor == 1 &&
                  request.target_length == 15 && memcmp(request.target, "/index.html?x=1", 15) == 0 &&
                  request.head_length == strlen(simple) && request.keep_alive && request.body_length == 0 &&
                  request.header_count == 2 && accept != NULL && accept->value_length == 9 &&
                  memcmp(accept->value, "text/html", 9) == 0,
              "a GET parses: method, target, version, fields without case, values trimmed", "result %d", result);

    /* Split at every octet: the prefixes are incomplete and the whole is the same request. */
    const char *split = "HEAD /a HTTP/1.1\r\nHost: h\r\nX-Long: one two three\r\n\r\n";
    size_t split_length = strlen(split);
    bool split_ok = true;
    for (size_t cut = 0; cut < split_length && split_ok; cut++) {
        struct http_parser parser;
        http_parser_init(&parser);
        split_ok = http_parse(&parser, &test_limits, (const uint8_t *)split, cut, &request, &status) ==
                       HTTP_PARSE_INCOMPLETE &&
                   http_parse(&parser, &test_limits, (const uint8_t *)split, split_length, &request, &status) ==
                       HTTP_PARSE_DONE &&
                   request.method == HTTP_METHOD_HEAD && request.head_length == split_length;
    }
    tap_check(split_ok, "a request split at any octet parses as it does whole", "a split went wrong");

    /* One octet at a time, each call seeing one more. */
    struct http_parser parser;
    http_parser_init(&parser);
    size_t calls = 0;
    for (size_t n = 1; n <= split_length; n++, calls++) {
        result = http_parse(&parser, &test_limits, (const uint8_t *)split, n, &request, &status);
        if (result != HTTP_PARSE_INCOMPLETE) {
            break;
        }
    }
    tap_check(result == HTTP_PARSE_DONE && calls == split_length - 1, "fed one octet at a time, done at the last",
              "result %d after %zu calls", result, calls);

    /* Pipelined: three requests (one with a body) in one buffer. */
    const char *pipelined = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
                            "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                            "\r\nGET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    size_t offset = 0, total = strlen(pipelined);
    char targets[64] = "";
    http_parser_init(&parser);
    while (offset < total && http_parse(&parser, &test_limits, (const uint8_t *)pipelined + offset, total - offset,
                                        &request, &status) == HTTP_PARSE_DONE) {
        strncat(targets, request.target, request.target_length);
        strcat(targets, request.keep_alive ? "+" : "-");
        offset += request.head_length + (size_t)request.body_length;
    }
    tap_check(offset == total && strcmp(targets, "/1+/2+/3-") == 0,
              "three pipelined requests, a body skipped and an empty line before the third", "got %s, %zu of %zu",
              targets, offset, total);

    result = parse_with(&test_limits, "GET / HTTP/1.0\r\n\r\n", &status);
    tap_check(result == HTTP_PARSE_DONE && !request.keep_alive && request.version_minor == 0,
              "HTTP/1.0 without Host is accepted and closes", "result %d", result);
    result = parse_with(&test_limits, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &status);
    tap_check(result == HTTP_PARSE_DONE && request.keep_alive, "HTTP/1.0 with keep-alive persists", "closes");
    result = parse_with(&test_limits, "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade, CLOSE\r\n\r\n", &status);
    tap_check(result == HTTP_PARSE_DONE && !request.keep_alive, "Connection: close in a list closes", "persists");
    result = parse_with(&test_limits, "get / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n", &status);
    tap_check(result == HTTP_PARSE_DONE && request.method == HTTP_METHOD_OTHER && request.headers[1].value_length == 0,
              "methods are case-sensitive and an empty value is allowed", "result %d", result);
    result = parse_with(&test_limits, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4096\r\n\r\n", &status);
    tap_check(result == HTTP_PARSE_DONE && request.body_length == 4096, "a body at the limit is accepted",
              "result %d status %u", result, status);

    /* Limits, each at the limit and one past it. */
    char line[600];
    snprintf(line, sizeof line, "GET /%0*d HTTP/1.1\r\nHost: h\r\n\r\n", 256 - 14, 0);
    result = parse_with(&test_limits, line, &status);
    tap_check(result == HTTP_PARSE_DONE, "a request line of 256 octets is accepted", "status %u", status);
    snprintf(line, sizeof line, "GET /%0*d HTTP/1.1\r\nHost: h\r\n\r\n", 256 - 13, 0);
    expect_refusal("a request line of 257 octets is 414", line, 414);
    snprintf(line, sizeof line, "GET /%0*d", 300, 0);
    expect_refusal("a long request line is 414 before its end arrives", line, 414);
    char many[2000] = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 15; i++) {
        strcat(many, "X-A: b\r\n");
    }
    result = parse_with(&test_limits, strcat(many, "\r\n"), &status);
    tap_check(result == HTTP_PARSE_DONE && request.header_count == 16, "16 fields are accepted", "status %u", status);
    many[strlen(many) - 2] = '\0';
    expect_refusal("17 fields are 431", strcat(many, "X-A: b\r\n\r\n"), 431);
    char big[1600];
    snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: h\r\nX: %0*d\r\n\r\n", 1024 - 16, 0);
    result = parse_with(&test_limits, big, &status);
    tap_check(result == HTTP_PARSE_DONE, "a header section of 1024 octets is accepted", "status %u", status);
    snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: h\r\nX: %0*d\r\n\r\n", 1024 - 15, 0);
    expect_refusal("a header section of 1025 octets is 431", big, 431);
    snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: h\r\nX: %0*d", 1100, 0);
    expect_refusal("a long header section is 431 before its end arrives", big, 431);
    expect_refusal("a body over the limit is 413", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4097\r\n\r\n", 413);
    expect_refusal("a Content-Length past 64 bits is 413",
                   "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413);

    /* Malformed heads. */
    expect_refusal("obs-fold is 400", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400);
    expect_refusal("a bare CR in a value is 400", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400);
    expect_refusal("a bare LF is 400 at once", "GET / HTTP/1.1\nHost: h\n", 400);
    expect_refusal("whitespace before the colon is 400", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400);
    expect_refusal("a field name with '@' is 400", "GET / HTTP/1.1\r\nHost: h\r\nX@Y: 1\r\n\r\n", 400);
    expect_refusal("a NUL in a value is 400",
                   "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01"
                   "b\r\n\r\n",
                   400);
    expect_refusal("a method with '(' is 400", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    expect_refusal("two spaces in the request line are 400", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    expect_refusal("a target with a non-ASCII octet is 400", "GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    expect_refusal("a lower-case version is 400", "GET / http/1.1\r\nHost: h\r\n\r\n", 400);
    expect_refusal("HTTP/2.0 is 505", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505);
    expect_refusal("HTTP/1.1 without Host is 400", "GET / HTTP/1.1\r\n\r\n", 400);
    expect_refusal("two Host fields are 400", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    expect_refusal("equal duplicate Content-Length is 400",
                   "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", 400);
    expect_refusal("conflicting Content-Length is 400",
                   "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400);
    expect_refusal("a Content-Length list is 400", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\n", 400);
    expect_refusal("a signed Content-Length is 400", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\n", 400);
    expect_refusal("Transfer-Encoding with Content-Length is 400",
                   "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400);
    expect_refusal("Transfer-Encoding in HTTP/1.0 is 400", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                   400);
    expect_refusal("a coding before chunked is 501",
                   "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
    expect_refusal("chunked not last is 400", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                   400);
    expect_refusal("a coding that only ends in 'chunked' is 400",
                   "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n", 400);
    result = parse_with(&test_limits, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n", &status);
    tap_check(result == HTTP_PARSE_DONE && request.chunked && request.body_length == 0,
              "Transfer-Encoding: chunked alone is a chunked body", "result %d status %u", result, status);
    expect_refusal("an empty request line after the allowed empty lines is 400",
                   "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    result = parse_with(&test_limits, "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", &status);
    tap_check(result == HTTP_PARSE_DONE && request.head_length == 31, "empty lines before a request are skipped",
              "result %d", result);
}
enum { PARSER_CHECKS = 44 };

/* --- chunked bodies ------------------------------------------------------------------------------------------ */

/* Skips `body` whole; returns the result with the octets consumed and the status. */
static enum http_chunked_result skip_whole(const char *body, size_t *consumed, unsigned *status)
{
    struct http_chunked chunked;
    http_chunked_init(&chunked);
    *consumed = 0;
    *status = 0;
    return http_chunked_skip(&chunked, &test_limits, (const uint8_t *)body, strlen(body), consumed, status);
}

static void chunked_checks(void)
{
    const char *body = "5;name=\"v\"\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Sum: 1\r\n\r\nGET";
    size_t whole = strlen(body) - 3, consumed;
    unsigned status;
    enum http_chunked_result result = skip_whole(body, &consumed, &status);
    tap_check(result == HTTP_CHUNKED_DONE && consumed == whole, "a chunked body with an extension and a trailer",
              "result %d after %zu of %zu", result, consumed, whole);
    bool pieces_ok = true;
    for (size_t cut = 0; cut <= whole && pieces_ok; cut++) {
        struct http_chunked chunked;
        http_chunked_init(&chunked);
        size_t first = 0, second = 0;
        enum http_chunked_result a =
            http_chunked_skip(&chunked, &test_limits, (const uint8_t *)body, cut, &first, &status);
        enum http_chunked_result b = http_chunked_skip(&chunked, &test_limits, (const uint8_t *)body + first,
                                                       strlen(body) - first, &second, &status);
        pieces_ok = (cut == whole ? a == HTTP_CHUNKED_DONE && first == whole
                                  : a == HTTP_CHUNKED_INCOMPLETE && first == cut && b == HTTP_CHUNKED_DONE &&
                                        first + second == whole);
    }
    tap_check(pieces_ok, "a chunked body split at any octet ends at the same place", "a split went wrong");
    result = skip_whole("0\r\n\r\n", &consumed, &status);
    tap_check(result == HTTP_CHUNKED_DONE && consumed == 5, "an empty chunked body", "result %d", result);
    static const struct {
        const char *name, *body;
        unsigned status;
    } refusals[] = {
        {"a chunk over the body limit is 413", "1001\r\n", 413},
        {"chunks adding up past the body limit are 413", "800\r\n", 0},
        {"a size past 64 bits is 413", "FFFFFFFFFFFFFFFFFF\r\n", 413},
        {"a size that is not hex is 400", "5x\r\nhello\r\n", 400},
        {"a missing size is 400", "\r\nhello\r\n", 400},
        {"a bare LF after the size is 400", "5\nhello\r\n", 400},
        {"data longer than its size is 400", "2\r\nhello\r\n", 400},
        {"a control in an extension is 400", "5;a\x01\r\nhello\r\n", 400},
    };
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        if (refusals[i].status == 0) {
            /* 0x800 = 2048 twice and once more passes 4096. */
            char big[8000];
            size_t n = 0;
            for (int k = 0; k < 3; k++) {
                n += (size_t)snprintf(big + n, sizeof big - n, "800\r\n");
                memset(big + n, 'x', 2048);
                n += 2048;
                n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
            }
            big[n] = '\0';
            result = skip_whole(big, &consumed, &status);
            tap_check(result == HTTP_CHUNKED_ERROR && status == 413, refusals[i].name, "result %d status %u", result,
                      status);
            continue;
        }
        result = skip_whole(refusals[i].body, &consumed, &status);
        tap_check(result == HTTP_CHUNKED_ERROR && status == refusals[i].status, refusals[i].name, "result %d status %u",
                  result, status);
    }
    char trailer[1600] = "0\r\n";
    for (int k = 0; k < 100; k++) {
        strcat(trailer, "X: 123456\r\n");
    }
    result = skip_whole(trailer, &consumed, &status);
    tap_check(result == HTTP_CHUNKED_ERROR && status == 431, "a trailer section over the header limit is 431",
              "result %d status %u", result, status);
}
enum { CHUNKED_CHECKS = 12 };

/* --- paths and negotiation ------------------------------------------------------------------------------------ */

static void path_checks(void)
{
    static const struct {
        const char *target;
        const char *path; /* NULL: refused with `status` */
        unsigned status;
    } cases[] = {
        {"/", "/index.html", 0},
        {"/docs/", "/docs/index.html", 0},
        {"/docs", "/docs", 0},
        {"/a/./b/../c", "/a/c", 0},
        {"//a///b", "/a/b", 0},
        {"/docs/a%20b.txt?q=1#f", "/docs/a b.txt", 0},
        {"/a/..", "/index.html", 0},
        {"/a%2Fb", "/a/b", 0},
        {"http://example.org/style.css", "/style.css", 0},
        {"HTTPS://example.org", "/index.html", 0},
        {"/..", NULL, 400},
        {"/a/../../etc/passwd", NULL, 400},
        {"/%2e%2e/etc/passwd", NULL, 400},
        {"/a/%2E%2E%2F%2e%2e/x", NULL, 400},
        {"/a%00b", NULL, 400},
        {"/a%0Ab", NULL, 400},
        {"/a%zz", NULL, 400},
        {"/a%4", NULL, 400},
        {"*", NULL, 400},
        {"index.html", NULL, 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[HTTP_PATH_MAX];
        unsigned status = http_normalise_path(cases[i].target, strlen(cases[i].target), path);
        bool ok = cases[i].path ? status == 0 && strcmp(path, cases[i].path) == 0 : status == cases[i].status;
        tap_check(ok, cases[i].target, "status %u path %s", status, status == 0 ? path : "-");
    }
    char long_target[HTTP_PATH_MAX + 10];
    memset(long_target, 'a', sizeof long_target);
    long_target[0] = '/';
    char path[HTTP_PATH_MAX];
    tap_check(http_normalise_path(long_target, sizeof long_target, path) == 414, "a path too long to hold is 414",
              "accepted");
}
enum { PATH_CHECKS = 21 };

static void negotiation_checks(void)
{
    static const struct {
        const char *value;
        const char *etag;
        bool match;
    } tags[] = {
        {"\"a\"", "\"a\"", true},   {"W/\"a\"", "\"a\"", true},
        {"\"a\"", "W/\"a\"", true}, {"\"b\", W/\"a\"", "\"a\"", true},
        {"\"b\"", "\"a\"", false},  {"*", "\"a\"", true},
        {"a", "\"a\"", false},      {"\"a\" \"a\"", "\"a\"", false},
        {"\"a", "\"a\"", false},
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        bool match = http_etag_list_matches(tags[i].value, strlen(tags[i].value), tags[i].etag);
        tap_check(match == tags[i].match, tags[i].value, "against %s: %d", tags[i].etag, match);
    }
    tap_check(http_etag_valid("\"abc\"") && http_etag_valid("W/\"x\"") && http_etag_valid("\"\"") &&
                  !http_etag_valid("abc") && !http_etag_valid("\"a b\"") && !http_etag_valid("\"a\"x") &&
                  !http_etag_valid("\"a") && !http_etag_valid("w/\"a\""),
              "entity-tags from the lookup are checked", "one was misjudged");
    static const struct {
        const char *value;
        const char *coding;
        int weight;
    } codings[] = {
        {"gzip", "gzip", 1000},
        {"deflate, gzip;q=0.5", "gzip", 500},
        {"GZIP; Q=0.25", "gzip", 250},
        {"x-gzip", "gzip", 1000},
        {"gzip;q=0", "gzip", 0},
        {"*;q=0.1", "gzip", 100},
        {"gzip;q=0, *", "gzip", 0},
        {"br", "gzip", -1},
        {"gzip;q=2", "gzip", -1},
        {"gzip;q=0.1234", "gzip", -1},
        {"identity;q=0, gzip", "identity", 0},
    };
    for (size_t i = 0; i < sizeof codings / sizeof codings[0]; i++) {
        int weight = http_coding_weight(codings[i].value, strlen(codings[i].value), codings[i].coding);
        tap_check(weight == codings[i].weight, codings[i].value, "%s weighs %d, wanted %d", codings[i].coding, weight,
                  codings[i].weight);
    }
    static const struct {
        const char *value;
        enum http_range_result result;
        uint64_t first, last;
    } ranges[] = {
        {"bytes=0-3", HTTP_RANGE_SATISFIABLE, 0, 3},   {"bytes=5-", HTTP_RANGE_SATISFIABLE, 5, 9},
        {"bytes=-3", HTTP_RANGE_SATISFIABLE, 7, 9},    {"bytes=-30", HTTP_RANGE_SATISFIABLE, 0, 9},
        {"bytes=8-100", HTTP_RANGE_SATISFIABLE, 8, 9}, {"bytes=10-", HTTP_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=-0", HTTP_RANGE_UNSATISFIABLE, 0, 0},  {"bytes=3-2", HTTP_RANGE_IGNORE, 0, 0},
        {"bytes=0-1,3-4", HTTP_RANGE_IGNORE, 0, 0},    {"items=0-1", HTTP_RANGE_IGNORE, 0, 0},
        {"bytes=a-1", HTTP_RANGE_IGNORE, 0, 0},        {"bytes=-", HTTP_RANGE_IGNORE, 0, 0},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        uint64_t first = 0, last = 0;
        enum http_range_result result = http_parse_range(ranges[i].value, strlen(ranges[i].value), 10, &first, &last);
        bool ok = result == ranges[i].result &&
                  (result != HTTP_RANGE_SATISFIABLE || (first == ranges[i].first && last == ranges[i].last));
        tap_check(ok, ranges[i].value, "result %d, %llu-%llu", result, (unsigned long long)first,
                  (unsigned long long)last);
    }
    static const struct {
        const char *path, *type;
    } types[] = {{"/index.html", "text/html; charset=utf-8"},
                 {"/image.PNG", "image/png"},
                 {"/a.tar.gz", "application/gzip"},
                 {"/dir.d/README", "application/octet-stream"}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const char *type = http_content_type(types[i].path);
        tap_check(strcmp(type, types[i].type) == 0, types[i].path, "typed %s", type);
    }
}
enum { NEGOTIATION_CHECKS = 9 + 1 + 11 + 12 + 4 };

/* --- the responder -------------------------------------------------------------------------------------------- */

static char answer_header[STREAM_HEADER_SIZE + 1];
static struct http_response response;

/* Parses `text` and answers it; the header is left NUL-terminated in answer_header. */
static bool answer(const char *text)
{
    unsigned status = 0;
    enum http_parse_result result = parse_with(&test_limits, text, &status);
    bool fits =
        result == HTTP_PARSE_DONE
            ? http_respond(&test_site, &request, TEST_NOW, (uint8_t *)answer_header, STREAM_HEADER_SIZE, &response)
            : http_respond_error(status, TEST_NOW, (uint8_t *)answer_header, STREAM_HEADER_SIZE, &response);
    answer_header[fits ? response.header_length : 0] = '\0';
    return fits;
}

static bool has(const char *field)
{
    return strstr(answer_header, field) != NULL;
}

static bool body_is(const char *text)
{
    return response.body_length == strlen(text) && memcmp(response.body, text, response.body_length) == 0;
}

static void responder_checks(void)
{
    answer("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 200 && !response.close && body_is("<!doctype html><title>home</title>\n") &&
                  strncmp(answer_header, "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 54) == 0 &&
                  has("\r\nContent-Type: text/html; charset=utf-8\r\n") && has("\r\nContent-Length: 35\r\n") &&
                  has("\r\nETag: \"home-1\"\r\n") && has("\r\nAccept-Ranges: bytes\r\n") && !has("Vary") &&
                  !has("Connection"),
              "GET / is index.html with Date, type, length and ETag", "%s", answer_header);
    answer("HEAD /style.css HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 200 && response.body_length == 0 && has("Content-Length: 23\r\n") && has("text/css"),
              "HEAD has GET's header and no body", "%s", answer_header);
    answer("GET /nope HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 404 && body_is("404 Not Found\n") && has("Content-Length: 14\r\n"),
              "a missing file is 404", "%s", answer_header);
    answer("HEAD /nope HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 404 && response.body_length == 0, "HEAD of a missing file is 404 with no body", "%s",
              answer_header);
    answer("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi");
    tap_check(response.status == 405 && has("\r\nAllow: GET, HEAD\r\n") && !response.close, "POST is 405 with Allow",
              "%s", answer_header);
    answer("DELETE /index.html HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 405 && has("\r\nAllow: GET, HEAD\r\n"), "DELETE, a method HTTP defines, is 405", "%s",
              answer_header);
    answer("BREW / HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 501 && body_is("501 Not Implemented\n") && !has("Allow") && !response.close,
              "a method HTTP does not define is 501, and the connection goes on", "%s", answer_header);
    answer("get / HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 501, "methods are case-sensitive: get is not GET", "%s", answer_header);
    answer("GET /docs HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 301 && has("\r\nLocation: /docs/\r\n") && body_is("301 Moved Permanently\n") &&
                  !response.close,
              "a folder named without its '/' is 301 to the folder", "%s", answer_header);
    answer("GET /d%6Fcs?q=%20x HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 301 && has("\r\nLocation: /d%6Fcs/?q=%20x\r\n"),
              "the folder's Location keeps the target's escapes and its query", "%s", answer_header);
    answer("HEAD http://h:8080/docs?x HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 301 && has("\r\nLocation: /docs/?x\r\n") && response.body_length == 0,
              "an absolute-form folder is sent to its path, and HEAD gets no body", "%s", answer_header);
    answer("GET /style.css/ HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 404, "a file named as a folder is 404, not a redirect", "%s", answer_header);
    answer("GET /docs/. HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 200 && body_is("<p>docs</p>\n"), "a folder named by '.' is its index", "%s",
              answer_header);
    answer("GET /../x HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 400, "an escape above the root is 400", "%s", answer_header);
    answer("GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"x\", W/\"home-1\"\r\n\r\n");
    tap_check(response.status == 304 && response.body_length == 0 && has("ETag: \"home-1\"") &&
                  !has("Content-Length") && has("Date: "),
              "If-None-Match with a weak match is 304", "%s", answer_header);
    answer("GET /image.PNG HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"png-1\"\r\n\r\n");
    tap_check(response.status == 304, "a weak ETag matches its strong form", "%s", answer_header);
    answer("GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: *\r\n\r\n");
    tap_check(response.status == 304, "If-None-Match: * is 304 for a file that exists", "%s", answer_header);
    answer("GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"home-2\"\r\n\r\n");
    tap_check(response.status == 200, "a changed ETag is 200", "%s", answer_header);
    answer("GET /docs/a%20b.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=2-5\r\n\r\n");
    tap_check(response.status == 206 && body_is("2345") && has("\r\nContent-Range: bytes 2-5/10\r\n") &&
                  has("\r\nContent-Length: 4\r\n") && has("text/plain"),
              "a byte range is 206 with Content-Range", "%s", answer_header);
    answer("GET /docs/a%20b.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=-2\r\n\r\n");
    tap_check(response.status == 206 && body_is("89") && has("Content-Range: bytes 8-9/10\r\n"),
              "a suffix range is the file's end", "%s", answer_header);
    answer("GET /docs/a%20b.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=10-20\r\n\r\n");
    tap_check(response.status == 416 && response.body_length == 0 && has("\r\nContent-Range: bytes */10\r\n") &&
                  has("Content-Length: 0\r\n"),
              "a range past the end is 416", "%s", answer_header);
    answer("GET /docs/a%20b.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1, 4-5\r\n\r\n");
    tap_check(response.status == 200 && body_is("0123456789"), "several ranges get the whole file", "%s",
              answer_header);
    answer("HEAD /docs/a%20b.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\n\r\n");
    tap_check(response.status == 200 && has("Content-Length: 10"), "HEAD ignores Range", "%s", answer_header);
    answer("GET /docs/a%20b.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nIf-Range: \"old\"\r\n\r\n");
    tap_check(response.status == 200, "a stale If-Range gets the whole file", "%s", answer_header);
    answer("GET /docs/a%20b.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nIf-Range: \"ab-1\"\r\n\r\n");
    tap_check(response.status == 206 && body_is("01"), "a current If-Range lets the range apply", "%s", answer_header);
    answer("GET /empty.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=0-\r\n\r\n");
    tap_check(response.status == 416 && has("bytes */0"), "any range of an empty file is 416", "%s", answer_header);
    answer("GET /app.js HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip, deflate, br\r\n\r\n");
    tap_check(response.status == 200 && body_is("\x1f\x8b\x08\x00gzipped app") &&
                  has("\r\nContent-Encoding: gzip\r\n") && has("\r\nVary: Accept-Encoding\r\n") &&
                  has("ETag: \"app-gz-1\"") && has("text/javascript"),
              "Accept-Encoding: gzip gets the .gz variant with Vary", "%s", answer_header);
    answer("GET /app.js HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 200 && body_is("console.log('hello from the app');\n") && !has("Content-Encoding") &&
                  has("Vary: Accept-Encoding"),
              "no Accept-Encoding gets the plain file, still with Vary", "%s", answer_header);
    answer("GET /app.js HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip;q=0.5, identity\r\n\r\n");
    tap_check(response.status == 200 && !has("Content-Encoding"), "identity preferred over gzip gets the plain file",
              "%s", answer_header);
    answer("GET /app.js HTTP/1.1\r\nHost: h\r\nAccept-Encoding: *;q=0.3\r\n\r\n");
    tap_check(response.status == 200 && has("Content-Encoding: gzip"), "a wildcard takes gzip", "%s", answer_header);
    answer("GET /app.js HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\nIf-None-Match: \"app-gz-1\"\r\n\r\n");
    tap_check(response.status == 304 && has("Vary: Accept-Encoding"), "304 compares the variant's ETag with Vary", "%s",
              answer_header);
    answer("GET /app.js HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\nRange: bytes=0-3\r\n\r\n");
    tap_check(response.status == 206 && body_is("\x1f\x8b\x08\x00") && has("Content-Encoding: gzip"),
              "a range applies to the chosen variant", "%s", answer_header);
    answer("GET /image.PNG HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(has("Content-Type: image/png\r\n"), "the type comes from the extension without case", "%s",
              answer_header);
    answer("GET / HTTP/1.0\r\n\r\n");
    tap_check(response.status == 200 && response.close && has("\r\nConnection: close\r\n"),
              "HTTP/1.0 is answered and closed", "%s", answer_header);
    answer("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    tap_check(!response.close && has("\r\nConnection: keep-alive\r\n"), "HTTP/1.0 keep-alive is said back", "%s",
              answer_header);
    static const unsigned refusals[] = {400, 413, 414, 431, 501, 505};
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        char name[64], line[16];
        snprintf(name, sizeof name, "a refused request is answered %u and closed", refusals[i]);
        snprintf(line, sizeof line, "HTTP/1.1 %u ", refusals[i]);
        http_respond_error(refusals[i], TEST_NOW, (uint8_t *)answer_header, STREAM_HEADER_SIZE, &response);
        answer_header[response.header_length] = '\0';
        tap_check(response.close && strncmp(answer_header, line, strlen(line)) == 0 && has("Connection: close\r\n") &&
                      response.body_length > 0,
                  name, "%s", answer_header);
    }
    answer("GET /bad-etag.txt HTTP/1.1\r\nHost: h\r\nIf-None-Match: *\r\nRange: bytes=0-0\r\nIf-Range: x\r\n\r\n");
    tap_check(response.status == 200 && body_is("abc") && !has("ETag") && !has("Injected"),
              "an ETag from the lookup that is not one is left out", "%s", answer_header);
    uint8_t small[64];
    request.method = HTTP_METHOD_GET;
    tap_check(!http_respond(&test_site, &request, TEST_NOW, small, sizeof small, &response),
              "a header that does not fit is reported", "it fit in %zu", sizeof small);
}
enum { RESPONDER_CHECKS = 43 };

/* --- HSTS and the redirect to HTTPS ---------------------------------------------------------------------------- */

/* Parses `text` and answers it with the redirect to `authority`; the header is left NUL-terminated in
 * answer_header (empty when the answer was refused). */
static bool redirect(const char *authority, const char *text)
{
    unsigned status = 0;
    bool fits =
        parse_with(&test_limits, text, &status) == HTTP_PARSE_DONE &&
        http_respond_redirect(authority, &request, TEST_NOW, (uint8_t *)answer_header, STREAM_HEADER_SIZE, &response);
    answer_header[fits ? response.header_length : 0] = '\0';
    return fits;
}

static void redirect_checks(void)
{
    struct http_site secure = test_site;
    secure.hsts_max_age = 31536000;
    unsigned status = 0;
    parse_with(&test_limits, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", &status);
    http_respond(&secure, &request, TEST_NOW, (uint8_t *)answer_header, STREAM_HEADER_SIZE, &response);
    answer_header[response.header_length] = '\0';
    tap_check(response.status == 200 && has("\r\nStrict-Transport-Security: max-age=31536000\r\n"),
              "a site served over TLS sends HSTS", "%s", answer_header);
    parse_with(&test_limits, "GET /nope HTTP/1.1\r\nHost: h\r\nIf-None-Match: *\r\n\r\n", &status);
    http_respond(&secure, &request, TEST_NOW, (uint8_t *)answer_header, STREAM_HEADER_SIZE, &response);
    answer_header[response.header_length] = '\0';
    tap_check(response.status == 404 && has("Strict-Transport-Security: max-age=31536000\r\n"),
              "its 404 sends HSTS too", "%s", answer_header);
    answer("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(!has("Strict-Transport-Security"), "a site without hsts_max_age sends none", "%s", answer_header);

    redirect("example.org", "GET /docs/a%20b.txt?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 301 && !response.close &&
                  strncmp(answer_header, "HTTP/1.1 301 Moved Permanently\r\n", 32) == 0 &&
                  has("\r\nLocation: https://example.org/docs/a%20b.txt?x=1\r\n") && has("Content-Length: 22\r\n") &&
                  body_is("301 Moved Permanently\n") && !has("Strict-Transport"),
              "a request is redirected to https with its path and query, the connection kept", "%s", answer_header);
    redirect("example.org:8443", "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(response.status == 301 && response.body_length == 0 && has("Location: https://example.org:8443/\r\n"),
              "HEAD is redirected without a body, to an authority with a port", "%s", answer_header);
    redirect("example.org", "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(has("Location: https://example.org/\r\n"), "an absolute-form target without a path goes to the root",
              "%s", answer_header);
    redirect("example.org", "GET http://h/a/b?q HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(has("Location: https://example.org/a/b?q\r\n"), "an absolute-form target keeps its path and query", "%s",
              answer_header);
    redirect("example.org", "GET http://h?q HTTP/1.1\r\nHost: h\r\n\r\n");
    tap_check(has("Location: https://example.org/?q\r\n"), "an absolute-form query alone gets a root path", "%s",
              answer_header);
    redirect("[2001:db8::1]", "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi");
    tap_check(response.status == 301 && has("Location: https://[2001:db8::1]/form\r\n") && request.body_length == 2,
              "any method is redirected, its body left to skip", "%s", answer_header);
    redirect("example.org", "GET / HTTP/1.0\r\n\r\n");
    tap_check(response.status == 301 && response.close && has("Connection: close\r\n"), "an HTTP/1.0 redirect closes",
              "%s", answer_header);
    tap_check(!redirect("example.org\r\nX-Injected: 1", "GET / HTTP/1.1\r\nHost: h\r\n\r\n") &&
                  !redirect("", "GET / HTTP/1.1\r\nHost: h\r\n\r\n") &&
                  !redirect("a/b", "GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
              "an authority that is not one is refused", "%s", answer_header);
    tap_check(http_authority_valid("www.example.org") && http_authority_valid("10.0.0.2:443") &&
                  !http_authority_valid("a b") && !http_authority_valid("user@host"),
              "authorities are hosts with an optional port", "one was misjudged");
    uint8_t small[80];
    parse_with(&test_limits, "GET /a-long-path-that-does-not-fit HTTP/1.1\r\nHost: h\r\n\r\n", &status);
    tap_check(!http_respond_redirect("example.org", &request, TEST_NOW, small, sizeof small, &response),
              "a redirect that does not fit is reported", "it fit in %zu", sizeof small);
}
enum { REDIRECT_CHECKS = 13 };

/* --- streams -------------------------------------------------------------------------------------------------- */

static void stream_checks(void)
{
    char why[200] = "";
    const char *stream = "\x01GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /nope HTTP/1.1\r\nHost: h\r\n\r\n"
                         "HEAD /app.js HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\n\r\n";
    bool ok = stream_check((const uint8_t *)stream, strlen(stream), why, sizeof why);
    static struct stream_answers answers;
    ok = ok && stream_serve((const uint8_t *)stream + 1, strlen(stream) - 1, 1, &answers, why, sizeof why);
    tap_check(
        ok && answers.count == 3 && answers.status[0] == 200 && answers.status[1] == 404 && answers.status[2] == 200,
        "a pipelined stream read one octet at a time is answered three times", "%s (%zu answers)", why, answers.count);
}
enum { STREAM_CHECKS = 1 };

static int run_corpus(const char *directory)
{
    DIR *dir = opendir(directory);
    if (dir == NULL) {
        fprintf(stderr, "http_test: cannot open the corpus directory %s\n", directory);
        return 2;
    }
    static char names[4096][256];
    size_t count = 0;
    for (struct dirent *entry; (entry = readdir(dir)) != NULL && count < 4096;) {
        if (entry->d_name[0] != '.') {
            snprintf(names[count++], sizeof names[0], "%s", entry->d_name);
        }
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    tap_plan((unsigned)count);
    for (size_t i = 0; i < count; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%.4000s/%.255s", directory, names[i]);
        static uint8_t data[1 << 16];
        FILE *file = fopen(path, "rb");
        size_t length = file ? fread(data, 1, sizeof data, file) : 0;
        if (file != NULL) {
            fclose(file);
        }
        char why[200] = "";
        tap_check(file != NULL && stream_check(data, length, why, sizeof why), names[i], "%s",
                  file ? why : "unreadable");
    }
    return tap_exit_status();
}

/* Serves stdin as one connection, writing each answer's header and body to stdout. */
static int run_serve(void)
{
    static uint8_t data[1 << 16];
    size_t length = fread(data, 1, sizeof data, stdin);
    struct http_parser parser;
    http_parser_init(&parser);
    for (size_t offset = 0; offset < length;) {
        unsigned status = 0;
        uint8_t header[STREAM_HEADER_SIZE];
        enum http_parse_result result =
            http_parse(&parser, &test_limits, data + offset, length - offset, &request, &status);
        if (result == HTTP_PARSE_INCOMPLETE) {
            break;
        }
        bool fits = result == HTTP_PARSE_DONE
                        ? http_respond(&test_site, &request, TEST_NOW, header, sizeof header, &response)
                        : http_respond_error(status, TEST_NOW, header, sizeof header, &response);
        if (!fits) {
            fprintf(stderr, "http_test: an answer's header does not fit in %zu octets\n", sizeof header);
            return 1;
        }
        fwrite(header, 1, response.header_length, stdout);
        fwrite(response.body, 1, response.body_length, stdout);
        if (result == HTTP_PARSE_ERROR || response.close) {
            break;
        }
        offset += request.head_length + (size_t)request.body_length;
        if (request.chunked) {
            struct http_chunked chunked;
            http_chunked_init(&chunked);
            size_t used = 0;
            if (http_chunked_skip(&chunked, &test_limits, data + offset, length - offset, &used, &status) !=
                HTTP_CHUNKED_DONE) {
                break; /* a refused body closes the connection; one cut short ends it */
            }
            offset += used;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--corpus") == 0) {
        return run_corpus(argv[2]);
    }
    if (argc == 2 && strcmp(argv[1], "--serve") == 0) {
        return run_serve();
    }
    if (argc != 1) {
        fprintf(stderr, "usage: http_test [--corpus DIR | --serve]\n");
        return 2;
    }
    static const struct tap_group groups[] = {
        {"dates", date_checks, DATE_CHECKS},
        {"parser", parser_checks, PARSER_CHECKS},
        {"chunked", chunked_checks, CHUNKED_CHECKS},
        {"paths", path_checks, PATH_CHECKS},
        {"negotiation", negotiation_checks, NEGOTIATION_CHECKS},
        {"responder", responder_checks, RESPONDER_CHECKS},
        {"redirects", redirect_checks, REDIRECT_CHECKS},
        {"streams", stream_checks, STREAM_CHECKS},
    };
    return tap_run_groups("http_test", groups, sizeof groups / sizeof groups[0]);
}
