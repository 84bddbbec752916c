/* tcp_core.h: TCP without I/O (RFC 9293 with RFC 7323, 6298, 5681/6582, 2018/6675, 3042, 8985 7, 5961, 6528,
 * 1122 4.2.3.6 and 4.2.3.9, 5927, 1191): segments and time go in, segments to send and the flow events of
 * devices/stack.h come out. The tcp layer (tcp.c) runs it over IPv4; the tests and the fuzzer run it over fakes. */
#ifndef MIRAGE_TCPIP_TCP_CORE_H
#define MIRAGE_TCPIP_TCP_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/stack.h"
#include "devices/tcp.h"
#include "lib/tcpip/tcp_isn.h"
#include "lib/tcpip/tcp_reass.h"
#include "lib/tcpip/tcp_ring.h"
#include "lib/tcpip/tcp_rto.h"
#include "lib/tcpip/tcp_sack.h"

/* Limits, fixed at init. The tables are allocated then; each connection's two buffers when it opens (a SYN that
 * finds no memory is dropped, a connect gets NO_ROOM), so memory never exceeds the tables plus
 * connections_max * (send_buffer + receive_buffer). */
struct tcp_limits {
    uint32_t connections_max; /* every connection, in any state but LISTEN, TIME_WAIT included */
    uint32_t syn_backlog;     /* of those, half-open ones from listeners (SYN_RECEIVED) */
    uint32_t listeners_max;
    uint32_t send_buffer;    /* bytes, per connection */
    uint32_t receive_buffer; /* bytes, per connection: the most we advertise */
    uint16_t mss;            /* the largest payload our path takes (MTU - 40) */
    uint64_t rto_min_ns;
    uint64_t time_wait_ns;              /* 2 MSL */
    uint64_t fin_wait_2_ns;             /* how long a closed flow waits for the peer's FIN */
    uint32_t retries_max;               /* retransmissions of one segment before the connection fails */
    uint32_t syn_retries_max;           /* of a SYN or SYN-ACK */
    uint32_t challenge_acks_per_second; /* RFC 5961 7: the global rate limit */
};

/* The defaults the tcp layer's keys also have: 32 connections of 64 KiB each way (4 MiB). */
void tcp_limits_default(struct tcp_limits *limits);

#define TCP_SEGMENT_REFUSED 1 /* transmit_segment: send it at the MSS instead */

/* What the core needs from below. */
struct tcp_env {
    void *context;
    uint64_t (*now_ns)(void *context);
    /* Where to build the next segment: at least TCP_HEADER_MAX bytes, `*capacity` in all. */
    uint8_t *(*tx_buffer)(void *context, size_t *capacity);
    /* Send the `len` bytes built in the tx buffer to `destination`; 0, or a negative STACK_TCP_* error
     * (STACK_TCP_UNREACHABLE when there is no route). */
    int (*transmit)(void *context, uint32_t destination, size_t len);
    /* Transmit segmentation offload; NULL (both) where the layer below has none. Where to build a segment longer
     * than the MSS: tx_buffer's buffer, with `*capacity` bytes of room (0 while the offload is off). */
    uint8_t *(*tx_segment_buffer)(void *context, size_t *capacity);
    /* Send the `len` bytes built there (checksum field as tcp_segment_write_partial leaves it) for the layer below
     * to finish and cut into segments of `segment_size` payload bytes; 0, TCP_SEGMENT_REFUSED when it cannot take
     * this one whole now (send the bytes at the MSS through transmit), or a negative STACK_TCP_* error. */
    int (*transmit_segment)(void *context, uint32_t destination, size_t len, uint32_t segment_size);
    struct stack *stack; /* handed to the application's callbacks */
};

enum tcp_state {
    TCP_CLOSED = 0,
    TCP_SYN_SENT,
    TCP_SYN_RECEIVED,
    TCP_ESTABLISHED,
    TCP_FIN_WAIT_1,
    TCP_FIN_WAIT_2,
    TCP_CLOSE_WAIT,
    TCP_CLOSING,
    TCP_LAST_ACK,
    TCP_TIME_WAIT,
};

struct tcp_listener {
    bool in_use;
    uint16_t port;
    stack_tcp_accept_handler handler;
    void *context;
};

/* One connection. The application holds it as its `struct stack_tcp_flow *` from accept or connect until it
 * calls tcp_core_close; the core holds it until the protocol is done with it (TIME_WAIT, a final ACK). */
struct tcp_conn {
    bool in_use;
    uint32_t hash_next;  /* index + 1 of the next connection in its hash chain, 0 at the end */
    uint32_t ready_next; /* index + 1 of the next connection on the ready list, 0 at the end */
    bool on_ready_list;  /* kept across a release and reuse of the slot, as the list still links it */
    bool app_owned;      /* the application holds the flow: events go to it */
    bool app_closed;     /* the application called close (also from inside the accept handler) */
    enum tcp_state state;
    uint32_t local_address, remote_address;
    uint16_t local_port, remote_port;
    struct tcp_listener *listener; /* while SYN_RECEIVED from a listener, until accepted */

    /* Send side (RFC 9293 3.3.1). The send ring's first byte is sequence snd_una once the SYN is acknowledged. */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2;
    uint32_t snd_wnd;     /* scaled */
    uint32_t max_snd_wnd; /* RFC 5961 5.2's MAX.SND.WND */
    uint8_t snd_wscale;
    uint16_t snd_mss; /* payload per segment, after timestamps */
    bool fin_queued;  /* shutdown: a FIN follows the queued bytes */
    struct tcp_ring send;

    /* Receive side. */
    uint32_t irs, rcv_nxt;
    uint32_t rcv_adv; /* the right edge we advertised last */
    uint8_t rcv_wscale;
    bool fin_received;
    struct tcp_ring receive;
    struct tcp_reass reass;
    struct tcp_sack_recent sack_recent; /* which of the reassembly ranges to report first */

    /* Options agreed in the handshake (offered until the peer's SYN says otherwise). */
    bool wscale_ok, ts_ok, sack_ok;
    uint32_t ts_offset, ts_recent, last_ack_sent;
    uint16_t peer_mss;

    /* Timers: absolute times in ns, 0 when not armed. */
    struct tcp_rto rto;
    uint64_t rtx_deadline, delack_deadline, persist_deadline, linger_deadline;
    uint64_t keepalive_deadline; /* RFC 1122 4.2.3.6: armed while keep-alives are on */
    uint64_t keepalive_idle_ns;  /* 0: keep-alives off */
    uint64_t keepalive_interval_ns;
    uint32_t keepalive_count;  /* unanswered probes that end the connection */
    uint32_t keepalive_probes; /* probes sent since the peer was last heard from */
    uint64_t last_heard_ns;    /* when an acceptable segment last came from the peer */
    uint64_t tlp_deadline;     /* the tail loss probe's timeout (RFC 8985 7.2's PTO), always before rtx_deadline */
    bool tlp_out;              /* a probe went in this flight (TLP.end_seq is set): no other until it is answered */
    bool tlp_retransmitted;    /* the probe was old data sent again, not new data */
    uint32_t tlp_seq;          /* the probe's first sequence number */
    uint32_t tlp_end;          /* SND.MAX after the probe (RFC 8985's TLP.end_seq) */
    uint32_t tlp_rxt_end; /* high_rxt when the probe went in a SACK recovery (else SND.UNA): what was resent before */
    uint32_t retries;     /* consecutive expiries of the retransmission or persist timer */
    bool rtt_timing;      /* Karn: a segment is being timed (never a retransmitted one) */
    uint32_t rtt_seq;
    uint64_t rtt_start_ns;
    uint32_t segments_unacked;         /* data segments taken since our last ACK: two or more are ACKed at a flush */
    uint64_t last_unacceptable_ack_ns; /* when a bare unacceptable segment was last answered */
    bool ack_now;                      /* an ACK is owed now (a FIN, a hole, a second segment) */

    /* Congestion control (RFC 5681, NewReno RFC 6582; with SACK, RFC 6675's recovery over the scoreboard). */
    uint32_t cwnd, ssthresh, dupacks, recover;
    bool in_recovery;
    bool sack_recovery; /* this recovery is RFC 6675's: pipe and NextSeg, not NewReno's inflation */
    uint32_t high_rxt;  /* the end of the highest byte retransmitted in this recovery (HighRxt + 1) */
    uint32_t rxt_fence; /* SND.MAX when the retransmissions below high_rxt began: SACKs well past it mean they
                           were lost too */
    struct tcp_scoreboard scoreboard;

    /* Events for the application, delivered after the segment or timer that caused them. */
    const struct stack_tcp_callbacks *callbacks;
    void *context;
    bool pending_accept, pending_readable, pending_writable, pending_failed;
    bool want_writable; /* a write was short (or connect is pending): say when there is room */
    int error;          /* set when the connection failed: reads and writes return it */
    int soft_error;     /* from an ICMP error since the peer was last heard: what a timeout then reports */
};

struct tcp_core {
    struct tcp_limits limits;
    struct tcp_env env;
    uint8_t key[TCP_ISN_KEY_SIZE];
    uint32_t local_address;
    struct tcp_conn *conns;
    uint32_t *buckets; /* the 4-tuple hash table: index + 1 of a chain's first connection, 0 for none */
    uint32_t bucket_mask;
    uint32_t last_found; /* index + 1 of the connection the last lookup found, 0 for none: bulk data finds it again */
    struct tcp_listener *listeners;
    uint32_t half_open;      /* SYN_RECEIVED connections from listeners */
    uint16_t next_ephemeral; /* the next local port connect tries */
    uint64_t challenge_window_start_ns;
    uint32_t challenge_acks_in_window;
    uint32_t dispatching;       /* nesting depth of event delivery */
    bool events_pending;        /* the ready list is not empty */
    uint32_t ready_head;        /* index + 1 of the first connection with events or an ACK to decide, 0: none */
    uint32_t ready_tail;        /* index + 1 of the last, so that connections are served in the order they got ready */
    uint64_t earliest_deadline; /* no timer falls due before this (0: none armed); may be early, never late */
    struct tcp_counters counters;
};

/* Allocate the tables for `limits` (NULL: the defaults) and keep `env`; `key` (from the random device) keys the
 * ISNs and timestamp offsets. Returns 0, or STACK_TCP_NO_ROOM / STACK_TCP_INVALID. */
int tcp_core_init(struct tcp_core *core, const struct tcp_limits *limits, const struct tcp_env *env,
                  const uint8_t key[TCP_ISN_KEY_SIZE], uint32_t local_address);

/* Free what init allocated (for the host tests; a unikernel's core lives as long as it does). */
void tcp_core_free(struct tcp_core *core);

/* One segment received from `source` to `destination` (host byte order), as IPv4 handed it up. What it owes the
 * application and most of what it owes the peer (the ACK of in-order data, a window update) waits for the next
 * tcp_core_flush or tcp_core_tick: call one after each burst of segments, so that a burst is acknowledged and
 * handed to the application once. ACKs that must not wait (out of order, a hole filled, a FIN) go at once. */
void tcp_core_input(struct tcp_core *core, uint32_t source, uint32_t destination, const uint8_t *segment, size_t len);

/* tcp_core_input for a segment whose checksum the network interface vouches for (checksum_trusted: not verified
 * again; devices/ipv4.h's IPV4_RX_CHECKSUM_TRUSTED). */
void tcp_core_input_offloaded(struct tcp_core *core, uint32_t source, uint32_t destination, const uint8_t *segment,
                              size_t len, bool checksum_trusted);

/* Deliver the pending events, then send the ACKs the segments since the last flush owe: at once for two or more
 * data segments (RFC 5681 4.2: at least every second full-sized one) or a window grown by enough, else the delayed
 * ACK timer. */
void tcp_core_flush(struct tcp_core *core);

/* Flush, and run the timers that are due; returns the nanoseconds until the next one (UINT64_MAX: none armed). */
uint64_t tcp_core_tick(struct tcp_core *core);

/* The flow operations of devices/stack.h, with its semantics. */
int tcp_core_listen(struct tcp_core *core, uint16_t port, stack_tcp_accept_handler handler, void *context);
void tcp_core_accept(struct tcp_core *core, struct tcp_conn *conn, const struct stack_tcp_callbacks *callbacks,
                     void *context);
int tcp_core_connect(struct tcp_core *core, const struct stack_tcp_peer *to,
                     const struct stack_tcp_callbacks *callbacks, void *context, struct tcp_conn **out);
long tcp_core_read(struct tcp_core *core, struct tcp_conn *conn, uint8_t *buffer, size_t capacity);
long tcp_core_write(struct tcp_core *core, struct tcp_conn *conn, const uint8_t *data, size_t len);
int tcp_core_shutdown(struct tcp_core *core, struct tcp_conn *conn);
void tcp_core_close(struct tcp_core *core, struct tcp_conn *conn);
int tcp_core_set_keepalive(struct tcp_core *core, struct tcp_conn *conn, uint32_t idle_ms, uint32_t interval_ms,
                           uint32_t count);

/* An ICMP destination unreachable or time exceeded that quotes a TCP segment (the ICMP layer checked its own
 * checksum and the quoted IPv4 header): `quoted` is what follows that header, `quoted_len` bytes (8 at least to
 * be looked at). */
struct tcp_icmp_error {
    uint8_t type, code;
    uint16_t next_hop_mtu; /* RFC 1191's field, for fragmentation needed; 0 from a router that predates it */
    uint32_t quoted_source, quoted_destination; /* of the quoted datagram: ours, and the peer's */
    const uint8_t *quoted;
    size_t quoted_len;
};

/* RFC 1122 4.2.3.9 and RFC 5927: ignored unless it quotes a connection's 4-tuple and a sequence number in flight;
 * then port or protocol unreachable, or a prohibition, fails a connect (STACK_TCP_REFUSED, _UNREACHABLE), fragmentation
 * needed lowers the segment size (RFC 1191, to an MTU of 576 at the least), and the rest are soft errors: kept, and
 * reported instead of STACK_TCP_TIMED_OUT if the connection then times out. */
void tcp_core_icmp_error(struct tcp_core *core, const struct tcp_icmp_error *error);

/* Connections in use, in every state but LISTEN (for the tests and the memory bound). */
uint32_t tcp_core_connections(const struct tcp_core *core);

const char *tcp_state_name(enum tcp_state state);

#endif
