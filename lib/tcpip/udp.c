/* udp.c: UDP over IPv4 (RFC 768): checksums with the pseudo header, dispatch to listeners by destination port. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/ipv4.h"
#include "devices/udp.h"
#include "lib/tcpip/wire.h"

enum {
    UDP_LISTENERS_MAX = 16,
};

/* A slot is taken only while `in_use`: a datagram's port, 0 included, never matches a free slot. */
struct udp_listener {
    bool in_use;
    uint16_t port;
    udp_handler handler;
    void *context;
};

struct udp_state {
    struct udp *self;
    struct ipv4 *ipv4;
    struct udp_listener listeners[UDP_LISTENERS_MAX];
};

/* The sum of the pseudo header: addresses, protocol and the UDP length. */
static uint64_t pseudo_header_sum(uint32_t source, uint32_t destination, size_t udp_len)
{
    uint64_t sum = 0;
    sum = checksum_add16(sum, (uint16_t)(source >> 16));
    sum = checksum_add16(sum, (uint16_t)source);
    sum = checksum_add16(sum, (uint16_t)(destination >> 16));
    sum = checksum_add16(sum, (uint16_t)destination);
    sum = checksum_add16(sum, IPV4_PROTOCOL_UDP);
    return checksum_add16(sum, (uint16_t)udp_len);
}

static void udp_receive(void *context, uint32_t source, uint32_t destination, const uint8_t *segment, size_t len,
                        uint32_t rx_flags)
{
    struct udp_state *state = context;
    struct udp *self = state->self;
    self->counters.received++;
    if (len < UDP_HEADER_SIZE) {
        self->counters.malformed++;
        return;
    }
    size_t udp_len = wire_get16(segment + 4);
    if (udp_len < UDP_HEADER_SIZE || udp_len > len) {
        self->counters.malformed++;
        return;
    }
    /* A zero checksum means the sender computed none (allowed on IPv4); one the host vouches for was verified
     * there or never computed (a local sender's partial sum). */
    if (wire_get16(segment + 6) != 0 && (rx_flags & IPV4_RX_CHECKSUM_TRUSTED) == 0 &&
        checksum_finish(checksum_add(pseudo_header_sum(source, destination, udp_len), segment, udp_len)) != 0) {
        self->counters.bad_checksum++;
        return;
    }
    uint16_t port = wire_get16(segment + 2);
    for (size_t i = 0; i < UDP_LISTENERS_MAX; i++) {
        const struct udp_listener *listener = &state->listeners[i];
        if (listener->in_use && listener->port == port) {
            struct udp_datagram datagram = {
                .source = source,
                .destination = destination,
                .source_port = wire_get16(segment),
                .destination_port = port,
                .payload = segment + UDP_HEADER_SIZE,
                .len = udp_len - UDP_HEADER_SIZE,
            };
            self->counters.delivered++;
            listener->handler(listener->context, &datagram);
            return;
        }
    }
    self->counters.no_listener++;
    /* RFC 1122 4.1.3.1: tell the sender (not for broadcasts; rate limited; the IPv4 layer decides and counts). */
    (void)ipv4_unreachable(state->ipv4, IPV4_UNREACHABLE_PORT);
}

static int udp_listen_impl(struct udp *self, uint16_t port, udp_handler handler, void *context)
{
    struct udp_state *state = self->state;
    struct udp_listener *free_slot = NULL;
    if (port == 0 || handler == NULL)
        return UDP_ERROR_INVALID;
    for (size_t i = 0; i < UDP_LISTENERS_MAX; i++) {
        if (state->listeners[i].in_use && state->listeners[i].port == port)
            return UDP_ERROR_FULL;
        if (!state->listeners[i].in_use && free_slot == NULL)
            free_slot = &state->listeners[i];
    }
    if (free_slot == NULL)
        return UDP_ERROR_FULL;
    free_slot->handler = handler;
    free_slot->context = context;
    free_slot->port = port;
    free_slot->in_use = true;
    return 0;
}

static int udp_unlisten_impl(struct udp *self, uint16_t port)
{
    struct udp_state *state = self->state;
    for (size_t i = 0; port != 0 && i < UDP_LISTENERS_MAX; i++) {
        if (state->listeners[i].in_use && state->listeners[i].port == port) {
            /* Nothing of the old listener survives: a stale handler or context can never be called again. */
            memset(&state->listeners[i], 0, sizeof(state->listeners[i]));
            return 0;
        }
    }
    return UDP_ERROR_INVALID;
}

static uint8_t *udp_tx_payload_impl(struct udp *self, size_t *capacity)
{
    struct udp_state *state = self->state;
    size_t ip_capacity;
    uint8_t *segment = ipv4_tx_payload(state->ipv4, &ip_capacity);
    *capacity = ip_capacity - UDP_HEADER_SIZE;
    return segment + UDP_HEADER_SIZE;
}

static int udp_write_impl(struct udp *self, uint16_t source_port, uint32_t destination, uint16_t destination_port,
                          size_t len)
{
    struct udp_state *state = self->state;
    size_t ip_capacity;
    uint8_t *segment = ipv4_tx_payload(state->ipv4, &ip_capacity);
    if (len > ip_capacity - UDP_HEADER_SIZE) {
        self->counters.send_errors++;
        return UDP_ERROR_TOO_BIG;
    }
    /* Port 0 is reserved (RFC 768): a reply to a datagram "from" port 0 goes nowhere. */
    if (destination_port == 0) {
        self->counters.send_errors++;
        return UDP_ERROR_INVALID;
    }
    size_t udp_len = UDP_HEADER_SIZE + len;
    wire_put16(segment, source_port);
    wire_put16(segment + 2, destination_port);
    wire_put16(segment + 4, (uint16_t)udp_len);
    wire_put16(segment + 6, 0);
    uint16_t checksum =
        checksum_finish(checksum_add(pseudo_header_sum(state->ipv4->address, destination, udp_len), segment, udp_len));
    /* A computed 0 is sent as its ones'-complement twin: 0 on the wire means "no checksum". */
    wire_put16(segment + 6, checksum == 0 ? 0xffff : checksum);
    if (ipv4_write(state->ipv4, destination, IPV4_PROTOCOL_UDP, udp_len) != 0) {
        self->counters.send_errors++;
        return UDP_ERROR_SEND;
    }
    self->counters.sent++;
    return 0;
}

static const struct udp_ops ops = {
    .listen = udp_listen_impl,
    .unlisten = udp_unlisten_impl,
    .tx_payload = udp_tx_payload_impl,
    .write = udp_write_impl,
};

int udp_connect(struct udp *self, struct ipv4 *ipv4)
{
    /* One state per instance, allocated when it connects: as many as the composition has. */
    struct udp_state *state = calloc(1, sizeof(*state));
    if (state == NULL)
        return -1;
    memset(self, 0, sizeof(*self));
    state->self = self;
    state->ipv4 = ipv4;
    self->ops = &ops;
    self->state = state;
    return ipv4_listen(ipv4, IPV4_PROTOCOL_UDP, udp_receive, state);
}
