/* path.c: a request target into the normalised path the lookup sees, refusing escapes above the root. */
#include "lib/http/http_internal.h"

/* Starts the path after "scheme://authority" in absolute-form (RFC 9112 3.2.2), which a server must accept. */
static size_t origin_start(const char *target, size_t length)
{
    static const char *const schemes[] = {"http://", "https://"};
    for (size_t s = 0; s < sizeof schemes / sizeof schemes[0]; s++) {
        size_t n = s == 0 ? 7 : 8;
        if (length >= n && http_equal_nocase(target, schemes[s], n)) {
            size_t i = n;
            while (i < length && target[i] != '/' && target[i] != '?') {
                i++;
            }
            return i;
        }
    }
    return 0;
}

/* Appends `length` octets to path[*out...), keeping room for the NUL; false when they do not fit. */
static bool append(char path[HTTP_PATH_MAX], size_t *out, const char *text, size_t length)
{
    if (length >= HTTP_PATH_MAX - *out) {
        return false;
    }
    for (size_t k = 0; k < length; k++) {
        path[(*out)++] = text[k];
    }
    return true;
}

unsigned http_normalise_path(const char *target, size_t length, char path[HTTP_PATH_MAX])
{
    size_t i = origin_start(target, length);
    if (i == 0 && (length == 0 || target[0] != '/')) {
        return 400; /* neither origin-form nor absolute-form (asterisk-form is for OPTIONS only) */
    }
    /* Decoded first and resolved after, so "%2e%2e" is ".." and cannot slip past the check, and a decoded '/'
     * separates segments like a literal one. */
    char decoded[HTTP_PATH_MAX];
    size_t decoded_length = 0;
    while (i < length && target[i] != '?' && target[i] != '#') {
        char c = target[i++];
        if (c == '%') {
            int high = i + 1 < length ? http_hex_value((uint8_t)target[i]) : -1;
            int low = i + 1 < length ? http_hex_value((uint8_t)target[i + 1]) : -1;
            if (high < 0 || low < 0) {
                return 400; /* a malformed escape */
            }
            c = (char)(high * 16 + low);
            i += 2;
        }
        /* No file name holds a control character, and a NUL would cut the path short for the lookup. */
        if ((uint8_t)c < 0x20 || (uint8_t)c == 0x7F) {
            return 400;
        }
        if (!append(decoded, &decoded_length, &c, 1)) {
            return 414;
        }
    }
    size_t out = 0;
    bool directory = true; /* the path names a folder: it ends with '/', ".", ".." or is empty */
    for (size_t start = 0; start < decoded_length;) {
        size_t end = start;
        while (end < decoded_length && decoded[end] != '/') {
            end++;
        }
        size_t segment = end - start;
        directory = true;
        if (segment == 2 && decoded[start] == '.' && decoded[start + 1] == '.') {
            if (out == 0) {
                return 400; /* above the root */
            }
            while (path[--out] != '/') {
            }
        } else if (segment > 1 || (segment == 1 && decoded[start] != '.')) {
            if (!append(path, &out, "/", 1) || !append(path, &out, decoded + start, segment)) {
                return 414;
            }
            directory = end != decoded_length; /* followed by a '/' */
        }
        start = end + 1;
    }
    if (directory && !append(path, &out, "/index.html", 11)) {
        return 414;
    }
    path[out] = '\0';
    return 0;
}
