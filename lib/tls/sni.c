/* sni.c: the server's certificate choice by the name the client asked for (SNI): a BearSSL policy handler that
 * picks the chain and hands the rest to BearSSL's single-chain RSA or EC policy, and the session cache over each
 * certificate's own. */
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
    struct tls_certificate *certificate =
        tls_certificate_for(policy->state, br_ssl_engine_get_server_name(&server->eng));
    flow->certificate = certificate; /* where cache_save keeps the session */
    /* Signing only: the key signs ECDHE parameters, so every session has forward secrecy (no RSA key exchange).
     * The single-chain policy replaces this one in the context, so do_sign goes straight to it. Renegotiation is
     * off (tls_flow_new), so choose() runs once per session. The EC issuer type matters only to ECDH key
     * exchange, which signing-only rules out. */
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

/* The session whose server context is `server` (a server flow's). */
static struct tls_flow *flow_of(br_ssl_server_context *server)
{
    return (struct tls_flow *)(void *)((char *)server - offsetof(struct tls_flow, u.server.context));
}

/* A full handshake keeps its session in the cache of the certificate choose() took for the client's name. */
static void cache_save(const br_ssl_session_cache_class **context, br_ssl_server_context *server,
                       const br_ssl_session_parameters *params)
{
    (void)context;
    struct tls_certificate *certificate = flow_of(server)->certificate;
    if (certificate != NULL && certificate->cache_store != NULL)
        certificate->cache.vtable->save(&certificate->cache.vtable, server, params);
}

/* BearSSL looks a session up as soon as it has read the session ID, before the extensions: the name the client
 * asks for is not known yet. So every certificate's cache is searched, and the session notes whose it was; once
 * the name is known the handshake is refused if that certificate does not serve it (tls_sni_resumption_fits). */
static int cache_load(const br_ssl_session_cache_class **context, br_ssl_server_context *server,
                      br_ssl_session_parameters *params)
{
    struct tls_sni_cache *cache = (struct tls_sni_cache *)(void *)context;
    struct tls_state *state = cache->state;
    struct tls_flow *flow = flow_of(server);
    for (size_t i = 0; i < state->certificate_count; i++) {
        struct tls_certificate *certificate = &state->certificates[i];
        if (certificate->cache_store != NULL &&
            certificate->cache.vtable->load(&certificate->cache.vtable, server, params)) {
            /* choose() undoes both if BearSSL falls back to a full handshake. */
            flow->certificate = certificate;
            flow->info.resumed = true;
            return 1;
        }
    }
    return 0;
}

bool tls_sni_resumption_fits(struct tls_flow *flow, const char *server_name)
{
    return !flow->info.resumed || tls_certificate_for(flow->state, server_name) == flow->certificate;
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
