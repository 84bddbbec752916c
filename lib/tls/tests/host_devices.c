/* host_devices.c: lib/tls's devices on the build host: a stack of non-blocking TCP sockets on loopback polled in
 * one loop (readiness as targets/unix/socket_tcp.c delivers it: `readable` once per read call, `writable` after
 * a short write), a kv of files, getrandom, clock_gettime and stdout. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/tls/tests/host_devices.h"

enum { FLOWS_MAX = 1024, LISTENERS_MAX = 8, KV_FILES_MAX = 64 };

struct stack_tcp_flow {
    int fd;                  /* -1: the slot is free */
    unsigned int generation; /* bumped when the slot is reused, so a poll result never reaches a newer flow */
    bool connecting;
    bool read_armed, write_armed;
    const struct stack_tcp_callbacks *callbacks;
    void *context;
};

struct host_listener {
    int fd;
    uint16_t port;
    stack_tcp_accept_handler handler;
    void *context;
};

struct host_stack {
    struct host_listener listeners[LISTENERS_MAX];
    size_t listener_count;
    struct stack_tcp_flow flows[FLOWS_MAX];
};

static struct host_stack host_stack;

/* Both of the project's stacks send every write at once (unix's sets TCP_NODELAY, lib/tcpip has no Nagle): so
 * does this one, or a handshake's records would wait for the peer's delayed ACK. */
static void send_without_delay(int fd)
{
    int on = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static int negative_errno(void)
{
    return errno > 0 ? -errno : STACK_TCP_INVALID;
}

static struct stack_tcp_flow *flow_slot(int fd)
{
    for (size_t i = 0; i < FLOWS_MAX; i++)
        if (host_stack.flows[i].fd < 0 && host_stack.flows[i].callbacks == NULL) {
            struct stack_tcp_flow *flow = &host_stack.flows[i];
            flow->fd = fd;
            flow->generation++;
            flow->connecting = false;
            flow->read_armed = flow->write_armed = false;
            return flow;
        }
    return NULL;
}

static int udp_listen(struct stack *self, uint16_t port, stack_udp_handler handler, void *context)
{
    (void)self;
    (void)port;
    (void)handler;
    (void)context;
    return STACK_TCP_NOT_SUPPORTED; /* the TLS tests need TCP only */
}

static int udp_send(struct stack *self, uint16_t local_port, const struct stack_udp_peer *to, const uint8_t *payload,
                    size_t len)
{
    (void)self;
    (void)local_port;
    (void)to;
    (void)payload;
    (void)len;
    return STACK_TCP_NOT_SUPPORTED;
}

static int tcp_listen(struct stack *self, uint16_t port, stack_tcp_accept_handler handler, void *context)
{
    (void)self;
    if (host_stack.listener_count == LISTENERS_MAX)
        return STACK_TCP_NO_ROOM;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return negative_errno();
    int one = 1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    send_without_delay(fd); /* inherited by the accepted sockets */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0 || listen(fd, 128) != 0) {
        int rc = negative_errno();
        close(fd);
        return rc;
    }
    host_stack.listeners[host_stack.listener_count++] =
        (struct host_listener){.fd = fd, .port = port, .handler = handler, .context = context};
    return 0;
}

static void tcp_accept(struct stack *self, struct stack_tcp_flow *flow, const struct stack_tcp_callbacks *callbacks,
                       void *context)
{
    (void)self;
    flow->callbacks = callbacks;
    flow->context = context;
    flow->read_armed = true;
}

static int tcp_connect(struct stack *self, const struct stack_tcp_peer *to, const struct stack_tcp_callbacks *callbacks,
                       void *context, struct stack_tcp_flow **out)
{
    (void)self;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return negative_errno();
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(to->port)};
    address.sin_addr.s_addr = htonl(to->address);
    send_without_delay(fd);
    if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0 && errno != EINPROGRESS) {
        int rc = negative_errno();
        close(fd);
        return rc;
    }
    struct stack_tcp_flow *flow = flow_slot(fd);
    if (flow == NULL) {
        close(fd);
        return STACK_TCP_NO_ROOM;
    }
    flow->callbacks = callbacks;
    flow->context = context;
    flow->connecting = true;
    flow->write_armed = true;
    flow->read_armed = true;
    *out = flow;
    return 0;
}

static long tcp_read(struct stack *self, struct stack_tcp_flow *flow, uint8_t *buffer, size_t capacity)
{
    (void)self;
    flow->read_armed = true;
    if (flow->connecting)
        return STACK_TCP_WOULD_BLOCK;
    ssize_t got = recv(flow->fd, buffer, capacity, MSG_DONTWAIT);
    if (got >= 0)
        return (long)got;
    return errno == EAGAIN || errno == EWOULDBLOCK ? STACK_TCP_WOULD_BLOCK : negative_errno();
}

static long tcp_write(struct stack *self, struct stack_tcp_flow *flow, const uint8_t *data, size_t len)
{
    (void)self;
    if (flow->connecting) {
        flow->write_armed = true;
        return STACK_TCP_WOULD_BLOCK;
    }
    ssize_t sent = send(flow->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            flow->write_armed = true;
            return STACK_TCP_WOULD_BLOCK;
        }
        return negative_errno();
    }
    if ((size_t)sent < len)
        flow->write_armed = true;
    return (long)sent;
}

static int tcp_shutdown(struct stack *self, struct stack_tcp_flow *flow)
{
    (void)self;
    return shutdown(flow->fd, SHUT_WR) == 0 ? 0 : negative_errno();
}

static void tcp_close(struct stack *self, struct stack_tcp_flow *flow)
{
    (void)self;
    close(flow->fd);
    flow->fd = -1;
    flow->callbacks = NULL;
    flow->context = NULL;
}

static void dispatch_flow(struct stack *stack, struct stack_tcp_flow *flow, short revents)
{
    if (flow->connecting && (revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
        int error = 0;
        socklen_t len = sizeof(error);
        flow->connecting = false;
        flow->write_armed = false;
        if (getsockopt(flow->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
            if (flow->callbacks->failed != NULL)
                flow->callbacks->failed(flow->context, stack, flow,
                                        error == ECONNREFUSED ? STACK_TCP_REFUSED : -(error != 0 ? error : EIO));
        } else if (flow->callbacks->writable != NULL) {
            flow->callbacks->writable(flow->context, stack, flow);
        }
        return;
    }
    if ((revents & (POLLOUT | POLLERR | POLLHUP)) != 0 && flow->write_armed) {
        flow->write_armed = false;
        if (flow->callbacks->writable != NULL)
            flow->callbacks->writable(flow->context, stack, flow);
        if (flow->fd < 0 || flow->callbacks == NULL)
            return; /* closed by the callback */
    }
    if ((revents & (POLLIN | POLLERR | POLLHUP)) != 0 && flow->read_armed) {
        flow->read_armed = false;
        if (flow->callbacks->readable != NULL)
            flow->callbacks->readable(flow->context, stack, flow);
    }
}

static void dispatch_accept(struct stack *stack, struct host_listener *listener)
{
    for (;;) {
        struct sockaddr_in from;
        socklen_t len = sizeof(from);
        int fd = accept4(listener->fd, (struct sockaddr *)&from, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct stack_tcp_flow *flow = flow_slot(fd);
        if (flow == NULL) {
            close(fd);
            return;
        }
        struct stack_tcp_peer peer = {.address = ntohl(from.sin_addr.s_addr), .port = ntohs(from.sin_port)};
        listener->handler(listener->context, stack, listener->port, flow, &peer);
    }
}

static int run(struct stack *self, uint64_t timeout_ns)
{
    static struct pollfd fds[LISTENERS_MAX + FLOWS_MAX];
    static struct stack_tcp_flow *owners[LISTENERS_MAX + FLOWS_MAX];
    static unsigned int generations[LISTENERS_MAX + FLOWS_MAX];
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t elapsed =
            (uint64_t)(now.tv_sec - start.tv_sec) * 1000000000u + (uint64_t)now.tv_nsec - (uint64_t)start.tv_nsec;
        if (timeout_ns != UINT64_MAX && elapsed >= timeout_ns)
            return 0;
        uint64_t wait_ns = timeout_ns == UINT64_MAX ? 1000000000u : timeout_ns - elapsed;
        size_t count = 0;
        for (size_t i = 0; i < host_stack.listener_count; i++) {
            fds[count] = (struct pollfd){.fd = host_stack.listeners[i].fd, .events = POLLIN};
            owners[count++] = NULL;
        }
        for (size_t i = 0; i < FLOWS_MAX; i++) {
            struct stack_tcp_flow *flow = &host_stack.flows[i];
            if (flow->fd < 0 || flow->callbacks == NULL || !(flow->read_armed || flow->write_armed))
                continue;
            short events = (short)((flow->read_armed ? POLLIN : 0) | (flow->write_armed ? POLLOUT : 0));
            fds[count] = (struct pollfd){.fd = flow->fd, .events = events};
            generations[count] = flow->generation;
            owners[count++] = flow;
        }
        int ready = poll(fds, count, (int)((wait_ns + 999999u) / 1000000u));
        if (ready < 0 && errno != EINTR)
            return negative_errno();
        for (size_t i = 0; ready > 0 && i < count; i++) {
            if (fds[i].revents == 0)
                continue;
            if (owners[i] == NULL) {
                dispatch_accept(self, &host_stack.listeners[i]);
                continue;
            }
            struct stack_tcp_flow *flow = owners[i];
            if (flow->fd == fds[i].fd && flow->generation == generations[i] && flow->callbacks != NULL)
                dispatch_flow(self, flow, fds[i].revents);
        }
    }
}

static const struct stack_ops host_stack_ops = {
    .udp_listen = udp_listen,
    .udp_send = udp_send,
    .run = run,
    .tcp_listen = tcp_listen,
    .tcp_accept = tcp_accept,
    .tcp_connect = tcp_connect,
    .tcp_read = tcp_read,
    .tcp_write = tcp_write,
    .tcp_shutdown = tcp_shutdown,
    .tcp_close = tcp_close,
};

/* --- kv: the files of a directory, read once --------------------------------------------------------------- */

struct kv_file {
    char *name;
    uint8_t *bytes;
    size_t len;
};

static struct kv_file kv_files[KV_FILES_MAX];
static size_t kv_file_count;

static int kv_compare(const void *a, const void *b)
{
    return strcmp(((const struct kv_file *)a)->name, ((const struct kv_file *)b)->name);
}

static int kv_load(const char *directory)
{
    DIR *dir = opendir(directory);
    if (dir == NULL) {
        fprintf(stderr, "host_devices: cannot open %s: %s\n", directory, strerror(errno));
        return -1;
    }
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        char path[4096];
        struct stat info;
        snprintf(path, sizeof(path), "%s/%s", directory, entry->d_name);
        if (stat(path, &info) != 0 || !S_ISREG(info.st_mode))
            continue;
        if (kv_file_count == KV_FILES_MAX) {
            fprintf(stderr, "host_devices: more than %d files in %s\n", KV_FILES_MAX, directory);
            closedir(dir);
            return -1;
        }
        FILE *file = fopen(path, "rb");
        uint8_t *bytes = malloc((size_t)info.st_size + 1);
        if (file == NULL || bytes == NULL || fread(bytes, 1, (size_t)info.st_size, file) != (size_t)info.st_size) {
            fprintf(stderr, "host_devices: cannot read %s\n", path);
            if (file != NULL)
                fclose(file);
            free(bytes);
            closedir(dir);
            return -1;
        }
        fclose(file);
        kv_files[kv_file_count++] =
            (struct kv_file){.name = strdup(entry->d_name), .bytes = bytes, .len = (size_t)info.st_size};
    }
    closedir(dir);
    qsort(kv_files, kv_file_count, sizeof(kv_files[0]), kv_compare);
    return 0;
}

static int kv_get_impl(struct kv *self, const char *key, const uint8_t **value, size_t *len)
{
    (void)self;
    for (size_t i = 0; i < kv_file_count; i++)
        if (strcmp(kv_files[i].name, key) == 0) {
            *value = kv_files[i].bytes;
            *len = kv_files[i].len;
            return 0;
        }
    return KV_NOT_FOUND;
}

static const char *kv_key_at_impl(struct kv *self, size_t index)
{
    (void)self;
    return index < kv_file_count ? kv_files[index].name : NULL;
}

/* No digests: lib/tls never asks for one, and `digest` may be NULL (devices/kv.h). */
static const struct kv_ops kv_ops = {.get = kv_get_impl, .key_at = kv_key_at_impl};

/* --- random, clocks, console ------------------------------------------------------------------------------- */

static int random_fill_impl(struct random *self, void *buf, size_t len)
{
    (void)self;
    uint8_t *at = buf;
    while (len > 0) {
        ssize_t got = getrandom(at, len, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return negative_errno();
        }
        at += got;
        len -= (size_t)got;
    }
    return 0;
}

static const struct random_ops random_ops = {.fill = random_fill_impl};

static uint64_t elapsed_ns_impl(struct mclock *self)
{
    (void)self;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static const struct mclock_ops mclock_ops = {.elapsed_ns = elapsed_ns_impl};

static int now_ns_impl(struct pclock *self, int64_t *out)
{
    (void)self;
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0)
        return negative_errno();
    *out = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    return 0;
}

static const struct pclock_ops pclock_ops = {.now_ns = now_ns_impl};

static int console_write_impl(struct console *self, const char *text, size_t len)
{
    (void)self;
    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
        return -1;
    return 0;
}

static const struct console_ops console_ops = {.write = console_write_impl};

int host_devices_init(struct host_devices *devices, const char *kv_directory)
{
    for (size_t i = 0; i < FLOWS_MAX; i++)
        host_stack.flows[i].fd = -1;
    if (kv_directory != NULL && kv_load(kv_directory) != 0)
        return -1;
    *devices = (struct host_devices){
        .stack = {.ops = &host_stack_ops, .state = &host_stack, .ipv4_address = INADDR_LOOPBACK},
        .kv = {.ops = &kv_ops},
        .random = {.ops = &random_ops},
        .clock = {.ops = &mclock_ops},
        .wall_clock = {.ops = &pclock_ops},
        .console = {.ops = &console_ops},
    };
    return 0;
}
