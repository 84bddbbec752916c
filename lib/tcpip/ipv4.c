/* ipv4.c: IPv4 (RFC 791) over Ethernet and ARP: header checks, dispatch by protocol, on-link or gateway routing.
 * Fragments are dropped and counted: the stack never sends them and does not reassemble them. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/arp.h"
#include "devices/ethernet.h"
#include "devices/ipv4.h"
#include "devices/mclock.h"
#include "lib/runtime/mirage.h"
#include "lib/tcpip/address.h"
#include "lib/tcpip/rate_limit.h"
#include "lib/tcpip/wire.h"

enum {
    IPV4_VERSION = 4,
    IPV4_DEFAULT_TTL = 64,
    IPV4_FLAG_DONT_FRAGMENT = 0x4000,
    IPV4_FRAGMENT_BITS = 0x3fff, /* more-fragments flag and fragment offset */
    IPV4_LISTENERS_MAX = 4,
    IPV4_PROTOCOL_HEADER_OFFSET = 9,
    ICMP_TYPE_UNREACHABLE = 3,
    ICMP_ERROR_HEADER_SIZE = 8,
    ICMP_ERROR_QUOTE_MAX = 576 - IPV4_HEADER_SIZE - ICMP_ERROR_HEADER_SIZE, /* RFC 1812 4.3.2.3 */
    /* As Linux's net.ipv4.icmp_msgs_per_sec and _burst: enough for a real peer, too few for a reflection. */
    UNREACHABLE_PER_SECOND = 1000,
    UNREACHABLE_BURST = 50,
};

enum ipv4_connect_error {
    IPV4_CONNECT_BAD_ADDRESS = -2, /* the `ipv4` key is not a.b.c.d/prefix */
    IPV4_CONNECT_BAD_GATEWAY = -3, /* the `ipv4-gateway` key is neither empty nor a.b.c.d */
    IPV4_CONNECT_NO_ROOM = -4,     /* the MTU cannot hold a header, or no memory is left for the state */
};

/* A slot is taken only while `in_use`: a datagram's protocol, whatever it is, never matches a free slot. */
struct ipv4_listener {
    bool in_use;
    uint8_t protocol;
    ipv4_handler handler;
    void *context;
    ipv4_error_handler error_handler; /* NULL: ICMP errors about this protocol are dropped */
    void *error_context;
};

struct ipv4_state {
    struct ipv4 *self;
    struct ethernet *ethernet;
    struct arp *arp;
    struct mclock *clock;
    uint32_t subnet_broadcast; /* 0 on /31 and /32 links */
    uint16_t next_id;
    struct ipv4_listener listeners[IPV4_LISTENERS_MAX];
    /* The datagram being handed to a listener, for unreachable(); NULL outside that call. */
    const uint8_t *dispatching;
    size_t dispatching_len;
    struct rate_limit unreachable_limit;
};

static const uint8_t broadcast_mac[ETHERNET_ADDRESS_SIZE] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* "a.b.c.d/prefix" */
static int parse_cidr(const char *text, uint32_t *address, uint32_t *netmask)
{
    text = ipv4_address_parse(text, address);
    if (text == NULL || *text++ != '/' || *text < '0' || *text > '9')
        return -1;
    unsigned prefix = 0;
    for (int digits = 0; *text >= '0' && *text <= '9'; digits++, text++) {
        prefix = prefix * 10 + (unsigned)(*text - '0');
        if (digits == 2 || prefix > 32)
            return -1;
    }
    if (*text != '\0' || *address == 0)
        return -1;
    *netmask = prefix == 0 ? 0 : UINT32_C(0xffffffff) << (32 - prefix);
    return 0;
}

static int ipv4_listen_impl(struct ipv4 *self, uint8_t protocol, ipv4_handler handler, void *context)
{
    struct ipv4_state *state = self->state;
    struct ipv4_listener *free_slot = NULL;
    if (protocol == 0 || handler == NULL)
        return IPV4_ERROR_FULL;
    for (size_t i = 0; i < IPV4_LISTENERS_MAX; i++) {
        if (state->listeners[i].in_use && state->listeners[i].protocol == protocol)
            return IPV4_ERROR_FULL;
        if (!state->listeners[i].in_use && free_slot == NULL)
            free_slot = &state->listeners[i];
    }
    if (free_slot == NULL)
        return IPV4_ERROR_FULL;
    free_slot->handler = handler;
    free_slot->context = context;
    free_slot->protocol = protocol;
    free_slot->in_use = true;
    return 0;
}

static int is_broadcast(const struct ipv4_state *state, uint32_t address)
{
    return address == IPV4_BROADCAST || (state->subnet_broadcast != 0 && address == state->subnet_broadcast);
}

static void ipv4_input_impl(struct ipv4 *self, const uint8_t *packet, size_t len, uint32_t rx_flags)
{
    struct ipv4_state *state = self->state;
    self->counters.received++;
    if (len < IPV4_HEADER_SIZE) {
        self->counters.malformed++;
        return;
    }
    size_t header_len = (size_t)(packet[0] & 0x0f) * 4;
    size_t total_len = wire_get16(packet + 2);
    /* The total length may be shorter than the frame (Ethernet pads short frames), never longer. */
    if (packet[0] >> 4 != IPV4_VERSION || header_len < IPV4_HEADER_SIZE || header_len > len || total_len < header_len ||
        total_len > len) {
        self->counters.malformed++;
        return;
    }
    if (checksum_finish(checksum_add(0, packet, header_len)) != 0) {
        self->counters.bad_checksum++;
        return;
    }
    if ((wire_get16(packet + 6) & IPV4_FRAGMENT_BITS) != 0) {
        self->counters.fragments++;
        return;
    }
    uint32_t source = wire_get32(packet + 12);
    uint32_t destination = wire_get32(packet + 16);
    if ((destination != self->address && !is_broadcast(state, destination)) || is_broadcast(state, source) ||
        (source >> 28) == 0xe) {
        self->counters.not_for_us++;
        return;
    }
    uint8_t protocol = packet[IPV4_PROTOCOL_HEADER_OFFSET];
    state->dispatching = packet;
    state->dispatching_len = total_len;
    for (size_t i = 0; i < IPV4_LISTENERS_MAX; i++) {
        const struct ipv4_listener *listener = &state->listeners[i];
        if (listener->in_use && listener->protocol == protocol) {
            self->counters.delivered++;
            listener->handler(listener->context, source, destination, packet + header_len, total_len - header_len,
                              rx_flags);
            state->dispatching = NULL;
            return;
        }
    }
    self->counters.no_listener++;
    /* RFC 1122 3.2.2.1: a protocol nobody speaks here is answered; best effort, counted by unreachable. */
    (void)ipv4_unreachable(self, IPV4_UNREACHABLE_PROTOCOL);
    state->dispatching = NULL;
}

static void ipv4_receive(void *context, const uint8_t source[ETHERNET_ADDRESS_SIZE], const uint8_t *packet, size_t len,
                         uint32_t rx_flags)
{
    struct ipv4_state *state = context;
    (void)source;
    ipv4_input_impl(state->self, packet, len, rx_flags);
}

static uint8_t *ipv4_tx_payload_impl(struct ipv4 *self, size_t *capacity)
{
    struct ipv4_state *state = self->state;
    size_t link_capacity;
    uint8_t *packet = ethernet_tx_payload(state->ethernet, &link_capacity);
    *capacity = link_capacity - IPV4_HEADER_SIZE;
    return packet + IPV4_HEADER_SIZE;
}

static uint8_t *ipv4_tx_segment_payload_impl(struct ipv4 *self, size_t *capacity)
{
    struct ipv4_state *state = self->state;
    size_t link_capacity;
    uint8_t *packet = ethernet_tx_payload(state->ethernet, &link_capacity);
    uint32_t segment_max = state->ethernet->segment_max;
    *capacity = segment_max > IPV4_HEADER_SIZE ? segment_max - IPV4_HEADER_SIZE : 0;
    return packet + IPV4_HEADER_SIZE;
}

/* The header in front of `len` payload bytes (the caller checked that the total fits 16 bits). */
static void write_header(struct ipv4 *self, uint8_t *packet, uint32_t destination, uint8_t protocol, size_t len)
{
    struct ipv4_state *state = self->state;
    size_t total_len = IPV4_HEADER_SIZE + len;
    packet[0] = IPV4_VERSION << 4 | IPV4_HEADER_SIZE / 4;
    packet[1] = 0;
    wire_put16(packet + 2, (uint16_t)total_len);
    wire_put16(packet + 4, state->next_id++);
    wire_put16(packet + 6, IPV4_FLAG_DONT_FRAGMENT);
    packet[8] = IPV4_DEFAULT_TTL;
    packet[9] = protocol;
    wire_put16(packet + 10, 0);
    wire_put32(packet + 12, self->address);
    wire_put32(packet + 16, destination);
    wire_put16(packet + 10, checksum_finish(checksum_add(0, packet, IPV4_HEADER_SIZE)));
}

/* The next hop toward a unicast `destination`, or 0 where there is none. */
static uint32_t next_hop_of(const struct ipv4 *self, uint32_t destination)
{
    uint32_t next_hop = ((destination ^ self->address) & self->netmask) == 0 ? destination : self->gateway;
    /* 0.0.0.0 means "this host" and is never a destination (RFC 1122 3.2.1.3): a reply to a datagram from 0.0.0.0
     * goes nowhere rather than into ARP. */
    return destination == 0 ? 0 : next_hop;
}

static int ipv4_write_impl(struct ipv4 *self, uint32_t destination, uint8_t protocol, size_t len)
{
    struct ipv4_state *state = self->state;
    size_t link_capacity;
    uint8_t *packet = ethernet_tx_payload(state->ethernet, &link_capacity);
    int rc;
    if (len > link_capacity - IPV4_HEADER_SIZE) {
        rc = IPV4_ERROR_TOO_BIG;
        goto failed;
    }
    size_t total_len = IPV4_HEADER_SIZE + len;
    write_header(self, packet, destination, protocol, len);

    if (is_broadcast(state, destination)) {
        rc = ethernet_write(state->ethernet, broadcast_mac, ETHERTYPE_IPV4, total_len) == 0 ? 0 : IPV4_ERROR_SEND;
    } else {
        uint32_t next_hop = next_hop_of(self, destination);
        if (next_hop == 0) {
            rc = IPV4_ERROR_NO_ROUTE;
            goto failed;
        }
        switch (arp_output(state->arp, next_hop, ETHERTYPE_IPV4, total_len)) {
        case 0:
        case ARP_PENDING:
            rc = 0;
            break;
        case ARP_ERROR_QUEUE_FULL:
            rc = IPV4_ERROR_QUEUE_FULL;
            break;
        case ARP_ERROR_TOO_BIG:
            rc = IPV4_ERROR_TOO_BIG;
            break;
        default:
            rc = IPV4_ERROR_SEND;
            break;
        }
    }
    if (rc == 0) {
        self->counters.sent++;
        return 0;
    }
failed:
    self->counters.send_errors++;
    return rc;
}

static int ipv4_write_segment_impl(struct ipv4 *self, uint32_t destination, size_t len, uint32_t segment_size)
{
    struct ipv4_state *state = self->state;
    size_t capacity;
    uint8_t *packet = ipv4_tx_segment_payload_impl(self, &capacity) - IPV4_HEADER_SIZE;
    int rc;
    uint32_t next_hop = next_hop_of(self, destination);
    if (len > capacity || is_broadcast(state, destination)) {
        rc = IPV4_ERROR_TOO_BIG;
        goto failed;
    }
    if (next_hop == 0) {
        rc = IPV4_ERROR_NO_ROUTE;
        goto failed;
    }
    write_header(self, packet, destination, IPV4_PROTOCOL_TCP, len);
    switch (arp_output_segment(state->arp, next_hop, IPV4_HEADER_SIZE + len, segment_size)) {
    case 0:
        self->counters.sent++;
        return 0;
    case ARP_ERROR_TOO_BIG:
        return IPV4_ERROR_TOO_BIG; /* the next hop is being resolved: not an error, the caller sends it smaller */
    default:
        rc = IPV4_ERROR_SEND;
        break;
    }
failed:
    self->counters.send_errors++;
    return rc;
}

static int ipv4_unreachable_impl(struct ipv4 *self, uint8_t code)
{
    struct ipv4_state *state = self->state;
    const uint8_t *original = state->dispatching;
    if (original == NULL)
        return IPV4_ERROR_NOT_SENT;
    /* RFC 1122 3.2.2: no error about a datagram to a broadcast address, nor about an ICMP error (input already
     * dropped broadcast and multicast sources; a listener answers ICMP itself). */
    uint32_t source = wire_get32(original + 12);
    if (wire_get32(original + 16) != self->address || source == 0 ||
        original[IPV4_PROTOCOL_HEADER_OFFSET] == IPV4_PROTOCOL_ICMP)
        return IPV4_ERROR_NOT_SENT;
    if (!rate_limit_take(&state->unreachable_limit, mclock_elapsed_ns(state->clock))) {
        self->counters.unreachables_limited++;
        return IPV4_ERROR_NOT_SENT;
    }
    size_t capacity;
    uint8_t *message = ipv4_tx_payload_impl(self, &capacity);
    if (capacity < ICMP_ERROR_HEADER_SIZE + IPV4_HEADER_SIZE) /* a link too small to quote even the header */
        return IPV4_ERROR_TOO_BIG;
    size_t quote = state->dispatching_len < ICMP_ERROR_QUOTE_MAX ? state->dispatching_len : ICMP_ERROR_QUOTE_MAX;
    if (quote > capacity - ICMP_ERROR_HEADER_SIZE)
        quote = capacity - ICMP_ERROR_HEADER_SIZE;
    message[0] = ICMP_TYPE_UNREACHABLE;
    message[1] = code;
    wire_put16(message + 2, 0);
    wire_put32(message + 4, 0);
    /* The receive buffer is not the transmit buffer: the quote is a plain copy. */
    memcpy(message + ICMP_ERROR_HEADER_SIZE, original, quote);
    wire_put16(message + 2, checksum_finish(checksum_add(0, message, ICMP_ERROR_HEADER_SIZE + quote)));
    int rc = ipv4_write_impl(self, source, IPV4_PROTOCOL_ICMP, ICMP_ERROR_HEADER_SIZE + quote);
    if (rc == 0)
        self->counters.unreachables_sent++;
    return rc;
}

static int ipv4_listen_errors_impl(struct ipv4 *self, uint8_t protocol, ipv4_error_handler handler, void *context)
{
    struct ipv4_state *state = self->state;
    if (handler == NULL)
        return IPV4_ERROR_FULL;
    for (size_t i = 0; i < IPV4_LISTENERS_MAX; i++) {
        struct ipv4_listener *listener = &state->listeners[i];
        if (listener->in_use && listener->protocol == protocol) {
            if (listener->error_handler != NULL)
                return IPV4_ERROR_FULL;
            listener->error_handler = handler;
            listener->error_context = context;
            return 0;
        }
    }
    return IPV4_ERROR_FULL;
}

static void ipv4_deliver_error_impl(struct ipv4 *self, const struct ipv4_icmp_error *error)
{
    struct ipv4_state *state = self->state;
    for (size_t i = 0; i < IPV4_LISTENERS_MAX; i++) {
        const struct ipv4_listener *listener = &state->listeners[i];
        if (listener->in_use && listener->protocol == error->quoted_protocol && listener->error_handler != NULL) {
            self->counters.icmp_errors_delivered++;
            listener->error_handler(listener->error_context, error);
            return;
        }
    }
}

static const struct ipv4_ops ops = {
    .listen = ipv4_listen_impl,
    .input = ipv4_input_impl,
    .tx_payload = ipv4_tx_payload_impl,
    .write = ipv4_write_impl,
    .tx_segment_payload = ipv4_tx_segment_payload_impl,
    .write_segment = ipv4_write_segment_impl,
    .unreachable = ipv4_unreachable_impl,
    .listen_errors = ipv4_listen_errors_impl,
    .deliver_error = ipv4_deliver_error_impl,
};

int ipv4_connect(struct ipv4 *self, struct ethernet *ethernet, struct arp *arp, struct mclock *clock)
{
    uint32_t address, netmask, gateway = 0;
    if (parse_cidr(mirage_key_string("ipv4"), &address, &netmask) != 0)
        return IPV4_CONNECT_BAD_ADDRESS;
    const char *gateway_text = mirage_key_string("ipv4-gateway");
    if (gateway_text[0] != '\0') {
        const char *end = ipv4_address_parse(gateway_text, &gateway);
        if (end == NULL || *end != '\0')
            return IPV4_CONNECT_BAD_GATEWAY;
    }
    if (ethernet->mtu < IPV4_HEADER_SIZE)
        return IPV4_CONNECT_NO_ROOM;
    /* One state per instance, allocated when it connects: as many as the composition has. */
    struct ipv4_state *state = calloc(1, sizeof(*state));
    if (state == NULL)
        return IPV4_CONNECT_NO_ROOM;
    memset(self, 0, sizeof(*self));
    state->self = self;
    state->ethernet = ethernet;
    state->arp = arp;
    state->clock = clock;
    rate_limit_init(&state->unreachable_limit, UNREACHABLE_PER_SECOND, UNREACHABLE_BURST, mclock_elapsed_ns(clock));
    state->subnet_broadcast = netmask >= UINT32_C(0xfffffffe) ? 0 : address | ~netmask;
    self->ops = &ops;
    self->state = state;
    self->address = address;
    self->netmask = netmask;
    self->gateway = gateway;
    int rc = ethernet_listen(ethernet, ETHERTYPE_IPV4, ipv4_receive, state);
    if (rc != 0)
        return rc;
    /* The announcement is best effort: a lost gratuitous ARP only delays our peers' first resolution. */
    arp_set_address(arp, address);
    return 0;
}
