/* tcp_timer.c: the tick: the flush after a burst, then the per-connection timers: retransmission (RFC 6298, with
 * backoff and the retry limit), the tail loss probe (tcp_tlp.c), persist (zero-window probes), delayed ACK, and the
 * linger of TIME_WAIT and an orphaned FIN_WAIT_2, and keep-alives. */
#include "lib/tcpip/tcp_internal.h"

static void retransmission_timeout(struct tcp_core *core, struct tcp_conn *conn)
{
    conn->rtx_deadline = 0;
    conn->retries++;
    uint32_t limit = conn->state == TCP_SYN_SENT || conn->state == TCP_SYN_RECEIVED ? core->limits.syn_retries_max
                                                                                    : core->limits.retries_max;
    if (conn->retries > limit) {
        core->counters.timed_out++;
        if (conn->state == TCP_SYN_RECEIVED && conn->listener != NULL)
            tcp_conn_release(core, conn);
        else
            tcp_conn_fail(core, conn, conn->soft_error != 0 ? conn->soft_error : STACK_TCP_TIMED_OUT);
        return;
    }
    core->counters.timeouts++;
    tcp_rto_backoff(&conn->rto);
    conn->rtt_timing = false; /* Karn: nothing sent before now may be timed */
    conn->tlp_deadline = 0;   /* a new flight starts from SND.UNA: it may be probed once again */
    conn->tlp_out = false;
    if (conn->state == TCP_SYN_SENT || conn->state == TCP_SYN_RECEIVED) {
        core->counters.retransmits++;
        (void)tcp_send_syn(core, conn);
        return;
    }
    /* RFC 5681 3.1 (4): the loss window; go back to the first unacknowledged byte. */
    uint32_t mss = conn->snd_mss;
    uint32_t flight = conn->snd_max - conn->snd_una;
    conn->ssthresh = flight / 2 > 2 * mss ? flight / 2 : 2 * mss;
    conn->cwnd = mss;
    conn->in_recovery = false;
    conn->dupacks = 0;
    conn->recover = conn->snd_max; /* RFC 6582 4.1, RFC 6675 5.1: no new recovery for what was in flight */
    conn->sack_recovery = false;
    /* RFC 2018 5: the receiver may have reneged; only what it reports from now on is skipped. */
    tcp_scoreboard_clear(&conn->scoreboard);
    conn->snd_nxt = conn->snd_una;
    tcp_output(core, conn); /* counts each segment it sends again */
    /* RFC 6298 5.6: the timer runs again even if nothing could go now (a full queue below): never a stall. */
    if (conn->rtx_deadline == 0 && conn->persist_deadline == 0 && conn->snd_una != conn->snd_max)
        tcp_arm(core, &conn->rtx_deadline, tcp_rto_current(&conn->rto));
}

static void persist_timeout(struct tcp_core *core, struct tcp_conn *conn)
{
    conn->persist_deadline = 0;
    if (++conn->retries > core->limits.retries_max) {
        core->counters.timed_out++;
        tcp_conn_fail(core, conn, conn->soft_error != 0 ? conn->soft_error : STACK_TCP_TIMED_OUT);
        return;
    }
    tcp_send_window_probe(core, conn);
    tcp_rto_backoff(&conn->rto);
    if (conn->snd_wnd == 0)
        tcp_arm(core, &conn->persist_deadline, tcp_rto_current(&conn->rto));
    else
        tcp_output(core, conn);
}

static void linger_timeout(struct tcp_core *core, struct tcp_conn *conn)
{
    conn->linger_deadline = 0;
    if (conn->state == TCP_TIME_WAIT || (conn->state == TCP_FIN_WAIT_2 && !conn->app_owned))
        tcp_conn_finish(core, conn);
}

/* RFC 1122 4.2.3.6: after the idle time without a segment from the peer, a probe every interval; the count-th
 * unanswered one ends the connection. Only while nothing of ours awaits an ACK and the peer's window is open: then
 * the retransmission and persist timers watch the peer already, and their retry limits end a dead connection. */
static void keepalive_timeout(struct tcp_core *core, struct tcp_conn *conn)
{
    conn->keepalive_deadline = 0;
    if (conn->keepalive_idle_ns == 0)
        return;
    bool idle_state = conn->state == TCP_ESTABLISHED || conn->state == TCP_CLOSE_WAIT || conn->state == TCP_FIN_WAIT_2;
    if (!idle_state || conn->snd_una != conn->snd_max || conn->persist_deadline != 0) {
        conn->keepalive_probes = 0;
        tcp_arm(core, &conn->keepalive_deadline, conn->keepalive_idle_ns);
        return;
    }
    uint64_t silent_ns = tcp_now(core) - conn->last_heard_ns;
    if (conn->keepalive_probes == 0 && silent_ns < conn->keepalive_idle_ns) {
        /* Heard from since the timer was armed (input resets the probe count): wait out the rest. */
        tcp_arm(core, &conn->keepalive_deadline, conn->keepalive_idle_ns - silent_ns);
        return;
    }
    if (conn->keepalive_probes >= conn->keepalive_count) {
        core->counters.timed_out++;
        tcp_conn_fail(core, conn, conn->soft_error != 0 ? conn->soft_error : STACK_TCP_TIMED_OUT);
        return;
    }
    tcp_send_keepalive(core, conn);
    conn->keepalive_probes++;
    tcp_arm(core, &conn->keepalive_deadline, conn->keepalive_interval_ns);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    if (a == 0)
        return b;
    if (b == 0)
        return a;
    return a < b ? a : b;
}

uint64_t tcp_core_tick(struct tcp_core *core)
{
    /* The burst since the last tick first: its events and ACKs walk only the ready list. */
    tcp_dispatch(core);
    uint64_t now = tcp_now(core);
    /* Nothing due: no need to look at every connection. */
    if (core->earliest_deadline == 0 || now < core->earliest_deadline)
        return core->earliest_deadline == 0 ? UINT64_MAX : core->earliest_deadline - now;
    for (uint32_t i = 0; i < core->limits.connections_max; i++) {
        struct tcp_conn *conn = &core->conns[i];
        if (conn->in_use && conn->rtx_deadline != 0 && conn->rtx_deadline <= now)
            retransmission_timeout(core, conn);
        if (conn->in_use && conn->tlp_deadline != 0 && conn->tlp_deadline <= now)
            tcp_tlp_timeout(core, conn);
        if (conn->in_use && conn->persist_deadline != 0 && conn->persist_deadline <= now)
            persist_timeout(core, conn);
        if (conn->in_use && conn->delack_deadline != 0 && conn->delack_deadline <= now)
            tcp_send_ack(core, conn);
        if (conn->in_use && conn->linger_deadline != 0 && conn->linger_deadline <= now)
            linger_timeout(core, conn);
        if (conn->in_use && conn->keepalive_deadline != 0 && conn->keepalive_deadline <= now)
            keepalive_timeout(core, conn);
    }
    tcp_dispatch(core);
    /* After the callbacks: what they wrote armed timers too. */
    uint64_t next = 0;
    for (uint32_t i = 0; i < core->limits.connections_max; i++) {
        const struct tcp_conn *conn = &core->conns[i];
        if (!conn->in_use)
            continue;
        next = earliest(next, conn->rtx_deadline);
        next = earliest(next, conn->tlp_deadline);
        next = earliest(next, conn->persist_deadline);
        next = earliest(next, conn->delack_deadline);
        next = earliest(next, conn->linger_deadline);
        next = earliest(next, conn->keepalive_deadline);
    }
    core->earliest_deadline = next;
    if (next == 0)
        return UINT64_MAX;
    return next > now ? next - now : 0;
}
