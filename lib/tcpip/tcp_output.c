/* tcp_output.c: building segments in the transmit buffer below and deciding what to send: data within the peer's
 * and the congestion windows (RFC 3042's limited transmit, RFC 6675's pipe and NextSeg in a SACK recovery), the FIN
 * after the queued bytes, ACKs with SACK blocks, probes and resets. */
#include <string.h>

#include "lib/tcpip/tcp_internal.h"
#include "lib/tcpip/tcp_seq.h"

uint32_t tcp_receive_window(const struct tcp_conn *conn)
{
    /* No more than the window field can say with the agreed scale. */
    uint32_t most = (uint32_t)UINT16_MAX << conn->rcv_wscale;
    uint32_t free_bytes = tcp_ring_free(&conn->receive);
    return free_bytes < most ? free_bytes : most;
}

/* The window field for a non-SYN segment: scaled, and never more than 16 bits can say. */
static uint16_t window_field(const struct tcp_conn *conn)
{
    uint32_t window = tcp_receive_window(conn) >> conn->rcv_wscale;
    return window > UINT16_MAX ? UINT16_MAX : (uint16_t)window;
}

/* Build one segment with `payload_len` bytes of the send queue from `payload_offset`, and send it; returns the
 * payload bytes sent (fewer when the buffer below is smaller, or a segment longer than the MSS had to go at the MSS:
 * then without the FIN), or a negative error. A payload longer than the MSS goes through the transmit offload, which
 * the caller checked (segment_payload_max), for the layer below to cut at the MSS. */
static long send_segment(struct tcp_core *core, struct tcp_conn *conn, uint32_t seq, uint8_t flags,
                         uint32_t payload_offset, uint32_t payload_len)
{
    size_t capacity = 0;
    bool offload = payload_len > conn->snd_mss;
    uint8_t *buffer = offload ? core->env.tx_segment_buffer(core->env.context, &capacity)
                              : core->env.tx_buffer(core->env.context, &capacity);
    bool syn = (flags & TCP_FLAG_SYN) != 0;
    struct tcp_header_out header = {
        .source_port = conn->local_port,
        .destination_port = conn->remote_port,
        .seq = seq,
        .ack = (flags & TCP_FLAG_ACK) != 0 ? conn->rcv_nxt : 0,
        .flags = flags,
        .has_timestamps = conn->ts_ok && (flags & TCP_FLAG_RST) == 0,
    };
    if (syn) {
        /* The window of a SYN is never scaled (RFC 7323 2.2). */
        uint32_t window = tcp_receive_window(conn);
        header.window = window > UINT16_MAX ? UINT16_MAX : (uint16_t)window;
        header.has_mss = true;
        header.mss = core->limits.mss;
        header.has_wscale = conn->wscale_ok;
        header.wscale = conn->rcv_wscale;
        header.has_sack_permitted = conn->sack_ok;
    } else {
        header.window = window_field(conn);
    }
    if (conn->sack_ok && !syn && (flags & (TCP_FLAG_ACK | TCP_FLAG_RST)) == TCP_FLAG_ACK && conn->reass.count > 0) {
        /* RFC 2018 4: every ACK while out-of-order bytes wait reports them, in the options room the segment has
         * left: 3 blocks beside timestamps, fewer on a data segment, whose payload and options fit one MSS. */
        uint32_t room = payload_len < conn->snd_mss ? conn->snd_mss - payload_len : 0;
        uint32_t fits = room >= 12 ? (room - 4) / 8 : 0;
        uint32_t most = conn->ts_ok ? TCP_SACK_BLOCKS_MAX - 1 : TCP_SACK_BLOCKS_MAX;
        if (payload_len > 0 && fits < most)
            most = fits;
        header.sack_count = (uint8_t)tcp_sack_blocks(&conn->sack_recent, &conn->reass, header.sack, most);
    }
    if (header.has_timestamps) {
        header.ts_value = tcp_ts_now(core, conn);
        /* RFC 7323 3.2: TSecr is zero on a SYN that opens, the peer's value otherwise. */
        header.ts_echo = (flags & TCP_FLAG_ACK) != 0 ? conn->ts_recent : 0;
    }
    size_t header_len = tcp_header_size(&header);
    if (buffer == NULL || capacity < header_len) {
        core->counters.send_errors++;
        return STACK_TCP_NO_ROOM;
    }
    if (payload_len > capacity - header_len) {
        /* What does not fit goes in the next segment, and the FIN (and PSH) with the last of it. */
        payload_len = (uint32_t)(capacity - header_len);
        header.flags &= (uint8_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
    }
    /* The pieces the host cuts each carry this header's options: timestamps are right in each (as Linux's), SACK
     * blocks would not be, and a segment of the MSS or more has no room for them (above). */
    offload = offload && payload_len > conn->snd_mss && header.sack_count == 0;
    tcp_ring_peek(&conn->send, payload_offset, buffer + header_len, payload_len);
    size_t len =
        offload ? tcp_segment_write_partial(buffer, &header, payload_len, conn->local_address, conn->remote_address)
                : tcp_segment_write(buffer, &header, payload_len, conn->local_address, conn->remote_address);
    if ((flags & TCP_FLAG_ACK) != 0) {
        conn->last_ack_sent = conn->rcv_nxt;
        conn->rcv_adv = conn->rcv_nxt + ((uint32_t)header.window << (syn ? 0 : conn->rcv_wscale));
        conn->ack_now = false;
        conn->delack_deadline = 0;
        conn->segments_unacked = 0;
    }
    int rc = offload ? core->env.transmit_segment(core->env.context, conn->remote_address, len, conn->snd_mss)
                     : core->env.transmit(core->env.context, conn->remote_address, len);
    if (rc == TCP_SEGMENT_REFUSED && offload) /* e.g. the next hop's address expired: one MSS, which resolves it */
        return send_segment(core, conn, seq, (uint8_t)(flags & ~(TCP_FLAG_FIN | TCP_FLAG_PSH)), payload_offset,
                            conn->snd_mss);
    if (rc < 0 || rc == TCP_SEGMENT_REFUSED) {
        core->counters.send_errors++;
        return rc < 0 ? rc : STACK_TCP_NO_ROOM;
    }
    /* Statistics count what goes on the wire: a segment the host cuts is as many as it becomes. */
    uint32_t pieces = offload ? (payload_len + conn->snd_mss - 1) / conn->snd_mss : 1;
    core->counters.segments_sent += pieces;
    if (offload)
        core->counters.segments_offloaded++;
    return (long)payload_len;
}

/* The most new data one segment may carry: as many whole MSS as the layer below takes to cut up (transmit offload),
 * else one MSS. Never below RFC 9293's default MSS, the least a host cuts at (devices/netif.h). */
static uint32_t segment_payload_max(struct tcp_core *core, const struct tcp_conn *conn)
{
    uint32_t mss = conn->snd_mss;
    size_t capacity = 0;
    if (core->env.tx_segment_buffer == NULL || mss < TCP_DEFAULT_MSS ||
        core->env.tx_segment_buffer(core->env.context, &capacity) == NULL)
        return mss;
    size_t header = TCP_HEADER_SIZE + (conn->ts_ok ? TCP_TIMESTAMPS_SIZE : 0);
    if (capacity < header + 2 * (size_t)mss)
        return mss;
    size_t segments = (capacity - header) / mss;
    return (uint32_t)(segments * mss);
}

uint32_t tcp_acceptable_seq(const struct tcp_conn *conn)
{
    /* Not SND.NXT: after a timeout rewinds it the peer may hold everything up to SND.MAX, and it reads nothing of a
     * bare segment from below its RCV.NXT. Nor past the peer's window, which it would refuse too (as Linux's
     * tcp_acceptable_seq). */
    uint32_t window_end = conn->snd_una + conn->snd_wnd;
    return seq_leq(conn->snd_max, window_end) ? conn->snd_max : window_end;
}

static void arm_retransmit(struct tcp_core *core, struct tcp_conn *conn)
{
    if (conn->rtx_deadline == 0)
        tcp_arm(core, &conn->rtx_deadline, tcp_rto_current(&conn->rto));
}

static bool may_send_data(enum tcp_state state)
{
    return state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT || state == TCP_FIN_WAIT_1 || state == TCP_CLOSING ||
           state == TCP_LAST_ACK;
}

/* Count a retransmission of [seq, seq + len + fin) and keep Karn's rule: its acknowledgement times nothing. */
static void note_retransmission(struct tcp_core *core, struct tcp_conn *conn, uint32_t seq, uint32_t span)
{
    if (conn->rtt_timing && seq_leq(seq, conn->rtt_seq) && seq_lt(conn->rtt_seq, seq + span))
        conn->rtt_timing = false;
    core->counters.retransmits++;
}

/* The next segment from SND.NXT, at most `limit` bytes (the windows' room); returns false when nothing went. With
 * `may_offload`, new data outside a recovery goes in whole MSS up to what the transmit offload takes; bytes sent
 * again, limited transmit and probes go one MSS at a time. */
static bool send_next(struct tcp_core *core, struct tcp_conn *conn, uint32_t limit, bool may_offload)
{
    if (conn->sack_ok && seq_lt(conn->snd_nxt, conn->snd_max)) {
        /* Sending again after a timeout: what the peer reported since is not sent twice. */
        uint32_t unsacked = UINT32_MAX;
        uint32_t next = tcp_scoreboard_skip(&conn->scoreboard, conn->snd_nxt, &unsacked);
        if (next != conn->snd_nxt) {
            /* The skipped bytes still count against the windows, which are measured from SND.UNA. */
            uint32_t skipped = next - conn->snd_nxt;
            conn->snd_nxt = next;
            limit = limit > skipped ? limit - skipped : 0;
        }
        if (unsacked < limit)
            limit = unsacked;
    }
    uint32_t offset = conn->snd_nxt - conn->snd_una;
    uint32_t queued = conn->send.len;
    uint32_t available = offset < queued ? queued - offset : 0;
    uint32_t len = available < limit ? available : limit;
    uint32_t most = may_offload && conn->snd_nxt == conn->snd_max && !conn->in_recovery && conn->dupacks == 0
                        ? segment_payload_max(core, conn)
                        : conn->snd_mss;
    if (len > most)
        len = most;
    /* Whole MSS while more waits behind: the rest goes with what comes next, as it would have segment by segment
     * (a last short piece only when it is all there is). */
    if (len > conn->snd_mss && len < available)
        len -= len % conn->snd_mss;
    /* Sender-side silly window avoidance (RFC 9293 3.8.6.2.1): a piece of new data smaller than a segment goes only
     * if it is all we have, or nothing is in flight. (Old data goes as the holes SACK left: they are what they are.) */
    if (len < conn->snd_mss && len < available && offset > 0 && conn->snd_nxt == conn->snd_max)
        len = 0;
    bool fin = conn->fin_queued && offset + len == queued && seq_leq(conn->snd_nxt + len, tcp_fin_seq(conn));
    if (len == 0 && !fin)
        return false;
    uint8_t flags = TCP_FLAG_ACK | (fin ? TCP_FLAG_FIN : 0) | (len > 0 && len == available ? TCP_FLAG_PSH : 0);
    long rc = send_segment(core, conn, conn->snd_nxt, flags, offset, len);
    if (rc < 0)
        return false;
    if ((uint32_t)rc < len) { /* the buffer below was smaller: the FIN waits for the next segment */
        len = (uint32_t)rc;
        fin = false;
    }
    if (conn->snd_nxt == conn->snd_max && !conn->rtt_timing) {
        conn->rtt_timing = true;
        conn->rtt_seq = conn->snd_nxt;
        conn->rtt_start_ns = tcp_now(core);
    }
    if (seq_lt(conn->snd_nxt, conn->snd_max))
        core->counters.retransmits++;
    bool new_data = conn->snd_nxt == conn->snd_max;
    conn->snd_nxt += len + (fin ? 1 : 0);
    conn->snd_max = seq_max(conn->snd_max, conn->snd_nxt);
    arm_retransmit(core, conn);
    if (new_data)
        tcp_tlp_schedule(core, conn); /* RFC 8985 7.2: the PTO restarts when new data goes */
    return true;
}

bool tcp_send_again(struct tcp_core *core, struct tcp_conn *conn, uint32_t seq, uint32_t len)
{
    uint32_t offset = seq - conn->snd_una;
    uint32_t data = offset < conn->send.len ? conn->send.len - offset : 0;
    if (len > data)
        len = data;
    /* The FIN goes again with the last bytes (or alone) if it was sent. */
    bool fin = conn->fin_queued && offset + len == conn->send.len && seq_gt(conn->snd_max, tcp_fin_seq(conn));
    if (len == 0 && !fin)
        return false;
    note_retransmission(core, conn, seq, len + fin);
    long rc = send_segment(core, conn, seq, TCP_FLAG_ACK | (fin ? TCP_FLAG_FIN : 0), offset, len);
    arm_retransmit(core, conn);
    if (rc < 0)
        return false;
    if ((uint32_t)rc < len)
        fin = false;
    if (conn->sack_recovery) {
        conn->high_rxt = seq_max(conn->high_rxt, seq + (uint32_t)rc + fin);
        tcp_tlp_schedule(core, conn); /* the probe's timeout runs from the last retransmission too */
    }
    return true;
}

/* RFC 6675 5 (C): while cwnd - pipe leaves a segment's room, the lost holes first (NextSeg rule 1), then new data
 * (rule 2), then holes not yet deemed lost (rule 3). Returns whether anything was sent. */
static bool sack_recovery_output(struct tcp_core *core, struct tcp_conn *conn)
{
    bool sent = false;
    uint32_t mss = conn->snd_mss;
    /* Bounded: each round sends a segment or stops, and the window holds a bounded number of segments. */
    for (uint32_t round = 0; round < 1024; round++) {
        uint32_t pipe = tcp_scoreboard_pipe(&conn->scoreboard, conn->snd_una, conn->snd_max, conn->high_rxt, mss);
        if (conn->cwnd < pipe || conn->cwnd - pipe < mss)
            break;
        uint32_t seq = 0, len = 0;
        bool progress;
        if (tcp_scoreboard_next_hole(&conn->scoreboard, conn->snd_una, conn->high_rxt, mss, false, &seq, &len)) {
            progress = tcp_send_again(core, conn, seq, len);
        } else {
            uint32_t offset = conn->snd_nxt - conn->snd_una;
            uint32_t room = conn->snd_wnd > offset ? conn->snd_wnd - offset : 0;
            progress = send_next(core, conn, room < mss ? room : mss, false);
            if (!progress &&
                tcp_scoreboard_next_hole(&conn->scoreboard, conn->snd_una, conn->high_rxt, mss, true, &seq, &len))
                progress = tcp_send_again(core, conn, seq, len);
        }
        if (!progress)
            break;
        sent = true;
    }
    return sent;
}

void tcp_output(struct tcp_core *core, struct tcp_conn *conn)
{
    bool sent = false;
    if (may_send_data(conn->state) && conn->in_recovery && conn->sack_recovery) {
        sent = sack_recovery_output(core, conn);
    } else {
        while (may_send_data(conn->state)) {
            uint32_t offset = conn->snd_nxt - conn->snd_una;
            uint32_t cwnd = conn->cwnd;
            /* RFC 3042: the first two duplicate ACKs each let one new segment go beyond cwnd. */
            if (!conn->in_recovery && conn->dupacks > 0 && conn->dupacks < TCP_SACK_DUPTHRESH &&
                conn->snd_nxt == conn->snd_max)
                cwnd += conn->dupacks * (uint32_t)conn->snd_mss;
            uint32_t window = conn->snd_wnd < cwnd ? conn->snd_wnd : cwnd;
            if (!send_next(core, conn, window > offset ? window - offset : 0, true))
                break;
            sent = true;
        }
    }
    if (!sent && conn->ack_now && conn->state != TCP_CLOSED && conn->state != TCP_SYN_SENT)
        tcp_send_ack(core, conn);
    /* Bytes wait behind a closed window with nothing in flight: only the persist timer will ask again. */
    uint32_t offset = conn->snd_nxt - conn->snd_una;
    if (may_send_data(conn->state) && conn->snd_wnd == 0 && offset == 0 && conn->send.len > 0 &&
        conn->persist_deadline == 0) {
        conn->rtx_deadline = 0;
        tcp_arm(core, &conn->persist_deadline, tcp_rto_current(&conn->rto));
    }
    /* Whatever stopped the sending (the windows, the layer below), sent bytes not yet acknowledged always have a
     * timer: else nothing would ever send them again (RFC 6298 5.1). */
    if (may_send_data(conn->state) && conn->snd_max != conn->snd_una && conn->rtx_deadline == 0 &&
        conn->persist_deadline == 0)
        arm_retransmit(core, conn);
}

void tcp_send_ack(struct tcp_core *core, struct tcp_conn *conn)
{
    (void)send_segment(core, conn, tcp_acceptable_seq(conn), TCP_FLAG_ACK, 0, 0);
}

void tcp_send_challenge_ack(struct tcp_core *core, struct tcp_conn *conn)
{
    uint64_t now = tcp_now(core);
    if (now - core->challenge_window_start_ns >= UINT64_C(1000000000)) {
        core->challenge_window_start_ns = now;
        core->challenge_acks_in_window = 0;
    }
    if (core->challenge_acks_in_window >= core->limits.challenge_acks_per_second) {
        core->counters.challenge_acks_suppressed++;
        return;
    }
    core->challenge_acks_in_window++;
    core->counters.challenge_acks++;
    tcp_send_ack(core, conn);
}

int tcp_send_syn(struct tcp_core *core, struct tcp_conn *conn)
{
    uint8_t flags = TCP_FLAG_SYN | (conn->state == TCP_SYN_RECEIVED ? TCP_FLAG_ACK : 0);
    /* A SYN lost below is a SYN lost on the way: the timer sends it again. */
    long rc = send_segment(core, conn, conn->iss, flags, 0, 0);
    conn->snd_nxt = conn->iss + 1;
    conn->snd_max = conn->snd_nxt;
    arm_retransmit(core, conn);
    return rc < 0 ? (int)rc : 0;
}

void tcp_retransmit_first(struct tcp_core *core, struct tcp_conn *conn)
{
    (void)tcp_send_again(core, conn, conn->snd_una, conn->snd_mss);
}

bool tcp_send_tail_probe(struct tcp_core *core, struct tcp_conn *conn)
{
    uint32_t flight = conn->snd_max - conn->snd_una;
    uint32_t mss = conn->snd_mss;
    uint32_t seq = conn->snd_max;
    /* New data if there is some and the peer's window takes a segment of it: it probes and makes progress. */
    if (conn->send.len > flight && conn->snd_wnd > flight && send_next(core, conn, conn->snd_wnd - flight, false)) {
        conn->tlp_seq = seq;
        conn->tlp_retransmitted = false;
        return true;
    }
    /* Else the highest segment again (with the FIN if it went): its ACK, or its SACK, says what is missing. */
    bool fin_sent = conn->fin_queued && seq_gt(conn->snd_max, tcp_fin_seq(conn));
    uint32_t data_end = fin_sent ? conn->snd_max - 1 : conn->snd_max;
    uint32_t data = data_end - conn->snd_una;
    uint32_t len = data < mss ? data : mss;
    seq = data_end - len;
    uint32_t high_rxt = conn->high_rxt;
    if (len > 0 && tcp_scoreboard_is_sacked(&conn->scoreboard, data_end - 1)) {
        /* The peer has it: the oldest hole instead, which has waited longest for news. */
        if (!tcp_scoreboard_next_hole(&conn->scoreboard, conn->snd_una, conn->snd_una, mss, true, &seq, &len))
            return false;
        if (!tcp_send_again(core, conn, seq, len))
            return false;
    } else {
        if (!tcp_send_again(core, conn, seq, len))
            return false;
        conn->high_rxt = high_rxt; /* a probe, not one of a recovery's retransmissions: the holes below still wait */
    }
    conn->tlp_seq = seq;
    conn->tlp_retransmitted = true;
    return true;
}

void tcp_send_window_probe(struct tcp_core *core, struct tcp_conn *conn)
{
    core->counters.window_probes++;
    (void)send_segment(core, conn, conn->snd_una - 1, TCP_FLAG_ACK, 0, 0);
}

void tcp_send_keepalive(struct tcp_core *core, struct tcp_conn *conn)
{
    core->counters.keepalive_probes++;
    (void)send_segment(core, conn, conn->snd_nxt - 1, TCP_FLAG_ACK, 0, 0);
}

void tcp_send_reset(struct tcp_core *core, struct tcp_conn *conn)
{
    core->counters.resets_sent++;
    (void)send_segment(core, conn, tcp_acceptable_seq(conn), TCP_FLAG_RST | TCP_FLAG_ACK, 0, 0);
}

void tcp_send_reset_reply(struct tcp_core *core, uint32_t local_address, uint32_t remote_address,
                          const struct tcp_segment *segment)
{
    if ((segment->flags & TCP_FLAG_RST) != 0)
        return;
    size_t capacity = 0;
    uint8_t *buffer = core->env.tx_buffer(core->env.context, &capacity);
    if (buffer == NULL || capacity < TCP_HEADER_SIZE) {
        core->counters.send_errors++;
        return;
    }
    struct tcp_header_out header = {
        .source_port = segment->destination_port,
        .destination_port = segment->source_port,
    };
    if ((segment->flags & TCP_FLAG_ACK) != 0) {
        header.seq = segment->ack;
        header.flags = TCP_FLAG_RST;
    } else {
        header.ack = segment->seq + tcp_segment_length(segment);
        header.flags = TCP_FLAG_RST | TCP_FLAG_ACK;
    }
    size_t len = tcp_segment_write(buffer, &header, 0, local_address, remote_address);
    core->counters.resets_sent++;
    if (core->env.transmit(core->env.context, remote_address, len) < 0)
        core->counters.send_errors++;
    else
        core->counters.segments_sent++;
}
