/* tls_echo.c: echo over TLS (RFC 862's service behind the tls device): each session's plaintext is written back
 * until the client's close_notify, and a session idle for `idle-timeout` ms is closed. The console names every
 * session (peer, SNI, ALPN, cipher suite, resumed), so tests and users see what the handshake settled; the tls
 * device logs the handshakes that failed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console.h"
#include "devices/mclock.h"
#include "devices/tls.h"
#include "lib/runtime/mirage.h"

enum { ECHO_BUFFER_SIZE = 16384 }; /* plaintext in flight per session: read, then written back before reading more */

struct echo_server {
    struct console *console;
    struct mclock *clock;
    uint64_t idle_timeout_ns;
    struct echo_session *sessions; /* every open session, to close the idle ones */
};

struct echo_session {
    struct echo_session *next, *prev;
    struct echo_server *server;
    struct tls_flow *flow;
    uint64_t last_active_ns;
    size_t start, end; /* read and not yet written back: buffer[start, end) */
    uint8_t buffer[ECHO_BUFFER_SIZE];
};

static void say(struct console *console, const char *line)
{
    console_write(console, line, strlen(line));
}

static void session_end(struct tls *tls, struct echo_session *session)
{
    if (session->prev != NULL)
        session->prev->next = session->next;
    else
        session->server->sessions = session->next;
    if (session->next != NULL)
        session->next->prev = session->prev;
    tls_close(tls, session->flow);
    free(session);
}

/* Closes the sessions idle for the timeout or longer; returns how long until the next may be (the timeout itself
 * when none is open), so the loop comes back in time for it. */
static uint64_t close_idle(struct tls *tls, struct echo_server *server)
{
    uint64_t now = mclock_elapsed_ns(server->clock);
    uint64_t next = server->idle_timeout_ns;
    struct echo_session *session = server->sessions;
    while (session != NULL) {
        struct echo_session *following = session->next;
        uint64_t idle = now - session->last_active_ns;
        if (idle >= server->idle_timeout_ns)
            session_end(tls, session);
        else if (server->idle_timeout_ns - idle < next)
            next = server->idle_timeout_ns - idle;
        session = following;
    }
    return next;
}

/* Moves plaintext from the flow back into it until one side would block; writing first, so a client that does not
 * read its echo stops being read (backpressure through TLS to its TCP window). */
static void echo_pump(struct tls *tls, struct echo_session *session)
{
    for (;;) {
        if (session->start < session->end) {
            long sent = tls_write(tls, session->flow, session->buffer + session->start, session->end - session->start);
            if (sent == STACK_TCP_WOULD_BLOCK)
                return;
            if (sent < 0) {
                session_end(tls, session);
                return;
            }
            session->start += (size_t)sent;
            if (session->start < session->end)
                return;
            session->start = session->end = 0;
        }
        long got = tls_read(tls, session->flow, session->buffer, sizeof(session->buffer));
        if (got == STACK_TCP_WOULD_BLOCK)
            return;
        if (got <= 0) { /* the client's close_notify (0), or the session failed */
            session_end(tls, session);
            return;
        }
        session->end = (size_t)got;
    }
}

static void echo_ready(void *context, struct tls *tls, struct tls_flow *flow)
{
    (void)flow;
    struct echo_session *session = context;
    session->last_active_ns = mclock_elapsed_ns(session->server->clock);
    echo_pump(tls, session);
}

static void echo_failed(void *context, struct tls *tls, struct tls_flow *flow, int error)
{
    (void)flow;
    (void)error; /* the tls device logged why */
    session_end(tls, context);
}

static const struct tls_callbacks echo_callbacks = {
    .readable = echo_ready,
    .writable = echo_ready,
    .failed = echo_failed,
};

static void echo_accept(void *context, struct tls *tls, uint16_t local_port, struct tls_flow *flow,
                        const struct tls_info *info)
{
    struct echo_server *server = context;
    char line[384];
    snprintf(line, sizeof(line),
             "tls_echo: session from %u.%u.%u.%u:%u on port %u: sni=%s alpn=%s version=0x%04x suite=0x%04x "
             "resumed=%s\n",
             (unsigned)(info->peer.address >> 24), (unsigned)(info->peer.address >> 16 & 0xff),
             (unsigned)(info->peer.address >> 8 & 0xff), (unsigned)(info->peer.address & 0xff),
             (unsigned)info->peer.port, (unsigned)local_port, info->server_name[0] != '\0' ? info->server_name : "-",
             info->protocol[0] != '\0' ? info->protocol : "-", (unsigned)info->version, (unsigned)info->cipher_suite,
             info->resumed ? "yes" : "no");
    say(server->console, line);
    struct echo_session *session = calloc(1, sizeof(*session));
    if (session == NULL) {
        tls_close(tls, flow); /* no memory for this one: keep serving the others */
        return;
    }
    session->server = server;
    session->flow = flow;
    session->last_active_ns = mclock_elapsed_ns(server->clock);
    session->next = server->sessions;
    if (server->sessions != NULL)
        server->sessions->prev = session;
    server->sessions = session;
    tls_accept(tls, flow, &echo_callbacks, session);
}

int tls_echo_start(struct console *console, struct mclock *clock, struct tls *tls)
{
    char line[96];
    int64_t port = mirage_key_int("port");
    int64_t idle_timeout_ms = mirage_key_int("idle-timeout");
    if (port < 1 || port > 65535 || idle_timeout_ms < 1 || idle_timeout_ms > 86400000) {
        say(console, "tls_echo: --port must be 1 to 65535, --idle-timeout 1 to 86400000 ms\n");
        return 2;
    }
    struct echo_server *server = calloc(1, sizeof(*server));
    if (server == NULL) {
        say(console, "tls_echo: no memory\n");
        return 1;
    }
    *server = (struct echo_server){
        .console = console,
        .clock = clock,
        .idle_timeout_ns = (uint64_t)idle_timeout_ms * 1000000u,
    };
    int rc = tls_listen(tls, (uint16_t)port, echo_accept, server);
    if (rc != 0) {
        snprintf(line, sizeof(line), "tls_echo: cannot listen on port %d (%d)\n", (int)port, rc);
        say(console, line);
        return 1;
    }
    snprintf(line, sizeof(line), "tls_echo: ready on port %d\n", (int)port);
    say(console, line);
    uint64_t wait_ns = server->idle_timeout_ns;
    while ((rc = tls_run(tls, wait_ns)) == 0)
        wait_ns = close_idle(tls, server);
    snprintf(line, sizeof(line), "tls_echo: the stack stopped (%d)\n", rc);
    say(console, line);
    return 1;
}
