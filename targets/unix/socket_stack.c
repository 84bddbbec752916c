/* socket_stack.c: the stack device on unix over the host's UDP sockets, batched with recvmmsg/sendmmsg. */
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

enum {
    MAX_LISTENERS = 8,
    BATCH = 64,           /* datagrams read (and replies written) per system call */
    DATAGRAM_MAX = 65536, /* the largest UDP payload */
    SOCKET_BUFFER_BYTES = 4 << 20,
};

struct listener {
    int fd;
    uint16_t port;
    stack_udp_handler handler;
    void *context;
};

struct socket_stack {
    struct in_addr bind_address;
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

static struct socket_stack *the_stack;

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
    struct pollfd fds[MAX_LISTENERS];

    for (;;) {
        /* One socket and no deadline (a server's run): block in recvmmsg itself, one system call fewer per batch
         * than poll and then recvmmsg. A handler that adds a listener brings the next batch back to poll. */
        if (deadline == UINT64_MAX && s->listener_count == 1) {
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
        for (size_t i = 0; i < s->listener_count; i++)
            fds[i] = (struct pollfd){.fd = s->listeners[i].fd, .events = POLLIN};
        int ready = poll(fds, (nfds_t)s->listener_count, wait_ms);
        if (ready < 0 && errno != EINTR)
            return -errno;
        for (size_t i = 0; ready > 0 && i < s->listener_count; i++) {
            if ((fds[i].revents & POLLIN) != 0) {
                int rc = receive_batch(self, &s->listeners[i], MSG_DONTWAIT);
                if (rc < 0)
                    return rc;
            }
        }
    }
}

static const struct stack_ops ops = {
    .udp_listen = socket_udp_listen,
    .udp_send = socket_udp_send,
    .run = socket_run,
};

/* The `ipv4` key is the address to listen on, with an optional prefix length that sockets do not need. */
int unix_socket_stack_connect(struct stack *self)
{
    char address[64];
    const char *configured = mirage_key_string("ipv4");
    size_t len = strcspn(configured, "/");
    if (len >= sizeof(address))
        return -EINVAL;
    memcpy(address, configured, len);
    address[len] = '\0';

    if (the_stack == NULL) {
        the_stack = calloc(1, sizeof(*the_stack));
        if (the_stack == NULL)
            return -ENOMEM;
    }
    if (inet_pton(AF_INET, address, &the_stack->bind_address) != 1)
        return -EINVAL;
    self->ops = &ops;
    self->state = the_stack;
    self->ipv4_address = ntohl(the_stack->bind_address.s_addr);
    return 0;
}
