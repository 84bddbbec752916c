/* tcp_client.c: a TCP client over the stack device: connects to `peer`:`port`, sends `message`, half-closes, prints
 * what comes back until the peer's end of stream (or the error), closes and exits 0 (1 on an error). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/console.h"
#include "devices/stack.h"
#include "lib/runtime/mirage.h"

enum { RECEIVED_MAX = 4096, RUN_SLICE_NS = 100000000 };

struct client {
    struct console *console;
    struct stack_tcp_flow *flow;
    const char *message;
    size_t sent;
    bool shut_down;
    bool done;
    int error;
    size_t received_len;
    char received[RECEIVED_MAX];
};

static void say(struct console *console, const char *text)
{
    console_write(console, text, strlen(text));
}

static void finish(struct client *client, struct stack *stack, int error)
{
    client->error = error;
    client->done = true;
    stack_tcp_close(stack, client->flow);
}

static void client_writable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    struct client *client = context;
    size_t len = strlen(client->message);
    while (client->sent < len) {
        long sent = stack_tcp_write(stack, flow, (const uint8_t *)client->message + client->sent, len - client->sent);
        if (sent == STACK_TCP_WOULD_BLOCK)
            return;
        if (sent < 0) {
            finish(client, stack, (int)sent);
            return;
        }
        client->sent += (size_t)sent;
    }
    if (!client->shut_down) {
        int rc = stack_tcp_shutdown(stack, flow);
        if (rc != 0) {
            finish(client, stack, rc);
            return;
        }
        client->shut_down = true;
    }
}

static void client_readable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    struct client *client = context;
    for (;;) {
        uint8_t chunk[512];
        long got = stack_tcp_read(stack, flow, chunk, sizeof(chunk));
        if (got == STACK_TCP_WOULD_BLOCK)
            return;
        if (got <= 0) {
            finish(client, stack, (int)got);
            return;
        }
        size_t room = sizeof(client->received) - 1 - client->received_len;
        size_t take = (size_t)got < room ? (size_t)got : room;
        memcpy(client->received + client->received_len, chunk, take);
        client->received_len += take;
    }
}

static void client_failed(void *context, struct stack *stack, struct stack_tcp_flow *flow, int error)
{
    (void)flow;
    finish(context, stack, error);
}

static const struct stack_tcp_callbacks callbacks = {
    .readable = client_readable,
    .writable = client_writable,
    .failed = client_failed,
};

int tcp_client_start(struct console *console, struct stack *stack)
{
    char line[RECEIVED_MAX + 64];
    struct client client = {.console = console, .message = mirage_key_string("message")};
    unsigned a, b, c, d;
    int64_t port = mirage_key_int("port");
    if (sscanf(mirage_key_string("peer"), "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || a > 255 || b > 255 || c > 255 ||
        d > 255 || port <= 0 || port > 65535) {
        say(console, "tcp_client: `peer` must be an IPv4 address and `port` 1..65535\n");
        return 1;
    }
    struct stack_tcp_peer peer = {.address = a << 24 | b << 16 | c << 8 | d, .port = (uint16_t)port};
    int rc = stack_tcp_connect(stack, &peer, &callbacks, &client, &client.flow);
    if (rc != 0) {
        snprintf(line, sizeof(line), "tcp_client: connect failed (%d)\n", rc);
        say(console, line);
        return 1;
    }
    while (!client.done) {
        rc = stack_run(stack, RUN_SLICE_NS);
        if (rc != 0) {
            snprintf(line, sizeof(line), "tcp_client: the stack stopped (%d)\n", rc);
            say(console, line);
            return 1;
        }
    }
    if (client.error != 0) {
        snprintf(line, sizeof(line), "tcp_client: failed (%d)\n", client.error);
        say(console, line);
        return 1;
    }
    client.received[client.received_len] = '\0';
    snprintf(line, sizeof(line), "tcp_client: received %zu bytes: %s\n", client.received_len, client.received);
    say(console, line);
    return 0;
}
