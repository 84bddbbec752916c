/* tcp_events.c: delivering accepts and flow callbacks after the segment or timer that caused them, so that an
 * application may write, close or connect from any callback without the core being midway through a segment. */
#include "lib/tcpip/tcp_internal.h"

static void deliver_accept(struct tcp_core *core, struct tcp_conn *conn)
{
    struct tcp_listener *listener = conn->listener;
    conn->pending_accept = false;
    conn->listener = NULL;
    if (listener == NULL || !listener->in_use) {
        tcp_send_reset(core, conn);
        tcp_conn_release(core, conn);
        return;
    }
    struct stack_tcp_peer from = {.address = conn->remote_address, .port = conn->remote_port};
    listener->handler(listener->context, core->env.stack, listener->port, (struct stack_tcp_flow *)conn, &from);
    /* The handler must take the flow or close it; one that did neither has dropped it. */
    if (conn->in_use && !conn->app_owned && !conn->app_closed)
        tcp_core_close(core, conn);
}

/* One connection's pending events, in the order an application expects: accepted, writable, readable, failed.
 * Each callback may close the flow, after which none follows. */
static void deliver(struct tcp_core *core, struct tcp_conn *conn)
{
    struct stack_tcp_flow *flow = (struct stack_tcp_flow *)conn;
    if (conn->pending_accept)
        deliver_accept(core, conn);
    if (conn->in_use && conn->app_owned && conn->pending_writable) {
        conn->pending_writable = false;
        if (conn->callbacks->writable != NULL)
            conn->callbacks->writable(conn->context, core->env.stack, flow);
    }
    if (conn->in_use && conn->app_owned && conn->pending_readable) {
        conn->pending_readable = false;
        if (conn->callbacks->readable != NULL)
            conn->callbacks->readable(conn->context, core->env.stack, flow);
    }
    if (conn->in_use && conn->app_owned && conn->pending_failed) {
        conn->pending_failed = false;
        if (conn->callbacks->failed != NULL)
            conn->callbacks->failed(conn->context, core->env.stack, flow, conn->error);
    }
}

void tcp_dispatch(struct tcp_core *core)
{
    if (core->dispatching > 0) /* a callback fed the core: the outer pass delivers */
        return;
    core->dispatching++;
    /* Callbacks can raise events on other flows (an accept, a close), so a few passes settle them; anything later
     * waits for the next segment or tick, with events_pending still set. */
    for (int pass = 0; pass < 4 && core->events_pending; pass++) {
        core->events_pending = false;
        for (uint32_t i = 0; i < core->limits.connections_max; i++) {
            struct tcp_conn *conn = &core->conns[i];
            if (conn->in_use &&
                (conn->pending_accept || conn->pending_writable || conn->pending_readable || conn->pending_failed))
                deliver(core, conn);
        }
    }
    core->dispatching--;
}
