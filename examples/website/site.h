/* site.h: the files a website serves, from a kv device: each key under a root folder is a path, with a strong
 * entity-tag made from the digest the kv computed when the image was built. */
#ifndef MIRAGE_EXAMPLES_WEBSITE_SITE_H
#define MIRAGE_EXAMPLES_WEBSITE_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/kv.h"
#include "lib/http/http.h"

/* An entity-tag: the first 16 octets of the SHA-256 in hex between quotes, and a NUL. */
#define SITE_ETAG_SIZE (2 + 32 + 1)

struct site_file {
    const char *key;  /* the kv key, "site/docs/index.html" */
    const char *path; /* within `key`: the path a request names, "/docs/index.html" */
    const uint8_t *data;
    size_t length;
    char etag[SITE_ETAG_SIZE]; /* "" when the kv keeps no digests: the answers then carry no ETag */
};

struct site {
    struct site_file *files; /* sorted by path */
    size_t count;
    uint64_t bytes;
};

enum site_error {
    SITE_OK,
    SITE_NO_MEMORY,
    SITE_KV_ERROR,   /* a key the kv listed could not be read */
    SITE_NO_DIGESTS, /* the kv keeps no digests: served without ETags */
};

/* Takes the keys of `kv` under the folder `root` ("site": keys "site/..."; "": every key). Returns SITE_OK,
 * SITE_NO_DIGESTS (the site is usable), or an error. `*failed_key` names the key that failed. */
enum site_error site_load(struct site *site, struct kv *kv, const char *root, const char **failed_key);

/* http_lookup over a site (`context` is the struct site). */
bool site_lookup(void *context, const char *path, struct http_file *file);

#endif
