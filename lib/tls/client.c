/* client.c: the client side: trust anchors from the kv, and sessions to a server that must prove the name asked
 * for with a chain to one of them (BearSSL's minimal X.509 validation at the wall clock's time). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tls/tls_internal.h"

enum {
    TLS_ANCHOR_FILES_MAX = 16,
    DAYS_TO_EPOCH = 719528, /* from 0000-01-01 to 1970-01-01, proleptic Gregorian: BearSSL's day zero */
};

int tls_client_load(struct tls_state *state, char *why, size_t why_size)
{
    char(*paths)[TLS_NAME_SIZE] = calloc(TLS_ANCHOR_FILES_MAX, TLS_NAME_SIZE);
    if (paths == NULL) {
        snprintf(why, why_size, "no memory to parse tls-trust-anchors");
        return -1;
    }
    char problem[TLS_WHY_SIZE];
    int count = tls_list_parse(state->config.trust_anchors, &paths[0][0], TLS_NAME_SIZE, TLS_ANCHOR_FILES_MAX, problem,
                               sizeof(problem));
    int rc = 0;
    if (count < 0) {
        snprintf(why, why_size, "tls-trust-anchors: %s", problem);
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < count; i++) {
        const uint8_t *bytes = NULL;
        size_t len = 0;
        int found = kv_get(state->kv, paths[i], &bytes, &len);
        if (found != 0) {
            snprintf(why, why_size, "%s: %s", paths[i],
                     found == KV_NOT_FOUND ? "no such key in the kv device" : "the kv device failed");
            rc = -1;
        } else {
            rc = tls_anchors_decode(paths[i], bytes, len, &state->anchors, &state->anchor_count, why, why_size);
        }
    }
    free(paths);
    if (rc != 0)
        return -1;
    if (count > 0)
        tls_log(state, "%zu trust anchors from %s", state->anchor_count, state->config.trust_anchors);
    return 0;
}

/* The wall clock's time for certificate validity; false (logged) when the clock does not know it. */
static bool validation_time(struct tls_state *state, uint32_t *days, uint32_t *seconds)
{
    int64_t now_ns = 0;
    if (pclock_now_ns(state->wall_clock, &now_ns) != 0 || now_ns < 0) {
        tls_log(state, "the wall clock has no time: certificates cannot be checked for validity");
        return false;
    }
    int64_t now_s = now_ns / 1000000000;
    *days = (uint32_t)(now_s / 86400 + DAYS_TO_EPOCH);
    *seconds = (uint32_t)(now_s % 86400);
    return true;
}

int tls_client_connect(struct tls_state *state, const struct stack_tcp_peer *to, const char *server_name,
                       const struct tls_callbacks *callbacks, void *context, struct tls_flow **out)
{
    if (server_name == NULL || server_name[0] == '\0')
        return TLS_ERROR_NO_NAME;
    if (strlen(server_name) >= TLS_NAME_SIZE || state->anchor_count == 0 || callbacks == NULL)
        return STACK_TCP_INVALID;
    if (state->sessions_open >= state->config.sessions_max)
        return STACK_TCP_NO_ROOM;
    uint32_t days = 0, seconds = 0;
    if (!validation_time(state, &days, &seconds))
        return STACK_TCP_INVALID;
    struct tls_flow *flow = tls_flow_new(state, NULL, to, false);
    if (flow == NULL)
        return STACK_TCP_NO_ROOM;
    br_x509_minimal_set_time(&flow->u.client.x509, days, seconds);
    snprintf(flow->server_name, sizeof(flow->server_name), "%s", server_name);
    flow->callbacks = callbacks;
    flow->context = context;
    if (!br_ssl_client_reset(&flow->u.client.context, flow->server_name, 0)) {
        tls_handshake_list_remove(flow);
        state->sessions_open--;
        free(flow);
        return STACK_TCP_INVALID;
    }
    int rc = stack_tcp_connect(state->stack, to, &tls_flow_tcp_callbacks, flow, &flow->tcp);
    if (rc != 0) {
        tls_handshake_list_remove(flow);
        state->sessions_open--;
        free(flow);
        return rc;
    }
    *out = flow;
    return 0;
}
