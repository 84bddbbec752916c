/* dns_server.c: an authoritative DNS server: the zone from the kv device, answers over the stack device. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/console.h"
#include "devices/kv.h"
#include "devices/stack.h"
#include "lib/dns/dns.h"
#include "lib/runtime/mirage.h"

enum { RESPONSE_MAX = 4096 };

struct server {
    struct dns_zone *zone;
    uint64_t queries;
    uint8_t response[RESPONSE_MAX];
};

static struct server the_server;

static void say(struct console *console, const char *line)
{
    console_write(console, line, strlen(line));
}

static void answer_query(void *context, struct stack *stack, uint16_t local_port, const struct stack_udp_peer *from,
                         const uint8_t *query, size_t len)
{
    struct server *server = context;
    size_t response_len = dns_answer(server->zone, query, len, server->response, sizeof(server->response));
    server->queries++;
    if (response_len > 0)
        (void)stack_udp_send(stack, local_port, from, server->response, response_len);
}

int dns_server_start(struct console *console, struct stack *stack, struct kv *zone)
{
    char line[256];
    char error[160];
    const char *file = mirage_key_string("zone-file");
    const char *origin = mirage_key_string("origin");
    int64_t port = mirage_key_int("port");
    const uint8_t *text;
    size_t text_len;

    if (port < 1 || port > 65535) {
        snprintf(line, sizeof(line), "dns: --port=%lld is not a UDP port (1-65535)\n", (long long)port);
        say(console, line);
        return 2;
    }
    if (kv_get(zone, file, &text, &text_len) != 0) {
        snprintf(line, sizeof(line), "dns: the zone device has no file `%s`; set --zone-file\n", file);
        say(console, line);
        return 1;
    }
    the_server.zone = dns_zone_parse((const char *)text, text_len, origin, error, sizeof(error));
    if (the_server.zone == NULL) {
        snprintf(line, sizeof(line), "dns: %s:%s\n", file, error);
        say(console, line);
        return 1;
    }
    int rc = stack_udp_listen(stack, (uint16_t)port, answer_query, &the_server);
    if (rc != 0) {
        snprintf(line, sizeof(line), "dns: cannot listen on UDP port %lld (error %d)\n", (long long)port, rc);
        say(console, line);
        return 1;
    }
    uint32_t a = stack->ipv4_address;
    snprintf(line, sizeof(line), "dns: serving %s (%zu records) on %u.%u.%u.%u port %lld\n", origin,
             dns_zone_record_count(the_server.zone), (unsigned)(a >> 24), (unsigned)(a >> 16) & 255u,
             (unsigned)(a >> 8) & 255u, (unsigned)a & 255u, (long long)port);
    say(console, line);
    rc = stack_run(stack, UINT64_MAX);
    snprintf(line, sizeof(line), "dns: the stack stopped (error %d) after %llu queries\n", rc,
             (unsigned long long)the_server.queries);
    say(console, line);
    return 1;
}
