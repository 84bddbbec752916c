/* session.c: one TLS session over one TCP flow: the pump that moves bytes between the TCP flow and BearSSL's
 * record buffers (backpressure both ways: a full engine stops reading TCP, a full TCP stops the engine), the
 * application's read/write/shutdown/close, close_notify, and the events owed to the application. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tls/tls_internal.h"

br_ssl_engine_context *tls_flow_engine(struct tls_flow *flow)
{
    return flow->is_server ? &flow->u.server.context.eng : &flow->u.client.context.eng;
}

/* Moves records between the TCP flow and the engine until neither side moves. */
static void transfer(struct tls_flow *flow)
{
    br_ssl_engine_context *engine = tls_flow_engine(flow);
    struct stack *stack = flow->state->stack;
    for (;;) {
        unsigned int engine_state = br_ssl_engine_current_state(engine);
        if ((engine_state & BR_SSL_CLOSED) != 0 || flow->tcp_error != 0)
            return;
        bool moved = false;
        /* Each buffer is asked for afresh: acknowledging one side can change what the other offers (the state
         * read above may be stale), and a read of no room would look like the peer's end of stream. */
        size_t len = 0;
        unsigned char *records = (engine_state & BR_SSL_SENDREC) != 0 ? br_ssl_engine_sendrec_buf(engine, &len) : NULL;
        if (records != NULL && len > 0) {
            long sent = stack_tcp_write(stack, flow->tcp, records, len);
            if (sent > 0) {
                br_ssl_engine_sendrec_ack(engine, (size_t)sent);
                moved = true;
            } else if (sent != STACK_TCP_WOULD_BLOCK) {
                flow->tcp_error = sent < 0 ? (int)sent : STACK_TCP_CLOSED;
                return;
            }
        }
        /* In the handshake, our flight goes out before the peer's next records come in: BearSSL takes a record
         * that arrives while it still holds records of ours as out of order (a client that sends all it can at
         * once, and a TCP flow that takes our flight in parts, would otherwise fail the handshake). */
        size_t pending = 0;
        bool flight_pending =
            flow->phase == TLS_PHASE_HANDSHAKE && br_ssl_engine_sendrec_buf(engine, &pending) != NULL && pending > 0;
        len = 0;
        unsigned char *room = !flow->tcp_eof && !flight_pending ? br_ssl_engine_recvrec_buf(engine, &len) : NULL;
        if (room != NULL && len > 0) {
            long got = stack_tcp_read(stack, flow->tcp, room, len);
            if (got > 0) {
                br_ssl_engine_recvrec_ack(engine, (size_t)got);
                moved = true;
            } else if (got == 0) {
                flow->tcp_eof = true;
            } else if (got != STACK_TCP_WOULD_BLOCK) {
                flow->tcp_error = (int)got;
                return;
            }
        }
        if (!moved)
            return;
    }
}

static void fill_info(struct tls_flow *flow)
{
    br_ssl_engine_context *engine = tls_flow_engine(flow);
    br_ssl_session_parameters parameters;
    br_ssl_engine_get_session_parameters(engine, &parameters);
    const char *protocol = br_ssl_engine_get_selected_protocol(engine);
    snprintf(flow->protocol, sizeof(flow->protocol), "%s", protocol != NULL ? protocol : "");
    if (flow->is_server)
        snprintf(flow->server_name, sizeof(flow->server_name), "%s", br_ssl_engine_get_server_name(engine));
    flow->info.server_name = flow->server_name;
    flow->info.protocol = flow->protocol;
    flow->info.version = (uint16_t)br_ssl_engine_get_version(engine);
    flow->info.cipher_suite = parameters.cipher_suite;
}

/* Why the handshake of `flow` cannot complete, or NULL while it still may. */
static const char *handshake_failure(struct tls_flow *flow, char *out, size_t out_size)
{
    br_ssl_engine_context *engine = tls_flow_engine(flow);
    if ((br_ssl_engine_current_state(engine) & BR_SSL_CLOSED) != 0) {
        char name[96];
        int code = br_ssl_engine_last_error(engine);
        const char *hint = tls_error_hint(code, flow->is_server);
        snprintf(out, out_size, "%s%s%s",
                 code == BR_ERR_OK ? "the peer closed the session (close_notify)"
                                   : tls_error_name(code, name, sizeof(name)),
                 hint != NULL ? ": " : "", hint != NULL ? hint : "");
        return out;
    }
    if (flow->tcp_error != 0) {
        snprintf(out, out_size, "TCP error %d", flow->tcp_error);
        return out;
    }
    if (flow->tcp_eof) {
        snprintf(out, out_size, "the peer closed the TCP connection in the handshake");
        return out;
    }
    return NULL;
}

/* Whether the session has ended for the application; sets `end_error` when it has. */
static bool session_ended(struct tls_flow *flow)
{
    br_ssl_engine_context *engine = tls_flow_engine(flow);
    unsigned int engine_state = br_ssl_engine_current_state(engine);
    if ((engine_state & BR_SSL_CLOSED) != 0) {
        int code = br_ssl_engine_last_error(engine);
        if (code != BR_ERR_OK) {
            char name[96], peer[32];
            tls_log(flow->state, "session with %s failed: %s", tls_peer_text(&flow->info.peer, peer, sizeof(peer)),
                    tls_error_name(code, name, sizeof(name)));
        }
        flow->end_error = code == BR_ERR_OK ? 0 : TLS_ERROR_PROTOCOL;
        return true;
    }
    if (flow->tcp_error != 0) {
        flow->end_error = flow->tcp_error;
        return true;
    }
    if (flow->tcp_eof && (engine_state & BR_SSL_RECVAPP) == 0) {
        /* No close_notify came: after our own shutdown that is only the peer's haste; otherwise the stream may
         * have been cut by an attacker, and the application must not take it for a complete one. */
        flow->end_error = flow->shut_down ? 0 : TLS_ERROR_TRUNCATED;
        return true;
    }
    return false;
}

/* The handshake phase: on completion, hand the flow over (server: the accept handler; client: `writable`). */
static void handshake_step(struct tls_flow *flow)
{
    char why[320], peer[32];
    const char *failure = handshake_failure(flow, why, sizeof(why));
    if (failure != NULL) {
        tls_log(flow->state, "handshake with %s failed: %s", tls_peer_text(&flow->info.peer, peer, sizeof(peer)),
                failure);
        tls_handshake_list_remove(flow);
        if (flow->is_server) {
            flow->app_closed = true; /* never reached the application: release it when the pump unwinds */
        } else {
            flow->phase = TLS_PHASE_ENDED;
            flow->end_error = flow->tcp_error != 0 ? flow->tcp_error : TLS_ERROR_PROTOCOL;
        }
        return;
    }
    unsigned int engine_state = br_ssl_engine_current_state(tls_flow_engine(flow));
    if ((engine_state & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) == 0)
        return;
    tls_handshake_list_remove(flow);
    fill_info(flow);
    if (flow->is_server && !tls_sni_resumption_fits(flow, flow->server_name)) {
        /* RFC 6066 section 3: no resumption under another name. BearSSL cannot fall back to a full handshake
         * this late, so the session ends; the client's next attempt, without that session, gets the right one. */
        tls_log(flow->state, "handshake with %s failed: it resumed a session of %s's certificate for %s",
                tls_peer_text(&flow->info.peer, peer, sizeof(peer)), flow->certificate->spec.chain_path,
                flow->server_name[0] != '\0' ? flow->server_name : "no name");
        flow->app_closed = true;
        return;
    }
    if (flow->is_server) {
        flow->phase = TLS_PHASE_PENDING;
        tls_server_handshake_done(flow);
    } else {
        flow->phase = TLS_PHASE_OPEN;
        if (flow->callbacks->writable != NULL)
            flow->callbacks->writable(flow->context, flow->state->device, flow);
    }
}

/* Delivers one event the application is owed; returns whether it did. */
static bool deliver_one(struct tls_flow *flow)
{
    if (flow->app_closed)
        return false;
    if (flow->phase == TLS_PHASE_HANDSHAKE) {
        enum tls_phase before = flow->phase;
        handshake_step(flow);
        return flow->phase != before || flow->app_closed;
    }
    if (flow->phase == TLS_PHASE_OPEN && session_ended(flow))
        flow->phase = TLS_PHASE_ENDED;
    if (flow->callbacks == NULL)
        return false;
    unsigned int engine_state = br_ssl_engine_current_state(tls_flow_engine(flow));
    if (flow->phase == TLS_PHASE_ENDED && flow->end_error < 0) {
        if (flow->failed_reported)
            return false;
        flow->failed_reported = true;
        if (flow->callbacks->failed != NULL)
            flow->callbacks->failed(flow->context, flow->state->device, flow, flow->end_error);
        return true;
    }
    if (flow->read_armed && ((engine_state & BR_SSL_RECVAPP) != 0 || flow->phase == TLS_PHASE_ENDED)) {
        flow->read_armed = false;
        if (flow->callbacks->readable != NULL)
            flow->callbacks->readable(flow->context, flow->state->device, flow);
        return true;
    }
    if (flow->want_writable && flow->phase == TLS_PHASE_OPEN && (engine_state & BR_SSL_SENDAPP) != 0) {
        flow->want_writable = false;
        if (flow->callbacks->writable != NULL)
            flow->callbacks->writable(flow->context, flow->state->device, flow);
        return true;
    }
    return false;
}

bool tls_flow_pump(struct tls_flow *flow)
{
    flow->depth++;
    do
        transfer(flow);
    while (deliver_one(flow));
    flow->depth--;
    if (flow->depth == 0 && flow->app_closed) {
        tls_flow_destroy(flow);
        return false;
    }
    return true;
}

static void tcp_ready(void *context, struct stack *stack, struct stack_tcp_flow *tcp)
{
    (void)stack;
    (void)tcp;
    (void)tls_flow_pump(context);
}

static void tcp_failed(void *context, struct stack *stack, struct stack_tcp_flow *tcp, int error)
{
    (void)stack;
    (void)tcp;
    struct tls_flow *flow = context;
    flow->tcp_error = error < 0 ? error : STACK_TCP_RESET;
    (void)tls_flow_pump(flow);
}

const struct stack_tcp_callbacks tls_flow_tcp_callbacks = {
    .readable = tcp_ready,
    .writable = tcp_ready,
    .failed = tcp_failed,
};

void tls_flow_destroy(struct tls_flow *flow)
{
    br_ssl_engine_context *engine = tls_flow_engine(flow);
    if (flow->phase != TLS_PHASE_HANDSHAKE && flow->tcp_error == 0 &&
        (br_ssl_engine_current_state(engine) & BR_SSL_CLOSED) == 0) {
        /* Best effort: close_notify goes to the TCP flow's queue, which the stack sends before its FIN. */
        br_ssl_engine_close(engine);
        transfer(flow);
    }
    tls_handshake_list_remove(flow);
    stack_tcp_close(flow->state->stack, flow->tcp);
    flow->state->sessions_open--;
    /* The session's secrets go with it. */
    memset(flow, 0, sizeof(*flow));
    free(flow);
}

long tls_flow_read(struct tls_flow *flow, uint8_t *buffer, size_t capacity)
{
    if (flow->phase == TLS_PHASE_HANDSHAKE || flow->phase == TLS_PHASE_PENDING)
        return flow->is_server ? STACK_TCP_INVALID : (flow->end_error < 0 ? flow->end_error : STACK_TCP_WOULD_BLOCK);
    br_ssl_engine_context *engine = tls_flow_engine(flow);
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t len = 0;
        unsigned char *plaintext = br_ssl_engine_recvapp_buf(engine, &len);
        if (plaintext != NULL) {
            size_t count = len < capacity ? len : capacity;
            memcpy(buffer, plaintext, count);
            br_ssl_engine_recvapp_ack(engine, count);
            transfer(flow); /* room for the next record: take it from TCP */
            return (long)count;
        }
        if (flow->phase == TLS_PHASE_ENDED || session_ended(flow)) {
            flow->phase = TLS_PHASE_ENDED;
            return flow->end_error;
        }
        transfer(flow);
    }
    flow->read_armed = true;
    return STACK_TCP_WOULD_BLOCK;
}

long tls_flow_write(struct tls_flow *flow, const uint8_t *data, size_t len)
{
    if (flow->phase == TLS_PHASE_HANDSHAKE || flow->phase == TLS_PHASE_PENDING)
        return flow->is_server ? STACK_TCP_INVALID : (flow->end_error < 0 ? flow->end_error : STACK_TCP_WOULD_BLOCK);
    if (flow->phase == TLS_PHASE_ENDED)
        return flow->end_error < 0 ? flow->end_error : STACK_TCP_CLOSED;
    if (flow->shut_down)
        return STACK_TCP_CLOSED;
    br_ssl_engine_context *engine = tls_flow_engine(flow);
    size_t room = 0;
    unsigned char *plaintext = br_ssl_engine_sendapp_buf(engine, &room);
    if (plaintext == NULL) {
        transfer(flow); /* records waiting for TCP hold the buffer */
        plaintext = br_ssl_engine_sendapp_buf(engine, &room);
    }
    if (plaintext == NULL) {
        if (session_ended(flow)) {
            flow->phase = TLS_PHASE_ENDED;
            return flow->end_error < 0 ? flow->end_error : STACK_TCP_CLOSED;
        }
        flow->want_writable = true;
        return STACK_TCP_WOULD_BLOCK;
    }
    size_t count = len < room ? len : room;
    memcpy(plaintext, data, count);
    br_ssl_engine_sendapp_ack(engine, count);
    /* Seal the record now: the application writes what it means to send, and latency beats record fill. */
    br_ssl_engine_flush(engine, 0);
    transfer(flow);
    if (count < len)
        flow->want_writable = true;
    return (long)count;
}

int tls_flow_shutdown(struct tls_flow *flow)
{
    if (flow->phase != TLS_PHASE_OPEN && flow->phase != TLS_PHASE_ENDED)
        return STACK_TCP_INVALID;
    if (flow->phase == TLS_PHASE_ENDED)
        return flow->end_error < 0 ? flow->end_error : 0;
    if (!flow->shut_down) {
        flow->shut_down = true;
        br_ssl_engine_close(tls_flow_engine(flow));
        transfer(flow);
    }
    return 0;
}

void tls_flow_close(struct tls_flow *flow)
{
    flow->callbacks = NULL; /* no callback after close(), even from the pump unwinding */
    if (flow->depth > 0) {
        flow->app_closed = true;
        return;
    }
    tls_flow_destroy(flow);
}
