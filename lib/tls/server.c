/* server.c: the server side: certificates loaded from the kv, TCP listeners whose connections become TLS
 * sessions, the bound on open sessions, the handshake timeout, and the hand-over to the application. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tls/tls_internal.h"

/* Cipher suites, all with forward secrecy (ECDHE), AEAD first; BearSSL follows the client's order among them. */
static const uint16_t server_suites[] = {
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,       BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,       BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,       BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,       BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
};

static int kv_bytes(struct tls_state *state, const char *path, const uint8_t **bytes, size_t *len, char *why,
                    size_t why_size)
{
    int rc = kv_get(state->kv, path, bytes, len);
    if (rc == KV_NOT_FOUND) {
        snprintf(why, why_size, "%s: no such key in the kv device", path);
        return -1;
    }
    if (rc != 0) {
        snprintf(why, why_size, "%s: the kv device failed (%d)", path, rc);
        return -1;
    }
    return 0;
}

static int certificate_load(struct tls_state *state, struct tls_certificate *certificate, char *why, size_t why_size)
{
    const uint8_t *bytes = NULL;
    size_t len = 0;
    const struct tls_certificate_spec *spec = &certificate->spec;
    if (kv_bytes(state, spec->chain_path, &bytes, &len, why, why_size) != 0 ||
        tls_chain_decode(spec->chain_path, bytes, len, &certificate->chain, &certificate->chain_len, why, why_size) !=
            0)
        return -1;
    if (kv_bytes(state, spec->key_path, &bytes, &len, why, why_size) != 0 ||
        tls_key_decode(spec->key_path, bytes, len, &certificate->key, why, why_size) != 0 ||
        tls_key_matches_chain(spec->key_path, certificate->chain, &certificate->key, why, why_size) != 0)
        return -1;
    if (state->config.session_cache > 0) {
        size_t store_size = (size_t)state->config.session_cache * TLS_CACHE_ENTRY_SIZE;
        certificate->cache_store = malloc(store_size);
        if (certificate->cache_store == NULL) {
            snprintf(why, why_size, "no memory for %u cached sessions", (unsigned)state->config.session_cache);
            return -1;
        }
        br_ssl_session_cache_lru_init(&certificate->cache, certificate->cache_store, store_size);
    }
    return 0;
}

int tls_server_load(struct tls_state *state, char *why, size_t why_size)
{
    /* Parsed once, at connect, into memory of its own: the entries are large (names of up to 253 bytes). */
    struct tls_certificate_spec *specs = calloc(TLS_CERTIFICATES_MAX, sizeof(*specs));
    if (specs == NULL) {
        snprintf(why, why_size, "no memory to parse tls-certificates");
        return -1;
    }
    char problem[TLS_WHY_SIZE];
    int count =
        tls_certificates_parse(state->config.certificates, specs, TLS_CERTIFICATES_MAX, problem, sizeof(problem));
    if (count < 0)
        snprintf(why, why_size, "tls-certificates: %s", problem);
    for (int i = 0; i < count; i++)
        state->certificates[i].spec = specs[i];
    free(specs);
    if (count < 0)
        return -1;
    for (int i = 0; i < count; i++) {
        struct tls_certificate *certificate = &state->certificates[i];
        state->certificate_count = (size_t)i + 1;
        if (certificate_load(state, certificate, why, why_size) != 0)
            return -1;
        tls_log(state, "certificate %s (%zu in chain, %s key) for %s%s", certificate->spec.chain_path,
                certificate->chain_len, certificate->key.type == BR_KEYTYPE_RSA ? "RSA" : "EC",
                certificate->spec.name_count > 0 ? certificate->spec.names[0] : "any name",
                i == 0 ? " (the default)" : "");
    }
    tls_sni_cache_init(&state->cache, state);
    return 0;
}

/* --- handshakes in progress, oldest first ------------------------------------------------------------------- */

static void handshake_list_append(struct tls_flow *flow)
{
    struct tls_state *state = flow->state;
    flow->prev_handshaking = state->handshaking_tail;
    flow->next_handshaking = NULL;
    if (state->handshaking_tail != NULL)
        state->handshaking_tail->next_handshaking = flow;
    else
        state->handshaking = flow;
    state->handshaking_tail = flow;
    flow->on_handshake_list = true;
}

void tls_handshake_list_remove(struct tls_flow *flow)
{
    if (!flow->on_handshake_list)
        return;
    struct tls_state *state = flow->state;
    if (flow->prev_handshaking != NULL)
        flow->prev_handshaking->next_handshaking = flow->next_handshaking;
    else
        state->handshaking = flow->next_handshaking;
    if (flow->next_handshaking != NULL)
        flow->next_handshaking->prev_handshaking = flow->prev_handshaking;
    else
        state->handshaking_tail = flow->prev_handshaking;
    flow->next_handshaking = flow->prev_handshaking = NULL;
    flow->on_handshake_list = false;
}

uint64_t tls_server_expire(struct tls_state *state, uint64_t now_ns)
{
    uint64_t timeout_ns = (uint64_t)state->config.handshake_timeout_ms * 1000000u;
    while (state->handshaking != NULL) {
        struct tls_flow *flow = state->handshaking;
        uint64_t age = now_ns - flow->started_ns;
        if (age < timeout_ns)
            return timeout_ns - age;
        char peer[32];
        tls_log(state, "handshake with %s failed: no progress for %u ms (tls-handshake-timeout)",
                tls_peer_text(&flow->info.peer, peer, sizeof(peer)), (unsigned)state->config.handshake_timeout_ms);
        tls_handshake_list_remove(flow);
        if (flow->is_server) {
            tls_flow_destroy(flow);
        } else {
            flow->phase = TLS_PHASE_ENDED; /* the pump reports it through `failed` */
            flow->end_error = STACK_TCP_TIMED_OUT;
            (void)tls_flow_pump(flow);
        }
    }
    return UINT64_MAX;
}

/* --- sessions ----------------------------------------------------------------------------------------------- */

struct tls_flow *tls_flow_new(struct tls_state *state, struct stack_tcp_flow *tcp, const struct stack_tcp_peer *peer,
                              bool is_server)
{
    char text[32];
    struct tls_flow *flow = calloc(1, sizeof(*flow));
    if (flow == NULL) {
        tls_log(state, "no memory for a session with %s", tls_peer_text(peer, text, sizeof(text)));
        return NULL;
    }
    uint8_t seed[TLS_ENTROPY_SIZE];
    if (random_fill(state->random, seed, sizeof(seed)) != 0) {
        tls_log(state, "no entropy for a session with %s", tls_peer_text(peer, text, sizeof(text)));
        free(flow);
        return NULL;
    }
    flow->state = state;
    flow->tcp = tcp;
    flow->is_server = is_server;
    flow->phase = TLS_PHASE_HANDSHAKE;
    flow->read_armed = true; /* the first plaintext gets a `readable` */
    flow->info.peer = *peer;
    flow->info.server_name = flow->server_name;
    flow->info.protocol = flow->protocol;
    flow->started_ns = mclock_elapsed_ns(state->clock);
    br_ssl_engine_context *engine;
    if (is_server) {
        br_ssl_server_context *server = &flow->u.server.context;
        /* The full RSA profile installs every algorithm; the suites, the policy and the versions are ours. */
        br_ssl_server_init_full_rsa(server, NULL, 0, NULL);
        engine = &server->eng;
        br_ssl_engine_set_suites(engine, server_suites, sizeof(server_suites) / sizeof(server_suites[0]));
        tls_sni_policy_init(&flow->u.server.policy, state, server);
        if (state->config.session_cache > 0)
            br_ssl_server_set_cache(server, &state->cache.vtable);
    } else {
        br_ssl_client_context *client = &flow->u.client.context;
        br_ssl_client_init_full(client, &flow->u.client.x509, state->anchors, state->anchor_count);
        engine = &client->eng;
    }
    br_ssl_engine_set_versions(engine, BR_TLS12, BR_TLS12);
    br_ssl_engine_add_flags(engine, BR_OPT_NO_RENEGOTIATION);
    br_ssl_engine_set_buffer(engine, flow->iobuf, sizeof(flow->iobuf), 1);
    br_ssl_engine_inject_entropy(engine, seed, sizeof(seed));
    memset(seed, 0, sizeof(seed));
    if (state->protocol_count > 0)
        br_ssl_engine_set_protocol_names(engine, state->protocol_names, state->protocol_count);
    handshake_list_append(flow);
    state->sessions_open++;
    return flow;
}

static void tcp_accepted(void *context, struct stack *stack, uint16_t local_port, struct stack_tcp_flow *tcp,
                         const struct stack_tcp_peer *from)
{
    struct tls_listener *listener = context;
    struct tls_state *state = listener->state;
    char peer[32];
    if (state->sessions_open >= state->config.sessions_max) {
        tls_log(state, "refused %s on port %u: %u sessions open (tls-sessions-max)",
                tls_peer_text(from, peer, sizeof(peer)), (unsigned)local_port, (unsigned)state->sessions_open);
        stack_tcp_close(stack, tcp);
        return;
    }
    struct tls_flow *flow = tls_flow_new(state, tcp, from, true);
    if (flow == NULL) {
        stack_tcp_close(stack, tcp);
        return;
    }
    flow->listener = listener;
    if (!br_ssl_server_reset(&flow->u.server.context)) {
        char name[96];
        tls_log(state, "session with %s not started: %s", tls_peer_text(from, peer, sizeof(peer)),
                tls_error_name(br_ssl_engine_last_error(&flow->u.server.context.eng), name, sizeof(name)));
        tls_flow_destroy(flow);
        return;
    }
    stack_tcp_accept(stack, tcp, &tls_flow_tcp_callbacks, flow);
    (void)tls_flow_pump(flow); /* the ClientHello may be there already */
}

int tls_server_listen(struct tls_state *state, uint16_t port, tls_accept_handler handler, void *context)
{
    if (state->certificate_count == 0 || handler == NULL)
        return STACK_TCP_INVALID;
    if (state->listener_count == TLS_LISTENERS_MAX)
        return STACK_TCP_NO_ROOM;
    struct tls_listener *listener = &state->listeners[state->listener_count];
    *listener = (struct tls_listener){.state = state, .port = port, .handler = handler, .context = context};
    int rc = stack_tcp_listen(state->stack, port, tcp_accepted, listener);
    if (rc != 0)
        return rc;
    state->listener_count++;
    return 0;
}

void tls_server_handshake_done(struct tls_flow *flow)
{
    struct tls_listener *listener = flow->listener;
    listener->handler(listener->context, flow->state->device, listener->port, flow, &flow->info);
    if (flow->phase == TLS_PHASE_PENDING && !flow->app_closed) {
        char peer[32];
        tls_log(flow->state, "the accept handler on port %u neither accepted nor closed %s: closed",
                (unsigned)listener->port, tls_peer_text(&flow->info.peer, peer, sizeof(peer)));
        flow->callbacks = NULL;
        flow->app_closed = true;
    }
}
