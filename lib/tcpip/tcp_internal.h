/* tcp_internal.h: what the TCP core's files share: sending (tcp_output.c), connection life (tcp_conn.c), events
 * (tcp_events.c) and timers (tcp_timer.c). Not for use outside the core. */
#ifndef MIRAGE_TCPIP_TCP_INTERNAL_H
#define MIRAGE_TCPIP_TCP_INTERNAL_H

#include "lib/tcpip/tcp_core.h"
#include "lib/tcpip/tcp_wire.h"

#define TCP_DEFAULT_MSS 536 /* RFC 9293 3.7.1: what to assume when the SYN carries no MSS option */
#define TCP_MIN_MSS 64      /* a peer's MSS below this is raised to it: tiny segments only cost us */
#define TCP_TIMESTAMPS_SIZE 12
#define TCP_DELACK_NS UINT64_C(40000000)                     /* RFC 9293 3.8.6.3: well under 500 ms */
#define TCP_INITIAL_WINDOW_SEGMENTS 10                       /* RFC 6928 */
#define TCP_UNACCEPTABLE_ACK_INTERVAL_NS UINT64_C(500000000) /* one ACK per 500 ms for bare unacceptable segments */

static inline uint64_t tcp_now(struct tcp_core *core)
{
    return core->env.now_ns(core->env.context);
}

/* Our timestamp clock: milliseconds, offset per connection. */
static inline uint32_t tcp_ts_now(struct tcp_core *core, const struct tcp_conn *conn)
{
    return (uint32_t)(tcp_now(core) / 1000000) + conn->ts_offset;
}

/* Arm one of a connection's timers `delay_ns` from now, keeping the core's earliest deadline so that a tick with
 * nothing due returns without scanning the table. */
static inline void tcp_arm(struct tcp_core *core, uint64_t *deadline, uint64_t delay_ns)
{
    *deadline = tcp_now(core) + delay_ns;
    if (core->earliest_deadline == 0 || *deadline < core->earliest_deadline)
        core->earliest_deadline = *deadline;
}

/* The first sequence number after the queued bytes: where the FIN goes once it is queued. */
static inline uint32_t tcp_fin_seq(const struct tcp_conn *conn)
{
    return conn->snd_una + conn->send.len;
}

/* tcp_output.c */
/* Send what the windows allow (new or rewound data, the FIN), or a bare ACK if one is owed. */
void tcp_output(struct tcp_core *core, struct tcp_conn *conn);
/* The sequence number for a segment without data: one the peer's window accepts. */
uint32_t tcp_acceptable_seq(const struct tcp_conn *conn);
/* A bare ACK now. */
void tcp_send_ack(struct tcp_core *core, struct tcp_conn *conn);
/* An ACK for RFC 5961, within the global rate limit. */
void tcp_send_challenge_ack(struct tcp_core *core, struct tcp_conn *conn);
/* SYN (SYN_SENT) or SYN-ACK (SYN_RECEIVED), with our options; returns 0 or what the layer below said. */
int tcp_send_syn(struct tcp_core *core, struct tcp_conn *conn);
/* One segment from snd_una again (fast retransmit, NewReno's partial ACKs) without moving snd_nxt. */
void tcp_retransmit_first(struct tcp_core *core, struct tcp_conn *conn);
/* Up to `len` bytes from `seq` (below SND.MAX) again, with the FIN if they end where it was sent, without moving
 * snd_nxt; in a SACK recovery HighRxt follows. Returns false when nothing went. */
bool tcp_send_again(struct tcp_core *core, struct tcp_conn *conn, uint32_t seq, uint32_t len);
/* The tail loss probe's segment: one new segment if the peer's window allows (not cwnd), else the last one sent
 * again, or if the peer SACKed that one, the oldest hole; returns false when nothing went. Sets tlp_seq and
 * tlp_retransmitted. */
bool tcp_send_tail_probe(struct tcp_core *core, struct tcp_conn *conn);
/* A zero-window probe: an ACK below the window, which the peer must answer with its window. */
void tcp_send_window_probe(struct tcp_core *core, struct tcp_conn *conn);
/* A keep-alive probe (RFC 1122 4.2.3.6): SEG.SEQ = SND.NXT - 1 without data, which the peer must answer. */
void tcp_send_keepalive(struct tcp_core *core, struct tcp_conn *conn);
/* Abort: RST from the connection's next sequence number. */
void tcp_send_reset(struct tcp_core *core, struct tcp_conn *conn);
/* The RST answering `segment`, which reached no connection (RFC 9293 3.10.7.1). */
void tcp_send_reset_reply(struct tcp_core *core, uint32_t local_address, uint32_t remote_address,
                          const struct tcp_segment *segment);
/* The window to advertise now, in bytes (before scaling). */
uint32_t tcp_receive_window(const struct tcp_conn *conn);

/* tcp_tlp.c */
/* (Re)start the probe timeout after new data went or an ACK acknowledged some, if a probe may go (RFC 8985 7.2). */
void tcp_tlp_schedule(struct tcp_core *core, struct tcp_conn *conn);
/* The probe timeout expired: send the probe and restart the retransmission timer (RFC 8985 7.3). */
void tcp_tlp_timeout(struct tcp_core *core, struct tcp_conn *conn);
/* An acceptable ACK arrived (SND.UNA and the scoreboard updated; `prior_una` before it): end the probe's episode, or
 * deem lost what the probe's delivery shows was (RFC 8985 7.4). */
void tcp_tlp_on_ack(struct tcp_core *core, struct tcp_conn *conn, const struct tcp_segment *segment,
                    uint32_t prior_una);

/* tcp_conn.c */
/* A free slot (or the oldest orphan TIME_WAIT one), initialised for the 4-tuple; NULL when the table is full. */
struct tcp_conn *tcp_conn_allocate(struct tcp_core *core, uint32_t local_address, uint16_t local_port,
                                   uint32_t remote_address, uint16_t remote_port);
/* The connection with this 4-tuple, or NULL. */
struct tcp_conn *tcp_conn_lookup(struct tcp_core *core, uint32_t local_address, uint16_t local_port,
                                 uint32_t remote_address, uint16_t remote_port);
/* The handshake is done: sizes and windows from the agreed options. */
void tcp_conn_established(struct tcp_core *core, struct tcp_conn *conn);
/* The connection ended abnormally with `error` (STACK_TCP_*): CLOSED, and the application told, or the slot freed
 * if no application holds it. */
void tcp_conn_fail(struct tcp_core *core, struct tcp_conn *conn, int error);
/* The protocol is done with the connection (CLOSED): the slot is freed unless the application still holds it. */
void tcp_conn_finish(struct tcp_core *core, struct tcp_conn *conn);
/* Enter TIME_WAIT for 2 MSL. */
void tcp_conn_time_wait(struct tcp_core *core, struct tcp_conn *conn);
/* Return the connection's buffers (a TIME_WAIT orphan needs none); its rings are then empty with no room. */
void tcp_conn_drop_buffers(struct tcp_conn *conn);
/* Free the slot now. */
void tcp_conn_release(struct tcp_core *core, struct tcp_conn *conn);

/* tcp_events.c */
/* Put the connection on the ready list, which the next flush walks: it has an event for the application or may
 * owe the peer an ACK. */
void tcp_conn_ready(struct tcp_core *core, struct tcp_conn *conn);
/* The application read enough to make a window update worth a segment (RFC 9293 3.8.6.2.2). */
bool tcp_window_update_due(const struct tcp_conn *conn);
/* Deliver the pending accepts and flow callbacks, and send the ACKs the ready connections owe. */
void tcp_dispatch(struct tcp_core *core);

#endif
