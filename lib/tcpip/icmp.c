/* icmp.c: ICMP over IPv4 (RFC 792): echo replies to pings for our address, echo requests, and the errors about our
 * datagrams (destination unreachable, time exceeded) handed to the protocol they quote (RFC 1122 3.2.2). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/icmp.h"
#include "devices/ipv4.h"
#include "lib/tcpip/wire.h"

enum {
    ICMP_TYPE_ECHO_REPLY = 0,
    ICMP_TYPE_ECHO_REQUEST = 8,
    ICMP_TYPE_DESTINATION_UNREACHABLE = 3,
    ICMP_TYPE_TIME_EXCEEDED = 11,
    QUOTED_PAYLOAD_MIN = 8, /* RFC 792: the quoted header and the first 64 bits of the datagram */
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

/* An error about a datagram of ours: check the quoted IPv4 header (hostile bytes: every length against the message)
 * and hand the rest to the protocol it names. */
static void receive_error(struct icmp_state *state, uint32_t source, const uint8_t *message, size_t len)
{
    struct icmp *self = state->self;
    const uint8_t *quoted = message + ICMP_HEADER_SIZE;
    size_t quoted_len = len - ICMP_HEADER_SIZE;
    size_t header_len = quoted_len >= 1 ? (size_t)(quoted[0] & 0x0f) * 4 : 0;
    if (quoted_len < IPV4_HEADER_SIZE || (quoted[0] >> 4) != 4 || header_len < IPV4_HEADER_SIZE ||
        quoted_len < header_len + QUOTED_PAYLOAD_MIN) {
        self->counters.malformed++;
        return;
    }
    /* Only a datagram of ours can be the subject; and never a fragment past the first, whose bytes are no header. */
    uint32_t quoted_source = wire_get32(quoted + 12);
    if (quoted_source != state->ipv4->address || (wire_get16(quoted + 6) & 0x1fff) != 0) {
        self->counters.ignored++;
        return;
    }
    /* A router quotes no more than the datagram held: the quoted total length bounds what follows the header. */
    size_t total_len = wire_get16(quoted + 2);
    size_t payload_len = quoted_len - header_len;
    if (total_len >= header_len && total_len - header_len < payload_len)
        payload_len = total_len - header_len;
    if (payload_len < QUOTED_PAYLOAD_MIN) {
        self->counters.malformed++;
        return;
    }
    struct ipv4_icmp_error error = {
        .type = message[0],
        .code = message[1],
        .next_hop_mtu = wire_get16(message + 6),
        .reporter = source,
        .quoted_source = quoted_source,
        .quoted_destination = wire_get32(quoted + 16),
        .quoted_protocol = quoted[9],
        .quoted = quoted + header_len,
        .quoted_len = payload_len,
    };
    self->counters.errors++;
    ipv4_deliver_error(state->ipv4, &error);
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
    if (message[0] == ICMP_TYPE_DESTINATION_UNREACHABLE || message[0] == ICMP_TYPE_TIME_EXCEEDED) {
        receive_error(state, source, message, len);
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
