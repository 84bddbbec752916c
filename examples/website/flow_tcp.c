/* flow_tcp.c: flows over the stack's TCP: a listener that wraps each accepted connection as a `struct flow`. */
#include <stdlib.h>

#include "examples/website/flow.h"

/* A listening port: where its flows go. Allocated once per port and kept for the unikernel's lifetime. */
struct tcp_listener {
    struct stack *stack;
    flow_accept_handler handler;
    void *context;
    const struct flow_events *events;
};

/* One connection: the flow the server sees and the stack's flow beneath it. */
struct tcp_flow {
    struct flow flow;
    struct stack *stack;
    struct stack_tcp_flow *tcp;
    const struct flow_events *events;
    void *context;
};

static long tcp_flow_read(struct flow *self, uint8_t *buffer, size_t capacity)
{
    struct tcp_flow *f = self->state;
    return stack_tcp_read(f->stack, f->tcp, buffer, capacity);
}

static long tcp_flow_write(struct flow *self, const uint8_t *data, size_t length)
{
    struct tcp_flow *f = self->state;
    return stack_tcp_write(f->stack, f->tcp, data, length);
}

static int tcp_flow_shutdown(struct flow *self)
{
    struct tcp_flow *f = self->state;
    return stack_tcp_shutdown(f->stack, f->tcp);
}

static void tcp_flow_close(struct flow *self)
{
    struct tcp_flow *f = self->state;
    stack_tcp_close(f->stack, f->tcp);
    free(f);
}

static const struct flow_ops tcp_flow_ops = {
    .read = tcp_flow_read,
    .write = tcp_flow_write,
    .shutdown = tcp_flow_shutdown,
    .close = tcp_flow_close,
};

static void on_readable(void *context, struct stack *stack, struct stack_tcp_flow *tcp)
{
    (void)stack;
    (void)tcp;
    struct tcp_flow *f = context;
    f->events->readable(f->context);
}

static void on_writable(void *context, struct stack *stack, struct stack_tcp_flow *tcp)
{
    (void)stack;
    (void)tcp;
    struct tcp_flow *f = context;
    f->events->writable(f->context);
}

static void on_failed(void *context, struct stack *stack, struct stack_tcp_flow *tcp, int error)
{
    (void)stack;
    (void)tcp;
    struct tcp_flow *f = context;
    f->events->failed(f->context, error);
}

static const struct stack_tcp_callbacks tcp_callbacks = {
    .readable = on_readable,
    .writable = on_writable,
    .failed = on_failed,
};

static void on_accept(void *context, struct stack *stack, uint16_t local_port, struct stack_tcp_flow *tcp,
                      const struct stack_tcp_peer *from)
{
    (void)local_port;
    struct tcp_listener *listener = context;
    struct tcp_flow *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        stack_tcp_close(stack, tcp); /* no memory for this one: the others go on */
        return;
    }
    f->flow = (struct flow){.ops = &tcp_flow_ops, .state = f, .peer = *from};
    f->stack = stack;
    f->tcp = tcp;
    f->events = listener->events;
    f->context = listener->handler(listener->context, &f->flow);
    if (f->context == NULL) {
        stack_tcp_close(stack, tcp);
        free(f);
        return;
    }
    stack_tcp_accept(stack, tcp, &tcp_callbacks, f);
}

int flow_tcp_listen(struct stack *stack, uint16_t port, flow_accept_handler handler, void *context,
                    const struct flow_events *events)
{
    struct tcp_listener *listener = calloc(1, sizeof(*listener));
    if (listener == NULL)
        return STACK_TCP_NO_ROOM;
    *listener = (struct tcp_listener){.stack = stack, .handler = handler, .context = context, .events = events};
    int rc = stack_tcp_listen(stack, port, on_accept, listener);
    if (rc != 0)
        free(listener);
    return rc;
}
