/* icmp.c: ICMP over IPv4 (RFC 792): echo replies to pings for our address, and echo requests. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/icmp.h"
#include "devices/ipv4.h"
#include "lib/tcpip/wire.h"

enum {
    ICMP_TYPE_ECHO_REPLY = 0,
    ICMP_TYPE_ECHO_REQUEST = 8,
};

struct icmp_state {
    struct icmp *self;
    struct ipv4 *ipv4;
};

/* Build an echo message of `type` in the IPv4 transmit payload: header, then `len` bytes of `data`. */
static int send_echo(struct icmp_state *state, uint32_t destination, uint8_t type, uint16_t id, uint16_t sequence,
                     const uint8_t *data, size_t len)
{
    size_t capacity;
    uint8_t *message = ipv4_tx_payload(state->ipv4, &capacity);
    if (len > capacity - ICMP_HEADER_SIZE)
        return ICMP_ERROR_TOO_BIG;
    message[0] = type;
    message[1] = 0;
    wire_put16(message + 2, 0);
    wire_put16(message + 4, id);
    wire_put16(message + 6, sequence);
    memcpy(message + ICMP_HEADER_SIZE, data, len);
    wire_put16(message + 2, checksum_finish(checksum_add(0, message, ICMP_HEADER_SIZE + len)));
    return ipv4_write(state->ipv4, destination, IPV4_PROTOCOL_ICMP, ICMP_HEADER_SIZE + len) == 0 ? 0 : ICMP_ERROR_SEND;
}

static void icmp_receive(void *context, uint32_t source, uint32_t destination, const uint8_t *message, size_t len,
                         uint32_t rx_flags)
{
    struct icmp_state *state = context;
    (void)rx_flags; /* hosts vouch for TCP and UDP checksums only: ICMP's is always verified */
    struct icmp *self = state->self;
    self->counters.received++;
    if (len < ICMP_HEADER_SIZE) {
        self->counters.malformed++;
        return;
    }
    if (checksum_finish(checksum_add(0, message, len)) != 0) {
        self->counters.bad_checksum++;
        return;
    }
    if (message[0] == ICMP_TYPE_ECHO_REPLY && message[1] == 0) {
        self->counters.echo_replies++;
        return;
    }
    /* Echo requests to a broadcast address go unanswered, as on most hosts (no smurf amplification). */
    if (message[0] != ICMP_TYPE_ECHO_REQUEST || message[1] != 0 || destination != state->ipv4->address) {
        self->counters.ignored++;
        return;
    }
    self->counters.echo_requests++;
    if (send_echo(state, source, ICMP_TYPE_ECHO_REPLY, wire_get16(message + 4), wire_get16(message + 6),
                  message + ICMP_HEADER_SIZE, len - ICMP_HEADER_SIZE) == 0)
        self->counters.echo_replies_sent++;
}

static int icmp_echo_request_impl(struct icmp *self, uint32_t destination, uint16_t id, uint16_t sequence,
                                  const uint8_t *payload, size_t len)
{
    return send_echo(self->state, destination, ICMP_TYPE_ECHO_REQUEST, id, sequence, payload, len);
}

static const struct icmp_ops ops = {.echo_request = icmp_echo_request_impl};

int icmp_connect(struct icmp *self, struct ipv4 *ipv4)
{
    /* One state per instance, allocated when it connects: as many as the composition has. */
    struct icmp_state *state = calloc(1, sizeof(*state));
    if (state == NULL)
        return -1;
    memset(self, 0, sizeof(*self));
    state->self = self;
    state->ipv4 = ipv4;
    self->ops = &ops;
    self->state = state;
    return ipv4_listen(ipv4, IPV4_PROTOCOL_ICMP, icmp_receive, state);
}
