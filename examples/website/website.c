/* website.c: a static website: the files of a kv device (a folder crunched into the image) served over HTTP/1.1
 * with lib/http on the stack's TCP, or, with `redirect-to-https`, every request on the HTTP port answered with a
 * redirect to the same path over https. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console.h"
#include "devices/kv.h"
#include "devices/mclock.h"
#include "devices/pclock.h"
#include "devices/stack.h"
#include "examples/website/server.h"
#include "lib/runtime/mirage.h"

#define NS_PER_MS 1000000ull

static void say(struct console *console, const char *line)
{
    console_write(console, line, strlen(line));
}

/* Reads the int key `name` into `*value` when it is in [minimum, maximum]; else says so and returns false. */
static bool key_in_range(struct console *console, const char *name, int64_t minimum, int64_t maximum, int64_t *value)
{
    char line[160];
    *value = mirage_key_int(name);
    if (*value >= minimum && *value <= maximum)
        return true;
    snprintf(line, sizeof line, "website: --%s=%lld must be %lld to %lld\n", name, (long long)*value,
             (long long)minimum, (long long)maximum);
    say(console, line);
    return false;
}

static bool load_site(struct server *server, struct kv *files, const char *root)
{
    char line[256];
    const char *failed = "";
    enum site_error error = site_load(&server->files, files, root, &failed);
    switch (error) {
    case SITE_OK:
        break;
    case SITE_NO_DIGESTS:
        say(server->console, "website: the kv keeps no digests: answers carry no ETag\n");
        break;
    case SITE_NO_MEMORY:
        say(server->console, "website: out of memory indexing the site\n");
        return false;
    case SITE_KV_ERROR:
        snprintf(line, sizeof line, "website: the kv failed to read %s\n", failed);
        say(server->console, line);
        return false;
    }
    if (server->files.count == 0 && server->redirect_authority == NULL) {
        snprintf(line, sizeof line, "website: no file under --site-root=%s in the kv (its keys: %s...)\n", root,
                 kv_key_at(files, 0) != NULL ? kv_key_at(files, 0) : "none");
        say(server->console, line);
        return false;
    }
    return true;
}

int website_start(struct console *console, struct pclock *wall, struct mclock *clock, struct stack *stack,
                  struct kv *files)
{
    char line[320];
    int64_t port, connections_max, idle_ms;
    if (!key_in_range(console, "http-port", 1, 65535, &port) ||
        !key_in_range(console, "connections-max", 1, 1000000, &connections_max) ||
        !key_in_range(console, "idle-timeout", 1, 86400000, &idle_ms))
        return 1;
    const char *redirect = mirage_key_string("redirect-to-https");
    if (redirect[0] != '\0' && !http_authority_valid(redirect)) {
        snprintf(line, sizeof line, "website: --redirect-to-https=%.200s is not a host[:port]\n", redirect);
        say(console, line);
        return 1;
    }
    struct server *server = calloc(1, sizeof(*server));
    if (server == NULL) {
        say(console, "website: out of memory\n");
        return 1;
    }
    server->console = console;
    server->wall = wall;
    server->clock = clock;
    server->redirect_authority = redirect[0] != '\0' ? redirect : NULL;
    server->idle_timeout_ns = (uint64_t)idle_ms * NS_PER_MS;
    server->connections_max = (uint64_t)connections_max;
    server->limits = (struct http_limits){
        .request_line_max = REQUEST_LINE_MAX,
        .header_count_max = HEADER_COUNT_MAX,
        .header_bytes_max = HEADER_BYTES_MAX,
        .body_max = BODY_MAX,
    };
    const char *root = mirage_key_string("site-root");
    if (!load_site(server, files, root))
        return 1;
    /* Plain HTTP: no HSTS (RFC 6797 8.1: a user agent ignores it there); a TLS listener's site would set it. */
    server->site = (struct http_site){.lookup = site_lookup, .context = &server->files, .hsts_max_age = 0};

    int rc = flow_tcp_listen(stack, (uint16_t)port, connection_accept, server, &connection_events);
    if (rc != 0) {
        snprintf(line, sizeof line, "website: cannot listen on TCP port %lld (%d)\n", (long long)port, rc);
        say(console, line);
        return 1;
    }
    uint32_t address = stack->ipv4_address;
    if (server->redirect_authority != NULL)
        snprintf(line, sizeof line, "website: redirecting http://%u.%u.%u.%u:%lld to https://%s\n", address >> 24,
                 address >> 16 & 0xff, address >> 8 & 0xff, address & 0xff, (long long)port,
                 server->redirect_authority);
    else
        snprintf(line, sizeof line, "website: serving %zu files (%llu bytes) on http://%u.%u.%u.%u:%lld\n",
                 server->files.count, (unsigned long long)server->files.bytes, address >> 24, address >> 16 & 0xff,
                 address >> 8 & 0xff, address & 0xff, (long long)port);
    say(console, line);
    do {
        rc = stack_run(stack, connections_expire(server));
    } while (rc == 0);
    snprintf(line, sizeof line, "website: the stack stopped (%d) after %llu requests\n", rc,
             (unsigned long long)server->requests);
    say(console, line);
    return 1;
}
