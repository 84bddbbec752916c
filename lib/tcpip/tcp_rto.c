/* tcp_rto.c: the RFC 6298 retransmission timeout: SRTT and RTTVAR updated with alpha 1/8 and beta 1/4. */
#include "lib/tcpip/tcp_rto.h"

static uint64_t clamp(const struct tcp_rto *rto, uint64_t value)
{
    if (value < rto->min_ns)
        return rto->min_ns;
    return value > TCP_RTO_MAX_NS ? TCP_RTO_MAX_NS : value;
}

void tcp_rto_init(struct tcp_rto *rto, uint64_t min_ns)
{
    *rto = (struct tcp_rto){.min_ns = min_ns, .base_ns = TCP_RTO_INITIAL_NS};
    rto->base_ns = clamp(rto, TCP_RTO_INITIAL_NS);
}

void tcp_rto_sample(struct tcp_rto *rto, uint64_t rtt_ns)
{
    if (rtt_ns > TCP_RTO_MAX_NS) /* keeps the arithmetic below far from overflow */
        rtt_ns = TCP_RTO_MAX_NS;
    if (!rto->has_sample) {
        rto->srtt_ns = rtt_ns;
        rto->rttvar_ns = rtt_ns / 2;
        rto->has_sample = true;
    } else {
        uint64_t delta = rto->srtt_ns > rtt_ns ? rto->srtt_ns - rtt_ns : rtt_ns - rto->srtt_ns;
        rto->rttvar_ns = rto->rttvar_ns - rto->rttvar_ns / 4 + delta / 4;
        rto->srtt_ns = rto->srtt_ns - rto->srtt_ns / 8 + rtt_ns / 8;
    }
    uint64_t variance = 4 * rto->rttvar_ns;
    rto->base_ns = clamp(rto, rto->srtt_ns + (variance > TCP_RTO_GRANULARITY_NS ? variance : TCP_RTO_GRANULARITY_NS));
    rto->backoff = 0;
}

void tcp_rto_backoff(struct tcp_rto *rto)
{
    if (tcp_rto_current(rto) < TCP_RTO_MAX_NS)
        rto->backoff++;
}

void tcp_rto_reset_backoff(struct tcp_rto *rto)
{
    rto->backoff = 0;
}

void tcp_rto_after_syn_timeout(struct tcp_rto *rto)
{
    rto->base_ns = clamp(rto, TCP_RTO_AFTER_SYN_TIMEOUT_NS);
    rto->backoff = 0;
}

uint64_t tcp_rto_current(const struct tcp_rto *rto)
{
    uint64_t value = rto->base_ns;
    for (unsigned i = 0; i < rto->backoff && value < TCP_RTO_MAX_NS; i++)
        value *= 2;
    return clamp(rto, value);
}
