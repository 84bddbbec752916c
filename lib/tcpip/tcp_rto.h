/* tcp_rto.h: the retransmission timer's value per RFC 6298: smoothed RTT and variance, Karn's rule, backoff. */
#ifndef MIRAGE_TCPIP_TCP_RTO_H
#define MIRAGE_TCPIP_TCP_RTO_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_RTO_INITIAL_NS UINT64_C(1000000000)           /* RFC 6298 2.1 */
#define TCP_RTO_AFTER_SYN_TIMEOUT_NS UINT64_C(3000000000) /* RFC 6298 5.7 */
#define TCP_RTO_MAX_NS UINT64_C(60000000000)              /* RFC 6298 2.5: an upper bound of at least 60 s */
#define TCP_RTO_GRANULARITY_NS UINT64_C(1000000) /* G: the clock is read in nanoseconds, but samples come in ms */

struct tcp_rto {
    bool has_sample;
    uint64_t srtt_ns;
    uint64_t rttvar_ns;
    uint64_t min_ns;  /* the floor (RFC 6298 2.4 says 1 s; stacks use less on fast paths, so it is a limit) */
    uint64_t base_ns; /* RTO before backoff */
    unsigned backoff; /* doublings since the last new acknowledgement (RFC 6298 5.5) */
};

void tcp_rto_init(struct tcp_rto *rto, uint64_t min_ns);

/* A round-trip measurement of a segment that was not retransmitted (Karn's rule is the caller's: it never
 * samples a retransmitted segment, except through timestamps, RFC 7323 4). Clears the backoff. */
void tcp_rto_sample(struct tcp_rto *rto, uint64_t rtt_ns);

/* The timer expired: double the timeout, up to the maximum. */
void tcp_rto_backoff(struct tcp_rto *rto);

/* New data was acknowledged: the backoff ends even without a sample (RFC 6298 5.7 keeps it, Linux and the
 * RFC's note on Karn's algorithm reset it once an ACK for new data arrives). */
void tcp_rto_reset_backoff(struct tcp_rto *rto);

/* RFC 6298 5.7: the SYN or SYN-ACK was retransmitted and no RTT was measured: data starts with RTO = 3 s. */
void tcp_rto_after_syn_timeout(struct tcp_rto *rto);

/* The timeout to arm now. */
uint64_t tcp_rto_current(const struct tcp_rto *rto);

#endif
