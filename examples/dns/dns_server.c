/* dns_server.c: an authoritative DNS server: the zone from the kv device, answers over the stack device's UDP and
 * TCP (RFC 7766: pipelined queries answered in order, no truncation, zone transfers to the `axfr-allow` list). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console.h"
#include "devices/kv.h"
#include "devices/mclock.h"
#include "devices/stack.h"
#include "lib/dns/dns.h"
#include "lib/runtime/mirage.h"

enum {
    UDP_RESPONSE_MAX = 4096,
    /* The longest query a connection takes: far above what resolvers and secondaries send (a question, OPT, TSIG),
     * and the memory every connection holds. A longer frame closes the connection. */
    TCP_QUERY_MAX = 4096,
    FRAME_MAX = 2 + DNS_TCP_MESSAGE_MAX,
};

#define NS_PER_MS 1000000ull

struct server;

/* One TCP client. Output that the stack did not take (backpressure) waits in `backlog` and nothing more is read
 * or answered until it is gone, so answers leave in the order the queries came and a client that does not read
 * stops being read from. */
struct connection {
    struct server *server;
    struct stack_tcp_flow *flow;
    struct connection *previous, *next;
    uint32_t peer_address; /* IPv4, host byte order */
    bool transfer_allowed;
    bool transferring; /* `transfer` has messages to send */
    bool end_of_stream;
    uint64_t last_activity_ns;
    struct dns_transfer transfer;
    uint8_t *backlog;
    size_t backlog_length, backlog_sent;
    struct dns_frame_reader reader;
    uint8_t input[2 + TCP_QUERY_MAX];
};

struct server {
    struct dns_zone *zone;
    const char *origin;
    struct console *console;
    struct mclock *clock;
    struct dns_acl transfer_acl;
    uint64_t idle_timeout_ns;
    uint64_t connections_max;
    uint64_t connection_count;
    struct connection *connections; /* open ones, for the idle sweep */
    uint64_t queries, tcp_queries;
    uint8_t response[UDP_RESPONSE_MAX];
    uint8_t frame[FRAME_MAX]; /* where TCP answers are composed: one at a time, written at once */
};

static void say(struct console *console, const char *line)
{
    console_write(console, line, strlen(line));
}

static void answer_query(void *context, struct stack *stack, uint16_t local_port, const struct stack_udp_peer *from,
                         const uint8_t *query, size_t len)
{
    struct server *server = context;
    bool transfer_allowed = dns_acl_allows(&server->transfer_acl, from->address);
    size_t response_len =
        dns_answer_udp(server->zone, query, len, server->response, sizeof(server->response), transfer_allowed);
    server->queries++;
    if (response_len > 0)
        (void)stack_udp_send(stack, local_port, from, server->response, response_len);
}

/* --- TCP ---------------------------------------------------------------------------------------------------- */

static void connection_close(struct stack *stack, struct connection *connection)
{
    struct server *server = connection->server;
    stack_tcp_close(stack, connection->flow);
    if (connection->previous != NULL)
        connection->previous->next = connection->next;
    else
        server->connections = connection->next;
    if (connection->next != NULL)
        connection->next->previous = connection->previous;
    server->connection_count--;
    free(connection->backlog);
    free(connection);
}

enum progress { GO_ON, BLOCKED, CLOSED };

/* One line per zone transfer asked for, as NSD logs them: transfers are rare, and who took the zone matters. */
static void log_transfer(const struct connection *connection)
{
    static const char *const outcomes[] = {
        [DNS_TRANSFER_REFUSED] = "refused (not in axfr-allow)",
        [DNS_TRANSFER_FULL] = "the whole zone",
        [DNS_TRANSFER_CURRENT] = "current: the SOA alone",
        [DNS_TRANSFER_ERROR] = "not answered (not the zone's apex, or no client SOA)",
    };
    const struct dns_transfer *transfer = &connection->transfer;
    if (transfer->outcome == DNS_TRANSFER_NONE || transfer->outcome > DNS_TRANSFER_ERROR)
        return;
    char line[160];
    uint32_t a = connection->peer_address;
    snprintf(line, sizeof(line), "dns: %s of %s to %u.%u.%u.%u: %s\n",
             transfer->qtype == 251 /* IXFR */ ? "IXFR" : "AXFR", connection->server->origin, (unsigned)(a >> 24),
             (unsigned)(a >> 16) & 255u, (unsigned)(a >> 8) & 255u, (unsigned)a & 255u, outcomes[transfer->outcome]);
    say(connection->server->console, line);
}

/* Writes the backlog; BLOCKED while the stack takes no more, CLOSED when the connection failed. */
static enum progress flush_backlog(struct stack *stack, struct connection *connection)
{
    while (connection->backlog_sent < connection->backlog_length) {
        long taken = stack_tcp_write(stack, connection->flow, connection->backlog + connection->backlog_sent,
                                     connection->backlog_length - connection->backlog_sent);
        if (taken == STACK_TCP_WOULD_BLOCK)
            return BLOCKED;
        if (taken <= 0) {
            connection_close(stack, connection);
            return CLOSED;
        }
        connection->backlog_sent += (size_t)taken;
        connection->last_activity_ns = mclock_elapsed_ns(connection->server->clock);
    }
    free(connection->backlog);
    connection->backlog = NULL;
    connection->backlog_length = connection->backlog_sent = 0;
    return GO_ON;
}

/* Sends the message composed in server->frame (after its two-octet length); what the stack does not take now
 * goes to the backlog. */
static enum progress send_message(struct stack *stack, struct connection *connection, size_t length)
{
    struct server *server = connection->server;
    struct dns_frame_writer writer;
    size_t room, pending_length;
    /* A fresh writer over server->frame offers its space at frame + 2, where the message was composed. */
    dns_frame_writer_init(&writer, server->frame, sizeof(server->frame));
    if (dns_frame_writer_message_space(&writer, &room) != server->frame + 2 || length > room) {
        connection_close(stack, connection);
        return CLOSED;
    }
    dns_frame_writer_commit(&writer, length);
    const uint8_t *pending = dns_frame_writer_pending(&writer, &pending_length);
    long taken = stack_tcp_write(stack, connection->flow, pending, pending_length);
    if (taken == STACK_TCP_WOULD_BLOCK)
        taken = 0;
    if (taken < 0) {
        connection_close(stack, connection);
        return CLOSED;
    }
    if (taken > 0)
        connection->last_activity_ns = mclock_elapsed_ns(server->clock);
    if ((size_t)taken == pending_length)
        return GO_ON;
    dns_frame_writer_sent(&writer, (size_t)taken);
    pending = dns_frame_writer_pending(&writer, &pending_length);
    connection->backlog = malloc(pending_length);
    if (connection->backlog == NULL) {
        connection_close(stack, connection); /* no memory to keep the answer: the client retries elsewhere */
        return CLOSED;
    }
    memcpy(connection->backlog, pending, pending_length);
    connection->backlog_length = pending_length;
    connection->backlog_sent = 0;
    return BLOCKED;
}

/* Does all the connection can do now: send what waits, answer buffered queries in order, read more. Returns when
 * the stack must tell it something (writable, readable) or the connection is closed. */
static void serve(struct stack *stack, struct connection *connection)
{
    struct server *server = connection->server;
    for (;;) {
        if (connection->backlog != NULL && flush_backlog(stack, connection) != GO_ON)
            return;
        size_t room, length;
        uint8_t *space = server->frame + 2;
        room = sizeof(server->frame) - 2;
        if (connection->transferring) {
            length = dns_transfer_next(&connection->transfer, space, room);
            if (length == 0) {
                connection->transferring = false;
                continue;
            }
            if (send_message(stack, connection, length) != GO_ON)
                return;
            continue;
        }
        const uint8_t *query;
        size_t query_length;
        enum dns_frame_status status = dns_frame_reader_next(&connection->reader, &query, &query_length);
        if (status == DNS_FRAME_READY) {
            length = dns_answer_tcp(server->zone, query, query_length, space, room, connection->transfer_allowed,
                                    &connection->transfer);
            server->queries++;
            server->tcp_queries++;
            log_transfer(connection);
            connection->transferring = true; /* dns_transfer_next says at once when the answer was one message */
            if (length > 0 && send_message(stack, connection, length) != GO_ON)
                return;
            continue;
        }
        if (status != DNS_FRAME_NEED_MORE || connection->end_of_stream) {
            /* A zero length or a frame longer than we take makes the stream unusable; at the end of the stream
             * everything was answered (a frame cut off by it cannot be). */
            connection_close(stack, connection);
            return;
        }
        uint8_t *input = dns_frame_reader_space(&connection->reader, &room);
        long got = stack_tcp_read(stack, connection->flow, input, room);
        if (got == STACK_TCP_WOULD_BLOCK)
            return;
        if (got < 0) {
            connection_close(stack, connection);
            return;
        }
        if (got == 0) {
            connection->end_of_stream = true;
            continue;
        }
        dns_frame_reader_received(&connection->reader, (size_t)got);
        connection->last_activity_ns = mclock_elapsed_ns(server->clock);
    }
}

static void flow_readable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    (void)flow;
    serve(stack, context);
}

static void flow_writable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    (void)flow;
    serve(stack, context);
}

static void flow_failed(void *context, struct stack *stack, struct stack_tcp_flow *flow, int error)
{
    (void)flow;
    (void)error;
    connection_close(stack, context);
}

static const struct stack_tcp_callbacks connection_callbacks = {
    .readable = flow_readable,
    .writable = flow_writable,
    .failed = flow_failed,
};

static void accept_connection(void *context, struct stack *stack, uint16_t local_port, struct stack_tcp_flow *flow,
                              const struct stack_tcp_peer *from)
{
    struct server *server = context;
    (void)local_port;
    struct connection *connection = NULL;
    if (server->connection_count < server->connections_max)
        connection = calloc(1, sizeof(*connection));
    if (connection == NULL) {
        stack_tcp_close(stack, flow); /* at `tcp-connections-max`, or out of memory: the client may retry */
        return;
    }
    connection->server = server;
    connection->flow = flow;
    connection->peer_address = from->address;
    connection->transfer_allowed = dns_acl_allows(&server->transfer_acl, from->address);
    connection->last_activity_ns = mclock_elapsed_ns(server->clock);
    dns_frame_reader_init(&connection->reader, connection->input, sizeof(connection->input));
    connection->next = server->connections;
    if (server->connections != NULL)
        server->connections->previous = connection;
    server->connections = connection;
    server->connection_count++;
    stack_tcp_accept(stack, flow, &connection_callbacks, connection);
}

/* Closes the connections idle for `tcp-idle-timeout` (RFC 7766 section 6.2.3: the server may close them; a client
 * that neither asks nor reads holds memory for nothing). Returns how long until the next one could be due. */
static uint64_t close_idle_connections(struct stack *stack, struct server *server)
{
    uint64_t now = mclock_elapsed_ns(server->clock);
    uint64_t next = server->idle_timeout_ns;
    struct connection *connection = server->connections;
    while (connection != NULL) {
        struct connection *following = connection->next;
        uint64_t idle = now - connection->last_activity_ns;
        if (idle >= server->idle_timeout_ns)
            connection_close(stack, connection);
        else if (server->idle_timeout_ns - idle < next)
            next = server->idle_timeout_ns - idle;
        connection = following;
    }
    return next;
}

/* --- start --------------------------------------------------------------------------------------------------- */

int dns_server_start(struct console *console, struct stack *stack, struct kv *zone, struct mclock *clock)
{
    char line[256];
    char error[160];
    const char *file = mirage_key_string("zone-file");
    const char *origin = mirage_key_string("origin");
    const char *allow = mirage_key_string("axfr-allow");
    int64_t port = mirage_key_int("port");
    int64_t idle_ms = mirage_key_int("tcp-idle-timeout");
    int64_t connections_max = mirage_key_int("tcp-connections-max");
    const uint8_t *text;
    size_t text_len;

    /* The server's state lives as long as the loop below: allocated once, never freed. */
    struct server *server = calloc(1, sizeof(*server));
    if (server == NULL) {
        say(console, "dns: no memory for the server's state\n");
        return 1;
    }
    if (port < 1 || port > 65535) {
        snprintf(line, sizeof(line), "dns: --port=%lld is not a UDP port (1-65535)\n", (long long)port);
        say(console, line);
        return 2;
    }
    if (idle_ms < 1 || idle_ms > 86400000) {
        snprintf(line, sizeof(line), "dns: --tcp-idle-timeout=%lld must be 1 to 86400000 ms\n", (long long)idle_ms);
        say(console, line);
        return 2;
    }
    if (connections_max < 1 || connections_max > 1000000) {
        snprintf(line, sizeof(line), "dns: --tcp-connections-max=%lld must be 1 to 1000000\n",
                 (long long)connections_max);
        say(console, line);
        return 2;
    }
    if (dns_acl_parse(&server->transfer_acl, allow, strlen(allow), error, sizeof(error)) != 0) {
        snprintf(line, sizeof(line), "dns: --axfr-allow: %s\n", error);
        say(console, line);
        return 2;
    }
    if (kv_get(zone, file, &text, &text_len) != 0) {
        snprintf(line, sizeof(line), "dns: the zone device has no file `%s`; set --zone-file\n", file);
        say(console, line);
        return 1;
    }
    server->zone = dns_zone_parse((const char *)text, text_len, origin, error, sizeof(error));
    if (server->zone == NULL) {
        snprintf(line, sizeof(line), "dns: %s:%s\n", file, error);
        say(console, line);
        return 1;
    }
    server->origin = origin;
    server->console = console;
    server->clock = clock;
    server->idle_timeout_ns = (uint64_t)idle_ms * NS_PER_MS;
    server->connections_max = (uint64_t)connections_max;
    int rc = stack_udp_listen(stack, (uint16_t)port, answer_query, server);
    if (rc != 0) {
        snprintf(line, sizeof(line), "dns: cannot listen on UDP port %lld (error %d)\n", (long long)port, rc);
        say(console, line);
        return 1;
    }
    rc = stack_tcp_listen(stack, (uint16_t)port, accept_connection, server);
    bool tcp = rc == 0;
    if (rc != 0 && rc != STACK_TCP_NOT_SUPPORTED) {
        snprintf(line, sizeof(line), "dns: cannot listen on TCP port %lld (error %d)\n", (long long)port, rc);
        say(console, line);
        return 1;
    }
    uint32_t a = stack->ipv4_address;
    snprintf(line, sizeof(line), "dns: serving %s (%zu records) on %u.%u.%u.%u port %lld, %s\n", origin,
             dns_zone_record_count(server->zone), (unsigned)(a >> 24), (unsigned)(a >> 16) & 255u,
             (unsigned)(a >> 8) & 255u, (unsigned)a & 255u, (long long)port,
             tcp ? "UDP and TCP" : "UDP only (this stack has no TCP)");
    say(console, line);
    if (tcp) {
        /* The idle sweep needs the loop back at least once per timeout. */
        uint64_t slice = server->idle_timeout_ns;
        while ((rc = stack_run(stack, slice)) == 0)
            slice = close_idle_connections(stack, server);
    } else {
        rc = stack_run(stack, UINT64_MAX);
    }
    snprintf(line, sizeof(line), "dns: the stack stopped (error %d) after %llu queries (%llu over TCP)\n", rc,
             (unsigned long long)server->queries, (unsigned long long)server->tcp_queries);
    say(console, line);
    return 1;
}
