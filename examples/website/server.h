/* server.h: the website's server state, shared by the start function (website.c) and its connections
 * (connection.c). */
#ifndef MIRAGE_EXAMPLES_WEBSITE_SERVER_H
#define MIRAGE_EXAMPLES_WEBSITE_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/console.h"
#include "devices/mclock.h"
#include "devices/pclock.h"
#include "examples/website/flow.h"
#include "examples/website/site.h"
#include "lib/http/http.h"

/* What one request may take (lib/http refuses more: 414, 431, 413). A connection holds a whole request head, so
 * these bound its memory. */
enum {
    REQUEST_LINE_MAX = 2048,
    HEADER_BYTES_MAX = 6144,
    HEADER_COUNT_MAX = 64,
    /* Bodies are only skipped (every method but GET and HEAD is 405), so this bounds reading, not memory. */
    BODY_MAX = 1 << 20,
    /* A request head whole: its line, CRLF, its header section, and up to four empty lines before it. */
    INPUT_SIZE = REQUEST_LINE_MAX + 2 + HEADER_BYTES_MAX + 8,
    /* An answer's header: lib/http's 512, and a redirect's Location with the authority and the target. */
    HEAD_SIZE = 512 + 256 + REQUEST_LINE_MAX,
};

struct connection;
struct server;

/* What one listener's connections answer: the site, or a 301 to the same path over https. */
struct service {
    struct server *server;
    const struct http_site *site; /* NULL: every answer is a redirect */
    /* The redirect's host[:port]: fixed, or NULL to take the host the client asked for (its Host field, checked)
     * with `https_port` after it unless that is 443. */
    const char *redirect_authority;
    uint16_t https_port;
};

struct server {
    struct console *console;
    struct pclock *wall;
    struct mclock *clock;
    struct site files;
    struct http_site site_tls;   /* with Strict-Transport-Security */
    struct http_site site_plain; /* without: a user agent ignores it over plain HTTP (RFC 6797 8.1) */
    struct http_limits limits;
    struct service https, http; /* the TLS listener's, and the plain one's (the site, or the redirect) */
    uint64_t idle_timeout_ns;
    uint64_t connections_max;
    uint64_t connection_count;
    /* Open connections from the nearest deadline to the farthest: every deadline is set to now plus the one
     * timeout, so the one just set is always the farthest. */
    struct connection *nearest, *farthest;
    uint64_t requests, refused_connections, timed_out;
    struct http_request request; /* the request being answered: one at a time, filled and used within a call */
};

/* The accept handler for the server's listeners (its context is the listener's service): a new connection, or
 * NULL at `connections-max` or without memory. */
void *connection_accept(void *context, struct flow *flow);

/* The events of a connection's flow. */
extern const struct flow_events connection_events;

/* Closes the connections whose deadline has passed; returns the nanoseconds until the next deadline (the idle
 * timeout when none is open). */
uint64_t connections_expire(struct server *server);

/* The authority to redirect `request` to over https (redirect.c): `service`'s fixed one, or the host of the
 * request's one Host field (its port dropped, `https_port` put in unless it is 443) into `buffer`. NULL when the
 * request names no host a Location can carry (no Host field, several, or one with other characters). */
const char *redirect_authority(const struct service *service, const struct http_request *request, char *buffer,
                               size_t size);

/* Room for redirect_authority's buffer: a host of up to 255 octets, ':', a port, the NUL. */
enum { REDIRECT_AUTHORITY_SIZE = 255 + 1 + 5 + 1 };

#endif
