/* tcp_icmp.c: ICMP errors about our segments (RFC 1122 4.2.3.9, RFC 5927, RFC 1191): checked against the
 * connection they quote, then a failed connect, a soft error kept for the timeout, or a smaller segment size. */
#include "lib/tcpip/tcp_internal.h"
#include "lib/tcpip/tcp_seq.h"
#include "lib/tcpip/wire.h"

enum {
    ICMP_DESTINATION_UNREACHABLE = 3,
    ICMP_TIME_EXCEEDED = 11,
    UNREACHABLE_PROTOCOL = 2,
    UNREACHABLE_PORT = 3,
    UNREACHABLE_FRAGMENTATION_NEEDED = 4,
    UNREACHABLE_NETWORK_PROHIBITED = 9,
    UNREACHABLE_HOST_PROHIBITED = 10,
    UNREACHABLE_ADMINISTRATIVELY_PROHIBITED = 13,
    QUOTED_TCP_MIN = 8, /* RFC 792: the ports and the sequence number, all an ICMP error must quote */
};

/* RFC 1191 3: no path is narrower than 68 bytes; and we take no MTU below RFC 1122's 576 (EMTU_R, what every host
 * must reassemble): a forged message then costs at most segments of 536 bytes, never a trickle of tiny ones. */
#define TCP_PMTU_IGNORED_BELOW 68
#define TCP_PMTU_FLOOR 576

/* RFC 1191 5.2: the path takes no datagram over `mtu`: segments shrink to fit, never grow from this. */
static void lower_mss(struct tcp_core *core, struct tcp_conn *conn, uint32_t mtu)
{
    if (mtu < TCP_PMTU_IGNORED_BELOW) {
        core->counters.icmp_ignored++;
        return;
    }
    if (mtu < TCP_PMTU_FLOOR)
        mtu = TCP_PMTU_FLOOR;
    uint32_t mss = mtu - 40 - (conn->ts_ok ? TCP_TIMESTAMPS_SIZE : 0);
    if (mss >= conn->snd_mss)
        return;
    core->counters.mss_lowered++;
    conn->snd_mss = (uint16_t)mss;
    /* The segments in flight were dropped for their size: send them again at the new size now (RFC 1191 6.5),
     * without counting a loss, as Linux's tcp_simple_retransmit does. */
    conn->rtt_timing = false; /* Karn: a segment sent again gives no sample */
    conn->snd_nxt = conn->snd_una;
    tcp_output(core, conn);
}

void tcp_core_icmp_error(struct tcp_core *core, const struct tcp_icmp_error *error)
{
    bool unreachable = error->type == ICMP_DESTINATION_UNREACHABLE;
    if ((!unreachable && error->type != ICMP_TIME_EXCEEDED) || error->quoted == NULL ||
        error->quoted_len < QUOTED_TCP_MIN) {
        core->counters.icmp_ignored++;
        return;
    }
    /* The quoted segment was ours: its source is our side of the connection. */
    uint16_t local_port = wire_get16(error->quoted);
    uint16_t remote_port = wire_get16(error->quoted + 2);
    uint32_t seq = wire_get32(error->quoted + 4);
    struct tcp_conn *conn =
        tcp_conn_lookup(core, error->quoted_source, local_port, error->quoted_destination, remote_port);
    /* RFC 5927 4.1: only a segment still in flight can have caused it; a blind attacker must guess SND.UNA..SND.NXT
     * (here SND.MAX, what was sent). */
    if (conn == NULL || conn->state == TCP_CLOSED || conn->state == TCP_TIME_WAIT ||
        !seq_in_window(seq, conn->snd_una, conn->snd_max)) {
        core->counters.icmp_ignored++;
        return;
    }
    core->counters.icmp_errors++;
    if (unreachable && error->code == UNREACHABLE_FRAGMENTATION_NEEDED) {
        if (conn->state != TCP_SYN_SENT && conn->state != TCP_SYN_RECEIVED)
            lower_mss(core, conn, error->next_hop_mtu);
        return;
    }
    bool refused = unreachable && (error->code == UNREACHABLE_PROTOCOL || error->code == UNREACHABLE_PORT);
    bool prohibited =
        unreachable && (error->code == UNREACHABLE_NETWORK_PROHIBITED || error->code == UNREACHABLE_HOST_PROHIBITED ||
                        error->code == UNREACHABLE_ADMINISTRATIVELY_PROHIBITED);
    /* RFC 1122 4.2.3.9: codes 2 and 3 are hard errors; during a connect (where the quoted sequence number must be
     * our ISS exactly, so a guess has one chance in 2^32) they and a prohibition end it, as Linux does. */
    if (conn->state == TCP_SYN_SENT && (refused || prohibited)) {
        tcp_conn_fail(core, conn, refused ? STACK_TCP_REFUSED : STACK_TCP_UNREACHABLE);
        return;
    }
    /* Everything else is soft (RFC 1122 4.2.3.9, RFC 5461): routes change and the peer may come back; the error is
     * what the connection fails with if it then times out. */
    conn->soft_error = refused ? STACK_TCP_REFUSED : STACK_TCP_UNREACHABLE;
}
