/* flow_tls.c: flows over the tls device: a listener that wraps each session whose handshake completed as a
 * `struct flow`, so the HTTP server serves HTTPS unchanged. */
#include <stdlib.h>

#include "examples/website/flow.h"

/* A listening port: where its flows go. Allocated once per port and kept for the unikernel's lifetime. */
struct tls_listener {
    flow_accept_handler handler;
    void *context;
    const struct flow_events *events;
};

/* One session: the flow the server sees and the TLS session beneath it. */
struct tls_session_flow {
    struct flow flow;
    struct tls *tls;
    struct tls_flow *session;
    const struct flow_events *events;
    void *context;
};

static long tls_session_read(struct flow *self, uint8_t *buffer, size_t capacity)
{
    struct tls_session_flow *f = self->state;
    return tls_read(f->tls, f->session, buffer, capacity);
}

static long tls_session_write(struct flow *self, const uint8_t *data, size_t length)
{
    struct tls_session_flow *f = self->state;
    return tls_write(f->tls, f->session, data, length);
}

/* close_notify after what is queued: TLS 1.2 has no half-close, so what the peer sends afterwards is discarded by
 * the device, which is what the server's lingering close wants anyway (it only drains until the peer's end). */
static int tls_session_shutdown(struct flow *self)
{
    struct tls_session_flow *f = self->state;
    return tls_shutdown(f->tls, f->session);
}

static void tls_session_close(struct flow *self)
{
    struct tls_session_flow *f = self->state;
    tls_close(f->tls, f->session);
    free(f);
}

static const struct flow_ops tls_session_ops = {
    .read = tls_session_read,
    .write = tls_session_write,
    .shutdown = tls_session_shutdown,
    .close = tls_session_close,
};

static void on_readable(void *context, struct tls *tls, struct tls_flow *session)
{
    (void)tls;
    (void)session;
    struct tls_session_flow *f = context;
    f->events->readable(f->context);
}

static void on_writable(void *context, struct tls *tls, struct tls_flow *session)
{
    (void)tls;
    (void)session;
    struct tls_session_flow *f = context;
    f->events->writable(f->context);
}

static void on_failed(void *context, struct tls *tls, struct tls_flow *session, int error)
{
    (void)tls;
    (void)session;
    struct tls_session_flow *f = context;
    f->events->failed(f->context, error);
}

static const struct tls_callbacks tls_session_callbacks = {
    .readable = on_readable,
    .writable = on_writable,
    .failed = on_failed,
};

/* The device hands over only sessions whose handshake completed; each must be accepted or closed before this
 * returns (devices/tls.h). */
static void on_accept(void *context, struct tls *tls, uint16_t local_port, struct tls_flow *session,
                      const struct tls_info *info)
{
    (void)local_port;
    struct tls_listener *listener = context;
    struct tls_session_flow *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        tls_close(tls, session); /* no memory for this one: the others go on */
        return;
    }
    f->flow = (struct flow){.ops = &tls_session_ops, .state = f, .peer = info->peer};
    f->tls = tls;
    f->session = session;
    f->events = listener->events;
    f->context = listener->handler(listener->context, &f->flow);
    if (f->context == NULL) {
        tls_close(tls, session);
        free(f);
        return;
    }
    tls_accept(tls, session, &tls_session_callbacks, f);
}

int flow_tls_listen(struct tls *tls, uint16_t port, flow_accept_handler handler, void *context,
                    const struct flow_events *events)
{
    struct tls_listener *listener = calloc(1, sizeof(*listener));
    if (listener == NULL)
        return STACK_TCP_NO_ROOM;
    *listener = (struct tls_listener){.handler = handler, .context = context, .events = events};
    int rc = tls_listen(tls, port, on_accept, listener);
    if (rc != 0)
        free(listener);
    return rc;
}
