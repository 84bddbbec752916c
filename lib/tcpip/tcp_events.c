/* tcp_events.c: the ready list of connections a burst of segments touched, walked once after the burst: accepts
 * and flow callbacks delivered after the segments that caused them (so that an application may write, close or
 * connect from any callback without the core being midway through a segment), then the ACKs they owe, one per
 * connection and burst. */
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

void tcp_conn_ready(struct tcp_core *core, struct tcp_conn *conn)
{
    core->events_pending = true;
    if (conn->on_ready_list)
        return;
    uint32_t index = (uint32_t)(conn - core->conns) + 1;
    conn->on_ready_list = true;
    conn->ready_next = 0;
    if (core->ready_tail == 0)
        core->ready_head = index;
    else
        core->conns[core->ready_tail - 1].ready_next = index;
    core->ready_tail = index;
}

/* After the application had its say: an ACK for two or more segments taken (RFC 5681 4.2: at least every second
 * full-sized segment; one burst is acknowledged as one), or a window update for what it read. A single segment
 * waits for the delayed ACK timer, or for data to carry the ACK. */
static void send_owed_ack(struct tcp_core *core, struct tcp_conn *conn)
{
    if (conn->segments_unacked >= 2 || tcp_window_update_due(conn)) {
        conn->ack_now = true;
        tcp_output(core, conn);
    }
}

void tcp_dispatch(struct tcp_core *core)
{
    if (core->dispatching > 0) /* a callback fed the core: the outer pass delivers */
        return;
    core->dispatching++;
    /* Callbacks can raise events on other flows (an accept, a close), so a few passes settle them; anything later
     * waits for the next flush, still on the list. A slot released meanwhile stays linked (tcp_conn_allocate keeps
     * its place if it is reused), so the walk only skips it. */
    for (int pass = 0; pass < 4 && core->ready_head != 0; pass++) {
        uint32_t link = core->ready_head;
        core->ready_head = core->ready_tail = 0;
        while (link != 0) {
            struct tcp_conn *conn = &core->conns[link - 1];
            link = conn->ready_next;
            conn->ready_next = 0;
            conn->on_ready_list = false;
            if (!conn->in_use)
                continue;
            deliver(core, conn);
            if (conn->in_use)
                send_owed_ack(core, conn);
        }
    }
    core->events_pending = core->ready_head != 0;
    core->dispatching--;
}

void tcp_core_flush(struct tcp_core *core)
{
    tcp_dispatch(core);
}
