/* tls.h: the TLS device: TLS 1.2 flows over the stack's TCP flows, server and client side (MirageOS's TLS_FLOW).
 *
 * The flows have the shape of the stack's TCP flows (devices/stack.h), so code written for one serves the other
 * with the names changed: read/write that return STACK_TCP_WOULD_BLOCK, `readable` and `writable` callbacks for
 * backpressure, `failed`, shutdown and close. The handshake is the device's business: listen() hands the
 * application only flows whose handshake completed (with the peer, the server name it asked for and the protocol
 * ALPN chose), and a handshake that fails or takes too long is logged with the peer and the reason and closed,
 * never reaching the application. Certificates, keys, trust anchors and limits are the implementation's
 * configuration (its keys), not arguments here.
 *
 * One cooperative event loop: the application calls run() (in place of the stack's run(), which it wraps: the
 * same stack may carry plain TCP and UDP at the same time) and is called back from it. A flow stays valid until
 * the application calls close() on it; no callback comes for it afterwards. */
#ifndef MIRAGE_DEVICES_TLS_H
#define MIRAGE_DEVICES_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/stack.h"

struct tls;
struct tls_flow; /* one TLS session over one TCP flow, owned by the implementation */

/* Errors besides the stack_tcp_error values, which pass through from the TCP flow underneath. */
enum tls_error {
    TLS_ERROR_PROTOCOL = -71,  /* EPROTO: the TLS session failed (a fatal alert sent or received, a bad record) */
    TLS_ERROR_TRUNCATED = -74, /* EBADMSG: the TCP connection ended without the peer's close_notify */
    TLS_ERROR_NO_NAME = -75,   /* connect() without a server name to verify the certificate against */
};

/* What the handshake settled, for the application's choices (the protocol to speak, the site to serve). */
struct tls_info {
    struct stack_tcp_peer peer; /* the other end of the TCP flow */
    const char *server_name;    /* SNI: the name the client asked for ("" when it sent none) */
    const char *protocol;       /* ALPN: the protocol chosen ("" when none was) */
    uint16_t version;           /* 0x0303 for TLS 1.2 */
    uint16_t cipher_suite;      /* IANA number, e.g. 0xC02F for ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    bool resumed;               /* the session came from the session cache (abbreviated handshake) */
};

/* What a flow reports to its application, called from run() with the `context` given for the flow. */
struct tls_callbacks {
    /* Plaintext, or the peer's close_notify, can be read; read until STACK_TCP_WOULD_BLOCK or 0. */
    void (*readable)(void *context, struct tls *tls, struct tls_flow *flow);
    /* connect()'s handshake completed, or write() accepts bytes again after it accepted fewer than offered. */
    void (*writable)(void *context, struct tls *tls, struct tls_flow *flow);
    /* The session ended abnormally (`error` is a stack_tcp_error or a tls_error): reads and writes now fail with
     * it. The flow is still the application's to close(). */
    void (*failed)(void *context, struct tls *tls, struct tls_flow *flow, int error);
};

/* Called for each session whose handshake completed on a listening port. Before it returns it must call
 * accept() on the flow with the callbacks and context for it, or close() to drop it. `info` stays valid as long
 * as the flow. */
typedef void (*tls_accept_handler)(void *context, struct tls *tls, uint16_t local_port, struct tls_flow *flow,
                                   const struct tls_info *info);

struct tls_ops {
    /* Accept TLS sessions on TCP `port` with the configured certificates: returns 0 or a negative
     * stack_tcp_error (STACK_TCP_INVALID also when the device has no certificate to serve). */
    int (*listen)(struct tls *self, uint16_t port, tls_accept_handler handler, void *context);
    /* Take a flow handed to the accept handler: its events go to `callbacks` with `context` from now on. */
    void (*accept)(struct tls *self, struct tls_flow *flow, const struct tls_callbacks *callbacks, void *context);
    /* Open a session to `to`, asking for and verifying `server_name` (SNI, and the name the certificate must
     * carry) against the configured trust anchors. `*flow` is set at once; `writable` comes when the handshake
     * completed, `failed` when it did not. Returns 0 or a negative error (STACK_TCP_NO_ROOM at the session bound,
     * TLS_ERROR_NO_NAME without a name, STACK_TCP_INVALID without trust anchors or a wall clock). */
    int (*connect)(struct tls *self, const struct stack_tcp_peer *to, const char *server_name,
                   const struct tls_callbacks *callbacks, void *context, struct tls_flow **flow);
    /* Copy up to `capacity` bytes of plaintext into `buffer`: returns the count (> 0), 0 after the peer's
     * close_notify, or a negative error (STACK_TCP_WOULD_BLOCK: nothing yet). */
    long (*read)(struct tls *self, struct tls_flow *flow, uint8_t *buffer, size_t capacity);
    /* Queue up to `len` bytes of plaintext: returns how many were taken (> 0, possibly fewer than `len`), or a
     * negative error (STACK_TCP_WOULD_BLOCK: no room now; `writable` comes when there is). */
    long (*write)(struct tls *self, struct tls_flow *flow, const uint8_t *data, size_t len);
    /* Send what is queued, then close_notify: our direction ends. TLS 1.2 has no half-close, so what the peer
     * sends afterwards is discarded until its own close_notify. Returns 0 or an error. */
    int (*shutdown)(struct tls *self, struct tls_flow *flow);
    /* Release the flow: close_notify is sent (best effort) if the session is healthy, then the TCP flow is
     * closed. No callback comes for it afterwards and the pointer is no longer valid. */
    void (*close)(struct tls *self, struct tls_flow *flow);
    /* What the handshake settled (for a client flow, valid once `writable` came). */
    const struct tls_info *(*info)(struct tls *self, struct tls_flow *flow);
    /* Handle traffic (the stack's, TLS's timers) for `timeout_ns` (UINT64_MAX: for ever); returns 0 when the time
     * is up, or the stack's negative error code when it cannot go on. */
    int (*run)(struct tls *self, uint64_t timeout_ns);
};

struct tls {
    const struct tls_ops *ops;
    void *state;
    struct stack *stack; /* the stack the flows run over, for the application's plain TCP and UDP */
};

static inline int tls_listen(struct tls *self, uint16_t port, tls_accept_handler handler, void *context)
{
    return self->ops->listen(self, port, handler, context);
}

static inline void tls_accept(struct tls *self, struct tls_flow *flow, const struct tls_callbacks *callbacks,
                              void *context)
{
    self->ops->accept(self, flow, callbacks, context);
}

static inline int tls_connect(struct tls *self, const struct stack_tcp_peer *to, const char *server_name,
                              const struct tls_callbacks *callbacks, void *context, struct tls_flow **flow)
{
    return self->ops->connect(self, to, server_name, callbacks, context, flow);
}

static inline long tls_read(struct tls *self, struct tls_flow *flow, uint8_t *buffer, size_t capacity)
{
    return self->ops->read(self, flow, buffer, capacity);
}

static inline long tls_write(struct tls *self, struct tls_flow *flow, const uint8_t *data, size_t len)
{
    return self->ops->write(self, flow, data, len);
}

static inline int tls_shutdown(struct tls *self, struct tls_flow *flow)
{
    return self->ops->shutdown(self, flow);
}

static inline void tls_close(struct tls *self, struct tls_flow *flow)
{
    self->ops->close(self, flow);
}

static inline const struct tls_info *tls_info(struct tls *self, struct tls_flow *flow)
{
    return self->ops->info(self, flow);
}

static inline int tls_run(struct tls *self, uint64_t timeout_ns)
{
    return self->ops->run(self, timeout_ns);
}

#endif
