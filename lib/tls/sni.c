/* sni.c: the server's certificate choice by the name the client asked for (SNI): a BearSSL policy handler that
 * picks the chain and hands the rest to BearSSL's single-chain RSA or EC policy, and the session cache's wrapper. */
#include <stddef.h>
#include <string.h>

#include "lib/tls/tls_internal.h"

struct tls_certificate *tls_certificate_for(struct tls_state *state, const char *server_name)
{
    if (server_name != NULL && server_name[0] != '\0')
        for (size_t i = 0; i < state->certificate_count; i++) {
            struct tls_certificate *certificate = &state->certificates[i];
            for (size_t n = 0; n < certificate->spec.name_count; n++)
                if (tls_name_matches(certificate->spec.names[n], server_name))
                    return certificate;
        }
    /* An unknown name, or none: the first certificate, and the client's name check decides. */
    return &state->certificates[0];
}

static int policy_choose(const br_ssl_server_policy_class **context, const br_ssl_server_context *server,
                         br_ssl_server_choices *choices)
{
    struct tls_sni_policy *policy = (struct tls_sni_policy *)(void *)context;
    struct tls_flow *flow = (struct tls_flow *)(void *)((char *)policy - offsetof(struct tls_flow, u.server.policy));
    flow->info.resumed = false; /* a full handshake after all: the cached session did not fit */
    const struct tls_certificate *certificate =
        tls_certificate_for(policy->state, br_ssl_engine_get_server_name(&server->eng));
    /* Signing only: the key signs ECDHE parameters, so every session has forward secrecy (no RSA key exchange).
     * The single-chain policy replaces this one in the context, so do_sign goes straight to it. Renegotiation is
     * off (tls_flow_create), so choose() runs once per session. */
    if (certificate->key.type == BR_KEYTYPE_RSA)
        br_ssl_server_set_single_rsa(policy->server, certificate->chain, certificate->chain_len, &certificate->key.rsa,
                                     BR_KEYTYPE_SIGN, br_rsa_private_get_default(), br_rsa_pkcs1_sign_get_default());
    else
        br_ssl_server_set_single_ec(policy->server, certificate->chain, certificate->chain_len, &certificate->key.ec,
                                    BR_KEYTYPE_SIGN, BR_KEYTYPE_EC, br_ec_get_default(),
                                    br_ecdsa_sign_asn1_get_default());
    return (*policy->server->policy_vtable)->choose(policy->server->policy_vtable, server, choices);
}

static uint32_t policy_do_keyx(const br_ssl_server_policy_class **context, unsigned char *data, size_t *len)
{
    /* Never called: choose() put the single-chain policy in place, and it allows no key exchange. */
    (void)context;
    (void)data;
    (void)len;
    return 0;
}

static size_t policy_do_sign(const br_ssl_server_policy_class **context, unsigned algo_id, unsigned char *data,
                             size_t hv_len, size_t len)
{
    /* Never called, as do_keyx. */
    (void)context;
    (void)algo_id;
    (void)data;
    (void)hv_len;
    (void)len;
    return 0;
}

static const br_ssl_server_policy_class policy_class = {
    .context_size = sizeof(struct tls_sni_policy),
    .choose = policy_choose,
    .do_keyx = policy_do_keyx,
    .do_sign = policy_do_sign,
};

void tls_sni_policy_init(struct tls_sni_policy *policy, struct tls_state *state, br_ssl_server_context *server)
{
    policy->vtable = &policy_class;
    policy->state = state;
    policy->server = server;
    br_ssl_server_set_policy(server, &policy->vtable);
}

/* BearSSL looks a session up while it reads the session ID, before the extensions, so the server name is not
 * known yet: one cache serves every certificate (as a cache shared by virtual hosts does). The wrapper is there
 * to tell the session that it was resumed. */
static void cache_save(const br_ssl_session_cache_class **context, br_ssl_server_context *server,
                       const br_ssl_session_parameters *params)
{
    struct tls_sni_cache *cache = (struct tls_sni_cache *)(void *)context;
    const br_ssl_session_cache_class **inner = &cache->state->lru.vtable;
    (*inner)->save(inner, server, params);
}

static int cache_load(const br_ssl_session_cache_class **context, br_ssl_server_context *server,
                      br_ssl_session_parameters *params)
{
    struct tls_sni_cache *cache = (struct tls_sni_cache *)(void *)context;
    const br_ssl_session_cache_class **inner = &cache->state->lru.vtable;
    int found = (*inner)->load(inner, server, params);
    /* The server context is the session's: say in its info that it was resumed (choose() undoes it if BearSSL
     * falls back to a full handshake). */
    struct tls_flow *flow = (struct tls_flow *)(void *)((char *)server - offsetof(struct tls_flow, u.server.context));
    flow->info.resumed = found != 0;
    return found;
}

static const br_ssl_session_cache_class cache_class = {
    .context_size = sizeof(struct tls_sni_cache),
    .save = cache_save,
    .load = cache_load,
};

void tls_sni_cache_init(struct tls_sni_cache *cache, struct tls_state *state)
{
    cache->vtable = &cache_class;
    cache->state = state;
}
