/* kv.h: the read-only key-value device (MirageOS KV_RO): named blobs, such as files baked into the image. */
#ifndef MIRAGE_DEVICES_KV_H
#define MIRAGE_DEVICES_KV_H

#include <stddef.h>
#include <stdint.h>

#define KV_NOT_FOUND 1
/* kv_digest on a store that keeps no digests (an implementation that leaves `digest` NULL). */
#define KV_NO_DIGEST 2

/* A digest is the SHA-256 of a value. */
#define KV_DIGEST_SIZE 32

struct kv;

struct kv_ops {
    /* Find `key`; returns 0 with `*value` and `*len` set (the value stays valid for the unikernel's lifetime),
     * KV_NOT_FOUND, or a negative error code. */
    int (*get)(struct kv *self, const char *key, const uint8_t **value, size_t *len);
    /* The name of the `index`th key in sorted order, or NULL past the last. */
    const char *(*key_at)(struct kv *self, size_t index);
    /* The SHA-256 of the value at `key` into `out` (MirageOS KV_RO's digest): returns 0, KV_NOT_FOUND, or a
     * negative error code. A crunched store computed it when the image was built; NULL in a store without them. */
    int (*digest)(struct kv *self, const char *key, uint8_t out[KV_DIGEST_SIZE]);
};

struct kv {
    const struct kv_ops *ops;
    void *state;
};

static inline int kv_get(struct kv *self, const char *key, const uint8_t **value, size_t *len)
{
    return self->ops->get(self, key, value, len);
}

static inline const char *kv_key_at(struct kv *self, size_t index)
{
    return self->ops->key_at(self, index);
}

/* Returns KV_NO_DIGEST when the store keeps no digests. */
static inline int kv_digest(struct kv *self, const char *key, uint8_t out[KV_DIGEST_SIZE])
{
    if (self->ops->digest == NULL)
        return KV_NO_DIGEST;
    return self->ops->digest(self, key, out);
}

#endif
