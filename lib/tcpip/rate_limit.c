/* rate_limit.c: the token bucket of rate_limit.h. */
#include "lib/tcpip/rate_limit.h"

#define NS_PER_SECOND UINT64_C(1000000000)

void rate_limit_init(struct rate_limit *limit, uint32_t per_second, uint32_t burst, uint64_t now_ns)
{
    limit->per_second = per_second == 0 ? 1 : (per_second > NS_PER_SECOND ? (uint32_t)NS_PER_SECOND : per_second);
    limit->burst = burst;
    limit->tokens = burst;
    limit->refilled_ns = now_ns;
}

bool rate_limit_take(struct rate_limit *limit, uint64_t now_ns)
{
    /* A clock that went back (it must not) is treated as no time passed, never as a huge refill. */
    if (now_ns > limit->refilled_ns) {
        uint64_t ns_per_token = NS_PER_SECOND / limit->per_second;
        uint64_t earned = (now_ns - limit->refilled_ns) / ns_per_token;
        if (earned >= (uint64_t)limit->burst - limit->tokens) {
            limit->tokens = limit->burst;
            limit->refilled_ns = now_ns;
        } else {
            limit->tokens += (uint32_t)earned;
            /* Keep the fraction of a token already earned. */
            limit->refilled_ns += earned * ns_per_token;
        }
    }
    if (limit->tokens == 0)
        return false;
    limit->tokens--;
    return true;
}
