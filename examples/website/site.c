/* site.c: a website's files from a kv device, indexed once at start by the path requests name. */
#include <stdlib.h>
#include <string.h>

#include "examples/website/site.h"

/* The part of `key` that names a path under `root` (not empty): "/docs/a.html" for "site/docs/a.html" under
 * "site"; NULL when the key is not under it. */
static const char *path_under(const char *key, const char *root, size_t root_length)
{
    if (strncmp(key, root, root_length) != 0 || key[root_length] != '/')
        return NULL;
    return key + root_length;
}

static void etag_from_digest(const uint8_t digest[KV_DIGEST_SIZE], char etag[SITE_ETAG_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    etag[0] = '"';
    for (size_t i = 0; i < 16; i++) {
        etag[1 + 2 * i] = hex[digest[i] >> 4];
        etag[2 + 2 * i] = hex[digest[i] & 15];
    }
    etag[33] = '"';
    etag[34] = '\0';
}

enum site_error site_load(struct site *site, struct kv *kv, const char *root, const char **failed_key)
{
    size_t root_length = strlen(root);
    size_t count = 0;
    for (const char *key; (key = kv_key_at(kv, count)) != NULL;)
        count++;
    *site = (struct site){0};
    site->files = calloc(count == 0 ? 1 : count, sizeof(*site->files));
    if (site->files == NULL)
        return SITE_NO_MEMORY;
    bool digests = true;
    for (size_t i = 0; i < count; i++) {
        const char *key = kv_key_at(kv, i);
        struct site_file *file = &site->files[site->count];
        file->key = key;
        if (root_length == 0) {
            /* Every key is a file: its path is "/" and the key, which needs a copy of its own. */
            size_t length = strlen(key);
            char *path = malloc(length + 2);
            if (path == NULL)
                return SITE_NO_MEMORY;
            path[0] = '/';
            memcpy(path + 1, key, length + 1);
            file->path = path;
        } else {
            file->path = path_under(key, root, root_length);
            if (file->path == NULL)
                continue;
        }
        if (kv_get(kv, key, &file->data, &file->length) != 0) {
            *failed_key = key;
            return SITE_KV_ERROR;
        }
        uint8_t digest[KV_DIGEST_SIZE];
        int rc = kv_digest(kv, key, digest);
        if (rc == 0) {
            etag_from_digest(digest, file->etag);
        } else if (rc == KV_NO_DIGEST) {
            digests = false;
        } else {
            *failed_key = key;
            return SITE_KV_ERROR;
        }
        site->bytes += file->length;
        site->count++;
    }
    /* Keys come sorted, and those under one folder are sorted the same way without its name: the table is
     * sorted by path. */
    return digests ? SITE_OK : SITE_NO_DIGESTS;
}

bool site_lookup(void *context, const char *path, struct http_file *file)
{
    const struct site *site = context;
    size_t low = 0, high = site->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = strcmp(path, site->files[middle].path);
        if (order == 0) {
            file->data = site->files[middle].data;
            file->length = site->files[middle].length;
            file->etag = site->files[middle].etag;
            return true;
        }
        if (order < 0)
            high = middle;
        else
            low = middle + 1;
    }
    return false;
}
