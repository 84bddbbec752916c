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

struct server {
    struct console *console;
    struct pclock *wall;
    struct mclock *clock;
    struct site files;
    struct http_site site;
    struct http_limits limits;
    const char *redirect_authority; /* NULL: serve the files; else every answer is a redirect to it over https */
    uint64_t idle_timeout_ns;
    uint64_t connections_max;
    uint64_t connection_count;
    /* Open connections from the nearest deadline to the farthest: every deadline is set to now plus the one
     * timeout, so the one just set is always the farthest. */
    struct connection *nearest, *farthest;
    uint64_t requests, refused_connections, timed_out;
    struct http_request request; /* the request being answered: one at a time, filled and used within a call */
};

/* The accept handler for the server's listeners (its context is the server): a new connection, or NULL at
 * `connections-max` or without memory. */
void *connection_accept(void *context, struct flow *flow);

/* The events of a connection's flow. */
extern const struct flow_events connection_events;

/* Closes the connections whose deadline has passed; returns the nanoseconds until the next deadline (the idle
 * timeout when none is open). */
uint64_t connections_expire(struct server *server);

#endif
