/* tcp_echo.c: a TCP echo server (RFC 862) on the `port` key for the stack tests: every byte a connection sends
 * comes back, with backpressure (reading pauses while an echo waits for room); at the peer's end of stream the
 * remaining bytes go out and the connection closes in order. `port + 1` is a sink: it reads and discards, and
 * answers its end of stream with the byte count in decimal. With the `connect` key ("a.b.c.d:port") it also opens
 * one connection there at start, says "tcp_echo: hello\n" on it, and echoes it like the others; the `keepalive` key
 * ("idle_ms,interval_ms,count") turns keep-alives on for that connection once it is open. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/console.h"
#include "devices/stack.h"
#include "lib/runtime/mirage.h"
#include "lib/tcpip/address.h"

enum {
    FLOWS_MAX = 64,
    CHUNK = 16384,
};

struct flow_state {
    bool in_use;
    bool sink;
    bool peer_done; /* read returned 0: close once `pending` is out */
    bool greet;     /* our own connect: the first writable says hello */
    bool ours;      /* our own connect, open or not */
    struct stack_tcp_flow *flow;
    uint64_t count;
    size_t pending_len, pending_at;
    uint8_t pending[CHUNK];
};

static struct flow_state flows[FLOWS_MAX];
static struct console *out;
static uint64_t accepted, refused;

static void say(const char *text)
{
    console_write(out, text, strlen(text));
}

static void release(struct stack *stack, struct flow_state *state)
{
    stack_tcp_close(stack, state->flow);
    memset(state, 0, sizeof(*state) - sizeof(state->pending));
}

/* Write what waits; true when nothing is left. */
static bool flush(struct stack *stack, struct flow_state *state)
{
    while (state->pending_at < state->pending_len) {
        long n = stack_tcp_write(stack, state->flow, state->pending + state->pending_at,
                                 state->pending_len - state->pending_at);
        if (n < 0)
            return false;
        state->pending_at += (size_t)n;
    }
    state->pending_len = state->pending_at = 0;
    return true;
}

static void end_of_stream(struct stack *stack, struct flow_state *state)
{
    if (state->sink) {
        int len = snprintf((char *)state->pending, sizeof(state->pending), "%llu\n", (unsigned long long)state->count);
        state->pending_len = (size_t)len;
        state->pending_at = 0;
    }
    state->peer_done = true;
    if (flush(stack, state))
        release(stack, state);
}

static void pump(struct stack *stack, struct flow_state *state)
{
    while (state->in_use && !state->peer_done && state->pending_len == 0) {
        long n = stack_tcp_read(stack, state->flow, state->pending, sizeof(state->pending));
        if (n == STACK_TCP_WOULD_BLOCK)
            return;
        if (n < 0) {
            release(stack, state);
            return;
        }
        if (n == 0) {
            end_of_stream(stack, state);
            return;
        }
        state->count += (uint64_t)n;
        if (state->sink)
            continue;
        state->pending_len = (size_t)n;
        state->pending_at = 0;
        if (!flush(stack, state))
            return; /* writable comes when there is room; reading waits until then */
    }
}

/* The `keepalive` key's three numbers, for our own connection. */
static void keepalive_on(struct stack *stack, struct flow_state *state)
{
    const char *text = mirage_key_string("keepalive");
    if (text[0] == '\0')
        return;
    uint32_t values[3] = {0, 0, 0};
    size_t index = 0;
    for (; *text != '\0' && index < 3; text++) {
        if (*text == ',') {
            index++;
        } else if (*text >= '0' && *text <= '9' && values[index] <= UINT32_MAX / 10 - 1) {
            values[index] = values[index] * 10 + (uint32_t)(*text - '0');
        } else {
            break;
        }
    }
    char line[64];
    int rc = index == 2 && *text == '\0' ? stack_tcp_set_keepalive(stack, state->flow, values[0], values[1], values[2])
                                         : STACK_TCP_INVALID;
    snprintf(line, sizeof(line), "tcp_echo: keep-alive (%d)\n", rc);
    say(line);
}

static void on_readable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    (void)flow;
    pump(stack, context);
}

static void on_writable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    (void)flow;
    struct flow_state *state = context;
    if (state->count == 0 && state->pending_len == 0 && !state->sink && state->greet) {
        static const char hello[] = "tcp_echo: hello\n";
        state->greet = false;
        memcpy(state->pending, hello, sizeof(hello) - 1);
        state->pending_len = sizeof(hello) - 1;
        say("tcp_echo: connected\n");
        keepalive_on(stack, state);
    }
    if (!flush(stack, state))
        return;
    if (state->peer_done)
        release(stack, state);
    else
        pump(stack, state);
}

static void on_failed(void *context, struct stack *stack, struct stack_tcp_flow *flow, int error)
{
    (void)flow;
    struct flow_state *state = context;
    if (state->ours) {
        char line[64];
        snprintf(line, sizeof(line),
                 state->greet ? "tcp_echo: connect failed (%d)\n" : "tcp_echo: our connection failed (%d)\n", error);
        say(line);
    }
    release(stack, state);
}

static const struct stack_tcp_callbacks callbacks = {
    .readable = on_readable,
    .writable = on_writable,
    .failed = on_failed,
};

static void on_accept(void *context, struct stack *stack, uint16_t local_port, struct stack_tcp_flow *flow,
                      const struct stack_tcp_peer *from)
{
    (void)from;
    uint16_t echo_port = (uint16_t)(uintptr_t)context;
    for (size_t i = 0; i < FLOWS_MAX; i++) {
        if (!flows[i].in_use) {
            flows[i].in_use = true;
            flows[i].sink = local_port != echo_port;
            flows[i].flow = flow;
            accepted++;
            stack_tcp_accept(stack, flow, &callbacks, &flows[i]);
            return;
        }
    }
    refused++;
    stack_tcp_close(stack, flow);
}

/* Open the `connect` key's connection; it is echoed like an accepted one once it greeted. */
static int connect_to(struct stack *stack, const char *target)
{
    uint32_t address = 0;
    const char *rest = ipv4_address_parse(target, &address);
    unsigned long port = 0;
    const char *digit = rest != NULL && *rest == ':' ? rest + 1 : NULL;
    for (; digit != NULL && *digit >= '0' && *digit <= '9' && port <= 65535; digit++)
        port = port * 10 + (unsigned long)(*digit - '0');
    if (digit == NULL || *digit != '\0' || port == 0 || port > 65535) {
        say("tcp_echo: the connect key must be a.b.c.d:port\n");
        return -1;
    }
    struct flow_state *state = &flows[FLOWS_MAX - 1];
    state->in_use = true;
    state->greet = true;
    state->ours = true;
    struct stack_tcp_peer to = {.address = address, .port = (uint16_t)port};
    int rc = stack_tcp_connect(stack, &to, &callbacks, state, &state->flow);
    if (rc != 0) {
        char line[64];
        snprintf(line, sizeof(line), "tcp_echo: connect failed at once (%d)\n", rc);
        say(line);
        return -1;
    }
    return 0;
}

int tcp_echo_start(struct console *console, struct stack *stack)
{
    char line[128];
    int64_t port = mirage_key_int("port");
    uint32_t address = stack->ipv4_address;
    out = console;
    if (port <= 0 || port >= 65535) {
        say("tcp_echo: the port key must be 1..65534\n");
        return 1;
    }
    int rc = stack_tcp_listen(stack, (uint16_t)port, on_accept, (void *)(uintptr_t)port);
    if (rc == 0)
        rc = stack_tcp_listen(stack, (uint16_t)(port + 1), on_accept, (void *)(uintptr_t)port);
    if (rc != 0) {
        snprintf(line, sizeof(line), "tcp_echo: cannot listen (%d)\n", rc);
        say(line);
        return 1;
    }
    const char *target = mirage_key_string("connect");
    if (target[0] != '\0' && connect_to(stack, target) != 0)
        return 1;
    snprintf(line, sizeof(line), "tcp_echo: listening on %u.%u.%u.%u:%u\n", (unsigned)(address >> 24),
             (unsigned)(address >> 16 & 0xff), (unsigned)(address >> 8 & 0xff), (unsigned)(address & 0xff),
             (unsigned)port);
    say(line);
    rc = stack_run(stack, UINT64_MAX);
    snprintf(line, sizeof(line), "tcp_echo: the stack stopped (%d)\n", rc);
    say(line);
    return 1;
}
