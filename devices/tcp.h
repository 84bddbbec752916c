/* tcp.h: the TCP device (RFC 9293): byte-stream flows over IPv4 with the semantics of devices/stack.h's tcp_*
 * operations, timers run by the stack's event loop (MirageOS TCP). The stack that owns it attaches itself, so that
 * the callbacks it delivers carry that stack. */
#ifndef MIRAGE_DEVICES_TCP_H
#define MIRAGE_DEVICES_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "devices/stack.h"

struct tcp;

struct tcp_counters {
    uint64_t segments_received;         /* handed up by IPv4 */
    uint64_t malformed;                 /* dropped: length, data offset, options, SYN with FIN or RST, port 0 */
    uint64_t bad_checksum;              /* dropped: checksum */
    uint64_t segments_sent;             /* on the wire: a segment the host cut counts as its pieces */
    uint64_t segments_offloaded;        /* of those, segments longer than the MSS handed down for the host to cut */
    uint64_t send_errors;               /* writes below that failed: no route, ARP queue full, link */
    uint64_t resets_sent;               /* to closed ports, and aborts */
    uint64_t resets_received;           /* that ended a connection */
    uint64_t challenge_acks;            /* sent (RFC 5961) */
    uint64_t challenge_acks_suppressed; /* over the rate limit */
    uint64_t retransmits;               /* segments sent again, by timer or fast retransmit */
    uint64_t fast_retransmits;          /* loss recoveries started (NewReno or, with SACK, RFC 6675) */
    uint64_t sack_recoveries;           /* of those, recoveries driven by the SACK scoreboard */
    uint64_t timeouts;                  /* retransmission timer expiries */
    uint64_t lost_retransmits;          /* SACK recoveries that found their retransmissions lost and sent again */
    uint64_t tail_loss_probes;          /* RFC 8985 7: probes sent when a flight's tail went unanswered */
    uint64_t window_probes;
    uint64_t keepalive_probes;     /* RFC 1122 4.2.3.6 probes sent */
    uint64_t syn_dropped;          /* SYNs to a listener when the backlog or the table was full */
    uint64_t out_of_order;         /* segments parked for reassembly */
    uint64_t out_of_order_dropped; /* out-of-order segments dropped: no range left to track them */
    uint64_t paws_dropped;         /* RFC 7323 5: old timestamps */
    uint64_t accepted;             /* handshakes completed on listeners */
    uint64_t connected;            /* connects started */
    uint64_t timed_out;            /* connections ended by the retry limits or unanswered keep-alives */
    uint64_t icmp_errors;          /* ICMP errors that quoted a connection's segment in flight, and were acted on */
    uint64_t icmp_ignored;         /* ICMP errors that quoted no such segment, or too little of one */
    uint64_t mss_lowered;          /* by fragmentation needed (RFC 1191) */
};

struct tcp_ops {
    /* The stack that owns this layer: handed to every accept handler and flow callback. */
    void (*attach)(struct tcp *self, struct stack *stack);
    /* The flow operations, with exactly the semantics of their namesakes in struct stack_ops. */
    int (*listen)(struct tcp *self, uint16_t port, stack_tcp_accept_handler handler, void *context);
    void (*accept)(struct tcp *self, struct stack_tcp_flow *flow, const struct stack_tcp_callbacks *callbacks,
                   void *context);
    int (*connect)(struct tcp *self, const struct stack_tcp_peer *to, const struct stack_tcp_callbacks *callbacks,
                   void *context, struct stack_tcp_flow **flow);
    long (*read)(struct tcp *self, struct stack_tcp_flow *flow, uint8_t *buffer, size_t capacity);
    long (*write)(struct tcp *self, struct stack_tcp_flow *flow, const uint8_t *data, size_t len);
    int (*shutdown)(struct tcp *self, struct stack_tcp_flow *flow);
    void (*close)(struct tcp *self, struct stack_tcp_flow *flow);
    int (*set_keepalive)(struct tcp *self, struct stack_tcp_flow *flow, uint32_t idle_ms, uint32_t interval_ms,
                         uint32_t count);
    /* Deliver the events and send the ACKs that the segments received since the last tick held back (call it after
     * each burst of received frames), then run the timers that are due (retransmission, persist, delayed ACK,
     * TIME-WAIT); returns the nanoseconds until the next one, UINT64_MAX when none is armed. */
    uint64_t (*tick)(struct tcp *self);
    /* Connections in use, in every state but LISTEN. */
    uint32_t (*connections)(struct tcp *self);
};

struct tcp {
    const struct tcp_ops *ops;
    void *state;
    const struct tcp_counters *counters; /* kept by the layer; read-only for others */
};

static inline uint64_t tcp_tick(struct tcp *self)
{
    return self->ops->tick(self);
}

#endif
