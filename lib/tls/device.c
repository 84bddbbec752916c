/* device.c: the tls device's operations over lib/tls's server, client and sessions, and its event loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tls/tls_internal.h"

static struct tls_state *state_of(struct tls *self)
{
    return self->state;
}

static int listen_impl(struct tls *self, uint16_t port, tls_accept_handler handler, void *context)
{
    return tls_server_listen(state_of(self), port, handler, context);
}

static void accept_impl(struct tls *self, struct tls_flow *flow, const struct tls_callbacks *callbacks, void *context)
{
    (void)self;
    if (flow->phase != TLS_PHASE_PENDING)
        return;
    flow->callbacks = callbacks;
    flow->context = context;
    flow->phase = TLS_PHASE_OPEN;
    flow->read_armed = true;
}

static int connect_impl(struct tls *self, const struct stack_tcp_peer *to, const char *server_name,
                        const struct tls_callbacks *callbacks, void *context, struct tls_flow **flow)
{
    return tls_client_connect(state_of(self), to, server_name, callbacks, context, flow);
}

static long read_impl(struct tls *self, struct tls_flow *flow, uint8_t *buffer, size_t capacity)
{
    (void)self;
    return tls_flow_read(flow, buffer, capacity);
}

static long write_impl(struct tls *self, struct tls_flow *flow, const uint8_t *data, size_t len)
{
    (void)self;
    return tls_flow_write(flow, data, len);
}

static int shutdown_impl(struct tls *self, struct tls_flow *flow)
{
    (void)self;
    return tls_flow_shutdown(flow);
}

static void close_impl(struct tls *self, struct tls_flow *flow)
{
    (void)self;
    tls_flow_close(flow);
}

static const struct tls_info *info_impl(struct tls *self, struct tls_flow *flow)
{
    (void)self;
    return &flow->info;
}

static int run_impl(struct tls *self, uint64_t timeout_ns)
{
    struct tls_state *state = state_of(self);
    uint64_t start = mclock_elapsed_ns(state->clock);
    for (;;) {
        uint64_t now = mclock_elapsed_ns(state->clock);
        uint64_t elapsed = now - start;
        if (timeout_ns != UINT64_MAX && elapsed >= timeout_ns)
            return 0;
        /* Run the stack until the caller's time is up or the oldest handshake is due, whichever comes first; a
         * handshake that starts meanwhile is due one timeout from now at the earliest, so no slice is longer. */
        uint64_t slice = tls_server_expire(state, now);
        uint64_t timeout = (uint64_t)state->config.handshake_timeout_ms * 1000000u;
        if (slice > timeout)
            slice = timeout;
        if (timeout_ns != UINT64_MAX && timeout_ns - elapsed < slice)
            slice = timeout_ns - elapsed;
        int rc = stack_run(state->stack, slice);
        if (rc != 0)
            return rc;
    }
}

static const struct tls_ops tls_ops = {
    .listen = listen_impl,
    .accept = accept_impl,
    .connect = connect_impl,
    .read = read_impl,
    .write = write_impl,
    .shutdown = shutdown_impl,
    .close = close_impl,
    .info = info_impl,
    .run = run_impl,
};

static void state_free(struct tls_state *state)
{
    for (size_t i = 0; i < state->certificate_count; i++) {
        tls_chain_free(state->certificates[i].chain, state->certificates[i].chain_len);
        tls_key_free(&state->certificates[i].key);
        free(state->certificates[i].cache_store);
    }
    tls_anchors_free(state->anchors, state->anchor_count);
    free(state);
}

int tls_device_create(struct tls *device, const struct tls_config *config, struct stack *stack, struct kv *kv,
                      struct random *random, struct mclock *clock, struct pclock *wall_clock, struct console *console,
                      char *why, size_t why_size)
{
    if (stack->ops->tcp_listen == NULL) {
        snprintf(why, why_size, "the stack has no TCP");
        return STACK_TCP_NOT_SUPPORTED;
    }
    struct tls_state *state = calloc(1, sizeof(*state));
    if (state == NULL) {
        snprintf(why, why_size, "no memory for the device state");
        return STACK_TCP_NO_ROOM;
    }
    *state = (struct tls_state){
        .device = device,
        .stack = stack,
        .kv = kv,
        .random = random,
        .clock = clock,
        .wall_clock = wall_clock,
        .console = console,
        .config = *config,
    };
    char problem[TLS_WHY_SIZE];
    int count = tls_list_parse(config->alpn, &state->protocols[0][0], TLS_PROTOCOL_SIZE, TLS_ALPN_MAX, problem,
                               sizeof(problem));
    if (count < 0) {
        snprintf(why, why_size, "tls-alpn: %s", problem);
        state_free(state);
        return STACK_TCP_INVALID;
    }
    state->protocol_count = (size_t)count;
    for (size_t i = 0; i < state->protocol_count; i++)
        state->protocol_names[i] = state->protocols[i];
    if (tls_server_load(state, why, why_size) != 0 || tls_client_load(state, why, why_size) != 0) {
        state_free(state);
        return STACK_TCP_INVALID;
    }
    device->ops = &tls_ops;
    device->state = state;
    device->stack = stack;
    return 0;
}
