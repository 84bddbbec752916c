/* flow.h: the byte stream the HTTP server speaks over, whatever carries it: a TCP flow of the stack (flow_tcp.c)
 * or a TLS session of the tls device (flow_tls.c, whose API has the stack's shape), so serving HTTPS is a second
 * listener and changes nothing in the server.
 *
 * The semantics are the stack's TCP flows' (devices/stack.h): read and write return STACK_TCP_WOULD_BLOCK when
 * nothing is there or there is no room, `readable` and `writable` say when to go on (backpressure), `failed` says
 * the stream broke, and the flow stays valid until close(), after which no event comes for it. */
#ifndef MIRAGE_EXAMPLES_WEBSITE_FLOW_H
#define MIRAGE_EXAMPLES_WEBSITE_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "devices/stack.h"
#include "devices/tls.h"

struct flow;

/* What a flow reports to the connection that owns it, with the context the accept handler returned. */
struct flow_events {
    void (*readable)(void *context);
    void (*writable)(void *context);
    void (*failed)(void *context, int error);
};

struct flow_ops {
    /* Up to `capacity` bytes into `buffer`: the count (> 0), 0 at the peer's end of stream, or a negative
     * stack_tcp_error (STACK_TCP_WOULD_BLOCK: `readable` comes when there is more). */
    long (*read)(struct flow *self, uint8_t *buffer, size_t capacity);
    /* Queues up to `length` bytes: how many were taken (> 0), or a negative stack_tcp_error
     * (STACK_TCP_WOULD_BLOCK: `writable` comes when there is room). */
    long (*write)(struct flow *self, const uint8_t *data, size_t length);
    /* Ends our direction once what is queued is sent; reading goes on. Returns 0 or a negative error. */
    int (*shutdown)(struct flow *self);
    /* Releases the flow and what carries it; `self` is no longer valid. */
    void (*close)(struct flow *self);
};

struct flow {
    const struct flow_ops *ops;
    void *state;
    struct stack_tcp_peer peer; /* the other end, for the log */
};

/* Called for each new flow of a listener; returns the context for its events, or NULL to have it closed. */
typedef void *(*flow_accept_handler)(void *context, struct flow *flow);

static inline long flow_read(struct flow *self, uint8_t *buffer, size_t capacity)
{
    return self->ops->read(self, buffer, capacity);
}

static inline long flow_write(struct flow *self, const uint8_t *data, size_t length)
{
    return self->ops->write(self, data, length);
}

static inline int flow_shutdown(struct flow *self)
{
    return self->ops->shutdown(self);
}

static inline void flow_close(struct flow *self)
{
    self->ops->close(self);
}

/* Hands every TCP connection accepted on `port` of `stack` to `handler` as a flow whose events go to `events`.
 * Returns 0 or a negative stack_tcp_error. */
int flow_tcp_listen(struct stack *stack, uint16_t port, flow_accept_handler handler, void *context,
                    const struct flow_events *events);

/* Hands every TLS session of the tls device on TCP `port` whose handshake completed to `handler`, as a flow whose
 * events go to `events` (failed handshakes are the device's to log and close). Returns 0 or a negative
 * stack_tcp_error (STACK_TCP_INVALID when the device has no certificate). */
int flow_tls_listen(struct tls *tls, uint16_t port, flow_accept_handler handler, void *context,
                    const struct flow_events *events);

#endif
