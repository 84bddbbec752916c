/* connection.c: one HTTP/1.1 connection over a flow: requests read into a bounded buffer and parsed by lib/http,
 * answered one at a time in the order they came (pipelining), each answer's body written straight from the
 * file's bytes as fast as the flow takes them (backpressure, no copy), and a deadline that closes a connection
 * whose next request does not arrive whole in time (slow headers) or whose answer stops moving. */
#include <stdlib.h>
#include <string.h>

#include "examples/website/server.h"

struct connection {
    struct server *server;
    const struct service *service; /* what its listener answers */
    struct flow *flow;
    struct connection *nearer, *farther; /* in the server's list, by deadline */
    uint64_t deadline_ns;
    struct http_parser parser;
    size_t input_length; /* octets in `input` not consumed yet: the start of the next request (or body) */
    bool peer_done;      /* the peer's end of stream was read */
    /* The body of the request answered last, still to be skipped: `skip_length` octets, or a chunked body. */
    uint64_t skip_length;
    bool skip_chunked;
    struct http_chunked chunked;
    /* The answer being sent: head[head_sent, head_length), then body_length octets from `body`. */
    size_t head_length, head_sent;
    const uint8_t *body;
    size_t body_length;
    bool close_after; /* close once the answer is sent */
    bool draining;    /* our direction is shut: what the peer still sends is read and dropped until its end */
    uint8_t head[HEAD_SIZE];
    uint8_t input[INPUT_SIZE];
};

static void unlink_connection(struct server *server, struct connection *c)
{
    if (c->nearer != NULL)
        c->nearer->farther = c->farther;
    else
        server->nearest = c->farther;
    if (c->farther != NULL)
        c->farther->nearer = c->nearer;
    else
        server->farthest = c->nearer;
    c->nearer = c->farther = NULL;
}

/* The connection has until now plus the timeout: the farthest deadline of all. */
static void set_deadline(struct connection *c)
{
    struct server *server = c->server;
    c->deadline_ns = mclock_elapsed_ns(server->clock) + server->idle_timeout_ns;
    if (server->farthest == c)
        return;
    if (c->nearer != NULL || server->nearest == c)
        unlink_connection(server, c);
    c->nearer = server->farthest;
    if (server->farthest != NULL)
        server->farthest->farther = c;
    else
        server->nearest = c;
    server->farthest = c;
}

static void connection_close(struct connection *c)
{
    struct server *server = c->server;
    unlink_connection(server, c);
    server->connection_count--;
    flow_close(c->flow); /* an orderly close when all that came was read, a reset otherwise */
    free(c);
}

static void consume(struct connection *c, size_t length)
{
    memmove(c->input, c->input + length, c->input_length - length);
    c->input_length -= length;
}

/* POSIX seconds for Date; a wall clock that fails leaves Date out (lib/http omits a date it cannot write). */
static int64_t now_seconds(struct server *server)
{
    int64_t ns;
    return pclock_now_ns(server->wall, &ns) == 0 ? ns / 1000000000 : INT64_MIN;
}

/* Answers the request parsed (or refused with `status`) at the start of the input; false when the answer could
 * not be made (a header over HEAD_SIZE, which the limits rule out). */
static bool answer(struct connection *c, enum http_parse_result result, unsigned status)
{
    struct server *server = c->server;
    const struct http_request *request = &server->request;
    struct http_response response;
    int64_t now = now_seconds(server);
    bool made;
    char authority[REDIRECT_AUTHORITY_SIZE];
    const char *to = NULL;
    if (result != HTTP_PARSE_ERROR && c->service->site == NULL) {
        to = redirect_authority(c->service, request, authority, sizeof authority);
        if (to == NULL) {
            result = HTTP_PARSE_ERROR; /* no host to send the client to */
            status = 400;
        }
    }
    if (result == HTTP_PARSE_ERROR)
        made = http_respond_error(status, now, c->head, sizeof c->head, &response);
    else if (to != NULL)
        made = http_respond_redirect(to, request, now, c->head, sizeof c->head, &response);
    else
        made = http_respond(c->service->site, request, now, c->head, sizeof c->head, &response);
    if (!made)
        return false;
    server->requests++;
    c->head_length = response.header_length;
    c->head_sent = 0;
    c->body = response.body;
    c->body_length = response.body_length;
    c->close_after = response.close;
    /* A body that fits beside the header goes out with it in one write (on the unix stack, one system call per
     * answer instead of two); a larger one is still written from the file's bytes as the flow takes them. */
    if (c->body_length <= sizeof c->head - c->head_length) {
        memcpy(c->head + c->head_length, c->body, c->body_length);
        c->head_length += c->body_length;
        c->body_length = 0;
    }
    if (result == HTTP_PARSE_ERROR) {
        c->input_length = 0; /* the rest is not read as requests: the connection closes after the answer */
        return true;
    }
    consume(c, request->head_length);
    c->skip_length = request->body_length;
    c->skip_chunked = request->chunked;
    if (c->skip_chunked)
        http_chunked_init(&c->chunked);
    return true;
}

enum send_result { SEND_DONE, SEND_BLOCKED, SEND_BROKEN };

/* Writes what is left of the answer until the flow takes no more. */
static enum send_result send_answer(struct connection *c)
{
    bool moved = false;
    enum send_result result = SEND_DONE;
    while (c->head_sent < c->head_length || c->body_length > 0) {
        bool in_head = c->head_sent < c->head_length;
        const uint8_t *data = in_head ? c->head + c->head_sent : c->body;
        size_t length = in_head ? c->head_length - c->head_sent : c->body_length;
        long taken = flow_write(c->flow, data, length);
        if (taken == STACK_TCP_WOULD_BLOCK) {
            result = SEND_BLOCKED; /* `writable` resumes */
            break;
        }
        if (taken <= 0 || (size_t)taken > length)
            return SEND_BROKEN;
        moved = true;
        if (in_head) {
            c->head_sent += (size_t)taken;
        } else {
            c->body += taken;
            c->body_length -= (size_t)taken;
        }
        if ((size_t)taken < length) {
            result = SEND_BLOCKED; /* the flow took part: `writable` comes when it takes more */
            break;
        }
    }
    if (moved)
        set_deadline(c); /* a client that reads, however slowly, keeps its connection */
    return result;
}

/* Drops the octets of the skipped body that are in the input; false when a chunked body's framing is lost. */
static bool skip_body(struct connection *c)
{
    if (c->skip_chunked) {
        size_t consumed = 0;
        unsigned status;
        enum http_chunked_result result =
            http_chunked_skip(&c->chunked, &c->server->limits, c->input, c->input_length, &consumed, &status);
        if (result == HTTP_CHUNKED_ERROR)
            return false;
        if (result == HTTP_CHUNKED_DONE) {
            consume(c, consumed);
            c->skip_chunked = false;
        } else {
            consume(c, c->input_length); /* all of it was body */
        }
        return true;
    }
    size_t length = c->skip_length < c->input_length ? (size_t)c->skip_length : c->input_length;
    consume(c, length);
    c->skip_length -= length;
    return true;
}

/* Moves the connection on as far as it goes without waiting: sends what is owed, then answers the requests in
 * the input, reading more only when it holds no whole request. Nothing is read while an answer is owed, so a
 * client that does not read its answers stops being read (its requests wait in its own buffers). */
static void pump(struct connection *c)
{
    for (;;) {
        if (c->head_sent < c->head_length || c->body_length > 0) {
            enum send_result sent = send_answer(c);
            if (sent == SEND_BLOCKED)
                return;
            if (sent == SEND_BROKEN) {
                connection_close(c);
                return;
            }
            c->head_length = c->head_sent = 0;
            if (c->close_after) {
                /* A lingering close: FIN after the answer, then read until the peer's end, so that what it sent
                 * after a refused request does not turn our close into a reset that could destroy the answer
                 * before the client reads it. The deadline bounds the wait. */
                if (flow_shutdown(c->flow) != 0) {
                    connection_close(c);
                    return;
                }
                c->draining = true;
            }
            set_deadline(c); /* the wait for the next request (or the peer's end) starts now */
            continue;
        }
        bool skipping = c->skip_length > 0 || c->skip_chunked;
        if (c->draining) {
            c->input_length = 0;
        } else if (skipping) {
            if (!skip_body(c)) {
                connection_close(c);
                return;
            }
            if (c->input_length > 0)
                continue;
        } else if (c->input_length > 0) {
            unsigned status = 0;
            enum http_parse_result parsed =
                http_parse(&c->parser, &c->server->limits, c->input, c->input_length, &c->server->request, &status);
            if (parsed != HTTP_PARSE_INCOMPLETE) {
                if (!answer(c, parsed, status)) {
                    connection_close(c);
                    return;
                }
                continue;
            }
        }
        if (c->peer_done) {
            connection_close(c); /* between requests or in the middle of one: nothing more will come */
            return;
        }
        if (c->input_length == sizeof c->input) {
            /* The limits keep a head within the buffer, so the parser refuses first; should it not, 431. */
            if (!answer(c, HTTP_PARSE_ERROR, 431)) {
                connection_close(c);
                return;
            }
            continue;
        }
        long got = flow_read(c->flow, c->input + c->input_length, sizeof c->input - c->input_length);
        if (got == STACK_TCP_WOULD_BLOCK)
            return; /* `readable` resumes */
        if (got < 0 || (size_t)got > sizeof c->input - c->input_length) {
            connection_close(c);
            return;
        }
        if (got == 0)
            c->peer_done = true;
        c->input_length += (size_t)got;
    }
}

static void on_ready(void *context)
{
    pump(context);
}

static void on_failed(void *context, int error)
{
    (void)error;
    connection_close(context);
}

const struct flow_events connection_events = {
    .readable = on_ready,
    .writable = on_ready,
    .failed = on_failed,
};

void *connection_accept(void *context, struct flow *flow)
{
    const struct service *service = context;
    struct server *server = service->server;
    if (server->connection_count >= server->connections_max) {
        server->refused_connections++;
        return NULL;
    }
    struct connection *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        server->refused_connections++;
        return NULL;
    }
    c->server = server;
    c->service = service;
    c->flow = flow;
    http_parser_init(&c->parser);
    server->connection_count++;
    set_deadline(c);
    return c;
}

uint64_t connections_expire(struct server *server)
{
    uint64_t now = mclock_elapsed_ns(server->clock);
    while (server->nearest != NULL && server->nearest->deadline_ns <= now) {
        server->timed_out++;
        connection_close(server->nearest);
    }
    /* stack_run handles traffic for as long as it is given, so it is given no longer than the timeout even with
     * no connection open: one accepted meanwhile has a deadline no nearer than the run's end. */
    return server->nearest == NULL ? server->idle_timeout_ns : server->nearest->deadline_ns - now;
}
