/* echo.c: TCP echo (RFC 862), a TCP sink (RFC 863's discard) and UDP echo over the stack device, for tests and
 * benchmarks of the stack itself. A port key of 0 turns its service off; TCP connections idle for
 * `tcp-idle-timeout` milliseconds are closed by the server. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console.h"
#include "devices/mclock.h"
#include "devices/stack.h"
#include "lib/runtime/mirage.h"

enum {
    ECHO_BUFFER_SIZE = 16384, /* bytes in flight per echo connection: read, then written back before reading more */
    SINK_BUFFER_SIZE = 65536, /* one buffer for every sink connection: what it reads is thrown away at once */
};

/* A connection of either service. The server keeps them from the most to the least recently active, so the idle
 * ones are at the old end. */
struct echo_connection {
    struct echo_connection *newer, *older;
    struct echo_server *server;
    struct stack_tcp_flow *flow;
    uint64_t last_active_ns;
    /* Echo only: the bytes read and not yet written back are buffer[start, end). */
    size_t start, end;
    bool peer_done;   /* the peer's end of stream was read: echo what is left, then close */
    uint8_t buffer[]; /* ECHO_BUFFER_SIZE bytes for an echo connection, none for the sink */
};

struct echo_server {
    struct console *console;
    struct mclock *clock;
    uint64_t idle_timeout_ns; /* 0: connections may stay idle for ever */
    struct echo_connection *newest, *oldest;
    uint8_t sink_buffer[SINK_BUFFER_SIZE];
};

static void say(struct console *console, const char *line)
{
    console_write(console, line, strlen(line));
}

static void unlink_connection(struct echo_server *server, struct echo_connection *connection)
{
    if (connection->newer != NULL)
        connection->newer->older = connection->older;
    else
        server->newest = connection->older;
    if (connection->older != NULL)
        connection->older->newer = connection->newer;
    else
        server->oldest = connection->newer;
    connection->newer = connection->older = NULL;
}

static void link_newest(struct echo_server *server, struct echo_connection *connection)
{
    connection->older = server->newest;
    connection->newer = NULL;
    if (server->newest != NULL)
        server->newest->newer = connection;
    else
        server->oldest = connection;
    server->newest = connection;
}

/* Traffic on `connection`: it becomes the most recently active. */
static void touch(struct echo_connection *connection)
{
    struct echo_server *server = connection->server;
    connection->last_active_ns = mclock_elapsed_ns(server->clock);
    if (server->newest != connection) {
        unlink_connection(server, connection);
        link_newest(server, connection);
    }
}

static struct echo_connection *connection_new(struct echo_server *server, struct stack_tcp_flow *flow,
                                              size_t buffer_size)
{
    struct echo_connection *connection = calloc(1, sizeof(*connection) + buffer_size);
    if (connection == NULL)
        return NULL;
    connection->server = server;
    connection->flow = flow;
    connection->last_active_ns = mclock_elapsed_ns(server->clock);
    link_newest(server, connection);
    return connection;
}

/* Releases the flow (an orderly close when all it received was read, a reset otherwise) and the connection. */
static void connection_close(struct stack *stack, struct echo_connection *connection)
{
    unlink_connection(connection->server, connection);
    stack_tcp_close(stack, connection->flow);
    free(connection);
}

/* Moves bytes from the flow back into it until one side would block. Writing comes first, so at most one buffer
 * is held per connection: a peer that does not read its echo stops being read (backpressure to it). */
static void echo_pump(struct stack *stack, struct echo_connection *connection)
{
    for (;;) {
        if (connection->start < connection->end) {
            long sent = stack_tcp_write(stack, connection->flow, connection->buffer + connection->start,
                                        connection->end - connection->start);
            if (sent == STACK_TCP_WOULD_BLOCK)
                return; /* `writable` resumes */
            if (sent < 0) {
                connection_close(stack, connection);
                return;
            }
            connection->start += (size_t)sent;
            if (connection->start < connection->end)
                return; /* the stack took part: `writable` comes when it takes more */
            connection->start = connection->end = 0;
        }
        if (connection->peer_done) {
            /* Everything echoed: end our direction too. All was read, so closing is orderly: the stack sends what
             * is queued, then our FIN (a separate tcp_shutdown first would add nothing). */
            connection_close(stack, connection);
            return;
        }
        long got = stack_tcp_read(stack, connection->flow, connection->buffer, ECHO_BUFFER_SIZE);
        if (got == STACK_TCP_WOULD_BLOCK)
            return; /* `readable` resumes */
        if (got < 0) {
            connection_close(stack, connection);
            return;
        }
        if (got == 0)
            connection->peer_done = true;
        connection->end = (size_t)got;
    }
}

static void echo_ready(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    (void)flow;
    touch(context);
    echo_pump(stack, context);
}

static void connection_failed(void *context, struct stack *stack, struct stack_tcp_flow *flow, int error)
{
    (void)flow;
    (void)error;
    connection_close(stack, context);
}

static const struct stack_tcp_callbacks echo_callbacks = {
    .readable = echo_ready,
    .writable = echo_ready,
    .failed = connection_failed,
};

static void echo_accept(void *context, struct stack *stack, uint16_t local_port, struct stack_tcp_flow *flow,
                        const struct stack_tcp_peer *from)
{
    (void)local_port;
    (void)from;
    struct echo_connection *connection = connection_new(context, flow, ECHO_BUFFER_SIZE);
    if (connection == NULL) {
        stack_tcp_close(stack, flow); /* no memory for it: drop this one, keep serving the others */
        return;
    }
    stack_tcp_accept(stack, flow, &echo_callbacks, connection);
}

/* The sink reads into the server's one buffer and keeps nothing; at the peer's end of stream it closes. */
static void sink_readable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    struct echo_connection *connection = context;
    uint8_t *buffer = connection->server->sink_buffer;
    touch(connection);
    for (;;) {
        long got = stack_tcp_read(stack, flow, buffer, SINK_BUFFER_SIZE);
        if (got == STACK_TCP_WOULD_BLOCK)
            return;
        if (got <= 0) {
            connection_close(stack, connection); /* at the end of stream, an orderly close: our FIN */
            return;
        }
    }
}

static void sink_writable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    (void)context;
    (void)stack;
    (void)flow; /* the sink never writes, so it never waits to */
}

static const struct stack_tcp_callbacks sink_callbacks = {
    .readable = sink_readable,
    .writable = sink_writable,
    .failed = connection_failed,
};

static void sink_accept(void *context, struct stack *stack, uint16_t local_port, struct stack_tcp_flow *flow,
                        const struct stack_tcp_peer *from)
{
    (void)local_port;
    (void)from;
    struct echo_connection *connection = connection_new(context, flow, 0);
    if (connection == NULL) {
        stack_tcp_close(stack, flow);
        return;
    }
    stack_tcp_accept(stack, flow, &sink_callbacks, connection);
}

/* Closes the connections idle for the timeout or longer; returns how long the next one may still wait (the
 * timeout itself when none is open), so the loop comes back in time for it. */
static uint64_t close_idle(struct echo_server *server, struct stack *stack)
{
    uint64_t now = mclock_elapsed_ns(server->clock);
    while (server->oldest != NULL && now - server->oldest->last_active_ns >= server->idle_timeout_ns)
        connection_close(stack, server->oldest);
    if (server->oldest == NULL)
        return server->idle_timeout_ns;
    return server->oldest->last_active_ns + server->idle_timeout_ns - now;
}

static void udp_echo(void *context, struct stack *stack, uint16_t local_port, const struct stack_udp_peer *from,
                     const uint8_t *payload, size_t len)
{
    (void)context;
    (void)stack_udp_send(stack, local_port, from, payload, len); /* best effort, as UDP is */
}

/* Reads the port key `name`: 0 (off) or 1..65535; -1 if out of range. */
static int32_t port_key(const char *name)
{
    int64_t port = mirage_key_int(name);
    return port < 0 || port > 65535 ? -1 : (int32_t)port;
}

static bool start_service(struct echo_server *server, struct stack *stack, const char *what, int32_t port, int rc)
{
    char line[160];
    uint32_t address = stack->ipv4_address;
    if (rc != 0) {
        snprintf(line, sizeof(line), "echo: cannot serve %s on port %d (%d)\n", what, (int)port, rc);
        say(server->console, line);
        return false;
    }
    snprintf(line, sizeof(line), "echo: %s on %u.%u.%u.%u:%d\n", what, (unsigned)(address >> 24),
             (unsigned)(address >> 16 & 0xff), (unsigned)(address >> 8 & 0xff), (unsigned)(address & 0xff), (int)port);
    say(server->console, line);
    return true;
}

int echo_start(struct console *console, struct stack *stack, struct mclock *clock)
{
    char line[96];
    int64_t idle_timeout_ms = mirage_key_int("tcp-idle-timeout");
    int32_t tcp_echo_port = port_key("tcp-echo-port");
    int32_t tcp_sink_port = port_key("tcp-sink-port");
    int32_t udp_echo_port = port_key("udp-echo-port");
    if (tcp_echo_port < 0 || tcp_sink_port < 0 || udp_echo_port < 0) {
        say(console, "echo: port keys must be 0 (off) or 1..65535\n");
        return 1;
    }
    if (idle_timeout_ms < 0 || idle_timeout_ms > INT64_C(86400000)) {
        say(console, "echo: tcp-idle-timeout must be 0 (none) up to a day\n");
        return 1;
    }
    struct echo_server *server = calloc(1, sizeof(*server));
    if (server == NULL) {
        say(console, "echo: out of memory\n");
        return 1;
    }
    server->console = console;
    server->clock = clock;
    server->idle_timeout_ns = (uint64_t)idle_timeout_ms * UINT64_C(1000000);
    if (tcp_echo_port > 0 && !start_service(server, stack, "tcp echo", tcp_echo_port,
                                            stack_tcp_listen(stack, (uint16_t)tcp_echo_port, echo_accept, server)))
        return 1;
    if (tcp_sink_port > 0 && !start_service(server, stack, "tcp sink", tcp_sink_port,
                                            stack_tcp_listen(stack, (uint16_t)tcp_sink_port, sink_accept, server)))
        return 1;
    if (udp_echo_port > 0 && !start_service(server, stack, "udp echo", udp_echo_port,
                                            stack_udp_listen(stack, (uint16_t)udp_echo_port, udp_echo, server)))
        return 1;
    say(console, "echo: ready\n");
    int rc;
    do {
        uint64_t wait_ns = server->idle_timeout_ns > 0 ? close_idle(server, stack) : UINT64_MAX;
        rc = stack_run(stack, wait_ns);
    } while (rc == 0);
    snprintf(line, sizeof(line), "echo: the stack stopped (%d)\n", rc);
    say(console, line);
    return 1;
}
