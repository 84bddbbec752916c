/* tcp_conn.c: the connection table (allocated once at init), listeners, and the application's flow operations with
 * the semantics of devices/stack.h. */
#include <stdlib.h>
#include <string.h>

#include "lib/tcpip/tcp_internal.h"
#include "lib/tcpip/tcp_seq.h"

#define EPHEMERAL_FIRST 49152 /* RFC 6335's dynamic ports */

void tcp_limits_default(struct tcp_limits *limits)
{
    *limits = (struct tcp_limits){
        .connections_max = 32,
        .syn_backlog = 16,
        .listeners_max = 16,
        .send_buffer = 64 * 1024,
        .receive_buffer = 64 * 1024,
        .mss = 1460,
        .rto_min_ns = UINT64_C(200000000),
        .time_wait_ns = UINT64_C(60000000000),
        .fin_wait_2_ns = UINT64_C(60000000000),
        .retries_max = 12,
        .syn_retries_max = 5,
        .challenge_acks_per_second = 100,
    };
}

int tcp_core_init(struct tcp_core *core, const struct tcp_limits *limits, const struct tcp_env *env,
                  const uint8_t key[TCP_ISN_KEY_SIZE], uint32_t local_address)
{
    memset(core, 0, sizeof(*core));
    if (limits == NULL)
        tcp_limits_default(&core->limits);
    else
        core->limits = *limits;
    const struct tcp_limits *l = &core->limits;
    if (l->connections_max == 0 || l->listeners_max == 0 || l->send_buffer == 0 || l->receive_buffer == 0 ||
        l->syn_backlog > l->connections_max || l->mss < TCP_MIN_MSS || l->send_buffer > (UINT32_C(1) << 30) ||
        l->receive_buffer > (UINT32_C(1) << 30) || l->connections_max > (UINT32_C(1) << 24))
        return STACK_TCP_INVALID;
    uint32_t buckets = 1;
    while (buckets < l->connections_max)
        buckets *= 2;
    core->conns = calloc(l->connections_max, sizeof(*core->conns));
    core->listeners = calloc(l->listeners_max, sizeof(*core->listeners));
    core->buckets = calloc(buckets, sizeof(*core->buckets));
    core->bucket_mask = buckets - 1;
    if (core->conns == NULL || core->listeners == NULL || core->buckets == NULL) {
        free(core->conns);
        free(core->listeners);
        free(core->buckets);
        return STACK_TCP_NO_ROOM;
    }
    core->env = *env;
    memcpy(core->key, key, TCP_ISN_KEY_SIZE);
    core->local_address = local_address;
    core->next_ephemeral = (uint16_t)(EPHEMERAL_FIRST + tcp_siphash24(key, (const uint8_t *)"port", 4) % 16384);
    return 0;
}

void tcp_core_free(struct tcp_core *core)
{
    for (uint32_t i = 0; core->conns != NULL && i < core->limits.connections_max; i++)
        tcp_conn_drop_buffers(&core->conns[i]);
    free(core->conns);
    free(core->listeners);
    free(core->buckets);
    core->conns = NULL;
    core->listeners = NULL;
    core->buckets = NULL;
}

uint32_t tcp_core_connections(const struct tcp_core *core)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < core->limits.connections_max; i++)
        count += core->conns[i].in_use;
    return count;
}

static uint32_t *bucket_of(struct tcp_core *core, uint32_t local_address, uint16_t local_port, uint32_t remote_address,
                           uint16_t remote_port)
{
    uint32_t hash = tcp_tuple_hash(core->key, local_address, local_port, remote_address, remote_port);
    return &core->buckets[hash & core->bucket_mask];
}

static bool has_tuple(const struct tcp_conn *conn, uint32_t local_address, uint16_t local_port, uint32_t remote_address,
                      uint16_t remote_port)
{
    return conn->local_port == local_port && conn->remote_port == remote_port &&
           conn->remote_address == remote_address && conn->local_address == local_address;
}

struct tcp_conn *tcp_conn_lookup(struct tcp_core *core, uint32_t local_address, uint16_t local_port,
                                 uint32_t remote_address, uint16_t remote_port)
{
    /* Segments come in runs for one connection: the last one found is tried before the keyed hash. */
    if (core->last_found != 0) {
        struct tcp_conn *conn = &core->conns[core->last_found - 1];
        if (conn->in_use && has_tuple(conn, local_address, local_port, remote_address, remote_port))
            return conn;
    }
    uint32_t link = *bucket_of(core, local_address, local_port, remote_address, remote_port);
    while (link != 0) {
        struct tcp_conn *conn = &core->conns[link - 1];
        if (has_tuple(conn, local_address, local_port, remote_address, remote_port)) {
            core->last_found = link;
            return conn;
        }
        link = conn->hash_next;
    }
    return NULL;
}

/* Chain a connection in use under its 4-tuple, or take it out. */
static void hash_insert(struct tcp_core *core, struct tcp_conn *conn)
{
    uint32_t *bucket = bucket_of(core, conn->local_address, conn->local_port, conn->remote_address, conn->remote_port);
    conn->hash_next = *bucket;
    *bucket = (uint32_t)(conn - core->conns) + 1;
}

static void hash_remove(struct tcp_core *core, struct tcp_conn *conn)
{
    uint32_t *link = bucket_of(core, conn->local_address, conn->local_port, conn->remote_address, conn->remote_port);
    uint32_t index = (uint32_t)(conn - core->conns) + 1;
    while (*link != 0 && *link != index)
        link = &core->conns[*link - 1].hash_next;
    if (*link == index)
        *link = conn->hash_next;
    conn->hash_next = 0;
}

/* The smallest shift that lets 16 bits say the whole receive buffer. */
static uint8_t receive_wscale(uint32_t buffer)
{
    uint8_t shift = 0;
    while ((buffer >> shift) > UINT16_MAX && shift < TCP_WSCALE_MAX)
        shift++;
    return shift;
}

struct tcp_conn *tcp_conn_allocate(struct tcp_core *core, uint32_t local_address, uint16_t local_port,
                                   uint32_t remote_address, uint16_t remote_port)
{
    struct tcp_conn *slot = NULL;
    for (uint32_t i = 0; i < core->limits.connections_max && slot == NULL; i++)
        if (!core->conns[i].in_use)
            slot = &core->conns[i];
    if (slot == NULL) {
        /* Full: an orphan in TIME_WAIT only guards against old duplicates; the oldest gives way. */
        for (uint32_t i = 0; i < core->limits.connections_max; i++) {
            struct tcp_conn *conn = &core->conns[i];
            if (conn->state == TCP_TIME_WAIT && !conn->app_owned &&
                (slot == NULL || conn->linger_deadline < slot->linger_deadline))
                slot = conn;
        }
        if (slot == NULL)
            return NULL;
        tcp_conn_release(core, slot);
    }
    /* A connection's buffers exist while it may carry data: the limits bound the total, and a table sized for many
     * connections costs only its small entries until they are used. */
    uint8_t *buffers = malloc((size_t)core->limits.send_buffer + core->limits.receive_buffer);
    if (buffers == NULL)
        return NULL;
    /* The ready list may still link a released slot: keep its place on it (the walk skips it if it stays free). */
    uint32_t ready_next = slot->ready_next;
    bool on_ready_list = slot->on_ready_list;
    memset(slot, 0, sizeof(*slot));
    slot->ready_next = ready_next;
    slot->on_ready_list = on_ready_list;
    tcp_ring_init(&slot->send, buffers, core->limits.send_buffer);
    tcp_ring_init(&slot->receive, buffers + core->limits.send_buffer, core->limits.receive_buffer);
    slot->in_use = true;
    slot->local_address = local_address;
    slot->local_port = local_port;
    slot->remote_address = remote_address;
    slot->remote_port = remote_port;
    hash_insert(core, slot);
    uint64_t now = tcp_now(core);
    slot->iss = tcp_isn(core->key, local_address, local_port, remote_address, remote_port, now);
    slot->snd_una = slot->iss;
    slot->snd_nxt = slot->iss;
    slot->snd_max = slot->iss;
    slot->ts_offset = tcp_ts_offset(core->key, local_address, local_port, remote_address, remote_port);
    slot->rcv_wscale = receive_wscale(core->limits.receive_buffer);
    slot->peer_mss = TCP_DEFAULT_MSS;
    slot->snd_mss = TCP_DEFAULT_MSS;
    tcp_rto_init(&slot->rto, core->limits.rto_min_ns);
    return slot;
}

void tcp_conn_established(struct tcp_core *core, struct tcp_conn *conn)
{
    if (!conn->wscale_ok) {
        conn->snd_wscale = 0;
        conn->rcv_wscale = 0;
    }
    uint32_t mss = conn->peer_mss < core->limits.mss ? conn->peer_mss : core->limits.mss;
    if (mss < TCP_MIN_MSS)
        mss = TCP_MIN_MSS;
    conn->snd_mss = (uint16_t)(mss - (conn->ts_ok ? TCP_TIMESTAMPS_SIZE : 0));
    conn->cwnd = TCP_INITIAL_WINDOW_SEGMENTS * (uint32_t)conn->snd_mss;
    conn->ssthresh = UINT32_MAX;
    conn->recover = conn->iss; /* RFC 6582 3.2: so that the first fast retransmit is allowed, whatever the ISS */
    /* RFC 6298 5.7: a handshake that needed a retransmission and gave no sample starts data at 3 s. */
    if (conn->retries > 0 && !conn->rto.has_sample)
        tcp_rto_after_syn_timeout(&conn->rto);
    conn->state = conn->fin_queued ? TCP_FIN_WAIT_1 : TCP_ESTABLISHED;
    conn->retries = 0;
    conn->rtx_deadline = 0;
    conn->last_heard_ns = tcp_now(core); /* the peer's SYN or ACK just came */
}

void tcp_conn_release(struct tcp_core *core, struct tcp_conn *conn)
{
    if (conn->state == TCP_SYN_RECEIVED && conn->listener != NULL && core->half_open > 0)
        core->half_open--;
    if (conn->in_use)
        hash_remove(core, conn);
    if (core->last_found == (uint32_t)(conn - core->conns) + 1)
        core->last_found = 0;
    tcp_conn_drop_buffers(conn);
    conn->in_use = false;
    conn->app_owned = false;
    conn->state = TCP_CLOSED;
    conn->pending_accept = conn->pending_readable = conn->pending_writable = conn->pending_failed = false;
}

static void stop_timers(struct tcp_conn *conn)
{
    conn->rtx_deadline = conn->delack_deadline = conn->persist_deadline = conn->linger_deadline = 0;
    conn->keepalive_deadline = 0;
}

void tcp_conn_finish(struct tcp_core *core, struct tcp_conn *conn)
{
    if (conn->state == TCP_SYN_RECEIVED && conn->listener != NULL && core->half_open > 0)
        core->half_open--;
    conn->listener = NULL;
    stop_timers(conn);
    conn->state = TCP_CLOSED;
    if (!conn->app_owned && !conn->pending_accept)
        tcp_conn_release(core, conn);
}

void tcp_conn_fail(struct tcp_core *core, struct tcp_conn *conn, int error)
{
    if (conn->pending_accept) { /* the application never saw it */
        tcp_conn_release(core, conn);
        return;
    }
    if (conn->app_owned) {
        conn->error = error;
        conn->pending_failed = true;
        tcp_conn_ready(core, conn);
    }
    tcp_conn_finish(core, conn);
}

void tcp_conn_drop_buffers(struct tcp_conn *conn)
{
    free(conn->send.bytes); /* the one allocation holds both rings, the send ring's first */
    tcp_ring_init(&conn->send, NULL, 0);
    tcp_ring_init(&conn->receive, NULL, 0);
}

void tcp_conn_time_wait(struct tcp_core *core, struct tcp_conn *conn)
{
    stop_timers(conn);
    /* Nothing is sent or taken in TIME_WAIT: an orphan's buffers go back now, not in 2 MSL. */
    if (!conn->app_owned)
        tcp_conn_drop_buffers(conn);
    conn->state = TCP_TIME_WAIT;
    tcp_arm(core, &conn->linger_deadline, core->limits.time_wait_ns);
}

int tcp_core_listen(struct tcp_core *core, uint16_t port, stack_tcp_accept_handler handler, void *context)
{
    struct tcp_listener *free_slot = NULL;
    if (port == 0 || handler == NULL)
        return STACK_TCP_INVALID;
    for (uint32_t i = 0; i < core->limits.listeners_max; i++) {
        struct tcp_listener *listener = &core->listeners[i];
        if (listener->in_use && listener->port == port)
            return STACK_TCP_IN_USE;
        if (!listener->in_use && free_slot == NULL)
            free_slot = listener;
    }
    if (free_slot == NULL)
        return STACK_TCP_NO_ROOM;
    *free_slot = (struct tcp_listener){.in_use = true, .port = port, .handler = handler, .context = context};
    return 0;
}

void tcp_core_accept(struct tcp_core *core, struct tcp_conn *conn, const struct stack_tcp_callbacks *callbacks,
                     void *context)
{
    if (conn == NULL || !conn->in_use || conn->app_owned || conn->app_closed || callbacks == NULL)
        return;
    conn->callbacks = callbacks;
    conn->context = context;
    conn->app_owned = true;
    /* Bytes or a FIN may have come with or after the handshake's last ACK. */
    if (conn->receive.len > 0 || conn->fin_received)
        conn->pending_readable = true;
    if (conn->state == TCP_CLOSED && conn->error != 0)
        conn->pending_failed = true;
    tcp_conn_ready(core, conn);
}

/* A local port no connection to `to` uses. */
static int pick_port(struct tcp_core *core, const struct stack_tcp_peer *to, uint16_t *port)
{
    for (uint32_t tries = 0; tries < 16384; tries++) {
        uint16_t candidate = core->next_ephemeral;
        core->next_ephemeral = candidate == UINT16_MAX ? EPHEMERAL_FIRST : (uint16_t)(candidate + 1);
        if (tcp_conn_lookup(core, core->local_address, candidate, to->address, to->port) == NULL) {
            *port = candidate;
            return 0;
        }
    }
    return STACK_TCP_NO_ROOM;
}

int tcp_core_connect(struct tcp_core *core, const struct stack_tcp_peer *to,
                     const struct stack_tcp_callbacks *callbacks, void *context, struct tcp_conn **out)
{
    uint16_t port = 0;
    if (to == NULL || to->port == 0 || to->address == 0 || callbacks == NULL || out == NULL)
        return STACK_TCP_INVALID;
    int rc = pick_port(core, to, &port);
    if (rc != 0)
        return rc;
    struct tcp_conn *conn = tcp_conn_allocate(core, core->local_address, port, to->address, to->port);
    if (conn == NULL)
        return STACK_TCP_NO_ROOM;
    conn->state = TCP_SYN_SENT;
    conn->wscale_ok = true; /* offered; kept only if the SYN-ACK carries them too */
    conn->ts_ok = true;
    conn->sack_ok = true;
    conn->callbacks = callbacks;
    conn->context = context;
    conn->app_owned = true;
    conn->want_writable = true;
    conn->rtt_timing = true; /* the SYN is timed until it is retransmitted */
    conn->rtt_seq = conn->iss;
    conn->rtt_start_ns = tcp_now(core);
    size_t capacity = 0;
    if (core->env.tx_buffer(core->env.context, &capacity) == NULL) {
        tcp_conn_release(core, conn);
        return STACK_TCP_NO_ROOM;
    }
    /* No route to the peer is known at once (the next hop being resolved is not: that SYN waits in ARP). */
    if (tcp_send_syn(core, conn) == STACK_TCP_UNREACHABLE) {
        tcp_conn_release(core, conn);
        return STACK_TCP_UNREACHABLE;
    }
    core->counters.connected++;
    *out = conn;
    return 0;
}

/* The peer may send more once the application read: say so when the window grew by enough to matter
 * (receiver-side silly window avoidance, RFC 9293 3.8.6.2.2). */
bool tcp_window_update_due(const struct tcp_conn *conn)
{
    if (conn->state != TCP_ESTABLISHED && conn->state != TCP_FIN_WAIT_1 && conn->state != TCP_FIN_WAIT_2)
        return false;
    uint32_t right_edge = conn->rcv_nxt + tcp_receive_window(conn);
    uint32_t growth = seq_gt(right_edge, conn->rcv_adv) ? right_edge - conn->rcv_adv : 0;
    uint32_t threshold =
        conn->receive.capacity / 2 < 2u * conn->snd_mss ? conn->receive.capacity / 2 : 2u * conn->snd_mss;
    return growth >= threshold && growth > 0;
}

/* From a callback the application usually reads in several pieces: the flush after them sends one update. */
static void maybe_update_window(struct tcp_core *core, struct tcp_conn *conn)
{
    if (core->dispatching > 0)
        tcp_conn_ready(core, conn);
    else if (tcp_window_update_due(conn))
        tcp_send_ack(core, conn);
}

long tcp_core_read(struct tcp_core *core, struct tcp_conn *conn, uint8_t *buffer, size_t capacity)
{
    if (conn == NULL || !conn->in_use || !conn->app_owned || (buffer == NULL && capacity > 0))
        return STACK_TCP_INVALID;
    if (conn->error != 0)
        return conn->error;
    if (conn->receive.len > 0 && capacity > 0) {
        uint32_t n = capacity < conn->receive.len ? (uint32_t)capacity : conn->receive.len;
        tcp_ring_peek(&conn->receive, 0, buffer, n);
        tcp_ring_discard(&conn->receive, n);
        maybe_update_window(core, conn);
        return (long)n;
    }
    if (conn->fin_received && conn->receive.len == 0)
        return 0;
    return STACK_TCP_WOULD_BLOCK;
}

long tcp_core_write(struct tcp_core *core, struct tcp_conn *conn, const uint8_t *data, size_t len)
{
    if (conn == NULL || !conn->in_use || !conn->app_owned || (data == NULL && len > 0))
        return STACK_TCP_INVALID;
    if (conn->error != 0)
        return conn->error;
    if (conn->fin_queued || conn->state == TCP_CLOSED)
        return STACK_TCP_CLOSED;
    if (conn->state == TCP_SYN_SENT || conn->state == TCP_SYN_RECEIVED) {
        conn->want_writable = true;
        return STACK_TCP_WOULD_BLOCK;
    }
    if (len == 0)
        return 0;
    uint32_t offered = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    uint32_t taken = tcp_ring_append(&conn->send, data, offered);
    if (taken < len)
        conn->want_writable = true;
    if (taken == 0)
        return STACK_TCP_WOULD_BLOCK;
    tcp_output(core, conn);
    return (long)taken;
}

int tcp_core_shutdown(struct tcp_core *core, struct tcp_conn *conn)
{
    if (conn == NULL || !conn->in_use || !conn->app_owned)
        return STACK_TCP_INVALID;
    if (conn->error != 0)
        return conn->error;
    if (conn->fin_queued)
        return 0;
    if (conn->state == TCP_CLOSED)
        return STACK_TCP_INVALID;
    conn->fin_queued = true;
    if (conn->state == TCP_ESTABLISHED)
        conn->state = TCP_FIN_WAIT_1;
    else if (conn->state == TCP_CLOSE_WAIT)
        conn->state = TCP_LAST_ACK;
    /* In SYN_SENT and SYN_RECEIVED the FIN goes once the handshake is done (tcp_conn_established). */
    tcp_output(core, conn);
    return 0;
}

void tcp_core_close(struct tcp_core *core, struct tcp_conn *conn)
{
    if (conn == NULL || !conn->in_use || conn->app_closed)
        return;
    conn->app_owned = false;
    conn->app_closed = true;
    conn->pending_accept = conn->pending_readable = conn->pending_writable = conn->pending_failed = false;
    conn->callbacks = NULL;
    switch (conn->state) {
    case TCP_CLOSED:
    case TCP_SYN_SENT:
        tcp_conn_release(core, conn);
        return;
    case TCP_TIME_WAIT:
        tcp_conn_drop_buffers(conn); /* its timer frees the rest */
        return;
    default:
        break;
    }
    if (conn->receive.len > 0 || conn->reass.count > 0) {
        /* Received bytes were never read: the peer must learn they were lost (RFC 9293 3.6, RFC 2525 2.17). */
        tcp_send_reset(core, conn);
        tcp_conn_release(core, conn);
        return;
    }
    if (!conn->fin_queued) {
        conn->fin_queued = true;
        if (conn->state == TCP_ESTABLISHED)
            conn->state = TCP_FIN_WAIT_1;
        else if (conn->state == TCP_CLOSE_WAIT)
            conn->state = TCP_LAST_ACK;
        tcp_output(core, conn);
    }
    if (conn->state == TCP_FIN_WAIT_2)
        tcp_arm(core, &conn->linger_deadline, core->limits.fin_wait_2_ns);
}

const char *tcp_state_name(enum tcp_state state)
{
    static const char *const names[] = {
        [TCP_CLOSED] = "CLOSED",           [TCP_SYN_SENT] = "SYN_SENT",     [TCP_SYN_RECEIVED] = "SYN_RECEIVED",
        [TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN_WAIT_1", [TCP_FIN_WAIT_2] = "FIN_WAIT_2",
        [TCP_CLOSE_WAIT] = "CLOSE_WAIT",   [TCP_CLOSING] = "CLOSING",       [TCP_LAST_ACK] = "LAST_ACK",
        [TCP_TIME_WAIT] = "TIME_WAIT",
    };
    return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

int tcp_core_set_keepalive(struct tcp_core *core, struct tcp_conn *conn, uint32_t idle_ms, uint32_t interval_ms,
                           uint32_t count)
{
    if (conn == NULL || !conn->in_use || !conn->app_owned)
        return STACK_TCP_INVALID;
    if (conn->error != 0)
        return conn->error;
    if (idle_ms > STACK_TCP_KEEPALIVE_MS_MAX)
        return STACK_TCP_INVALID;
    if (idle_ms == 0) {
        conn->keepalive_idle_ns = 0;
        conn->keepalive_deadline = 0;
        return 0;
    }
    if (interval_ms == 0 || interval_ms > STACK_TCP_KEEPALIVE_MS_MAX || count == 0 ||
        count > STACK_TCP_KEEPALIVE_COUNT_MAX)
        return STACK_TCP_INVALID;
    conn->keepalive_idle_ns = (uint64_t)idle_ms * 1000000;
    conn->keepalive_interval_ns = (uint64_t)interval_ms * 1000000;
    conn->keepalive_count = count;
    conn->keepalive_probes = 0;
    /* The idle time runs from now: what came before the application asked does not count. */
    conn->last_heard_ns = tcp_now(core);
    tcp_arm(core, &conn->keepalive_deadline, conn->keepalive_idle_ns);
    return 0;
}
