/* udp_echo.c: an echo server (RFC 862 over UDP) on the `port` key: every datagram goes back to its sender. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/console.h"
#include "devices/stack.h"
#include "lib/runtime/mirage.h"

static void echo(void *context, struct stack *stack, uint16_t local_port, const struct stack_udp_peer *from,
                 const uint8_t *payload, size_t len)
{
    (void)context;
    stack_udp_send(stack, local_port, from, payload, len);
}

static void say(struct console *console, const char *text)
{
    console_write(console, text, strlen(text));
}

int udp_echo_start(struct console *console, struct stack *stack)
{
    char line[128];
    int64_t port = mirage_key_int("port");
    uint32_t address = stack->ipv4_address;

    if (port <= 0 || port > 65535) {
        say(console, "udp_echo: the port key must be 1..65535\n");
        return 1;
    }
    if (stack_udp_listen(stack, (uint16_t)port, echo, NULL) != 0) {
        say(console, "udp_echo: cannot listen on the port\n");
        return 1;
    }
    snprintf(line, sizeof(line), "udp_echo: listening on %u.%u.%u.%u:%u\n", (unsigned)(address >> 24),
             (unsigned)(address >> 16 & 0xff), (unsigned)(address >> 8 & 0xff), (unsigned)(address & 0xff),
             (unsigned)port);
    say(console, line);
    int rc = stack_run(stack, UINT64_MAX);
    snprintf(line, sizeof(line), "udp_echo: the stack stopped (%d)\n", rc);
    say(console, line);
    return 1;
}
