/* config.c: the values of the tls-* keys, parsed (pure: no I/O), and server names matched against patterns. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/tls/tls_internal.h"

/* [start, end) of `text` without the blanks at either end. */
static void trim(const char **start, const char **end)
{
    while (*start < *end && isspace((unsigned char)**start))
        (*start)++;
    while (*end > *start && isspace((unsigned char)(*end)[-1]))
        (*end)--;
}

/* Steps through a `sep`-separated list: the next item, trimmed, in [*start, *stop) (possibly empty); false once
 * the list is done. `*cursor` starts at the list and is left past the item's separator. */
static bool next_item(const char **cursor, char sep, const char **start, const char **stop)
{
    if (*cursor == NULL)
        return false;
    const char *end = strchr(*cursor, sep);
    if (end == NULL)
        end = *cursor + strlen(*cursor);
    *start = *cursor;
    *stop = end;
    trim(start, stop);
    *cursor = *end == '\0' ? NULL : end + 1;
    return true;
}

/* Copies [start, end) into `out` of `size` bytes; false when it does not fit or is empty. */
static bool copy_span(const char *start, const char *end, char *out, size_t size)
{
    size_t len = (size_t)(end - start);
    if (len == 0 || len >= size)
        return false;
    memcpy(out, start, len);
    out[len] = '\0';
    return true;
}

/* A DNS name or `*.` and one: letters, digits, `-` and `.`, no empty label. */
static bool valid_pattern(const char *name)
{
    const char *p = name;
    if (p[0] == '*' && p[1] == '.')
        p += 2;
    if (*p == '\0' || *p == '.')
        return false;
    for (; *p != '\0'; p++) {
        if (*p == '.' && (p[1] == '.' || p[1] == '\0'))
            return false;
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
            return false;
    }
    return true;
}

static int parse_names(const char *start, const char *end, struct tls_certificate_spec *entry, char *why,
                       size_t why_size)
{
    const char *p = start;
    while (p < end) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        const char *word = p;
        while (p < end && !isspace((unsigned char)*p))
            p++;
        if (word == p)
            break;
        if (entry->name_count == TLS_NAMES_MAX) {
            snprintf(why, why_size, "more than %d server names in one entry", TLS_NAMES_MAX);
            return -1;
        }
        char *name = entry->names[entry->name_count];
        if (!copy_span(word, p, name, TLS_NAME_SIZE) || !valid_pattern(name)) {
            snprintf(why, why_size, "`%.*s` is not a server name (a DNS name, or `*.` and one)", (int)(p - word), word);
            return -1;
        }
        entry->name_count++;
    }
    return 0;
}

static int parse_entry(const char *start, const char *end, struct tls_certificate_spec *entry, char *why,
                       size_t why_size)
{
    memset(entry, 0, sizeof(*entry));
    const char *colon = memchr(start, ':', (size_t)(end - start));
    const char *paths = start;
    if (colon != NULL) {
        if (parse_names(start, colon, entry, why, why_size) != 0)
            return -1;
        paths = colon + 1;
    }
    const char *comma = memchr(paths, ',', (size_t)(end - paths));
    if (comma == NULL) {
        snprintf(why, why_size, "`%.*s` is not `[NAMES:]CHAIN,KEY`", (int)(end - start), start);
        return -1;
    }
    const char *chain_start = paths, *chain_end = comma, *key_start = comma + 1, *key_end = end;
    trim(&chain_start, &chain_end);
    trim(&key_start, &key_end);
    if (!copy_span(chain_start, chain_end, entry->chain_path, sizeof(entry->chain_path)) ||
        !copy_span(key_start, key_end, entry->key_path, sizeof(entry->key_path)) ||
        memchr(key_start, ',', (size_t)(key_end - key_start)) != NULL) {
        snprintf(why, why_size, "`%.*s` is not `[NAMES:]CHAIN,KEY` with two kv paths", (int)(end - start), start);
        return -1;
    }
    return 0;
}

int tls_certificates_parse(const char *spec, struct tls_certificate_spec *entries, size_t capacity, char *why,
                           size_t why_size)
{
    size_t count = 0;
    const char *cursor = spec, *start, *stop;
    while (next_item(&cursor, ';', &start, &stop)) {
        if (start == stop)
            continue;
        if (count == capacity) {
            snprintf(why, why_size, "more than %zu certificate entries", capacity);
            return -1;
        }
        if (parse_entry(start, stop, &entries[count], why, why_size) != 0)
            return -1;
        count++;
    }
    return (int)count;
}

int tls_list_parse(const char *spec, char *names, size_t name_size, size_t capacity, char *why, size_t why_size)
{
    size_t count = 0;
    const char *cursor = spec, *start, *stop;
    while (next_item(&cursor, ',', &start, &stop)) {
        if (start == stop)
            continue;
        if (count == capacity) {
            snprintf(why, why_size, "more than %zu names in `%s`", capacity, spec);
            return -1;
        }
        if (!copy_span(start, stop, names + count * name_size, name_size)) {
            snprintf(why, why_size, "`%.*s` is longer than %zu bytes", (int)(stop - start), start, name_size - 1);
            return -1;
        }
        count++;
    }
    return (int)count;
}

static bool labels_equal(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return false;
    return true;
}

bool tls_name_matches(const char *pattern, const char *name)
{
    size_t name_len = strlen(name);
    /* A client may send the name with the root's trailing dot. */
    if (name_len > 0 && name[name_len - 1] == '.')
        name_len--;
    if (name_len == 0)
        return false;
    if (pattern[0] == '*' && pattern[1] == '.') {
        /* `*.example.org` serves `www.example.org`, not `example.org` nor `a.b.example.org` (RFC 6125 6.4.3). */
        const char *dot = memchr(name, '.', name_len);
        if (dot == NULL || dot == name)
            return false;
        size_t rest = name_len - (size_t)(dot - name);
        return strlen(pattern + 1) == rest && labels_equal(pattern + 1, dot, rest);
    }
    return strlen(pattern) == name_len && labels_equal(pattern, name, name_len);
}
