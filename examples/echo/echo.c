/* echo.c: TCP echo (RFC 862), a TCP sink (RFC 863's discard) and UDP echo over the stack device, for tests and
 * benchmarks of the stack itself. A port key of 0 turns its service off. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console.h"
#include "devices/stack.h"
#include "lib/runtime/mirage.h"

enum {
    ECHO_BUFFER_SIZE = 16384, /* bytes in flight per echo connection: read, then written back before reading more */
    SINK_BUFFER_SIZE = 65536, /* one buffer for every sink connection: what it reads is thrown away at once */
};

struct echo_server {
    struct console *console;
    uint8_t sink_buffer[SINK_BUFFER_SIZE];
};

/* One echo connection: the bytes read and not yet written back are buffer[start, end). */
struct echo_connection {
    struct stack_tcp_flow *flow;
    size_t start, end;
    bool peer_done; /* the peer's end of stream was read: echo what is left, then shut down and close */
    uint8_t buffer[ECHO_BUFFER_SIZE];
};

static void say(struct console *console, const char *line)
{
    console_write(console, line, strlen(line));
}

static void echo_finish(struct stack *stack, struct echo_connection *connection)
{
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
                echo_finish(stack, connection);
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
            echo_finish(stack, connection);
            return;
        }
        long got = stack_tcp_read(stack, connection->flow, connection->buffer, sizeof(connection->buffer));
        if (got == STACK_TCP_WOULD_BLOCK)
            return; /* `readable` resumes */
        if (got < 0) {
            echo_finish(stack, connection);
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
    echo_pump(stack, context);
}

static void echo_failed(void *context, struct stack *stack, struct stack_tcp_flow *flow, int error)
{
    (void)flow;
    (void)error;
    echo_finish(stack, context);
}

static const struct stack_tcp_callbacks echo_callbacks = {
    .readable = echo_ready,
    .writable = echo_ready,
    .failed = echo_failed,
};

static void echo_accept(void *context, struct stack *stack, uint16_t local_port, struct stack_tcp_flow *flow,
                        const struct stack_tcp_peer *from)
{
    (void)context;
    (void)local_port;
    (void)from;
    struct echo_connection *connection = calloc(1, sizeof(*connection));
    if (connection == NULL) {
        stack_tcp_close(stack, flow); /* no memory for it: drop this one, keep serving the others */
        return;
    }
    connection->flow = flow;
    stack_tcp_accept(stack, flow, &echo_callbacks, connection);
}

/* The sink reads into the server's one buffer and keeps nothing; at the peer's end of stream it closes. */
static void sink_readable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    struct echo_server *server = context;
    for (;;) {
        long got = stack_tcp_read(stack, flow, server->sink_buffer, sizeof(server->sink_buffer));
        if (got == STACK_TCP_WOULD_BLOCK)
            return;
        if (got <= 0) {
            stack_tcp_close(stack, flow); /* at the end of stream, an orderly close: our FIN */
            return;
        }
    }
}

static void sink_writable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    (void)context;
    (void)stack;
    (void)flow; /* the sink never writes */
}

static void sink_failed(void *context, struct stack *stack, struct stack_tcp_flow *flow, int error)
{
    (void)context;
    (void)error;
    stack_tcp_close(stack, flow);
}

static const struct stack_tcp_callbacks sink_callbacks = {
    .readable = sink_readable,
    .writable = sink_writable,
    .failed = sink_failed,
};

static void sink_accept(void *context, struct stack *stack, uint16_t local_port, struct stack_tcp_flow *flow,
                        const struct stack_tcp_peer *from)
{
    (void)local_port;
    (void)from;
    stack_tcp_accept(stack, flow, &sink_callbacks, context);
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

int echo_start(struct console *console, struct stack *stack)
{
    char line[96];
    int32_t tcp_echo_port = port_key("tcp-echo-port");
    int32_t tcp_sink_port = port_key("tcp-sink-port");
    int32_t udp_echo_port = port_key("udp-echo-port");
    if (tcp_echo_port < 0 || tcp_sink_port < 0 || udp_echo_port < 0) {
        say(console, "echo: port keys must be 0 (off) or 1..65535\n");
        return 1;
    }
    struct echo_server *server = calloc(1, sizeof(*server));
    if (server == NULL) {
        say(console, "echo: out of memory\n");
        return 1;
    }
    server->console = console;
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
    int rc = stack_run(stack, UINT64_MAX);
    snprintf(line, sizeof(line), "echo: the stack stopped (%d)\n", rc);
    say(console, line);
    return 1;
}
