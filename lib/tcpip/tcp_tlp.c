/* tcp_tlp.c: the tail loss probe (RFC 8985 7): when the last segments of a flight, or the ACKs for them, are lost,
 * no ACK comes back to start a recovery and only the retransmission timer (200 ms at least) would; a probe two round
 * trips after the last sign of progress draws the ACK or SACK that shows what is missing. */
#include "lib/tcpip/tcp_internal.h"
#include "lib/tcpip/tcp_seq.h"

/* RFC 8985 7.2's WCDelAckT: with one segment in flight the peer's delayed ACK may hold its answer this long. The
 * RFC's default is 200 ms, which with a 200 ms minimum RTO would leave a lone segment's loss to the timer; our own
 * delayed ACK and Linux's (its initial ATO) wait 40 ms, and a peer that waits longer costs one spurious segment. */
#define TCP_TLP_MAX_ACK_DELAY_NS UINT64_C(50000000)
/* Added to 2 SRTT otherwise (as Linux's TCP_TIMEOUT_MIN): our RTT samples come in milliseconds, and a peer that
 * acknowledges every second segment answers an odd one only after a burst's processing. */
#define TCP_TLP_SLACK_NS UINT64_C(2000000)

static bool may_probe(const struct tcp_conn *conn)
{
    bool sending = conn->state == TCP_ESTABLISHED || conn->state == TCP_CLOSE_WAIT || conn->state == TCP_FIN_WAIT_1 ||
                   conn->state == TCP_CLOSING || conn->state == TCP_LAST_ACK;
    /* Without SACK the probe's answer could not say which bytes arrived; during the go-back-N after a timeout the
     * sender already resends everything; and one probe per flight at most (RFC 8985 7.2). Unlike the RFC, a SACK
     * recovery may probe too: without RACK nothing else finds a lost retransmission, or the loss of the ACK that
     * would end the recovery, before the timer. */
    return sending && conn->sack_ok && conn->rto.has_sample && !conn->tlp_out &&
           (!conn->in_recovery || conn->sack_recovery) && conn->snd_una != conn->snd_max &&
           conn->snd_nxt == conn->snd_max && conn->rtx_deadline != 0;
}

void tcp_tlp_schedule(struct tcp_core *core, struct tcp_conn *conn)
{
    conn->tlp_deadline = 0;
    if (!may_probe(conn))
        return;
    uint64_t pto = 2 * conn->rto.srtt_ns;
    pto += conn->snd_max - conn->snd_una <= conn->snd_mss ? TCP_TLP_MAX_ACK_DELAY_NS : TCP_TLP_SLACK_NS;
    /* Capped by the RTO: if the retransmission timer comes first, it alone acts. */
    if (tcp_now(core) + pto >= conn->rtx_deadline)
        return;
    tcp_arm(core, &conn->tlp_deadline, pto);
}

void tcp_tlp_timeout(struct tcp_core *core, struct tcp_conn *conn)
{
    conn->tlp_deadline = 0;
    if (!may_probe(conn))
        return;
    uint32_t rxt_end = conn->in_recovery ? conn->high_rxt : conn->snd_una;
    if (!tcp_send_tail_probe(core, conn))
        return; /* the layer below took nothing: the retransmission timer still runs */
    core->counters.tail_loss_probes++;
    conn->tlp_out = true;
    conn->tlp_end = conn->snd_max;
    conn->tlp_rxt_end = rxt_end;
    conn->tlp_deadline = 0; /* sending new data rescheduled it */
    /* RFC 8985 7.3: the RTO runs from the probe, so that its answer has a round trip to come. */
    conn->rtx_deadline = 0;
    tcp_arm(core, &conn->rtx_deadline, tcp_rto_current(&conn->rto));
}

void tcp_tlp_on_ack(struct tcp_core *core, struct tcp_conn *conn, const struct tcp_segment *segment, uint32_t prior_una)
{
    if (!conn->tlp_out)
        return;
    if (seq_geq(conn->snd_una, conn->tlp_end)) {
        /* The episode ends (RFC 8985 7.4). A retransmitted probe whose ACK advanced past the flight without a D-SACK
         * (RFC 2883: a first block below the ACK) repaired a loss: the window halves as for any loss (7.4.2). */
        bool dsack = segment->sack_count > 0 && seq_lt(segment->sack[0].start, segment->ack);
        conn->tlp_out = false;
        if (conn->tlp_retransmitted && !dsack && seq_lt(prior_una, conn->tlp_end) && !conn->in_recovery) {
            uint32_t mss = conn->snd_mss;
            conn->ssthresh = conn->cwnd / 2 > 2 * mss ? conn->cwnd / 2 : 2 * mss;
            conn->cwnd = conn->ssthresh;
        }
        return;
    }
    /* The probe was delivered while bytes sent a PTO (two round trips) before it were not: those are lost (RFC 8985
     * 6.2's time-based verdict, for the probe's flight), and the recovery the caller starts resends them at once
     * rather than after the timer. */
    if (!seq_lt(conn->snd_una, conn->tlp_seq) || !tcp_scoreboard_is_sacked(&conn->scoreboard, conn->tlp_seq))
        return;
    tcp_scoreboard_mark_lost_below(&conn->scoreboard, conn->tlp_seq);
    /* In a recovery, its retransmissions sent before the probe were lost as well: NextSeg starts over from SND.UNA
     * (not for those of a recovery the probe's answer itself started: they went after it). */
    if (conn->in_recovery && conn->sack_recovery && seq_lt(conn->snd_una, conn->tlp_rxt_end)) {
        core->counters.lost_retransmits++;
        conn->high_rxt = conn->snd_una;
        conn->rxt_fence = conn->snd_max;
    }
}
