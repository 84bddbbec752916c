/* socket_tcp.h: TCP flows of the unix stack over the host's non-blocking sockets, driven by the stack's poll loop.
 *
 * socket_stack.c owns the loop: each round it asks socket_tcp_poll_prepare() for the descriptors TCP waits on,
 * polls them with its UDP sockets, and hands the results back to socket_tcp_poll_dispatch(), which accepts
 * connections and calls the flows' callbacks. Everything here is state of one `struct socket_tcp`. */
#ifndef MIRAGE_TARGETS_UNIX_SOCKET_TCP_H
#define MIRAGE_TARGETS_UNIX_SOCKET_TCP_H

#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/stack.h"

struct socket_tcp;

/* The TCP state of `stack`, listening on `bind_address`, with at most `connections_max` flows open at once
 * (accepted and connected together). Returns NULL when memory is short. */
struct socket_tcp *socket_tcp_create(struct stack *stack, struct in_addr bind_address, size_t connections_max);

/* Closes every listener and flow and frees the TCP state (a stack whose connect failed after creating it). */
void socket_tcp_destroy(struct socket_tcp *tcp);

/* True when there is no listener and no flow: the loop may then wait on UDP alone. */
bool socket_tcp_idle(const struct socket_tcp *tcp);

/* The most descriptors socket_tcp_poll_prepare() fills. */
size_t socket_tcp_poll_capacity(const struct socket_tcp *tcp);

/* Fills `fds` (room for socket_tcp_poll_capacity()) with what TCP waits on this round; returns the count. */
size_t socket_tcp_poll_prepare(struct socket_tcp *tcp, struct pollfd *fds, size_t capacity);

/* Acts on the poll results of the `count` descriptors the last prepare filled. */
void socket_tcp_poll_dispatch(struct socket_tcp *tcp, const struct pollfd *fds, size_t count);

/* The stack_ops TCP operations (devices/stack.h documents them), on the stack's TCP state. */
int socket_tcp_listen(struct socket_tcp *tcp, uint16_t port, stack_tcp_accept_handler handler, void *context);
void socket_tcp_accept(struct socket_tcp *tcp, struct stack_tcp_flow *flow, const struct stack_tcp_callbacks *callbacks,
                       void *context);
int socket_tcp_connect(struct socket_tcp *tcp, const struct stack_tcp_peer *to,
                       const struct stack_tcp_callbacks *callbacks, void *context, struct stack_tcp_flow **flow);
long socket_tcp_read(struct socket_tcp *tcp, struct stack_tcp_flow *flow, uint8_t *buffer, size_t capacity);
long socket_tcp_write(struct socket_tcp *tcp, struct stack_tcp_flow *flow, const uint8_t *data, size_t len);
int socket_tcp_shutdown(struct socket_tcp *tcp, struct stack_tcp_flow *flow);
void socket_tcp_close(struct socket_tcp *tcp, struct stack_tcp_flow *flow);
int socket_tcp_set_keepalive(struct socket_tcp *tcp, struct stack_tcp_flow *flow, uint32_t idle_ms,
                             uint32_t interval_ms, uint32_t count);

/* The stack_tcp_error for a socket call's errno on a connection. */
int socket_tcp_error_from_errno(int error);

#endif
