/* socket_tcp.c: TCP flows of the unix stack over the host's non-blocking sockets (devices/stack.h's tcp_*).
 *
 * Readiness: `readable` is delivered when the socket has bytes (or end of stream, or an error) and the application
 * has called tcp_read since the last `readable`, so an application that reads nothing while its writes are blocked
 * is not called in a loop; one that reads only part of what is there is called again. `writable` is delivered once
 * after a write took fewer bytes than offered (EAGAIN from the kernel's send buffer: backpressure), or when a
 * connect completes. `failed` is delivered when the loop learns of a reset, timeout or refusal; an error that a
 * read or write returned first is not reported again.
 *
 * A callback left NULL is not called.
 *
 * Limit: at most `connections_max` flows. At the limit the listeners are no longer polled, so new connections wait
 * in the kernel's accept backlog (LISTEN_BACKLOG; beyond it the kernel drops SYNs and clients retry) until a flow
 * is closed: memory stays bounded and no connection is refused that could be served a moment later. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "targets/unix/socket_tcp.h"

enum {
    TCP_LISTENERS_MAX = 8,
    LISTEN_BACKLOG = 128,
    ACCEPT_BURST = 64, /* connections accepted per listener and round, so flows are served between bursts */
    FD_RESERVE = 64,   /* descriptors beyond the flows: listeners, UDP sockets, stdio */
};

struct tcp_listener {
    int fd;
    uint16_t port;
    stack_tcp_accept_handler handler;
    void *context;
};

struct stack_tcp_flow {
    struct stack_tcp_flow *previous, *next; /* the open flows, or the released ones awaiting free() */
    int fd;
    struct stack_tcp_callbacks callbacks;
    void *context;
    int error;          /* 0, or the stack_tcp_error the connection ended with */
    bool taken;         /* tcp_accept (or tcp_connect) gave it callbacks */
    bool connecting;    /* connect() is in progress */
    bool read_armed;    /* deliver `readable` when the socket has something */
    bool write_armed;   /* deliver `writable` when the socket takes bytes again */
    bool end_of_stream; /* a read returned the peer's end of stream */
    bool shut_down;     /* our direction is ended */
    bool released;      /* tcp_close was called: no callback any more */
};

/* What one polled descriptor of the last prepare stands for. */
struct tcp_polled {
    struct tcp_listener *listener; /* or NULL for a flow */
    struct stack_tcp_flow *flow;
};

struct socket_tcp {
    struct stack *stack;
    struct in_addr bind_address;
    struct tcp_listener listeners[TCP_LISTENERS_MAX];
    size_t listener_count;
    struct stack_tcp_flow *open;     /* doubly linked */
    struct stack_tcp_flow *released; /* freed at the next prepare: the last poll's table may still name them */
    size_t flow_count;
    size_t connections_max;
    bool accept_paused;        /* the process ran out of descriptors: wait for a flow to close before accepting again */
    struct tcp_polled *polled; /* socket_tcp_poll_capacity() entries */
};

int socket_tcp_error_from_errno(int error)
{
    switch (error) {
    case EAGAIN:
        return STACK_TCP_WOULD_BLOCK;
    case ECONNRESET:
    case EPIPE: /* the peer reset; our own shutdown is checked before writing */
    case ECONNABORTED:
        return STACK_TCP_RESET;
    case ETIMEDOUT:
        return STACK_TCP_TIMED_OUT;
    case ECONNREFUSED:
        return STACK_TCP_REFUSED;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
        return STACK_TCP_UNREACHABLE;
    case ENOBUFS:
    case ENOMEM:
    case EMFILE:
    case ENFILE:
    case EADDRNOTAVAIL: /* connect: no local port left */
        return STACK_TCP_NO_ROOM;
    case EINVAL:
    case ENOTCONN:
        return STACK_TCP_INVALID;
    default:
        return STACK_TCP_RESET; /* any other failure of an established connection ends it */
    }
}

/* Flows need a descriptor each: raise the soft limit toward the hard one so `connections_max` can be reached. */
static void raise_descriptor_limit(size_t connections_max)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    rlim_t wanted = (rlim_t)connections_max + FD_RESERVE;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
        limit.rlim_cur = limit.rlim_max == RLIM_INFINITY || limit.rlim_max > wanted ? wanted : limit.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &limit); /* best effort: accept pauses on EMFILE otherwise */
    }
}

struct socket_tcp *socket_tcp_create(struct stack *stack, struct in_addr bind_address, size_t connections_max)
{
    if (connections_max == 0 || connections_max > SIZE_MAX / sizeof(struct tcp_polled) - TCP_LISTENERS_MAX)
        return NULL;
    struct socket_tcp *tcp = calloc(1, sizeof(*tcp));
    if (tcp == NULL)
        return NULL;
    tcp->polled = calloc(connections_max + TCP_LISTENERS_MAX, sizeof(*tcp->polled));
    if (tcp->polled == NULL) {
        free(tcp);
        return NULL;
    }
    tcp->stack = stack;
    tcp->bind_address = bind_address;
    tcp->connections_max = connections_max;
    raise_descriptor_limit(connections_max);
    return tcp;
}

static void free_released(struct socket_tcp *tcp)
{
    while (tcp->released != NULL) {
        struct stack_tcp_flow *flow = tcp->released;
        tcp->released = flow->next;
        free(flow);
    }
}

void socket_tcp_destroy(struct socket_tcp *tcp)
{
    while (tcp->open != NULL)
        socket_tcp_close(tcp, tcp->open);
    free_released(tcp);
    for (size_t i = 0; i < tcp->listener_count; i++)
        (void)close(tcp->listeners[i].fd);
    free(tcp->polled);
    free(tcp);
}

bool socket_tcp_idle(const struct socket_tcp *tcp)
{
    return tcp->listener_count == 0 && tcp->open == NULL;
}

size_t socket_tcp_poll_capacity(const struct socket_tcp *tcp)
{
    return tcp->connections_max + TCP_LISTENERS_MAX;
}

size_t socket_tcp_poll_prepare(struct socket_tcp *tcp, struct pollfd *fds, size_t capacity)
{
    size_t count = 0;
    free_released(tcp);
    if (tcp->flow_count < tcp->connections_max && !tcp->accept_paused) {
        for (size_t i = 0; i < tcp->listener_count && count < capacity; i++) {
            fds[count] = (struct pollfd){.fd = tcp->listeners[i].fd, .events = POLLIN};
            tcp->polled[count++] = (struct tcp_polled){.listener = &tcp->listeners[i]};
        }
    }
    for (struct stack_tcp_flow *flow = tcp->open; flow != NULL && count < capacity; flow = flow->next) {
        /* A flow waits on nothing once it failed, or when the application has not read since its last
         * `readable` and has no write pending: polling it then would only spin on the same readiness. */
        short events = (short)((flow->read_armed ? POLLIN : 0) | (flow->write_armed ? POLLOUT : 0));
        if (flow->error != 0 || events == 0)
            continue;
        fds[count] = (struct pollfd){.fd = flow->fd, .events = events};
        tcp->polled[count++] = (struct tcp_polled){.flow = flow};
    }
    return count;
}

static int pending_socket_error(int fd)
{
    int error = 0;
    socklen_t len = sizeof(error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        return errno;
    return error;
}

static void fail(struct socket_tcp *tcp, struct stack_tcp_flow *flow, int error)
{
    flow->error = error;
    flow->read_armed = false;
    flow->write_armed = false;
    if (flow->callbacks.failed != NULL)
        flow->callbacks.failed(flow->context, tcp->stack, flow, error);
}

static void link_open(struct socket_tcp *tcp, struct stack_tcp_flow *flow)
{
    flow->previous = NULL;
    flow->next = tcp->open;
    if (tcp->open != NULL)
        tcp->open->previous = flow;
    tcp->open = flow;
    tcp->flow_count++;
}

static struct stack_tcp_flow *new_flow(int fd)
{
    struct stack_tcp_flow *flow = calloc(1, sizeof(*flow));
    if (flow == NULL)
        return NULL;
    flow->fd = fd;
    return flow;
}

/* Applications write whole messages (a DNS length and its message, an echo of what came): send them at once
 * rather than hold the second behind Nagle's wait for the peer's (possibly delayed) ACK. Set on a listener, the
 * option is inherited by the connections it accepts. Best effort: latency, not correctness. */
static void send_without_delay(int fd)
{
    int on = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static void accept_connections(struct socket_tcp *tcp, struct tcp_listener *listener)
{
    for (size_t i = 0; i < ACCEPT_BURST && tcp->flow_count < tcp->connections_max; i++) {
        struct sockaddr_in peer;
        socklen_t peer_len = sizeof(peer);
        int fd = accept4(listener->fd, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                tcp->accept_paused = true; /* the listener stays readable: polling it now would spin; the
                                            * next tcp_close resumes accepting */
            return;
        }
        struct stack_tcp_flow *flow = new_flow(fd);
        if (flow == NULL) {
            close(fd);
            tcp->accept_paused = true;
            return;
        }
        link_open(tcp, flow);
        struct stack_tcp_peer from = {.address = ntohl(peer.sin_addr.s_addr), .port = ntohs(peer.sin_port)};
        listener->handler(listener->context, tcp->stack, listener->port, flow, &from);
        /* The handler must take or close the flow; one that did neither would leak it. */
        if (!flow->released && !flow->taken)
            socket_tcp_close(tcp, flow);
    }
}

static void dispatch_flow(struct socket_tcp *tcp, struct stack_tcp_flow *flow, short revents)
{
    if (flow->connecting) {
        if ((revents & (POLLOUT | POLLERR | POLLHUP)) == 0)
            return;
        flow->connecting = false;
        flow->write_armed = false;
        int error = pending_socket_error(flow->fd);
        if (error != 0) {
            fail(tcp, flow, socket_tcp_error_from_errno(error));
            return;
        }
        flow->read_armed = true;
        if (flow->callbacks.writable != NULL)
            flow->callbacks.writable(flow->context, tcp->stack, flow);
        return;
    }
    if ((revents & POLLERR) != 0) {
        int error = pending_socket_error(flow->fd);
        if (error != 0) {
            fail(tcp, flow, socket_tcp_error_from_errno(error));
            return;
        }
    }
    bool delivered = false;
    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 && flow->read_armed) {
        flow->read_armed = false;
        delivered = true;
        if (flow->callbacks.readable != NULL)
            flow->callbacks.readable(flow->context, tcp->stack, flow);
        if (flow->released || flow->error != 0)
            return;
    }
    if ((revents & (POLLOUT | POLLHUP | POLLERR)) != 0 && flow->write_armed) {
        flow->write_armed = false;
        delivered = true;
        if (flow->callbacks.writable != NULL)
            flow->callbacks.writable(flow->context, tcp->stack, flow);
    }
    if (!delivered && !flow->released) {
        /* Hang-up with nothing the application waits for: stop polling rather than wake for it again. */
        flow->read_armed = false;
        flow->write_armed = false;
    }
}

void socket_tcp_poll_dispatch(struct socket_tcp *tcp, const struct pollfd *fds, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (fds[i].revents == 0)
            continue;
        const struct tcp_polled *polled = &tcp->polled[i];
        if (polled->listener != NULL)
            accept_connections(tcp, polled->listener);
        else if (!polled->flow->released && polled->flow->error == 0)
            dispatch_flow(tcp, polled->flow, fds[i].revents);
    }
}

/* The stack_tcp_error for a failure to listen: the port is taken, a limit is reached, or (a privileged port
 * without the right, an address the host does not have) the port cannot be had here. */
static int listen_error_from_errno(int error)
{
    switch (error) {
    case EADDRINUSE:
        return STACK_TCP_IN_USE;
    case ENOBUFS:
    case ENOMEM:
    case EMFILE:
    case ENFILE:
        return STACK_TCP_NO_ROOM;
    default:
        return STACK_TCP_INVALID;
    }
}

static int listener_socket(struct in_addr address, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return listen_error_from_errno(errno);
    /* A restarted server rebinds at once although connections of its previous run linger in TIME-WAIT. */
    int on = 1;
    struct sockaddr_in bound = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = address};
    send_without_delay(fd);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        bind(fd, (struct sockaddr *)&bound, sizeof(bound)) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        int error = errno;
        close(fd);
        return listen_error_from_errno(error);
    }
    return fd;
}

int socket_tcp_listen(struct socket_tcp *tcp, uint16_t port, stack_tcp_accept_handler handler, void *context)
{
    if (port == 0 || handler == NULL)
        return STACK_TCP_INVALID;
    for (size_t i = 0; i < tcp->listener_count; i++) {
        if (tcp->listeners[i].port == port)
            return STACK_TCP_IN_USE;
    }
    if (tcp->listener_count == TCP_LISTENERS_MAX)
        return STACK_TCP_NO_ROOM;
    int fd = listener_socket(tcp->bind_address, port);
    if (fd < 0)
        return fd;
    tcp->listeners[tcp->listener_count++] = (struct tcp_listener){fd, port, handler, context};
    return 0;
}

void socket_tcp_accept(struct socket_tcp *tcp, struct stack_tcp_flow *flow, const struct stack_tcp_callbacks *callbacks,
                       void *context)
{
    (void)tcp;
    flow->callbacks = *callbacks;
    flow->context = context;
    flow->taken = true;
    flow->read_armed = true;
}

int socket_tcp_connect(struct socket_tcp *tcp, const struct stack_tcp_peer *to,
                       const struct stack_tcp_callbacks *callbacks, void *context, struct stack_tcp_flow **flow_out)
{
    if (to->port == 0 || callbacks == NULL)
        return STACK_TCP_INVALID;
    if (tcp->flow_count >= tcp->connections_max)
        return STACK_TCP_NO_ROOM;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return socket_tcp_error_from_errno(errno);
    struct sockaddr_in peer = {
        .sin_family = AF_INET, .sin_port = htons(to->port), .sin_addr.s_addr = htonl(to->address)};
    int rc = connect(fd, (struct sockaddr *)&peer, sizeof(peer));
    if (rc != 0 && errno != EINPROGRESS) {
        int error = errno;
        close(fd);
        return socket_tcp_error_from_errno(error);
    }
    struct stack_tcp_flow *flow = new_flow(fd);
    if (flow == NULL) {
        close(fd);
        return STACK_TCP_NO_ROOM;
    }
    send_without_delay(fd);
    flow->callbacks = *callbacks;
    flow->context = context;
    flow->taken = true;
    /* In progress, or (on loopback, rarely) done already: either way `writable` comes from the loop. */
    flow->connecting = true;
    flow->write_armed = true;
    link_open(tcp, flow);
    *flow_out = flow;
    return 0;
}

static void fail_quietly(struct stack_tcp_flow *flow, int error)
{
    flow->error = error;
    flow->read_armed = false;
    flow->write_armed = false;
}

long socket_tcp_read(struct socket_tcp *tcp, struct stack_tcp_flow *flow, uint8_t *buffer, size_t capacity)
{
    (void)tcp;
    if (flow->error != 0)
        return flow->error;
    if (capacity == 0)
        return STACK_TCP_INVALID; /* a 0-byte read could not be told from the end of stream */
    if (flow->connecting)
        return STACK_TCP_WOULD_BLOCK;
    if (flow->end_of_stream)
        return 0;
    if (capacity > (size_t)LONG_MAX)
        capacity = (size_t)LONG_MAX;
    for (;;) {
        ssize_t got = recv(flow->fd, buffer, capacity, MSG_DONTWAIT);
        if (got > 0) {
            flow->read_armed = true;
            return (long)got;
        }
        if (got == 0) {
            flow->end_of_stream = true;
            flow->read_armed = false;
            return 0;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            flow->read_armed = true;
            return STACK_TCP_WOULD_BLOCK;
        }
        int error = socket_tcp_error_from_errno(errno);
        fail_quietly(flow, error);
        return error;
    }
}

long socket_tcp_write(struct socket_tcp *tcp, struct stack_tcp_flow *flow, const uint8_t *data, size_t len)
{
    (void)tcp;
    if (flow->error != 0)
        return flow->error;
    if (flow->shut_down)
        return STACK_TCP_CLOSED;
    if (len == 0)
        return STACK_TCP_INVALID;
    if (flow->connecting)
        return STACK_TCP_WOULD_BLOCK; /* `writable` comes when the connection is up */
    if (len > (size_t)LONG_MAX)
        len = (size_t)LONG_MAX;
    for (;;) {
        ssize_t sent = send(flow->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent > 0) {
            if ((size_t)sent < len)
                flow->write_armed = true;
            return (long)sent;
        }
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            flow->write_armed = true;
            return STACK_TCP_WOULD_BLOCK;
        }
        int error = sent < 0 ? socket_tcp_error_from_errno(errno) : STACK_TCP_RESET;
        fail_quietly(flow, error);
        return error;
    }
}

int socket_tcp_shutdown(struct socket_tcp *tcp, struct stack_tcp_flow *flow)
{
    (void)tcp;
    if (flow->error != 0)
        return flow->error;
    if (flow->connecting)
        return STACK_TCP_INVALID;
    if (flow->shut_down)
        return 0;
    /* The kernel sends the FIN after the bytes already queued, as the contract asks. */
    if (shutdown(flow->fd, SHUT_WR) != 0) {
        /* ENOTCONN on an established flow: a reset ended it, and the socket's pending error says which. */
        int error = errno;
        if (error == ENOTCONN) {
            int pending = pending_socket_error(flow->fd);
            error = pending != 0 ? pending : ECONNRESET;
        }
        fail_quietly(flow, socket_tcp_error_from_errno(error));
        return flow->error;
    }
    flow->shut_down = true;
    flow->write_armed = false;
    return 0;
}

/* Milliseconds rounded up to the whole seconds of TCP_KEEPIDLE and TCP_KEEPINTVL: never probe sooner than asked. */
static int keepalive_seconds(uint32_t ms)
{
    return (int)((ms + 999) / 1000);
}

/* The kernel's keep-alives with the same bounds as the direct stack's; its timeout reaches the loop as ETIMEDOUT,
 * which becomes `failed` with STACK_TCP_TIMED_OUT. */
int socket_tcp_set_keepalive(struct socket_tcp *tcp, struct stack_tcp_flow *flow, uint32_t idle_ms,
                             uint32_t interval_ms, uint32_t count)
{
    (void)tcp;
    if (flow == NULL || flow->released)
        return STACK_TCP_INVALID;
    if (flow->error != 0)
        return flow->error;
    if (idle_ms > STACK_TCP_KEEPALIVE_MS_MAX)
        return STACK_TCP_INVALID;
    int on = idle_ms != 0;
    if (on && (interval_ms == 0 || interval_ms > STACK_TCP_KEEPALIVE_MS_MAX || count == 0 ||
               count > STACK_TCP_KEEPALIVE_COUNT_MAX))
        return STACK_TCP_INVALID;
    if (on) {
        int idle = keepalive_seconds(idle_ms);
        int interval = keepalive_seconds(interval_ms);
        int probes = (int)count;
        if (setsockopt(flow->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) != 0 ||
            setsockopt(flow->fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval)) != 0 ||
            setsockopt(flow->fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes)) != 0)
            return socket_tcp_error_from_errno(errno);
    }
    if (setsockopt(flow->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) != 0)
        return socket_tcp_error_from_errno(errno);
    return 0;
}

/* True when bytes the peer sent are still unread in the kernel's receive queue. Nothing follows the end of
 * stream, so a flow that read it needs no look. */
static bool unread_bytes(const struct stack_tcp_flow *flow)
{
    int pending = 0;
    return !flow->end_of_stream && ioctl(flow->fd, FIONREAD, &pending) == 0 && pending > 0;
}

void socket_tcp_close(struct socket_tcp *tcp, struct stack_tcp_flow *flow)
{
    /* RFC 9293 3.6: closing with received data unread (or a connection that never completed) resets it; a
     * zero linger time makes close() send the RST and drop our queue. Otherwise close() is orderly: the kernel
     * sends what is queued, then FIN, and finishes the close on its own. */
    if (flow->error == 0 && (flow->connecting || unread_bytes(flow))) {
        struct linger reset = {.l_onoff = 1, .l_linger = 0};
        (void)setsockopt(flow->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset)); /* Linux resets anyway */
    }
    (void)close(flow->fd); /* the descriptor is released whatever close() reports */
    flow->fd = -1;
    flow->released = true;
    if (flow->previous != NULL)
        flow->previous->next = flow->next;
    else
        tcp->open = flow->next;
    if (flow->next != NULL)
        flow->next->previous = flow->previous;
    flow->previous = NULL;
    flow->next = tcp->released;
    tcp->released = flow;
    tcp->flow_count--;
    tcp->accept_paused = false;
}
