/* stack.h: the network stack device applications use: UDP over IPv4 (the UDP part of MirageOS's STACKV4).
 *
 * One cooperative event loop: run() reads traffic and calls the handlers of listening ports; a handler may send
 * (typically its reply) before it returns. Payload buffers are valid only during the call that hands them over. */
#ifndef MIRAGE_DEVICES_STACK_H
#define MIRAGE_DEVICES_STACK_H

#include <stddef.h>
#include <stdint.h>

struct stack;

struct stack_udp_peer {
    uint32_t address; /* IPv4, host byte order */
    uint16_t port;    /* host byte order */
};

/* Called for each datagram to a listening port. */
typedef void (*stack_udp_handler)(void *context, struct stack *stack, uint16_t local_port,
                                  const struct stack_udp_peer *from, const uint8_t *payload, size_t len);

struct stack_ops {
    /* Deliver datagrams for `port` to `handler`; returns 0, or a negative error code (port in use, no room). */
    int (*udp_listen)(struct stack *self, uint16_t port, stack_udp_handler handler, void *context);
    /* Send one datagram from `local_port` to `to`; returns 0 or a negative error code. Sends may be queued
     * until the handler that made them returns. */
    int (*udp_send)(struct stack *self, uint16_t local_port, const struct stack_udp_peer *to, const uint8_t *payload,
                    size_t len);
    /* Handle traffic for `timeout_ns` (UINT64_MAX: for ever); returns 0 when the time is up, or a negative
     * error code when the stack cannot go on. */
    int (*run)(struct stack *self, uint64_t timeout_ns);
};

struct stack {
    const struct stack_ops *ops;
    void *state;
    uint32_t ipv4_address; /* host byte order; the address the stack answers on (0 on a socket stack bound to any) */
};

static inline int stack_udp_listen(struct stack *self, uint16_t port, stack_udp_handler handler, void *context)
{
    return self->ops->udp_listen(self, port, handler, context);
}

static inline int stack_udp_send(struct stack *self, uint16_t local_port, const struct stack_udp_peer *to,
                                 const uint8_t *payload, size_t len)
{
    return self->ops->udp_send(self, local_port, to, payload, len);
}

static inline int stack_run(struct stack *self, uint64_t timeout_ns)
{
    return self->ops->run(self, timeout_ns);
}

#endif
