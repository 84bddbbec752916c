/* socket_stack.c: the stack device on unix over the host's sockets: UDP batched with recvmmsg/sendmmsg, TCP flows
 * (socket_tcp.c) polled in the same loop. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "devices/stack.h"
#include "lib/runtime/mirage.h"
#include "targets/unix/socket_tcp.h"

enum {
    MAX_LISTENERS = 8,
    BATCH = 64,           /* datagrams read (and replies written) per system call */
    DATAGRAM_MAX = 65536, /* the largest UDP payload */
    SOCKET_BUFFER_BYTES = 4 << 20,
    TCP_CONNECTIONS_LIMIT = 1 << 20, /* the largest `tcp-connections-max` accepted */
};

struct listener {
    int fd;
    uint16_t port;
    stack_udp_handler handler;
    void *context;
};

struct socket_stack {
    struct in_addr bind_address;
    struct socket_tcp *tcp;
    struct pollfd *fds; /* MAX_LISTENERS + socket_tcp_poll_capacity() */
    struct listener listeners[MAX_LISTENERS];
    size_t listener_count;
    /* Replies queued by handlers during one batch, sent together when it ends. */
    struct mmsghdr out_messages[BATCH];
    struct iovec out_iovecs[BATCH];
    struct sockaddr_in out_peers[BATCH];
    uint8_t out_buffers[BATCH][DATAGRAM_MAX];
    size_t out_count;
    int out_fd;
    /* The receive batch. */
    struct mmsghdr in_messages[BATCH];
    struct iovec in_iovecs[BATCH];
    struct sockaddr_in in_peers[BATCH];
    uint8_t in_buffers[BATCH][DATAGRAM_MAX];
};

static struct listener *listener_for_port(struct socket_stack *s, uint16_t port)
{
    for (size_t i = 0; i < s->listener_count; i++) {
        if (s->listeners[i].port == port)
            return &s->listeners[i];
    }
    return NULL;
}

static int flush_replies(struct socket_stack *s)
{
    size_t sent = 0;
    while (sent < s->out_count) {
        int n = sendmmsg(s->out_fd, s->out_messages + sent, (unsigned int)(s->out_count - sent), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* UDP is best effort: a full socket buffer drops the rest, as a network would */
        sent += (size_t)n;
    }
    s->out_count = 0;
    return 0;
}

/* Room for bursts: the kernel's default buffers drop datagrams under load. FORCE works for root beyond
 * net.core.rmem_max; the plain options are the fallback. Best effort: the defaults still work. */
static void set_buffer_sizes(int fd)
{
    int size = SOCKET_BUFFER_BYTES;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static int socket_udp_listen(struct stack *self, uint16_t port, stack_udp_handler handler, void *context)
{
    struct socket_stack *s = self->state;
    if (s->listener_count == MAX_LISTENERS || listener_for_port(s, port) != NULL)
        return -EADDRINUSE;
    /* Blocking, so a full send buffer makes sendmmsg wait instead of dropping replies; reads use MSG_DONTWAIT. */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    set_buffer_sizes(fd);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = s->bind_address};
    if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    s->listeners[s->listener_count++] = (struct listener){fd, port, handler, context};
    return 0;
}

static int socket_udp_send(struct stack *self, uint16_t local_port, const struct stack_udp_peer *to,
                           const uint8_t *payload, size_t len)
{
    struct socket_stack *s = self->state;
    struct listener *from = listener_for_port(s, local_port);
    if (from == NULL || len > DATAGRAM_MAX)
        return -EINVAL;
    if (s->out_count > 0 && s->out_fd != from->fd)
        flush_replies(s);
    if (s->out_count == BATCH)
        flush_replies(s);
    size_t slot = s->out_count++;
    s->out_fd = from->fd;
    memcpy(s->out_buffers[slot], payload, len);
    s->out_peers[slot] = (struct sockaddr_in){
        .sin_family = AF_INET,
        .sin_port = htons(to->port),
        .sin_addr.s_addr = htonl(to->address),
    };
    s->out_iovecs[slot] = (struct iovec){.iov_base = s->out_buffers[slot], .iov_len = len};
    s->out_messages[slot] = (struct mmsghdr){
        .msg_hdr = {.msg_name = &s->out_peers[slot],
                    .msg_namelen = sizeof(struct sockaddr_in),
                    .msg_iov = &s->out_iovecs[slot],
                    .msg_iovlen = 1},
    };
    return 0;
}

/* Reads a batch from `listener` and answers it. `flags` is MSG_DONTWAIT after poll said it is readable, or
 * MSG_WAITFORONE to block until one datagram comes and take what else is there, without a poll first. */
static int receive_batch(struct stack *self, struct listener *listener, int flags)
{
    struct socket_stack *s = self->state;
    for (size_t i = 0; i < BATCH; i++) {
        s->in_iovecs[i] = (struct iovec){.iov_base = s->in_buffers[i], .iov_len = DATAGRAM_MAX};
        s->in_messages[i] = (struct mmsghdr){
            .msg_hdr = {.msg_name = &s->in_peers[i],
                        .msg_namelen = sizeof(struct sockaddr_in),
                        .msg_iov = &s->in_iovecs[i],
                        .msg_iovlen = 1},
        };
    }
    int n = recvmmsg(listener->fd, s->in_messages, BATCH, flags, NULL);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        const struct sockaddr_in *peer = &s->in_peers[i];
        struct stack_udp_peer from = {.address = ntohl(peer->sin_addr.s_addr), .port = ntohs(peer->sin_port)};
        listener->handler(listener->context, self, listener->port, &from, s->in_buffers[i], s->in_messages[i].msg_len);
    }
    flush_replies(s);
    return 0;
}

static uint64_t monotonic_ns(void)
{
    struct timespec now;
    (void)clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * UINT64_C(1000000000) + (uint64_t)now.tv_nsec;
}

static int socket_run(struct stack *self, uint64_t timeout_ns)
{
    struct socket_stack *s = self->state;
    uint64_t start = monotonic_ns();
    uint64_t deadline = timeout_ns > UINT64_MAX - start ? UINT64_MAX : start + timeout_ns;

    for (;;) {
        /* One UDP socket, no TCP and no deadline (a UDP server's run): block in recvmmsg itself, one system call
         * fewer per batch than poll and then recvmmsg. A handler that adds a listener or a flow brings the next
         * batch back to poll. */
        if (deadline == UINT64_MAX && s->listener_count == 1 && socket_tcp_idle(s->tcp)) {
            int rc = receive_batch(self, &s->listeners[0], MSG_WAITFORONE);
            if (rc < 0)
                return rc;
            continue;
        }
        uint64_t now = monotonic_ns();
        if (now >= deadline)
            return 0;
        uint64_t left_ms = (deadline - now + 999999u) / 1000000u;
        int wait_ms = deadline == UINT64_MAX || left_ms > 60000u ? 60000 : (int)left_ms;
        size_t udp_count = s->listener_count;
        for (size_t i = 0; i < udp_count; i++)
            s->fds[i] = (struct pollfd){.fd = s->listeners[i].fd, .events = POLLIN};
        size_t tcp_count = socket_tcp_poll_prepare(s->tcp, s->fds + udp_count, socket_tcp_poll_capacity(s->tcp));
        int ready = poll(s->fds, (nfds_t)(udp_count + tcp_count), wait_ms);
        if (ready < 0 && errno != EINTR)
            return -errno;
        if (ready <= 0)
            continue;
        for (size_t i = 0; i < udp_count; i++) {
            if ((s->fds[i].revents & POLLIN) != 0) {
                int rc = receive_batch(self, &s->listeners[i], MSG_DONTWAIT);
                if (rc < 0)
                    return rc;
            }
        }
        socket_tcp_poll_dispatch(s->tcp, s->fds + udp_count, tcp_count);
    }
}

static int socket_tcp_listen_op(struct stack *self, uint16_t port, stack_tcp_accept_handler handler, void *context)
{
    struct socket_stack *s = self->state;
    return socket_tcp_listen(s->tcp, port, handler, context);
}

static void socket_tcp_accept_op(struct stack *self, struct stack_tcp_flow *flow,
                                 const struct stack_tcp_callbacks *callbacks, void *context)
{
    struct socket_stack *s = self->state;
    socket_tcp_accept(s->tcp, flow, callbacks, context);
}

static int socket_tcp_connect_op(struct stack *self, const struct stack_tcp_peer *to,
                                 const struct stack_tcp_callbacks *callbacks, void *context,
                                 struct stack_tcp_flow **flow)
{
    struct socket_stack *s = self->state;
    return socket_tcp_connect(s->tcp, to, callbacks, context, flow);
}

static long socket_tcp_read_op(struct stack *self, struct stack_tcp_flow *flow, uint8_t *buffer, size_t capacity)
{
    struct socket_stack *s = self->state;
    return socket_tcp_read(s->tcp, flow, buffer, capacity);
}

static long socket_tcp_write_op(struct stack *self, struct stack_tcp_flow *flow, const uint8_t *data, size_t len)
{
    struct socket_stack *s = self->state;
    return socket_tcp_write(s->tcp, flow, data, len);
}

static int socket_tcp_shutdown_op(struct stack *self, struct stack_tcp_flow *flow)
{
    struct socket_stack *s = self->state;
    return socket_tcp_shutdown(s->tcp, flow);
}

static void socket_tcp_close_op(struct stack *self, struct stack_tcp_flow *flow)
{
    struct socket_stack *s = self->state;
    socket_tcp_close(s->tcp, flow);
}

static int socket_tcp_set_keepalive_op(struct stack *self, struct stack_tcp_flow *flow, uint32_t idle_ms,
                                       uint32_t interval_ms, uint32_t count)
{
    struct socket_stack *s = self->state;
    return socket_tcp_set_keepalive(s->tcp, flow, idle_ms, interval_ms, count);
}

static const struct stack_ops ops = {
    .udp_listen = socket_udp_listen,
    .udp_send = socket_udp_send,
    .run = socket_run,
    .tcp_listen = socket_tcp_listen_op,
    .tcp_accept = socket_tcp_accept_op,
    .tcp_connect = socket_tcp_connect_op,
    .tcp_read = socket_tcp_read_op,
    .tcp_write = socket_tcp_write_op,
    .tcp_shutdown = socket_tcp_shutdown_op,
    .tcp_close = socket_tcp_close_op,
    .tcp_set_keepalive = socket_tcp_set_keepalive_op,
};

/* The `ipv4` key is the address to listen on, with an optional prefix length that sockets do not need;
 * `tcp-connections-max` bounds the TCP flows open at once (socket_tcp.c says what happens at the bound). */
int unix_socket_stack_connect(struct stack *self)
{
    char address[64];
    const char *configured = mirage_key_string("ipv4");
    size_t len = strcspn(configured, "/");
    if (len >= sizeof(address))
        return -EINVAL;
    memcpy(address, configured, len);
    address[len] = '\0';
    int64_t connections_max = mirage_key_int("tcp-connections-max");
    if (connections_max < 1 || connections_max > TCP_CONNECTIONS_LIMIT)
        return -EINVAL;

    struct socket_stack *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    if (inet_pton(AF_INET, address, &s->bind_address) != 1) {
        free(s);
        return -EINVAL;
    }
    s->tcp = socket_tcp_create(self, s->bind_address, (size_t)connections_max);
    if (s->tcp == NULL) {
        free(s);
        return -ENOMEM;
    }
    s->fds = calloc(MAX_LISTENERS + socket_tcp_poll_capacity(s->tcp), sizeof(*s->fds));
    if (s->fds == NULL) {
        socket_tcp_destroy(s->tcp);
        free(s);
        return -ENOMEM;
    }
    self->ops = &ops;
    self->state = s;
    self->ipv4_address = ntohl(s->bind_address.s_addr);
    return 0;
}
