/* content_type.c: the media type of a file by its extension, from a small table of what websites serve. */
#include "lib/http/http_internal.h"

#include <string.h>

struct extension_type {
    const char *extension;
    const char *type;
};

static const struct extension_type table[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/vnd.microsoft.icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"pdf", "application/pdf"},
    {"wasm", "application/wasm"},
    {"gz", "application/gzip"},
};

const char *http_content_type(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (dot != NULL && (slash == NULL || dot > slash)) {
        size_t length = strlen(dot + 1);
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
            if (strlen(table[i].extension) == length && http_equal_nocase(dot + 1, table[i].extension, length)) {
                return table[i].type;
            }
        }
    }
    return "application/octet-stream";
}
