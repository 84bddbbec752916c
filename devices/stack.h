/* stack.h: the network stack device applications use: UDP datagrams and TCP flows over IPv4 (MirageOS's STACKV4).
 *
 * One cooperative event loop: run() reads traffic and calls the handlers of listening ports and the callbacks of
 * flows; a handler may send (typically its reply) before it returns. Payload buffers are valid only during the call
 * that hands them over.
 *
 * TCP flows are byte streams with readiness callbacks, in the manner of non-blocking sockets: `readable` says that
 * read() has bytes (or the peer's end of stream) to give, `writable` that write() accepts bytes again after it took
 * fewer than offered (the peer's window or our buffers were full: backpressure), or that connect() completed.
 * A flow stays valid, whatever happened to the connection, until the application calls tcp_close() on it; no
 * callback comes for it after that. An implementation without TCP leaves the tcp_* operations NULL, and the inline
 * functions below then return STACK_TCP_NOT_SUPPORTED. */
#ifndef MIRAGE_DEVICES_STACK_H
#define MIRAGE_DEVICES_STACK_H

#include <stddef.h>
#include <stdint.h>

struct stack;

struct stack_udp_peer {
    uint32_t address; /* IPv4, host byte order */
    uint16_t port;    /* host byte order */
};

/* Called for each datagram to a listening port. */
typedef void (*stack_udp_handler)(void *context, struct stack *stack, uint16_t local_port,
                                  const struct stack_udp_peer *from, const uint8_t *payload, size_t len);

/* Errors of the tcp_* operations, negated errno values so that a socket implementation passes them through. */
enum stack_tcp_error {
    STACK_TCP_WOULD_BLOCK = -11,   /* EAGAIN: nothing to read yet, or no room to write; wait for the callback */
    STACK_TCP_INVALID = -22,       /* EINVAL: port 0, no handler, or a flow that is not in a state for it */
    STACK_TCP_CLOSED = -32,        /* EPIPE: write after shutdown() */
    STACK_TCP_NOT_SUPPORTED = -95, /* EOPNOTSUPP: this stack has no TCP */
    STACK_TCP_IN_USE = -98,        /* EADDRINUSE: the port has a listener already */
    STACK_TCP_RESET = -104,        /* ECONNRESET: the peer reset the connection */
    STACK_TCP_NO_ROOM = -105,      /* ENOBUFS: a configured limit (connections, listeners, memory) is reached */
    STACK_TCP_TIMED_OUT = -110,    /* ETIMEDOUT: retransmissions or the connect went unanswered */
    STACK_TCP_REFUSED = -111,      /* ECONNREFUSED: the peer answered connect with a reset */
    STACK_TCP_UNREACHABLE = -113,  /* EHOSTUNREACH: no route to the peer */
};

/* The bounds of tcp_set_keepalive, those of Linux's TCP_KEEPIDLE/TCP_KEEPINTVL (32,767 s) and TCP_KEEPCNT. */
#define STACK_TCP_KEEPALIVE_MS_MAX UINT32_C(32767000)
#define STACK_TCP_KEEPALIVE_COUNT_MAX UINT32_C(127)

struct stack_tcp_flow; /* one connection, owned by the implementation */

struct stack_tcp_peer {
    uint32_t address; /* IPv4, host byte order */
    uint16_t port;    /* host byte order */
};

/* What a flow reports to its application. Each is called from run() with the `context` given for the flow. */
struct stack_tcp_callbacks {
    /* Bytes, or the peer's end of stream, can be read; read until STACK_TCP_WOULD_BLOCK or 0. */
    void (*readable)(void *context, struct stack *stack, struct stack_tcp_flow *flow);
    /* connect() completed, or write() accepts bytes again after it accepted fewer than offered. */
    void (*writable)(void *context, struct stack *stack, struct stack_tcp_flow *flow);
    /* The connection ended abnormally (`error` is STACK_TCP_RESET, _TIMED_OUT, _REFUSED or _UNREACHABLE): reads
     * and writes now fail with it. The flow is still the application's to tcp_close(). */
    void (*failed)(void *context, struct stack *stack, struct stack_tcp_flow *flow, int error);
};

/* Called for each connection a listening port accepted (the three-way handshake is complete). Before it returns
 * it must call tcp_accept() on the flow with the callbacks and context for it, or tcp_close() to drop it. */
typedef void (*stack_tcp_accept_handler)(void *context, struct stack *stack, uint16_t local_port,
                                         struct stack_tcp_flow *flow, const struct stack_tcp_peer *from);

struct stack_ops {
    /* Deliver datagrams for `port` to `handler`; returns 0, or a negative error code (port in use, no room). */
    int (*udp_listen)(struct stack *self, uint16_t port, stack_udp_handler handler, void *context);
    /* Send one datagram from `local_port` to `to`; returns 0 or a negative error code. Sends may be queued
     * until the handler that made them returns. */
    int (*udp_send)(struct stack *self, uint16_t local_port, const struct stack_udp_peer *to, const uint8_t *payload,
                    size_t len);
    /* Handle traffic for `timeout_ns` (UINT64_MAX: for ever); returns 0 when the time is up, or a negative
     * error code when the stack cannot go on. */
    int (*run)(struct stack *self, uint64_t timeout_ns);

    /* TCP; NULL in a stack without it. */
    /* Accept connections to `port`: returns 0 or a negative stack_tcp_error. */
    int (*tcp_listen)(struct stack *self, uint16_t port, stack_tcp_accept_handler handler, void *context);
    /* Take an accepted flow: its events go to `callbacks` with `context` from now on. */
    void (*tcp_accept)(struct stack *self, struct stack_tcp_flow *flow, const struct stack_tcp_callbacks *callbacks,
                       void *context);
    /* Open a connection to `to`; `*flow` is set at once, and `writable` (or `failed`) tells how it went. Returns
     * 0 or a negative stack_tcp_error. */
    int (*tcp_connect)(struct stack *self, const struct stack_tcp_peer *to, const struct stack_tcp_callbacks *callbacks,
                       void *context, struct stack_tcp_flow **flow);
    /* Copy up to `capacity` received bytes into `buffer`: returns the count (> 0), 0 at the peer's end of stream,
     * or a negative stack_tcp_error (STACK_TCP_WOULD_BLOCK: nothing yet). */
    long (*tcp_read)(struct stack *self, struct stack_tcp_flow *flow, uint8_t *buffer, size_t capacity);
    /* Queue up to `len` bytes for sending: returns how many were taken (> 0, possibly fewer than `len`), or a
     * negative stack_tcp_error (STACK_TCP_WOULD_BLOCK: no room now; `writable` comes when there is). */
    long (*tcp_write)(struct stack *self, struct stack_tcp_flow *flow, const uint8_t *data, size_t len);
    /* End our direction once the queued bytes are sent (half-close: reads go on). Returns 0 or an error. */
    int (*tcp_shutdown)(struct stack *self, struct stack_tcp_flow *flow);
    /* Release the flow: an orderly close if the connection is healthy and all received bytes were read, a reset
     * otherwise (RFC 9293 3.6). No callback comes for it afterwards and the pointer is no longer valid. */
    void (*tcp_close)(struct stack *self, struct stack_tcp_flow *flow);
    /* Keep-alives (RFC 1122 4.2.3.6), off until this turns them on: after `idle_ms` without a segment from the
     * peer (and nothing of ours unacknowledged), a probe without data every `interval_ms`; `count` unanswered
     * ones end the connection with `failed` (STACK_TCP_TIMED_OUT). idle_ms 0 turns them off. Returns 0,
     * STACK_TCP_INVALID for a value out of range (idle and interval up to STACK_TCP_KEEPALIVE_MS_MAX, count 1 to
     * STACK_TCP_KEEPALIVE_COUNT_MAX), or the error the flow failed with. A socket stack rounds the times up to
     * whole seconds. NULL in a stack without them. */
    int (*tcp_set_keepalive)(struct stack *self, struct stack_tcp_flow *flow, uint32_t idle_ms, uint32_t interval_ms,
                             uint32_t count);
};

struct stack {
    const struct stack_ops *ops;
    void *state;
    uint32_t ipv4_address; /* host byte order; the address the stack answers on (0 on a socket stack bound to any) */
};

static inline int stack_udp_listen(struct stack *self, uint16_t port, stack_udp_handler handler, void *context)
{
    return self->ops->udp_listen(self, port, handler, context);
}

static inline int stack_udp_send(struct stack *self, uint16_t local_port, const struct stack_udp_peer *to,
                                 const uint8_t *payload, size_t len)
{
    return self->ops->udp_send(self, local_port, to, payload, len);
}

static inline int stack_run(struct stack *self, uint64_t timeout_ns)
{
    return self->ops->run(self, timeout_ns);
}

static inline int stack_tcp_listen(struct stack *self, uint16_t port, stack_tcp_accept_handler handler, void *context)
{
    if (self->ops->tcp_listen == NULL)
        return STACK_TCP_NOT_SUPPORTED;
    return self->ops->tcp_listen(self, port, handler, context);
}

static inline void stack_tcp_accept(struct stack *self, struct stack_tcp_flow *flow,
                                    const struct stack_tcp_callbacks *callbacks, void *context)
{
    self->ops->tcp_accept(self, flow, callbacks, context);
}

static inline int stack_tcp_connect(struct stack *self, const struct stack_tcp_peer *to,
                                    const struct stack_tcp_callbacks *callbacks, void *context,
                                    struct stack_tcp_flow **flow)
{
    if (self->ops->tcp_connect == NULL)
        return STACK_TCP_NOT_SUPPORTED;
    return self->ops->tcp_connect(self, to, callbacks, context, flow);
}

static inline long stack_tcp_read(struct stack *self, struct stack_tcp_flow *flow, uint8_t *buffer, size_t capacity)
{
    return self->ops->tcp_read(self, flow, buffer, capacity);
}

static inline long stack_tcp_write(struct stack *self, struct stack_tcp_flow *flow, const uint8_t *data, size_t len)
{
    return self->ops->tcp_write(self, flow, data, len);
}

static inline int stack_tcp_shutdown(struct stack *self, struct stack_tcp_flow *flow)
{
    return self->ops->tcp_shutdown(self, flow);
}

static inline void stack_tcp_close(struct stack *self, struct stack_tcp_flow *flow)
{
    self->ops->tcp_close(self, flow);
}

static inline int stack_tcp_set_keepalive(struct stack *self, struct stack_tcp_flow *flow, uint32_t idle_ms,
                                          uint32_t interval_ms, uint32_t count)
{
    if (self->ops->tcp_set_keepalive == NULL)
        return STACK_TCP_NOT_SUPPORTED;
    return self->ops->tcp_set_keepalive(self, flow, idle_ms, interval_ms, count);
}

#endif
