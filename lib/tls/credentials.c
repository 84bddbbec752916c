/* credentials.c: certificate chains, private keys (RSA, EC) and trust anchors from PEM or DER bytes, with errors
 * that name the kv path and what is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tls/tls_internal.h"

enum { DER_MAX = 1 << 20 }; /* one object's DER: certificates and keys are a few KiB */

/* A growing copy of one object's DER bytes. */
struct der_buffer {
    uint8_t *data;
    size_t len, capacity;
    bool failed; /* no memory, or beyond DER_MAX */
};

static void der_append(void *context, const void *bytes, size_t len)
{
    struct der_buffer *der = context;
    if (der->failed)
        return;
    if (len > DER_MAX - der->len) {
        der->failed = true;
        return;
    }
    if (der->len + len > der->capacity) {
        size_t capacity = der->capacity == 0 ? 2048 : der->capacity;
        while (capacity < der->len + len)
            capacity *= 2;
        uint8_t *grown = realloc(der->data, capacity);
        if (grown == NULL) {
            der->failed = true;
            return;
        }
        der->data = grown;
        der->capacity = capacity;
    }
    memcpy(der->data + der->len, bytes, len);
    der->len += len;
}

static bool is_pem(const uint8_t *bytes, size_t len)
{
    static const char begin[] = "-----BEGIN ";
    for (size_t i = 0; i + sizeof(begin) - 1 <= len; i++)
        if (memcmp(bytes + i, begin, sizeof(begin) - 1) == 0)
            return true;
    return false;
}

/* Called for each PEM object with its label and DER bytes; returns 0 to go on, -1 (with `why` set) to stop. */
typedef int (*pem_object_handler)(void *context, const char *path, const char *label, const uint8_t *der, size_t len,
                                  char *why, size_t why_size);

/* Calls `handler` for each PEM object of `bytes`; returns 0, or -1 with `why` set. */
static int pem_each(const char *path, const uint8_t *bytes, size_t len, pem_object_handler handler, void *context,
                    char *why, size_t why_size)
{
    br_pem_decoder_context pem;
    br_pem_decoder_init(&pem);
    struct der_buffer der = {0};
    char label[128] = "";
    bool in_object = false;
    int rc = 0;
    /* The decoder ends an object only at the newline after its END line: give it one in case the file lacks it. */
    static const uint8_t newline = '\n';
    size_t offset = 0;
    bool newline_pushed = false;
    while (rc == 0 && (offset < len || !newline_pushed)) {
        const uint8_t *chunk = offset < len ? bytes + offset : &newline;
        size_t chunk_len = offset < len ? len - offset : 1;
        size_t used = br_pem_decoder_push(&pem, chunk, chunk_len);
        if (offset < len)
            offset += used;
        else if (used == 1)
            newline_pushed = true;
        switch (br_pem_decoder_event(&pem)) {
        case BR_PEM_BEGIN_OBJ:
            snprintf(label, sizeof(label), "%s", br_pem_decoder_name(&pem));
            der.len = 0;
            der.failed = false;
            br_pem_decoder_setdest(&pem, der_append, &der);
            in_object = true;
            break;
        case BR_PEM_END_OBJ:
            in_object = false;
            if (der.failed) {
                snprintf(why, why_size, "%s: the PEM object %s is larger than %d bytes or memory is short", path, label,
                         DER_MAX);
                rc = -1;
                break;
            }
            rc = handler(context, path, label, der.data, der.len, why, why_size);
            break;
        case BR_PEM_ERROR:
            snprintf(why, why_size, "%s: malformed PEM (bad base64 or BEGIN/END lines)", path);
            rc = -1;
            break;
        default:
            break;
        }
    }
    if (rc == 0 && in_object) {
        snprintf(why, why_size, "%s: the PEM object %s has no END line", path, label);
        rc = -1;
    }
    free(der.data);
    return rc;
}

/* Decodes the certificate `der` far enough to know it is one; fills `decoder` for its key. */
static int certificate_check(const char *path, size_t index, const uint8_t *der, size_t len,
                             br_x509_decoder_context *decoder, void (*append_dn)(void *, const void *, size_t),
                             void *dn_context, char *why, size_t why_size)
{
    br_x509_decoder_init(decoder, append_dn, dn_context);
    br_x509_decoder_push(decoder, der, len);
    int error = br_x509_decoder_last_error(decoder);
    if (error != 0 || br_x509_decoder_get_pkey(decoder) == NULL) {
        char name[64];
        snprintf(why, why_size, "%s: certificate %zu is not a valid X.509 certificate (%s)", path, index + 1,
                 tls_error_name(error != 0 ? error : BR_ERR_X509_TRUNCATED, name, sizeof(name)));
        return -1;
    }
    return 0;
}

/* --- chains ---------------------------------------------------------------------------------------------------- */

struct chain_builder {
    br_x509_certificate *certificates;
    size_t count;
};

static int chain_add(struct chain_builder *chain, const char *path, const uint8_t *der, size_t len, char *why,
                     size_t why_size)
{
    br_x509_decoder_context decoder;
    if (certificate_check(path, chain->count, der, len, &decoder, NULL, NULL, why, why_size) != 0)
        return -1;
    br_x509_certificate *grown = realloc(chain->certificates, (chain->count + 1) * sizeof(*grown));
    uint8_t *copy = malloc(len);
    if (grown == NULL || copy == NULL) {
        free(copy);
        if (grown != NULL)
            chain->certificates = grown;
        snprintf(why, why_size, "%s: out of memory", path);
        return -1;
    }
    memcpy(copy, der, len);
    chain->certificates = grown;
    chain->certificates[chain->count++] = (br_x509_certificate){.data = copy, .data_len = len};
    return 0;
}

static int chain_object(void *context, const char *path, const char *label, const uint8_t *der, size_t len, char *why,
                        size_t why_size)
{
    /* A file may hold the key too (one PEM for both): only certificates belong to the chain. */
    if (strcmp(label, "CERTIFICATE") != 0 && strcmp(label, "X509 CERTIFICATE") != 0)
        return 0;
    return chain_add(context, path, der, len, why, why_size);
}

int tls_chain_decode(const char *path, const uint8_t *bytes, size_t len, br_x509_certificate **chain, size_t *count,
                     char *why, size_t why_size)
{
    struct chain_builder builder = {0};
    int rc = is_pem(bytes, len) ? pem_each(path, bytes, len, chain_object, &builder, why, why_size)
                                : chain_add(&builder, path, bytes, len, why, why_size);
    if (rc == 0 && builder.count == 0) {
        snprintf(why, why_size, "%s: no CERTIFICATE in the PEM file", path);
        rc = -1;
    }
    if (rc != 0) {
        tls_chain_free(builder.certificates, builder.count);
        return -1;
    }
    *chain = builder.certificates;
    *count = builder.count;
    return 0;
}

void tls_chain_free(br_x509_certificate *chain, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(chain[i].data);
    free(chain);
}

/* --- private keys ---------------------------------------------------------------------------------------------- */

/* Copies the decoded key's numbers into storage of its own. */
static int key_copy(const br_skey_decoder_context *decoder, struct tls_private_key *key)
{
    int type = br_skey_decoder_key_type(decoder);
    if (type == BR_KEYTYPE_RSA) {
        const br_rsa_private_key *rsa = br_skey_decoder_get_rsa(decoder);
        size_t total = rsa->plen + rsa->qlen + rsa->dplen + rsa->dqlen + rsa->iqlen;
        uint8_t *storage = malloc(total);
        if (storage == NULL)
            return -1;
        uint8_t *at = storage;
        key->rsa.n_bitlen = rsa->n_bitlen;
#define TAKE(field)                                                                                                    \
    memcpy(at, rsa->field, rsa->field##len);                                                                           \
    key->rsa.field = at;                                                                                               \
    key->rsa.field##len = rsa->field##len;                                                                             \
    at += rsa->field##len
        TAKE(p);
        TAKE(q);
        TAKE(dp);
        TAKE(dq);
        TAKE(iq);
#undef TAKE
        key->storage = storage;
    } else {
        const br_ec_private_key *ec = br_skey_decoder_get_ec(decoder);
        uint8_t *storage = malloc(ec->xlen);
        if (storage == NULL)
            return -1;
        memcpy(storage, ec->x, ec->xlen);
        key->ec = (br_ec_private_key){.curve = ec->curve, .x = storage, .xlen = ec->xlen};
        key->storage = storage;
    }
    key->type = type;
    return 0;
}

struct key_search {
    struct tls_private_key *key;
    bool found;
};

static int key_from_der(struct tls_private_key *key, const char *path, const uint8_t *der, size_t len, char *why,
                        size_t why_size)
{
    br_skey_decoder_context decoder;
    br_skey_decoder_init(&decoder);
    br_skey_decoder_push(&decoder, der, len);
    int error = br_skey_decoder_last_error(&decoder);
    if (error != 0) {
        char name[64];
        snprintf(why, why_size, "%s: not an unencrypted RSA or EC private key (PKCS#8, PKCS#1, SEC 1): %s", path,
                 tls_error_name(error, name, sizeof(name)));
        return -1;
    }
    if (key_copy(&decoder, key) != 0) {
        snprintf(why, why_size, "%s: out of memory", path);
        return -1;
    }
    return 0;
}

static int key_object(void *context, const char *path, const char *label, const uint8_t *der, size_t len, char *why,
                      size_t why_size)
{
    struct key_search *search = context;
    if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0) {
        snprintf(why, why_size, "%s: the private key is encrypted; give it unencrypted (openssl pkey -in KEY)", path);
        return -1;
    }
    if (search->found || (strcmp(label, "PRIVATE KEY") != 0 && strcmp(label, "RSA PRIVATE KEY") != 0 &&
                          strcmp(label, "EC PRIVATE KEY") != 0))
        return 0; /* certificates or EC PARAMETERS beside the key */
    if (key_from_der(search->key, path, der, len, why, why_size) != 0)
        return -1;
    search->found = true;
    return 0;
}

int tls_key_decode(const char *path, const uint8_t *bytes, size_t len, struct tls_private_key *key, char *why,
                   size_t why_size)
{
    memset(key, 0, sizeof(*key));
    if (!is_pem(bytes, len))
        return key_from_der(key, path, bytes, len, why, why_size);
    struct key_search search = {.key = key};
    if (pem_each(path, bytes, len, key_object, &search, why, why_size) != 0) {
        tls_key_free(key);
        return -1;
    }
    if (!search.found) {
        snprintf(why, why_size, "%s: no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY in the PEM file", path);
        return -1;
    }
    return 0;
}

void tls_key_free(struct tls_private_key *key)
{
    free(key->storage);
    memset(key, 0, sizeof(*key));
}

int tls_key_matches_chain(const char *path, const br_x509_certificate *chain, const struct tls_private_key *key,
                          char *why, size_t why_size)
{
    br_x509_decoder_context decoder;
    if (certificate_check(path, 0, chain[0].data, chain[0].data_len, &decoder, NULL, NULL, why, why_size) != 0)
        return -1;
    const br_x509_pkey *public_key = br_x509_decoder_get_pkey(&decoder);
    if (public_key->key_type != key->type) {
        snprintf(why, why_size, "%s: the key is %s but the certificate's is %s", path,
                 key->type == BR_KEYTYPE_RSA ? "RSA" : "EC", public_key->key_type == BR_KEYTYPE_RSA ? "RSA" : "EC");
        return -1;
    }
    if (key->type == BR_KEYTYPE_RSA) {
        uint8_t modulus[BR_X509_BUFSIZE_KEY];
        br_rsa_compute_modulus compute = br_rsa_compute_modulus_get_default();
        size_t len = compute(NULL, &key->rsa);
        if (len == 0 || len > sizeof(modulus) || compute(modulus, &key->rsa) != len ||
            len != public_key->key.rsa.nlen || memcmp(modulus, public_key->key.rsa.n, len) != 0) {
            snprintf(why, why_size, "%s: the RSA key does not belong to the certificate (another modulus)", path);
            return -1;
        }
        return 0;
    }
    uint8_t point[BR_EC_KBUF_PUB_MAX_SIZE];
    size_t len = br_ec_compute_pub(br_ec_get_default(), NULL, point, &key->ec);
    if (len == 0 || public_key->key.ec.curve != key->ec.curve || len != public_key->key.ec.qlen ||
        memcmp(point, public_key->key.ec.q, len) != 0) {
        snprintf(why, why_size, "%s: the EC key does not belong to the certificate (another public point or curve)",
                 path);
        return -1;
    }
    return 0;
}

/* --- trust anchors --------------------------------------------------------------------------------------------- */

struct anchor_builder {
    br_x509_trust_anchor *anchors;
    size_t count;
    size_t added; /* by this file */
};

static int anchor_add(struct anchor_builder *builder, const char *path, const uint8_t *der, size_t len, char *why,
                      size_t why_size)
{
    struct der_buffer dn = {0};
    br_x509_decoder_context decoder;
    if (certificate_check(path, builder->added, der, len, &decoder, der_append, &dn, why, why_size) != 0) {
        free(dn.data);
        return -1;
    }
    const br_x509_pkey *public_key = br_x509_decoder_get_pkey(&decoder);
    size_t key_len = public_key->key_type == BR_KEYTYPE_RSA ? public_key->key.rsa.nlen + public_key->key.rsa.elen
                                                            : public_key->key.ec.qlen;
    uint8_t *key_bytes = malloc(key_len);
    br_x509_trust_anchor *grown = realloc(builder->anchors, (builder->count + 1) * sizeof(*grown));
    if (grown != NULL)
        builder->anchors = grown;
    if (dn.failed || key_bytes == NULL || grown == NULL) {
        free(dn.data);
        free(key_bytes);
        snprintf(why, why_size, "%s: out of memory", path);
        return -1;
    }
    br_x509_trust_anchor anchor = {
        .dn = {.data = dn.data, .len = dn.len},
        .flags = br_x509_decoder_isCA(&decoder) ? BR_X509_TA_CA : 0,
        .pkey = *public_key,
    };
    if (public_key->key_type == BR_KEYTYPE_RSA) {
        memcpy(key_bytes, public_key->key.rsa.n, public_key->key.rsa.nlen);
        memcpy(key_bytes + public_key->key.rsa.nlen, public_key->key.rsa.e, public_key->key.rsa.elen);
        anchor.pkey.key.rsa.n = key_bytes;
        anchor.pkey.key.rsa.e = key_bytes + public_key->key.rsa.nlen;
    } else {
        memcpy(key_bytes, public_key->key.ec.q, public_key->key.ec.qlen);
        anchor.pkey.key.ec.q = key_bytes;
    }
    builder->anchors[builder->count++] = anchor;
    builder->added++;
    return 0;
}

static int anchor_object(void *context, const char *path, const char *label, const uint8_t *der, size_t len, char *why,
                         size_t why_size)
{
    if (strcmp(label, "CERTIFICATE") != 0 && strcmp(label, "X509 CERTIFICATE") != 0 &&
        strcmp(label, "TRUSTED CERTIFICATE") != 0)
        return 0;
    return anchor_add(context, path, der, len, why, why_size);
}

int tls_anchors_decode(const char *path, const uint8_t *bytes, size_t len, br_x509_trust_anchor **anchors,
                       size_t *count, char *why, size_t why_size)
{
    struct anchor_builder builder = {.anchors = *anchors, .count = *count};
    int rc = is_pem(bytes, len) ? pem_each(path, bytes, len, anchor_object, &builder, why, why_size)
                                : anchor_add(&builder, path, bytes, len, why, why_size);
    if (rc == 0 && builder.added == 0) {
        snprintf(why, why_size, "%s: no CERTIFICATE in the PEM file", path);
        rc = -1;
    }
    /* What was added stays in the caller's array either way: tls_anchors_free releases it. */
    *anchors = builder.anchors;
    *count = builder.count;
    return rc;
}

void tls_anchors_free(br_x509_trust_anchor *anchors, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(anchors[i].dn.data);
        free(anchors[i].pkey.key_type == BR_KEYTYPE_RSA ? anchors[i].pkey.key.rsa.n : anchors[i].pkey.key.ec.q);
    }
    free(anchors);
}
