/* test_site.h: the read-only files the tests and the fuzzer serve, with their lookup (ETags are fixed strings
 * here; a real site computes them from the bytes). */
#ifndef MIRAGE_LIB_HTTP_TESTS_TEST_SITE_H
#define MIRAGE_LIB_HTTP_TESTS_TEST_SITE_H

#include <string.h>

#include "lib/http/http.h"

struct test_file {
    const char *path;
    const char *data;
    const char *etag;
};

/* app.js has a precompressed variant (its bytes here are a stand-in: the responder never reads them). */
static const struct test_file test_files[] = {
    {"/index.html", "<!doctype html><title>home</title>\n", "\"home-1\""},
    {"/style.css", "body { color: black; }\n", "\"style-1\""},
    {"/app.js", "console.log('hello from the app');\n", "\"app-1\""},
    {"/app.js.gz", "\x1f\x8b\x08\x00gzipped app", "\"app-gz-1\""},
    {"/docs/index.html", "<p>docs</p>\n", "\"docs-1\""},
    {"/docs/a b.txt", "0123456789", "\"ab-1\""},
    {"/empty.txt", "", "\"empty-1\""},
    {"/image.PNG", "\x89PNG....", "W/\"png-1\""},
    {"/bad-etag.txt", "abc", "\"a\r\nX-Injected: 1\""},
};

static bool test_lookup(void *context, const char *path, struct http_file *file)
{
    (void)context;
    for (size_t i = 0; i < sizeof test_files / sizeof test_files[0]; i++) {
        if (strcmp(test_files[i].path, path) == 0) {
            file->data = (const uint8_t *)test_files[i].data;
            file->length = strlen(test_files[i].data);
            file->etag = test_files[i].etag;
            return true;
        }
    }
    return false;
}

static const struct http_site test_site = {.lookup = test_lookup, .context = NULL};

static const struct http_limits test_limits = {
    .request_line_max = 256,
    .header_count_max = 16,
    .header_bytes_max = 1024,
    .body_max = 4096,
};

/* 1994-11-06 08:49:37 UTC, RFC 9110's example date. */
#define TEST_NOW 784111777

#endif
