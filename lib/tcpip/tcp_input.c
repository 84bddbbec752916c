/* tcp_input.c: segment arrival (RFC 9293 3.10.7) for LISTEN, SYN_SENT and the synchronized states, with PAWS
 * (RFC 7323 5), the RST/SYN/ACK checks of RFC 5961, loss recovery (NewReno, RFC 5681 and 6582; with SACK, RFC 2018
 * and 6675) and out-of-order reassembly. */
#include "lib/tcpip/tcp_internal.h"
#include "lib/tcpip/tcp_seq.h"

static struct tcp_listener *find_listener(struct tcp_core *core, uint16_t port)
{
    for (uint32_t i = 0; i < core->limits.listeners_max; i++)
        if (core->listeners[i].in_use && core->listeners[i].port == port)
            return &core->listeners[i];
    return NULL;
}

/* The options of a SYN or SYN-ACK (RFC 7323, RFC 2018: scaling, timestamps and SACK hold only if both SYNs carry
 * them). */
static void take_syn_options(struct tcp_conn *conn, const struct tcp_segment *segment)
{
    conn->peer_mss = segment->has_mss ? segment->mss : TCP_DEFAULT_MSS;
    conn->wscale_ok = conn->wscale_ok && segment->has_wscale;
    conn->snd_wscale = conn->wscale_ok ? segment->wscale : 0;
    conn->ts_ok = conn->ts_ok && segment->has_timestamps;
    if (conn->ts_ok)
        conn->ts_recent = segment->ts_value;
    conn->sack_ok = conn->sack_ok && segment->sack_permitted;
    conn->snd_wnd = segment->window; /* never scaled in a SYN */
    conn->max_snd_wnd = conn->snd_wnd;
    conn->snd_wl1 = segment->seq;
}

static void listen_input(struct tcp_core *core, struct tcp_listener *listener, uint32_t source, uint32_t destination,
                         const struct tcp_segment *segment)
{
    if ((segment->flags & TCP_FLAG_RST) != 0)
        return;
    if ((segment->flags & TCP_FLAG_ACK) != 0 || (segment->flags & TCP_FLAG_SYN) == 0) {
        tcp_send_reset_reply(core, destination, source, segment);
        return;
    }
    if (core->half_open >= core->limits.syn_backlog) {
        core->counters.syn_dropped++;
        return;
    }
    struct tcp_conn *conn =
        tcp_conn_allocate(core, destination, segment->destination_port, source, segment->source_port);
    if (conn == NULL) {
        core->counters.syn_dropped++;
        return;
    }
    core->half_open++;
    conn->listener = listener;
    conn->state = TCP_SYN_RECEIVED;
    conn->wscale_ok = true;
    conn->ts_ok = true;
    conn->sack_ok = true;
    take_syn_options(conn, segment);
    conn->irs = segment->seq;
    conn->rcv_nxt = segment->seq + 1; /* data on a SYN is not kept: the peer sends it again */
    conn->rtt_timing = true;
    conn->rtt_seq = conn->iss;
    conn->rtt_start_ns = tcp_now(core);
    (void)tcp_send_syn(core, conn);
}

static void syn_sent_input(struct tcp_core *core, struct tcp_conn *conn, const struct tcp_segment *segment)
{
    bool has_ack = (segment->flags & TCP_FLAG_ACK) != 0;
    if (has_ack && (seq_leq(segment->ack, conn->iss) || seq_gt(segment->ack, conn->snd_max))) {
        tcp_send_reset_reply(core, conn->local_address, conn->remote_address, segment);
        return;
    }
    if ((segment->flags & TCP_FLAG_RST) != 0) {
        /* RFC 5961 3.2: only a RST that acknowledges our SYN ends the attempt. */
        if (has_ack) {
            core->counters.resets_received++;
            tcp_conn_fail(core, conn, STACK_TCP_REFUSED);
        }
        return;
    }
    if ((segment->flags & TCP_FLAG_SYN) == 0)
        return;
    take_syn_options(conn, segment);
    conn->irs = segment->seq;
    conn->rcv_nxt = segment->seq + 1;
    if (!has_ack) {
        /* Simultaneous open: both SYNs crossed; answer with SYN-ACK from our ISS. */
        conn->state = TCP_SYN_RECEIVED;
        conn->rtx_deadline = 0;
        (void)tcp_send_syn(core, conn);
        return;
    }
    conn->snd_una = segment->ack;
    conn->snd_wl2 = segment->ack;
    if (conn->ts_ok && segment->ts_echo != 0)
        tcp_rto_sample(&conn->rto, (uint64_t)(uint32_t)(tcp_ts_now(core, conn) - segment->ts_echo) * 1000000);
    else if (conn->rtt_timing)
        tcp_rto_sample(&conn->rto, tcp_now(core) - conn->rtt_start_ns);
    conn->rtt_timing = false;
    tcp_conn_established(core, conn);
    conn->pending_writable = conn->want_writable;
    tcp_conn_ready(core, conn);
    conn->want_writable = false;
    conn->ack_now = true;
    tcp_output(core, conn);
}

/* RFC 9293 3.10.7.4's table of acceptable segments, over the window we can take now. */
static bool acceptable(const struct tcp_conn *conn, const struct tcp_segment *segment, uint32_t length)
{
    uint32_t window = tcp_receive_window(conn);
    if (length == 0) {
        /* A bare ACK from a sender that filled the window we advertised carries SEG.SEQ = our right edge, which RFC
         * 9293's test (SEG.SEQ < RCV.NXT + RCV.WND) refuses, as it does when out-of-order bytes or the application
         * have shrunk the window since: its acknowledgement and SACK blocks would be lost, and our sender wait for
         * the timer. As Linux's tcp_sequence, it is accepted up to the edge advertised last, inclusive. */
        uint32_t edge = conn->rcv_nxt + window;
        uint32_t advertised = conn->rcv_adv - conn->rcv_nxt;
        if (seq_gt(conn->rcv_adv, edge) && advertised <= ((uint32_t)UINT16_MAX << conn->rcv_wscale))
            edge = conn->rcv_adv;
        return seq_in_window(segment->seq, conn->rcv_nxt, edge + 1);
    }
    if (window == 0)
        return false;
    return seq_in_window(segment->seq, conn->rcv_nxt, conn->rcv_nxt + window) ||
           seq_in_window(segment->seq + length - 1, conn->rcv_nxt, conn->rcv_nxt + window);
}

/* An ACK that covers new data: free it, time it, grow the congestion window (or leave recovery). */
static void new_ack(struct tcp_core *core, struct tcp_conn *conn, const struct tcp_segment *segment)
{
    uint32_t acked = segment->ack - conn->snd_una;
    uint32_t data = acked > conn->send.len ? conn->send.len : acked;
    tcp_ring_discard(&conn->send, data);
    conn->snd_una = segment->ack;
    tcp_scoreboard_advance(&conn->scoreboard, conn->snd_una);
    if (seq_lt(conn->snd_nxt, conn->snd_una))
        conn->snd_nxt = conn->snd_una;
    if (conn->ts_ok && segment->has_timestamps && segment->ts_echo != 0) {
        tcp_rto_sample(&conn->rto, (uint64_t)(uint32_t)(tcp_ts_now(core, conn) - segment->ts_echo) * 1000000);
        conn->rtt_timing = false;
    } else if (conn->rtt_timing && seq_gt(segment->ack, conn->rtt_seq)) {
        tcp_rto_sample(&conn->rto, tcp_now(core) - conn->rtt_start_ns);
        conn->rtt_timing = false;
    }
    tcp_rto_reset_backoff(&conn->rto);
    conn->retries = 0;
    uint32_t mss = conn->snd_mss;
    if (conn->in_recovery) {
        if (seq_geq(segment->ack, conn->recover)) {
            /* Full acknowledgement (RFC 6582 3.2 step 3): deflate. */
            uint32_t flight = conn->snd_max - conn->snd_una;
            conn->cwnd = conn->ssthresh < flight + mss ? conn->ssthresh : flight + mss;
            conn->in_recovery = false;
            conn->sack_recovery = false;
        } else if (conn->sack_recovery) {
            /* RFC 6675: cwnd stays; the output that follows sends what pipe leaves room for. */
            if (seq_lt(conn->high_rxt, conn->snd_una))
                conn->high_rxt = conn->snd_una;
        } else {
            /* Partial acknowledgement: the next hole is lost too. */
            tcp_retransmit_first(core, conn);
            conn->cwnd = conn->cwnd > acked ? conn->cwnd - acked : 0;
            if (acked >= mss)
                conn->cwnd += mss;
            if (conn->cwnd < mss)
                conn->cwnd = mss;
        }
    } else if (conn->cwnd < conn->ssthresh) {
        conn->cwnd += acked < mss ? acked : mss; /* slow start, RFC 5681 3.1 (L = 1 SMSS) */
    } else {
        uint32_t increase = (uint32_t)((uint64_t)mss * mss / conn->cwnd);
        conn->cwnd += increase > 0 ? increase : 1;
    }
    conn->dupacks = 0;
    conn->rtx_deadline = 0;
    if (conn->snd_una != conn->snd_max)
        tcp_arm(core, &conn->rtx_deadline, tcp_rto_current(&conn->rto));
    if (conn->want_writable && tcp_ring_free(&conn->send) > 0 && !conn->fin_queued) {
        conn->want_writable = false;
        conn->pending_writable = true;
        tcp_conn_ready(core, conn);
    }
}

/* Fast retransmit (RFC 5681 3.2, RFC 6582 3.2): halve, and send the first unacknowledged segment again. With SACK
 * the recovery is RFC 6675's: cwnd is ssthresh and the output sends what pipe leaves room for. */
static void enter_recovery(struct tcp_core *core, struct tcp_conn *conn)
{
    uint32_t mss = conn->snd_mss;
    uint32_t flight = conn->snd_max - conn->snd_una;
    conn->ssthresh = flight / 2 > 2 * mss ? flight / 2 : 2 * mss;
    conn->recover = conn->snd_max;
    conn->in_recovery = true;
    core->counters.fast_retransmits++;
    /* RFC 6675 needs everything sent once (after a timeout's rewind, NewReno finishes the job). */
    conn->sack_recovery = conn->sack_ok && conn->snd_nxt == conn->snd_max;
    if (!conn->sack_recovery) {
        tcp_retransmit_first(core, conn);
        conn->cwnd = conn->ssthresh + 3 * mss;
        return;
    }
    core->counters.sack_recoveries++;
    conn->cwnd = conn->ssthresh;
    conn->high_rxt = conn->snd_una;
    conn->rxt_fence = conn->snd_max;
    /* RFC 6675 5 (4.2): the first segment, as far as the first SACKed byte. */
    uint32_t seq = conn->snd_una, len = mss;
    (void)tcp_scoreboard_next_hole(&conn->scoreboard, conn->snd_una, conn->snd_una, mss, true, &seq, &len);
    (void)tcp_send_again(core, conn, seq, len);
}

/* The duplicate ACKs that start a recovery: DupThresh, or with SACK and fewer than 4 segments outstanding and
 * nothing more to send, one less than those (RFC 5827 early retransmit): a loss at the end of a burst gets too few
 * ACKs behind it to reach 3, and would wait for the timer. */
static uint32_t duplicate_threshold(const struct tcp_conn *conn)
{
    uint32_t mss = conn->snd_mss, flight = conn->snd_max - conn->snd_una;
    uint32_t segments = (flight + mss - 1) / mss;
    bool unsent = conn->send.len > flight && conn->snd_wnd > flight;
    if (conn->sack_ok && !unsent && segments >= 2 && segments < 4)
        return segments - 1;
    return TCP_SACK_DUPTHRESH;
}

/* RFC 5681 2: an ACK that repeats snd_una with nothing else new; the third starts fast retransmit. */
static void duplicate_ack(struct tcp_core *core, struct tcp_conn *conn)
{
    conn->dupacks++;
    if (conn->in_recovery) {
        if (!conn->sack_recovery)
            conn->cwnd += conn->snd_mss; /* NewReno's inflation; pipe counts for RFC 6675 */
        return;
    }
    /* RFC 6582 4.1: not again for losses from before the last recovery's retransmissions. */
    if (conn->dupacks >= duplicate_threshold(conn) && seq_geq(conn->snd_una, conn->recover))
        enter_recovery(core, conn);
}

/* Returns false when the segment must go no further. */
static bool process_ack(struct tcp_core *core, struct tcp_conn *conn, const struct tcp_segment *segment,
                        bool *fin_acked)
{
    if (conn->state == TCP_SYN_RECEIVED) {
        if (!seq_gt(segment->ack, conn->snd_una) || seq_gt(segment->ack, conn->snd_max)) {
            tcp_send_reset_reply(core, conn->local_address, conn->remote_address, segment);
            return false;
        }
        if (conn->ts_ok && segment->has_timestamps && segment->ts_echo != 0)
            tcp_rto_sample(&conn->rto, (uint64_t)(uint32_t)(tcp_ts_now(core, conn) - segment->ts_echo) * 1000000);
        else if (conn->rtt_timing)
            tcp_rto_sample(&conn->rto, tcp_now(core) - conn->rtt_start_ns);
        conn->rtt_timing = false;
        if (conn->listener != NULL) {
            core->half_open--;
            core->counters.accepted++;
            conn->pending_accept = true;
            tcp_conn_ready(core, conn);
        } else {
            conn->pending_writable = conn->want_writable; /* our connect, completed by simultaneous open */
            tcp_conn_ready(core, conn);
            conn->want_writable = false;
        }
        conn->snd_una = segment->ack;
        tcp_conn_established(core, conn);
        conn->snd_wnd = (uint32_t)segment->window << conn->snd_wscale;
        conn->max_snd_wnd = conn->snd_wnd;
        conn->snd_wl1 = segment->seq;
        conn->snd_wl2 = segment->ack;
        return true;
    }
    /* RFC 5961 5.2: acceptable if SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT (here the highest sent). */
    if (seq_gt(segment->ack, conn->snd_max)) {
        tcp_send_challenge_ack(core, conn);
        return false;
    }
    if (seq_lt(segment->ack, conn->snd_una - conn->max_snd_wnd)) {
        tcp_send_challenge_ack(core, conn);
        return false;
    }
    uint32_t window = (uint32_t)segment->window << conn->snd_wscale;
    bool newly_sacked =
        conn->sack_ok && segment->sack_count > 0 &&
        tcp_scoreboard_update(&conn->scoreboard, segment->sack, segment->sack_count, conn->snd_una, conn->snd_max);
    uint32_t fin_seq = tcp_fin_seq(conn);
    bool fin_was_outstanding = conn->fin_queued && seq_gt(conn->snd_max, fin_seq);
    uint32_t prior_una = conn->snd_una;
    if (seq_gt(segment->ack, conn->snd_una)) {
        new_ack(core, conn, segment);
        *fin_acked = fin_was_outstanding && seq_gt(segment->ack, fin_seq);
    } else if (segment->ack == conn->snd_una && conn->snd_max != conn->snd_una &&
               (newly_sacked || (segment->payload_len == 0 && (segment->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) == 0 &&
                                 window == conn->snd_wnd))) {
        /* RFC 6675 2: with SACK, a DupAck is one that SACKs new bytes, whatever else it carries (data, a window
         * grown by the peer's reading): in a two-way flow most ACKs ride on data. */
        duplicate_ack(core, conn);
    }
    tcp_tlp_on_ack(core, conn, segment, prior_una);
    /* A retransmission lost again: RFC 6675 would wait for the timer (its holes lie below HighRxt, NextSeg skips
     * them). Bytes sent after it SACKed beyond DupThresh segments say it is gone, as they say of an original (Linux's
     * tcp_mark_lost_retrans reasons so): send the lost holes again, once per such evidence. */
    if (conn->in_recovery && conn->sack_recovery && seq_lt(conn->snd_una, conn->high_rxt) &&
        conn->scoreboard.count > 0 &&
        seq_gt(conn->scoreboard.ranges[conn->scoreboard.count - 1].end,
               conn->rxt_fence + (TCP_SACK_DUPTHRESH - 1) * (uint32_t)conn->snd_mss)) {
        core->counters.lost_retransmits++;
        conn->high_rxt = conn->snd_una;
        conn->rxt_fence = conn->snd_max;
    }
    /* RFC 6675 5: also enough SACKed above SND.UNA to deem it lost starts a recovery, whatever the ACK's window. */
    if (conn->sack_ok && !conn->in_recovery && conn->snd_una != conn->snd_max &&
        seq_geq(conn->snd_una, conn->recover) && conn->snd_nxt == conn->snd_max &&
        tcp_scoreboard_is_lost(&conn->scoreboard, conn->snd_una, conn->snd_mss))
        enter_recovery(core, conn);
    if (seq_gt(conn->snd_una, prior_una))
        tcp_tlp_schedule(core, conn); /* RFC 8985 7.2: progress restarts the probe timeout */
    /* The send window, from the newest segment only (RFC 9293 3.10.7.4, SND.WL1/WL2). */
    if (seq_lt(conn->snd_wl1, segment->seq) ||
        (conn->snd_wl1 == segment->seq && seq_leq(conn->snd_wl2, segment->ack))) {
        bool opened = conn->snd_wnd == 0 && window > 0;
        conn->snd_wnd = window;
        if (window > conn->max_snd_wnd)
            conn->max_snd_wnd = window;
        conn->snd_wl1 = segment->seq;
        conn->snd_wl2 = segment->ack;
        if (opened) {
            conn->persist_deadline = 0;
            conn->retries = 0;
        }
    }
    if (conn->persist_deadline != 0)
        conn->retries = 0; /* the peer answers our probes */
    return true;
}

/* In-order bytes go to the receive queue, later ones are parked in it for reassembly. */
static void take_payload(struct tcp_core *core, struct tcp_conn *conn, uint32_t seq, const uint8_t *data, uint32_t len)
{
    if (seq == conn->rcv_nxt) {
        uint32_t taken = tcp_ring_append(&conn->receive, data, len);
        conn->rcv_nxt += taken;
        uint32_t edge = tcp_reass_advance(&conn->reass, conn->rcv_nxt);
        if (edge != conn->rcv_nxt) {
            tcp_ring_commit(&conn->receive, edge - conn->rcv_nxt);
            conn->rcv_nxt = edge;
            conn->ack_now = true; /* a hole filled: tell the sender at once (RFC 5681 4.2) */
        }
        if (conn->reass.count > 0)
            conn->ack_now = true;
        conn->pending_readable = true;
        tcp_conn_ready(core, conn); /* the flush after the burst acknowledges it, or leaves it to the timer */
        /* A segment longer than the sender's MSS is several full-sized ones the host merged (GRO) or never split
         * (TSO): it is owed its ACK after this burst, as Linux acknowledges a GRO packet, not the delayed ACK's. */
        conn->segments_unacked += len > conn->snd_mss ? 2u : 1u;
        if (conn->delack_deadline == 0)
            tcp_arm(core, &conn->delack_deadline, TCP_DELACK_NS);
        return;
    }
    /* After trimming, seq lies in (rcv_nxt, rcv_nxt + window) and the bytes end within the window. */
    if (!tcp_reass_add(&conn->reass, seq, seq + len)) {
        core->counters.out_of_order_dropped++;
    } else {
        tcp_ring_place(&conn->receive, seq - conn->rcv_nxt, data, len);
        core->counters.out_of_order++;
        tcp_sack_note_arrival(&conn->sack_recent, &conn->reass, seq);
    }
    /* The duplicate ACK that drives the sender's fast retransmit, with the SACK blocks: bare and at once, as one
     * carried by data would not count as a duplicate (RFC 5681 4.2). */
    tcp_send_ack(core, conn);
}

static void process_fin(struct tcp_core *core, struct tcp_conn *conn, bool fin_acked)
{
    if (!conn->fin_received) {
        conn->fin_received = true;
        conn->rcv_nxt++;
        conn->pending_readable = true;
        tcp_conn_ready(core, conn);
    }
    conn->ack_now = true;
    switch (conn->state) {
    case TCP_ESTABLISHED:
        conn->state = TCP_CLOSE_WAIT;
        break;
    case TCP_FIN_WAIT_1:
        if (fin_acked)
            tcp_conn_time_wait(core, conn);
        else
            conn->state = TCP_CLOSING;
        break;
    case TCP_FIN_WAIT_2:
    case TCP_TIME_WAIT:
        tcp_conn_time_wait(core, conn);
        break;
    default:
        break;
    }
}

/* The ACK an unacceptable segment gets (RFC 9293 3.10.7.4). For one without data it is rate limited, as Linux
 * does (tcp_oow_rate_limited): two stacks that each find the other's bare ACKs unacceptable would otherwise answer
 * each other for ever. */
static void answer_unacceptable(struct tcp_core *core, struct tcp_conn *conn, uint32_t length)
{
    uint64_t now = tcp_now(core);
    if (length == 0 && conn->last_unacceptable_ack_ns != 0 &&
        now - conn->last_unacceptable_ack_ns < TCP_UNACCEPTABLE_ACK_INTERVAL_NS)
        return;
    if (length == 0)
        conn->last_unacceptable_ack_ns = now;
    tcp_send_ack(core, conn);
}

/* The state changes an acknowledgement of our FIN makes; false when the connection is gone. */
static bool after_ack(struct tcp_core *core, struct tcp_conn *conn, bool fin_acked)
{
    switch (conn->state) {
    case TCP_FIN_WAIT_1:
        if (fin_acked) {
            conn->state = TCP_FIN_WAIT_2;
            if (!conn->app_owned)
                tcp_arm(core, &conn->linger_deadline, core->limits.fin_wait_2_ns);
        }
        break;
    case TCP_CLOSING:
        if (fin_acked)
            tcp_conn_time_wait(core, conn);
        break;
    case TCP_LAST_ACK:
        if (fin_acked) {
            tcp_conn_finish(core, conn);
            return false;
        }
        break;
    case TCP_TIME_WAIT:
        /* Only a retransmitted FIN comes here; it is acknowledged and restarts the wait below. */
        break;
    default:
        break;
    }
    return true;
}

static void synchronized_input(struct tcp_core *core, struct tcp_conn *conn, const struct tcp_segment *segment)
{
    uint32_t seq = segment->seq;
    uint32_t length = tcp_segment_length(segment);
    uint8_t flags = segment->flags;
    const uint8_t *data = segment->payload;
    uint32_t data_len = (uint32_t)segment->payload_len;

    /* A SYN again in SYN_RECEIVED: our SYN-ACK was lost; send it again rather than wait for the timer. */
    if (conn->state == TCP_SYN_RECEIVED && (flags & TCP_FLAG_SYN) != 0 && (flags & TCP_FLAG_ACK) == 0 &&
        seq == conn->irs) {
        (void)tcp_send_syn(core, conn);
        return;
    }
    /* PAWS (RFC 7323 5.3): a segment with an older timestamp than the last in-order one is an old duplicate. */
    if (conn->ts_ok && segment->has_timestamps && (flags & TCP_FLAG_RST) == 0 &&
        (int32_t)(segment->ts_value - conn->ts_recent) < 0) {
        core->counters.paws_dropped++;
        answer_unacceptable(core, conn, length);
        return;
    }
    if (!acceptable(conn, segment, length)) {
        /* RFC 9293 3.10.7.4: with a zero receive window nothing is acceptable, "but special allowance should be
         * made to accept valid ACKs": the peer's ACK may be what reopens our own sending. Its data is not taken. */
        bool ack_through_closed_window =
            tcp_receive_window(conn) == 0 && (flags & (TCP_FLAG_ACK | TCP_FLAG_RST | TCP_FLAG_SYN)) == TCP_FLAG_ACK;
        if ((flags & TCP_FLAG_RST) == 0)
            answer_unacceptable(core, conn, length);
        if (!ack_through_closed_window)
            return;
        bool fin_acked = false;
        if (conn->state != TCP_SYN_RECEIVED && process_ack(core, conn, segment, &fin_acked) &&
            after_ack(core, conn, fin_acked))
            tcp_output(core, conn);
        return;
    }
    /* RFC 5961 3.2: only a RST at exactly RCV.NXT resets; one elsewhere in the window gets a challenge ACK. */
    if ((flags & TCP_FLAG_RST) != 0) {
        if (seq != conn->rcv_nxt) {
            tcp_send_challenge_ack(core, conn);
            return;
        }
        /* RFC 1337: a RST must not cut TIME_WAIT short (it would let old duplicates into a new incarnation). */
        if (conn->state == TCP_TIME_WAIT)
            return;
        core->counters.resets_received++;
        if (conn->state == TCP_SYN_RECEIVED && conn->listener != NULL) {
            tcp_conn_release(core, conn); /* back to LISTEN: the listener never heard of it */
            return;
        }
        bool orderly_end = conn->state == TCP_CLOSING || conn->state == TCP_LAST_ACK;
        if (orderly_end && !conn->app_owned)
            tcp_conn_finish(core, conn);
        else
            tcp_conn_fail(core, conn, conn->state == TCP_SYN_RECEIVED ? STACK_TCP_REFUSED : STACK_TCP_RESET);
        return;
    }
    /* RFC 5961 4.2: a SYN in a synchronized state, whatever its sequence number, gets a challenge ACK. */
    if ((flags & TCP_FLAG_SYN) != 0) {
        tcp_send_challenge_ack(core, conn);
        return;
    }
    if ((flags & TCP_FLAG_ACK) == 0)
        return;
    /* An acceptable segment: the peer is alive (RFC 1122 4.2.3.6), keep-alives start counting again. */
    conn->last_heard_ns = tcp_now(core);
    conn->keepalive_probes = 0;
    conn->soft_error = 0; /* an ICMP error before this one was not the end */
    /* Record the timestamp to echo (RFC 7323 4.3): from a segment that covers the last ACK we sent. */
    if (conn->ts_ok && segment->has_timestamps && seq_leq(seq, conn->last_ack_sent))
        conn->ts_recent = segment->ts_value;

    /* Trim to the window: bytes before RCV.NXT were had already, bytes past the window cannot be kept. */
    if (seq_lt(seq, conn->rcv_nxt)) {
        uint32_t skip = conn->rcv_nxt - seq;
        if (skip > data_len)
            skip = data_len; /* only a FIN lies beyond: keep it */
        data += skip;
        data_len -= skip;
        seq += skip;
    }
    uint32_t window = tcp_receive_window(conn);
    uint32_t room = seq_in_window(seq, conn->rcv_nxt, conn->rcv_nxt + window + 1) ? conn->rcv_nxt + window - seq : 0;
    if (data_len > room) {
        data_len = room;
        flags &= (uint8_t)~TCP_FLAG_FIN;
    }

    bool fin_acked = false;
    if (!process_ack(core, conn, segment, &fin_acked))
        return;
    if (!after_ack(core, conn, fin_acked))
        return;

    bool takes_data = conn->state == TCP_ESTABLISHED || conn->state == TCP_FIN_WAIT_1 || conn->state == TCP_FIN_WAIT_2;
    if (data_len > 0 && takes_data) {
        if (!conn->app_owned && conn->app_closed) {
            /* Nobody will read these bytes: reset, as Linux does (RFC 1122 4.2.2.13). */
            tcp_send_reset(core, conn);
            tcp_conn_release(core, conn);
            return;
        }
        take_payload(core, conn, seq, data, data_len);
    }
    /* A FIN counts only in order: after every byte before it. */
    if ((flags & TCP_FLAG_FIN) != 0 && seq + data_len == conn->rcv_nxt &&
        (takes_data || conn->state == TCP_TIME_WAIT || conn->fin_received))
        process_fin(core, conn, fin_acked);
    tcp_output(core, conn);
}

void tcp_core_input(struct tcp_core *core, uint32_t source, uint32_t destination, const uint8_t *bytes, size_t len)
{
    tcp_core_input_offloaded(core, source, destination, bytes, len, false);
}

void tcp_core_input_offloaded(struct tcp_core *core, uint32_t source, uint32_t destination, const uint8_t *bytes,
                              size_t len, bool checksum_trusted)
{
    struct tcp_segment segment;
    core->counters.segments_received++;
    int rc = checksum_trusted ? tcp_segment_parse_trusted(bytes, len, source, destination, &segment)
                              : tcp_segment_parse(bytes, len, source, destination, &segment);
    if (rc == TCP_PARSE_CHECKSUM) {
        core->counters.bad_checksum++;
        return;
    }
    if (rc != TCP_PARSE_OK) {
        core->counters.malformed++;
        return;
    }
    if (destination != core->local_address || source == 0 || source == UINT32_MAX) {
        core->counters.malformed++; /* broadcast, or a source no reply could reach */
        return;
    }
    struct tcp_conn *conn = tcp_conn_lookup(core, destination, segment.destination_port, source, segment.source_port);
    struct tcp_listener *listener = NULL; /* looked for only when the segment may need one */
    /* RFC 9293 3.10.7.4 allows a new SYN to end a TIME_WAIT when its sequence number is past the old one's. */
    if (conn != NULL && conn->state == TCP_TIME_WAIT && !conn->app_owned &&
        (segment.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN && seq_gt(segment.seq, conn->rcv_nxt)) {
        listener = find_listener(core, segment.destination_port);
        if (listener != NULL) {
            tcp_conn_release(core, conn);
            conn = NULL;
        }
    }
    if (conn == NULL) {
        if (listener == NULL)
            listener = find_listener(core, segment.destination_port);
        if (listener != NULL)
            listen_input(core, listener, source, destination, &segment);
        else
            tcp_send_reset_reply(core, destination, source, &segment);
    } else if (conn->state == TCP_SYN_SENT) {
        syn_sent_input(core, conn, &segment);
    } else if (conn->state == TCP_CLOSED) {
        /* The application still holds a dead flow: the 4-tuple is closed to the peer. */
        tcp_send_reset_reply(core, destination, source, &segment);
    } else {
        synchronized_input(core, conn, &segment);
    }
}
