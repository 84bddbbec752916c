/* rate_limit.h: a token bucket for messages a peer can provoke (ICMP errors, challenge ACKs): pure, time given. */
#ifndef MIRAGE_LIB_TCPIP_RATE_LIMIT_H
#define MIRAGE_LIB_TCPIP_RATE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct rate_limit {
    uint32_t per_second; /* tokens added per second, at most 10^9 */
    uint32_t burst;      /* the most tokens held at once */
    uint32_t tokens;
    uint64_t refilled_ns; /* the time the tokens were last brought up to date */
};

/* A full bucket at `now_ns`. */
void rate_limit_init(struct rate_limit *limit, uint32_t per_second, uint32_t burst, uint64_t now_ns);

/* Takes a token if one is there at `now_ns` (a monotonic time); false: the message must not be sent. */
bool rate_limit_take(struct rate_limit *limit, uint64_t now_ns);

#endif
