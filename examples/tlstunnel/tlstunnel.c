/* tlstunnel.c: TLS termination in front of one TCP backend: each session's plaintext goes to a new connection to
 * `backend` and the answer comes back, both ways at once, each direction through one bounded buffer.
 *
 * Backpressure: a direction reads its source only when its buffer is empty, so a receiver that does not take bytes
 * stops its sender being read (its TCP window, or the TLS records behind it, fill up); `writable` resumes it.
 * Ends: the client's close_notify becomes a FIN to the backend once what came before it is delivered, and the
 * backend's FIN becomes a close_notify once its bytes are delivered. TLS 1.2 has no half-close, so once one end
 * has passed, the TLS session is over: after the client's close_notify what the backend still sends is read and
 * discarded until its FIN, and after our close_notify the client's bytes are discarded by the tls device. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console.h"
#include "devices/mclock.h"
#include "devices/stack.h"
#include "devices/tls.h"
#include "examples/tlstunnel/backend.h"
#include "lib/runtime/mirage.h"

enum { DIRECTION_BUFFER_SIZE = 16384 }; /* bytes in flight per direction and connection */

struct direction {
    size_t start, end; /* read from the source, not yet written to the sink: buffer[start, end) */
    uint64_t total;    /* bytes passed, for the log line at close */
    uint8_t buffer[DIRECTION_BUFFER_SIZE];
};

struct tunnel {
    struct console *console;
    struct mclock *clock;
    struct tls *tls;
    struct stack_tcp_peer backend;
    uint64_t idle_timeout_ns;
    uint32_t connections_max, connections_open;
    struct connection *connections; /* every open connection, to close the idle ones */
};

struct connection {
    struct connection *next, *prev;
    struct tunnel *tunnel;
    struct tls_flow *client;
    struct stack_tcp_flow *backend;
    struct stack_tcp_peer peer;
    uint64_t last_active_ns;
    bool backend_connected;
    bool client_ended;   /* the client's close_notify was read: nothing more comes from it, nothing goes to it */
    bool backend_ended;  /* the backend's FIN was read */
    bool backend_shut;   /* our FIN went to the backend */
    bool client_shut;    /* our close_notify went to the client */
    const char *failure; /* why the connection ends early, NULL while it is healthy */
    unsigned depth;      /* pump calls on the stack: a callback from inside one only asks it to go round again */
    bool again;
    struct direction up;   /* client to backend */
    struct direction down; /* backend to client */
};

static void say(struct console *console, const char *line)
{
    console_write(console, line, strlen(line));
}

/* One console line about one client: `tlstunnel: client A.B.C.D:PORT: what`. */
static void log_client(struct console *console, const struct stack_tcp_peer *peer, const char *what)
{
    char line[320];
    snprintf(line, sizeof(line), "tlstunnel: client %u.%u.%u.%u:%u: %s\n", (unsigned)(peer->address >> 24),
             (unsigned)(peer->address >> 16 & 0xff), (unsigned)(peer->address >> 8 & 0xff),
             (unsigned)(peer->address & 0xff), (unsigned)peer->port, what);
    say(console, line);
}

/* Closes both ends and frees the connection. The backend flow is closed after reading what it sent (an orderly
 * close) when the connection ended cleanly, else with a reset. */
static void connection_free(struct connection *connection)
{
    struct tunnel *tunnel = connection->tunnel;
    char what[192];
    snprintf(what, sizeof(what), "%s (up %llu bytes, down %llu bytes)",
             connection->failure != NULL ? connection->failure : "closed", (unsigned long long)connection->up.total,
             (unsigned long long)connection->down.total);
    log_client(tunnel->console, &connection->peer, what);
    if (connection->prev != NULL)
        connection->prev->next = connection->next;
    else
        tunnel->connections = connection->next;
    if (connection->next != NULL)
        connection->next->prev = connection->prev;
    tls_close(tunnel->tls, connection->client);
    if (connection->backend != NULL)
        stack_tcp_close(tunnel->tls->stack, connection->backend);
    tunnel->connections_open--;
    free(connection);
}

/* Moves client bytes to the backend until one side would block; returns whether anything moved. */
static bool pump_up(struct connection *connection)
{
    struct tunnel *tunnel = connection->tunnel;
    struct direction *up = &connection->up;
    bool moved = false;
    while (connection->failure == NULL) {
        if (up->start < up->end) {
            if (!connection->backend_connected)
                return moved;
            long sent =
                stack_tcp_write(tunnel->tls->stack, connection->backend, up->buffer + up->start, up->end - up->start);
            if (sent == STACK_TCP_WOULD_BLOCK)
                return moved;
            if (sent <= 0) {
                connection->failure = "the backend stopped taking bytes";
                return moved;
            }
            up->start += (size_t)sent;
            up->total += (uint64_t)sent;
            moved = true;
            if (up->start < up->end)
                return moved;
            up->start = up->end = 0;
        }
        if (connection->client_ended) {
            if (connection->backend_connected && !connection->backend_shut) {
                /* The client's close_notify, passed on as a FIN now that what came before it is delivered. */
                connection->backend_shut = true;
                if (stack_tcp_shutdown(tunnel->tls->stack, connection->backend) != 0)
                    connection->failure = "the backend's connection failed at shutdown";
            }
            return moved;
        }
        long got = tls_read(tunnel->tls, connection->client, up->buffer, sizeof(up->buffer));
        if (got == STACK_TCP_WOULD_BLOCK)
            return moved;
        if (got == 0) {
            connection->client_ended = true;
            continue;
        }
        if (got < 0) {
            connection->failure = "the client's session failed";
            return moved;
        }
        up->end = (size_t)got;
        moved = true;
    }
    return moved;
}

/* Moves backend bytes to the client until one side would block; returns whether anything moved. After the
 * client's close_notify nothing can reach it, and what the backend sends is read and dropped until its FIN. */
static bool pump_down(struct connection *connection)
{
    struct tunnel *tunnel = connection->tunnel;
    struct direction *down = &connection->down;
    bool moved = false;
    while (connection->failure == NULL && connection->backend_connected) {
        if (connection->client_ended)
            down->start = down->end = 0;
        if (down->start < down->end) {
            long sent = tls_write(tunnel->tls, connection->client, down->buffer + down->start, down->end - down->start);
            if (sent == STACK_TCP_WOULD_BLOCK)
                return moved;
            if (sent <= 0) {
                connection->failure = "the client's session stopped taking bytes";
                return moved;
            }
            down->start += (size_t)sent;
            down->total += (uint64_t)sent;
            moved = true;
            if (down->start < down->end)
                return moved;
            down->start = down->end = 0;
        }
        if (connection->backend_ended) {
            if (!connection->client_ended && !connection->client_shut) {
                /* The backend's FIN, passed on as close_notify now that its bytes are delivered. */
                connection->client_shut = true;
                if (tls_shutdown(tunnel->tls, connection->client) != 0)
                    connection->failure = "the client's session failed at shutdown";
            }
            return moved;
        }
        long got = stack_tcp_read(tunnel->tls->stack, connection->backend, down->buffer, sizeof(down->buffer));
        if (got == STACK_TCP_WOULD_BLOCK)
            return moved;
        if (got == 0) {
            connection->backend_ended = true;
            continue;
        }
        if (got < 0) {
            connection->failure = "the backend's connection failed";
            return moved;
        }
        down->end = (size_t)got;
        moved = true;
    }
    return moved;
}

/* Runs both directions until neither moves, then frees the connection if it is over. A call from inside a
 * running pump (a callback that a read or write made) only asks the outer one to go round again. */
static void pump(struct connection *connection)
{
    if (connection->depth > 0) {
        connection->again = true;
        return;
    }
    connection->depth++;
    do {
        connection->again = false;
        bool moved = pump_up(connection);
        moved = pump_down(connection) || moved;
        if (moved)
            connection->last_active_ns = mclock_elapsed_ns(connection->tunnel->clock);
    } while (connection->again && connection->failure == NULL);
    connection->depth--;
    bool finished = connection->client_ended && connection->backend_ended && connection->backend_shut &&
                    connection->up.start == connection->up.end;
    if (connection->failure != NULL || finished)
        connection_free(connection);
}

static void client_ready(void *context, struct tls *tls, struct tls_flow *flow)
{
    (void)tls;
    (void)flow;
    pump(context);
}

static void client_failed(void *context, struct tls *tls, struct tls_flow *flow, int error)
{
    (void)tls;
    (void)flow;
    (void)error; /* the tls device logged why */
    struct connection *connection = context;
    if (connection->failure == NULL)
        connection->failure = "the client's session failed";
    pump(connection);
}

static const struct tls_callbacks client_callbacks = {
    .readable = client_ready,
    .writable = client_ready,
    .failed = client_failed,
};

static void backend_ready(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    (void)stack;
    (void)flow;
    struct connection *connection = context;
    connection->backend_connected = true; /* the first `writable` is the connect's completion */
    pump(connection);
}

static void backend_failed(void *context, struct stack *stack, struct stack_tcp_flow *flow, int error)
{
    (void)stack;
    (void)flow;
    struct connection *connection = context;
    if (connection->failure == NULL) {
        if (!connection->backend_connected)
            connection->failure = error == STACK_TCP_REFUSED       ? "the backend refused the connection"
                                  : error == STACK_TCP_TIMED_OUT   ? "the backend did not answer (timed out)"
                                  : error == STACK_TCP_UNREACHABLE ? "the backend is unreachable"
                                                                   : "the connection to the backend failed";
        else
            connection->failure =
                error == STACK_TCP_RESET ? "the backend reset the connection" : "the backend's connection failed";
    }
    pump(connection);
}

static const struct stack_tcp_callbacks backend_callbacks = {
    .readable = backend_ready,
    .writable = backend_ready,
    .failed = backend_failed,
};

static void tunnel_accept(void *context, struct tls *tls, uint16_t local_port, struct tls_flow *flow,
                          const struct tls_info *info)
{
    (void)local_port;
    struct tunnel *tunnel = context;
    char what[160];
    if (tunnel->connections_open >= tunnel->connections_max) {
        snprintf(what, sizeof(what), "refused (connections-max %u reached)", (unsigned)tunnel->connections_max);
        log_client(tunnel->console, &info->peer, what);
        tls_close(tls, flow);
        return;
    }
    struct connection *connection = calloc(1, sizeof(*connection));
    if (connection == NULL) {
        say(tunnel->console, "tlstunnel: no memory for a connection: refused\n");
        tls_close(tls, flow);
        return;
    }
    connection->tunnel = tunnel;
    connection->client = flow;
    connection->peer = info->peer;
    connection->last_active_ns = mclock_elapsed_ns(tunnel->clock);
    connection->next = tunnel->connections;
    if (tunnel->connections != NULL)
        tunnel->connections->prev = connection;
    tunnel->connections = connection;
    tunnel->connections_open++;
    tls_accept(tls, flow, &client_callbacks, connection);
    snprintf(what, sizeof(what), "accepted (sni=%.100s suite=0x%04x resumed=%s)",
             info->server_name[0] != '\0' ? info->server_name : "-", (unsigned)info->cipher_suite,
             info->resumed ? "yes" : "no");
    log_client(tunnel->console, &info->peer, what);
    /* Held as if pumping: a callback the connect made at once waits for the pump below. */
    connection->depth++;
    int rc = stack_tcp_connect(tls->stack, &tunnel->backend, &backend_callbacks, connection, &connection->backend);
    connection->depth--;
    if (rc != 0) {
        connection->backend = NULL; /* nothing to close: connect() made no flow */
        connection->failure =
            rc == STACK_TCP_NO_ROOM ? "no room for a connection to the backend" : "cannot connect to the backend";
    }
    pump(connection);
}

/* Closes the connections with nothing moving for the timeout; returns how long until the next may be (the
 * timeout itself when none is open), so the loop comes back in time for it. */
static uint64_t close_idle(struct tunnel *tunnel)
{
    uint64_t now = mclock_elapsed_ns(tunnel->clock);
    uint64_t next = tunnel->idle_timeout_ns;
    struct connection *connection = tunnel->connections;
    while (connection != NULL) {
        struct connection *following = connection->next;
        uint64_t idle = now - connection->last_active_ns;
        if (idle >= tunnel->idle_timeout_ns) {
            connection->failure = "idle for idle-timeout: closed";
            pump(connection);
        } else if (tunnel->idle_timeout_ns - idle < next) {
            next = tunnel->idle_timeout_ns - idle;
        }
        connection = following;
    }
    return next;
}

int tlstunnel_start(struct console *console, struct mclock *clock, struct tls *tls)
{
    char line[320], why[96];
    struct stack_tcp_peer backend;
    const char *backend_text = mirage_key_string("backend");
    if (backend_parse(backend_text, &backend, why, sizeof(why)) != 0) {
        snprintf(line, sizeof(line),
                 "tlstunnel: the key backend (\"%.64s\") %s: give the backend as --backend=A.B.C.D:PORT, e.g. "
                 "--backend=10.0.0.1:8080\n",
                 backend_text, why);
        say(console, line);
        return 2;
    }
    int64_t port = mirage_key_int("port");
    int64_t connections_max = mirage_key_int("connections-max");
    int64_t idle_timeout_ms = mirage_key_int("idle-timeout");
    if (port < 1 || port > 65535) {
        say(console, "tlstunnel: the key port must be 1 to 65535: give it as --port=443\n");
        return 2;
    }
    if (connections_max < 1 || connections_max > 65536) {
        say(console, "tlstunnel: the key connections-max must be 1 to 65536: give it as --connections-max=64\n");
        return 2;
    }
    if (idle_timeout_ms < 1 || idle_timeout_ms > 86400000) {
        say(console, "tlstunnel: the key idle-timeout must be 1 to 86400000 ms: give it as --idle-timeout=60000\n");
        return 2;
    }
    /* Each connection is one TLS session and two TCP flows: limits below that would refuse clients in the tls
     * device or backends in the stack, with log lines that do not name connections-max. */
    int64_t sessions_max = mirage_key_int("tls-sessions-max");
    int64_t flows_max = mirage_key_int("tcp-connections-max");
    if (connections_max > sessions_max || connections_max * 2 > flows_max) {
        snprintf(line, sizeof(line),
                 "tlstunnel: the key connections-max (%d) needs tls-sessions-max >= %d (it is %d) and "
                 "tcp-connections-max >= %d (it is %d): raise those or lower --connections-max\n",
                 (int)connections_max, (int)connections_max, (int)sessions_max, (int)connections_max * 2,
                 (int)flows_max);
        say(console, line);
        return 2;
    }
    struct tunnel *tunnel = calloc(1, sizeof(*tunnel));
    if (tunnel == NULL) {
        say(console, "tlstunnel: no memory\n");
        return 1;
    }
    *tunnel = (struct tunnel){
        .console = console,
        .clock = clock,
        .tls = tls,
        .backend = backend,
        .idle_timeout_ns = (uint64_t)idle_timeout_ms * 1000000u,
        .connections_max = (uint32_t)connections_max,
    };
    int rc = tls_listen(tls, (uint16_t)port, tunnel_accept, tunnel);
    if (rc != 0) {
        snprintf(line, sizeof(line), "tlstunnel: cannot listen on port %d (%d)\n", (int)port, rc);
        say(console, line);
        return 1;
    }
    snprintf(line, sizeof(line), "tlstunnel: ready on port %d, backend %s, connections-max %d\n", (int)port,
             backend_text, (int)connections_max);
    say(console, line);
    uint64_t wait_ns = tunnel->idle_timeout_ns;
    while ((rc = tls_run(tls, wait_ns)) == 0)
        wait_ns = close_idle(tunnel);
    snprintf(line, sizeof(line), "tlstunnel: the stack stopped (%d)\n", rc);
    say(console, line);
    return 1;
}
