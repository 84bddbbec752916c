/* website.c: a static website: the files of a kv device (a folder crunched into the image) served over HTTPS
 * (HTTP/1.1 by lib/http in sessions of the tls device) with Strict-Transport-Security, and every request on the
 * plain-HTTP port answered with a redirect to the same path over https; or, with `https-port=0`, the site over
 * plain HTTP. */
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
#include "devices/tls.h"
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

static bool load_site(struct server *server, struct kv *files, const char *root, bool needed)
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
    if (server->files.count == 0 && needed) {
        snprintf(line, sizeof line, "website: no file under --site-root=%s in the kv (its keys: %s...)\n", root,
                 kv_key_at(files, 0) != NULL ? kv_key_at(files, 0) : "none");
        say(server->console, line);
        return false;
    }
    return true;
}

/* "a.b.c.d" of the stack's address (0.0.0.0 on a socket stack bound to every address). */
static void format_address(uint32_t address, char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", address >> 24, address >> 16 & 0xff, address >> 8 & 0xff, address & 0xff);
}

/* The keys into `server`, with the services of its two listeners; false after a line saying which key is wrong. */
static bool configure(struct server *server, int64_t *http_port, int64_t *https_port)
{
    struct console *console = server->console;
    char line[320];
    int64_t connections_max, idle_ms, hsts;
    if (!key_in_range(console, "http-port", 0, 65535, http_port) ||
        !key_in_range(console, "https-port", 0, 65535, https_port) ||
        !key_in_range(console, "hsts-max-age", 0, UINT32_MAX, &hsts) ||
        !key_in_range(console, "connections-max", 1, 1000000, &connections_max) ||
        !key_in_range(console, "idle-timeout", 1, 86400000, &idle_ms))
        return false;
    if (*http_port == 0 && *https_port == 0) {
        say(console, "website: --http-port and --https-port are both 0: nothing to serve\n");
        return false;
    }
    if (*http_port == *https_port) {
        say(console, "website: --http-port and --https-port must differ\n");
        return false;
    }
    const char *redirect = mirage_key_string("redirect-to-https");
    if (redirect[0] != '\0' && !http_authority_valid(redirect)) {
        snprintf(line, sizeof line, "website: --redirect-to-https=%.200s is not a host[:port]\n", redirect);
        say(console, line);
        return false;
    }
    server->idle_timeout_ns = (uint64_t)idle_ms * NS_PER_MS;
    server->connections_max = (uint64_t)connections_max;
    server->limits = (struct http_limits){
        .request_line_max = REQUEST_LINE_MAX,
        .header_count_max = HEADER_COUNT_MAX,
        .header_bytes_max = HEADER_BYTES_MAX,
        .body_max = BODY_MAX,
    };
    server->site_tls =
        (struct http_site){.lookup = site_lookup, .context = &server->files, .hsts_max_age = (uint32_t)hsts};
    server->site_plain = (struct http_site){.lookup = site_lookup, .context = &server->files, .hsts_max_age = 0};
    server->https = (struct service){.server = server, .site = &server->site_tls};
    /* With https served here, the plain port only sends clients to it; without, it serves the site, unless a
     * redirect to https elsewhere is asked for. */
    bool redirecting = *https_port != 0 || redirect[0] != '\0';
    server->http = (struct service){
        .server = server,
        .site = redirecting ? NULL : &server->site_plain,
        .redirect_authority = redirect[0] != '\0' ? redirect : NULL,
        .https_port = (uint16_t)*https_port,
    };
    return true;
}

int website_start(struct console *console, struct pclock *wall, struct mclock *clock, struct tls *tls, struct kv *files)
{
    struct stack *stack = tls->stack; /* the plain-HTTP port is on the stack the TLS sessions run over */
    char line[384], address[16];
    int64_t http_port, https_port;
    struct server *server = calloc(1, sizeof(*server));
    if (server == NULL) {
        say(console, "website: out of memory\n");
        return 1;
    }
    server->console = console;
    server->wall = wall;
    server->clock = clock;
    if (!configure(server, &http_port, &https_port))
        return 1;
    bool site_needed = https_port != 0 || server->http.site != NULL;
    if (!load_site(server, files, mirage_key_string("site-root"), site_needed))
        return 1;
    format_address(stack->ipv4_address, address);

    if (http_port != 0) {
        int rc = flow_tcp_listen(stack, (uint16_t)http_port, connection_accept, &server->http, &connection_events);
        if (rc != 0) {
            snprintf(line, sizeof line, "website: cannot listen on TCP port %lld (%d)\n", (long long)http_port, rc);
            say(console, line);
            return 1;
        }
        if (server->http.redirect_authority != NULL)
            snprintf(line, sizeof line, "website: redirecting http://%s:%lld to https://%s\n", address,
                     (long long)http_port, server->http.redirect_authority);
        else if (server->http.site == NULL)
            snprintf(line, sizeof line,
                     "website: redirecting http://%s:%lld to https port %lld of the host asked for\n", address,
                     (long long)http_port, (long long)https_port);
        else
            snprintf(line, sizeof line, "website: serving %zu files (%llu bytes) on http://%s:%lld\n",
                     server->files.count, (unsigned long long)server->files.bytes, address, (long long)http_port);
        say(console, line);
    }
    if (https_port != 0) {
        int rc = flow_tls_listen(tls, (uint16_t)https_port, connection_accept, &server->https, &connection_events);
        if (rc != 0) {
            snprintf(line, sizeof line, "website: cannot serve https on TCP port %lld (%d%s)\n", (long long)https_port,
                     rc, rc == STACK_TCP_INVALID ? ": no certificate, see --tls-certificates" : "");
            say(console, line);
            return 1;
        }
        snprintf(line, sizeof line, "website: serving %zu files (%llu bytes) on https://%s:%lld (hsts max-age %lu)\n",
                 server->files.count, (unsigned long long)server->files.bytes, address, (long long)https_port,
                 (unsigned long)server->site_tls.hsts_max_age);
        say(console, line);
    }
    int rc;
    do {
        /* The tls device's run is the stack's, cut at its handshake deadlines: it serves the plain port too. */
        rc = tls_run(tls, connections_expire(server));
    } while (rc == 0);
    snprintf(line, sizeof line, "website: the stack stopped (%d) after %llu requests\n", rc,
             (unsigned long long)server->requests);
    say(console, line);
    return 1;
}
