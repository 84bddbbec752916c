/* stack_harness.c: the lib/tcpip layers over a fake network interface and clock (see stack_harness.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/runtime/abi_hooks.h"
#include "lib/runtime/boot.h"
#include "lib/tcpip/tests/stack_harness.h"
#include "lib/tcpip/wire.h"

#define NS_PER_MS UINT64_C(1000000)
#define HARNESS_DELAY_UNIT_NS (10 * NS_PER_MS)
#define HARNESS_SETTLE_NS (5000 * NS_PER_MS) /* longer than ARP's three 1 s retries */

/* The connect functions generated main.c would call, as the implementations in lib/tcpip define them. */
int ethernet_connect(struct ethernet *self, struct netif *netif);
int arp_connect(struct arp *self, struct ethernet *ethernet, struct mclock *clock);
int ipv4_connect(struct ipv4 *self, struct ethernet *ethernet, struct arp *arp, struct mclock *clock);
int icmp_connect(struct icmp *self, struct ipv4 *ipv4);
int udp_connect(struct udp *self, struct ipv4 *ipv4);
int tcp_layer_connect(struct tcp *self, struct ipv4 *ipv4, struct mclock *clock, struct random *random);
int direct_stack_connect(struct stack *self, struct netif *netif, struct ethernet *ethernet, struct arp *arp,
                         struct ipv4 *ipv4, struct icmp *icmp, struct udp *udp, struct tcp *tcp, struct mclock *clock);

/* The runtime's two hooks, as a hosted ABI provides them: keys.c reports broken state through these. */
void mirage_platform_log(const char *text, size_t len)
{
    if (fwrite(text, 1, len, stderr) != len)
        abort();
}

_Noreturn void mirage_platform_abort(int status)
{
    fprintf(stderr, "stack_harness: the runtime aborted with status %d\n", status);
    abort();
}

/* --- the fake network interface and clock ------------------------------------------------------------------ */

static int fake_netif_write(struct netif *self, const uint8_t *frame, size_t len)
{
    struct harness *harness = self->state;
    if (len > HARNESS_FRAME_MAX) {
        harness->oversized_writes++;
        return -1;
    }
    harness->sent_count++;
    if (harness->sent_logged < HARNESS_SENT_LOG_MAX) {
        struct harness_frame *logged = &harness->sent[harness->sent_logged++];
        memcpy(logged->data, frame, len);
        logged->len = len;
        logged->sent_ns = harness->now_ns;
    }
    return 0;
}

static int fake_netif_read(struct netif *self, uint8_t *buf, size_t size, size_t *len, uint32_t *flags)
{
    struct harness *harness = self->state;
    if (harness->input_read == harness->input_count || harness->input[harness->input_read].arrival_ns > harness->now_ns)
        return NETIF_AGAIN;
    const struct harness_input_frame *frame = &harness->input[harness->input_read++];
    /* As a tap does: a frame longer than the reader's buffer is cut to it. */
    size_t copied = frame->len < size ? frame->len : size;
    memcpy(buf, frame->data, copied);
    *len = copied;
    /* As a host that verified the checksums it vouches for: those the harness filled in; the others, whatever they
     * hold, are the stack's to verify. */
    *flags = frame->data == frame->fixed ? NETIF_RX_CHECKSUM_VALID : 0;
    return 0;
}

/* Receive offload as a tap gives it, up to the harness's longest frame: the stack asks when it connects. */
static int fake_netif_receive_offload(struct netif *self)
{
    self->rx_frame_max = HARNESS_RX_FRAME_MAX;
    return 0;
}

/* Transmit offload as hvt's tender gives it, with smaller segments: the stack asks when it connects. */
static int fake_netif_transmit_offload(struct netif *self, uint32_t *frame_max)
{
    (void)self;
    *frame_max = HARNESS_SEGMENT_FRAME_MAX;
    return 0;
}

/* A segment handed down whole is cut as a host's TSO cuts it (the headers copied in front of each piece, the IPv4
 * ID and the sequence number advanced, FIN and PSH on the last piece only, each checksum completed), and each piece
 * is written as a frame, so the log and its checks see what the wire would. A segment that is no IPv4 TCP segment
 * with its headers inside, or a segment size the MTU cannot carry, is counted as a bug and refused. */
static int fake_netif_write_segment(struct netif *self, const uint8_t *frame, size_t len, uint32_t segment_size)
{
    struct harness *harness = self->state;
    enum { IP = ETHERNET_HEADER_SIZE, TCP = ETHERNET_HEADER_SIZE + IPV4_HEADER_SIZE };
    if (len > HARNESS_SEGMENT_FRAME_MAX || len < TCP + 20 || wire_get16(frame + 12) != ETHERTYPE_IPV4 ||
        frame[IP] != 0x45 || frame[IP + 9] != HARNESS_PROTOCOL_TCP || wire_get16(frame + IP + 2) != len - IP) {
        harness->bad_segments++;
        return -1;
    }
    size_t headers = TCP + (size_t)(frame[TCP + 12] >> 4) * 4;
    if (headers > len || headers - IP + segment_size > HARNESS_MTU || segment_size < NETIF_SEGMENT_SIZE_MIN) {
        harness->bad_segments++;
        return -1;
    }
    harness->segment_writes++;
    size_t payload = len - headers;
    uint32_t seq = wire_get32(frame + TCP + 4);
    uint16_t id = wire_get16(frame + IP + 4);
    /* The field holds the pseudo header's sum over the whole segment's length: that length out, each piece's in. */
    uint64_t pseudo = checksum_add16(0, wire_get16(frame + TCP + 16));
    pseudo = checksum_add16(pseudo, (uint16_t) ~(uint16_t)(len - TCP));
    uint8_t piece[HARNESS_FRAME_MAX];
    for (size_t at = 0, index = 0; at < payload; at += segment_size, index++) {
        size_t part = payload - at < segment_size ? payload - at : segment_size;
        size_t piece_len = headers + part;
        memcpy(piece, frame, headers);
        memcpy(piece + headers, frame + headers + at, part);
        wire_put16(piece + IP + 2, (uint16_t)(piece_len - IP));
        wire_put16(piece + IP + 4, (uint16_t)(id + index));
        wire_put16(piece + IP + 10, 0);
        wire_put16(piece + IP + 10, checksum_finish(checksum_add(0, piece + IP, IPV4_HEADER_SIZE)));
        wire_put32(piece + TCP + 4, seq + (uint32_t)at);
        if (at + part < payload)
            piece[TCP + 13] &= (uint8_t)~0x09; /* FIN and PSH */
        wire_put16(piece + TCP + 16, 0);
        uint64_t sum = checksum_add16(pseudo, (uint16_t)(piece_len - TCP));
        wire_put16(piece + TCP + 16, checksum_finish(checksum_add(sum, piece + TCP, piece_len - TCP)));
        if (fake_netif_write(self, piece, piece_len) != 0)
            return -1;
    }
    return 0;
}

/* Waiting is where fake time passes: up to the next frame's arrival, or by the whole timeout. */
static int fake_netif_wait(struct netif *self, uint64_t timeout_ns)
{
    struct harness *harness = self->state;
    uint64_t next =
        harness->input_read < harness->input_count ? harness->input[harness->input_read].arrival_ns : UINT64_MAX;
    if (next <= harness->now_ns)
        return 1;
    uint64_t until = timeout_ns > UINT64_MAX - harness->now_ns ? UINT64_MAX : harness->now_ns + timeout_ns;
    if (next <= until) {
        harness->now_ns = next;
        return 1;
    }
    harness->now_ns = until;
    return 0;
}

static const struct netif_ops fake_netif_ops = {
    .write = fake_netif_write,
    .read = fake_netif_read,
    .wait = fake_netif_wait,
    .receive_offload = fake_netif_receive_offload,
    .transmit_offload = fake_netif_transmit_offload,
    .write_segment = fake_netif_write_segment,
};

static uint64_t fake_clock_elapsed_ns(struct mclock *self)
{
    const struct harness *harness = self->state;
    return harness->now_ns;
}

static const struct mclock_ops fake_clock_ops = {.elapsed_ns = fake_clock_elapsed_ns};

/* A fixed key: replays must send the same sequence numbers every time. */
static int fake_random_fill(struct random *self, void *buf, size_t len)
{
    (void)self;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = (uint8_t)(0x5a + i);
    return 0;
}

static const struct random_ops fake_random_ops = {.fill = fake_random_fill};

/* --- listeners --------------------------------------------------------------------------------------------- */

static void echo(void *context, struct stack *stack, uint16_t local_port, const struct stack_udp_peer *from,
                 const uint8_t *payload, size_t len)
{
    struct harness *harness = context;
    harness->echoed++;
    /* A reply that cannot go out (no route, ARP queue full) is the stack's to count, as in udp_echo. */
    (void)stack_udp_send(stack, local_port, from, payload, len);
}

static void unlistened(void *context, const struct udp_datagram *datagram)
{
    struct harness *harness = context;
    (void)datagram;
    harness->stale_handler_calls++;
}

/* TCP echo: what a flow reads it writes back, until the peer's end of stream, then it closes. */
static void tcp_echo_readable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    struct harness *harness = context;
    uint8_t buffer[2048];
    for (;;) {
        long n = stack_tcp_read(stack, flow, buffer, sizeof(buffer));
        if (n == STACK_TCP_WOULD_BLOCK)
            return;
        if (n <= 0) {
            stack_tcp_close(stack, flow);
            return;
        }
        /* Bytes the send buffer cannot take are dropped: the harness checks frames, not the echo's stream. */
        long written = stack_tcp_write(stack, flow, buffer, (size_t)n);
        if (written > 0)
            harness->tcp_echoed += (uint64_t)written;
    }
}

static void tcp_echo_writable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    (void)context;
    (void)stack;
    (void)flow;
}

static void tcp_echo_failed(void *context, struct stack *stack, struct stack_tcp_flow *flow, int error)
{
    (void)context;
    (void)error;
    stack_tcp_close(stack, flow);
}

static const struct stack_tcp_callbacks tcp_echo_callbacks = {
    .readable = tcp_echo_readable,
    .writable = tcp_echo_writable,
    .failed = tcp_echo_failed,
};

static void tcp_echo_accept(void *context, struct stack *stack, uint16_t local_port, struct stack_tcp_flow *flow,
                            const struct stack_tcp_peer *from)
{
    struct harness *harness = context;
    (void)local_port;
    (void)from;
    harness->tcp_accepted++;
    stack_tcp_accept(stack, flow, &tcp_echo_callbacks, harness);
}

/* --- setup and runs ---------------------------------------------------------------------------------------- */

static struct harness the_harness;

static struct mirage_key keys[] = {
    {"ipv4", MIRAGE_KEY_STRING, "10.0.0.2/24"},
    {"ipv4-gateway", MIRAGE_KEY_STRING, "10.0.0.1"},
    {"tcp-connections-max", MIRAGE_KEY_INT, "8"},
    {"tcp-syn-backlog", MIRAGE_KEY_INT, "4"},
    {"tcp-send-buffer", MIRAGE_KEY_INT, "8192"},
    {"tcp-receive-buffer", MIRAGE_KEY_INT, "8192"},
    {NULL, MIRAGE_KEY_STRING, NULL},
};

static int connect_failed(const char *what, int rc)
{
    fprintf(stderr, "stack_harness: %s failed (%d)\n", what, rc);
    return -1;
}

static int connect_all(struct harness *harness)
{
    static const uint8_t mac[ETHERNET_ADDRESS_SIZE] = HARNESS_GUEST_MAC;
    static char name[] = "stack_harness";
    char *argv[] = {name, NULL};
    int rc = mirage_keys_init(keys, 1, argv);
    if (rc != MIRAGE_BOOT_CONTINUE)
        return connect_failed("mirage_keys_init", rc);
    harness->netif.ops = &fake_netif_ops;
    harness->netif.state = harness;
    memcpy(harness->netif.mac, mac, sizeof(mac));
    harness->netif.mtu = HARNESS_MTU;
    harness->netif.rx_frame_max = HARNESS_FRAME_MAX;
    harness->clock.ops = &fake_clock_ops;
    harness->clock.state = harness;
    /* The same order generated main.c connects them in. */
    if ((rc = ethernet_connect(&harness->ethernet, &harness->netif)) != 0)
        return connect_failed("ethernet_connect", rc);
    if ((rc = arp_connect(&harness->arp, &harness->ethernet, &harness->clock)) != 0)
        return connect_failed("arp_connect", rc);
    if ((rc = ipv4_connect(&harness->ipv4, &harness->ethernet, &harness->arp, &harness->clock)) != 0)
        return connect_failed("ipv4_connect", rc);
    if ((rc = icmp_connect(&harness->icmp, &harness->ipv4)) != 0)
        return connect_failed("icmp_connect", rc);
    if ((rc = udp_connect(&harness->udp, &harness->ipv4)) != 0)
        return connect_failed("udp_connect", rc);
    harness->random.ops = &fake_random_ops;
    if ((rc = tcp_layer_connect(&harness->tcp, &harness->ipv4, &harness->clock, &harness->random)) != 0)
        return connect_failed("tcp_layer_connect", rc);
    if ((rc = direct_stack_connect(&harness->stack, &harness->netif, &harness->ethernet, &harness->arp, &harness->ipv4,
                                   &harness->icmp, &harness->udp, &harness->tcp, &harness->clock)) != 0)
        return connect_failed("direct_stack_connect", rc);
    if ((rc = stack_tcp_listen(&harness->stack, HARNESS_TCP_ECHO_PORT, tcp_echo_accept, harness)) != 0)
        return connect_failed("stack_tcp_listen", rc);
    if ((rc = stack_udp_listen(&harness->stack, HARNESS_ECHO_PORT, echo, harness)) != 0)
        return connect_failed("stack_udp_listen", rc);
    if ((rc = udp_listen(&harness->udp, HARNESS_UNLISTENED_PORT, unlistened, harness)) != 0)
        return connect_failed("udp_listen", rc);
    if ((rc = udp_unlisten(&harness->udp, HARNESS_UNLISTENED_PORT)) != 0)
        return connect_failed("udp_unlisten", rc);
    return 0;
}

struct harness *harness_setup(void)
{
    static int connected;
    if (connected)
        return &the_harness;
    if (connect_all(&the_harness) != 0)
        return NULL;
    connected = 1;
    return &the_harness;
}

/* Fill in the checksums a well-behaved sender would have, over whatever lengths the frame claims (clamped to the
 * frame): the IPv4 header's, then the UDP (with the pseudo header) or ICMP one. Anything too short is left alone. */
static void fix_checksums(uint8_t *frame, size_t len)
{
    if (len < ETHERNET_HEADER_SIZE + IPV4_HEADER_SIZE || wire_get16(frame + 12) != ETHERTYPE_IPV4)
        return;
    uint8_t *packet = frame + ETHERNET_HEADER_SIZE;
    size_t packet_len = len - ETHERNET_HEADER_SIZE;
    size_t header_len = (size_t)(packet[0] & 0x0f) * 4;
    if (header_len < IPV4_HEADER_SIZE || header_len > packet_len)
        return;
    wire_put16(packet + 10, 0);
    wire_put16(packet + 10, checksum_finish(checksum_add(0, packet, header_len)));
    size_t total_len = wire_get16(packet + 2);
    if (total_len < header_len || total_len > packet_len)
        return;
    uint8_t *payload = packet + header_len;
    size_t payload_len = total_len - header_len;
    if (packet[9] == IPV4_PROTOCOL_ICMP && payload_len >= ICMP_HEADER_SIZE) {
        wire_put16(payload + 2, 0);
        wire_put16(payload + 2, checksum_finish(checksum_add(0, payload, payload_len)));
    } else if (packet[9] == IPV4_PROTOCOL_UDP && payload_len >= UDP_HEADER_SIZE) {
        size_t udp_len = wire_get16(payload + 4);
        if (udp_len < UDP_HEADER_SIZE || udp_len > payload_len)
            return;
        uint64_t sum = checksum_add(0, packet + 12, 8); /* the pseudo header: addresses, protocol, length */
        sum = checksum_add16(sum, IPV4_PROTOCOL_UDP);
        sum = checksum_add16(sum, (uint16_t)udp_len);
        wire_put16(payload + 6, 0);
        uint16_t value = checksum_finish(checksum_add(sum, payload, udp_len));
        wire_put16(payload + 6, value == 0 ? 0xffff : value);
    } else if (packet[9] == HARNESS_PROTOCOL_TCP && payload_len >= 20) {
        uint64_t sum = checksum_add(0, packet + 12, 8);
        sum = checksum_add16(sum, HARNESS_PROTOCOL_TCP);
        sum = checksum_add16(sum, (uint16_t)payload_len);
        wire_put16(payload + 16, 0);
        wire_put16(payload + 16, checksum_finish(checksum_add(sum, payload, payload_len)));
    }
}

static void parse_input(struct harness *harness, const uint8_t *input, size_t size)
{
    uint64_t arrival = harness->now_ns;
    harness->input_start_ns = harness->now_ns;
    size_t pos = 0;
    harness->input_count = 0;
    harness->input_read = 0;
    while (size - pos >= 3 && harness->input_count < HARNESS_INPUT_FRAMES_MAX) {
        uint8_t control = input[pos];
        arrival += (control & ~HARNESS_FIX_CHECKSUMS) * HARNESS_DELAY_UNIT_NS;
        size_t len = wire_get16(input + pos + 1);
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        if (len > HARNESS_RX_FRAME_MAX)
            len = HARNESS_RX_FRAME_MAX;
        struct harness_input_frame *frame = &harness->input[harness->input_count++];
        frame->arrival_ns = arrival;
        frame->data = input + pos;
        frame->len = len;
        if (control & HARNESS_FIX_CHECKSUMS) {
            memcpy(frame->fixed, input + pos, len);
            fix_checksums(frame->fixed, len);
            frame->data = frame->fixed;
        }
        pos += len;
    }
}

int harness_run(struct harness *harness, const uint8_t *input, size_t size)
{
    harness->sent_count = 0;
    harness->sent_logged = 0;
    harness->oversized_writes = 0;
    harness->bad_segments = 0;
    harness->segment_writes = 0;
    harness->echoed = 0;
    harness->stale_handler_calls = 0;
    parse_input(harness, input, size);
    uint64_t last = harness->input_count > 0 ? harness->input[harness->input_count - 1].arrival_ns : harness->now_ns;
    int rc = stack_run(&harness->stack, last - harness->now_ns + HARNESS_SETTLE_NS);
    /* The input's frames point into the caller's buffer: forget them before it goes. */
    harness->input_count = 0;
    harness->input_read = 0;
    return rc;
}

/* --- what a peer would accept ------------------------------------------------------------------------------ */

static int problem(char *why, size_t why_size, const char *text)
{
    snprintf(why, why_size, "%s", text);
    return 0;
}

static int ipv4_payload_is_sane(const uint8_t *packet, size_t total_len, char *why, size_t why_size)
{
    const uint8_t *payload = packet + IPV4_HEADER_SIZE;
    size_t len = total_len - IPV4_HEADER_SIZE;
    if (packet[9] == IPV4_PROTOCOL_ICMP) {
        if (len < ICMP_HEADER_SIZE || checksum_finish(checksum_add(0, payload, len)) != 0)
            return problem(why, why_size, "ICMP message short or with a bad checksum");
        if (payload[0] == 3) {
            /* Destination unreachable: it quotes a datagram that was sent to us, never an ICMP one. */
            const uint8_t *quote = payload + ICMP_HEADER_SIZE;
            if (len < ICMP_HEADER_SIZE + IPV4_HEADER_SIZE || len > 576 - IPV4_HEADER_SIZE)
                return problem(why, why_size, "ICMP destination unreachable without a quoted header, or too long");
            if (memcmp(quote + 16, packet + 12, 4) != 0 || quote[9] == IPV4_PROTOCOL_ICMP)
                return problem(why, why_size, "ICMP destination unreachable about a datagram not to us, or ICMP");
            return 1;
        }
        if (payload[0] != 0 && payload[0] != 8)
            return problem(why, why_size, "ICMP message neither an echo request, a reply nor an unreachable");
        return 1;
    }
    if (packet[9] == IPV4_PROTOCOL_UDP) {
        if (len < UDP_HEADER_SIZE || wire_get16(payload + 4) != len)
            return problem(why, why_size, "UDP length disagrees with the IPv4 total length");
        uint64_t sum = checksum_add(0, packet + 12, 8); /* the pseudo header: addresses, protocol, length */
        sum = checksum_add16(sum, IPV4_PROTOCOL_UDP);
        sum = checksum_add16(sum, (uint16_t)len);
        if (wire_get16(payload + 6) == 0 || checksum_finish(checksum_add(sum, payload, len)) != 0)
            return problem(why, why_size, "UDP checksum missing or wrong");
        if (wire_get16(payload) == 0 || wire_get16(payload + 2) == 0)
            return problem(why, why_size, "UDP datagram from or to port 0");
        return 1;
    }
    if (packet[9] == HARNESS_PROTOCOL_TCP) {
        size_t header_len = len >= 20 ? (size_t)(payload[12] >> 4) * 4 : 0;
        if (len < 20 || header_len < 20 || header_len > len)
            return problem(why, why_size, "TCP segment short, or its data offset out of range");
        uint64_t sum = checksum_add(0, packet + 12, 8);
        sum = checksum_add16(sum, HARNESS_PROTOCOL_TCP);
        sum = checksum_add16(sum, (uint16_t)len);
        if (checksum_finish(checksum_add(sum, payload, len)) != 0)
            return problem(why, why_size, "TCP checksum wrong");
        if (wire_get16(payload) == 0 || wire_get16(payload + 2) == 0)
            return problem(why, why_size, "TCP segment from or to port 0");
        if ((payload[13] & 0x02) != 0 && (payload[13] & 0x05) != 0)
            return problem(why, why_size, "TCP segment with SYN and FIN or RST");
        return 1;
    }
    return problem(why, why_size, "IPv4 packet of a protocol the stack never sends");
}

int harness_frame_is_sane(const uint8_t *frame, size_t len, char *why, size_t why_size)
{
    static const uint8_t ours[ETHERNET_ADDRESS_SIZE] = HARNESS_GUEST_MAC;
    static const uint8_t zero[ETHERNET_ADDRESS_SIZE] = {0};
    if (len < 60 || len > HARNESS_FRAME_MAX)
        return problem(why, why_size, "frame shorter than 60 bytes or longer than MTU + 14");
    if (memcmp(frame + 6, ours, sizeof(ours)) != 0 || memcmp(frame, zero, sizeof(zero)) == 0 ||
        (frame[0] & 1 && memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6) != 0))
        return problem(why, why_size, "frame not from our address, or to 00:00:00:00:00:00 or a multicast group");
    const uint8_t *packet = frame + ETHERNET_HEADER_SIZE;
    size_t packet_len = len - ETHERNET_HEADER_SIZE;
    switch (wire_get16(frame + 12)) {
    case ETHERTYPE_ARP:
        if (wire_get16(packet) != 1 || wire_get16(packet + 2) != ETHERTYPE_IPV4 || packet[4] != 6 || packet[5] != 4 ||
            (wire_get16(packet + 6) != 1 && wire_get16(packet + 6) != 2))
            return problem(why, why_size, "ARP packet not an Ethernet/IPv4 request or reply");
        if (memcmp(packet + 8, ours, sizeof(ours)) != 0 || wire_get32(packet + 14) != HARNESS_GUEST_ADDRESS)
            return problem(why, why_size, "ARP packet whose sender is not us");
        /* A reply to a probe (RFC 5227) goes back to 0.0.0.0, as Linux's does; a request for it never. */
        if (wire_get16(packet + 6) == 1 && wire_get32(packet + 24) == 0)
            return problem(why, why_size, "ARP request for 0.0.0.0");
        return 1;
    case ETHERTYPE_IPV4: {
        size_t total_len = wire_get16(packet + 2);
        if (packet[0] != 0x45 || total_len < IPV4_HEADER_SIZE || total_len > packet_len)
            return problem(why, why_size, "IPv4 header not version 4 / IHL 5, or total length past the frame");
        if (checksum_finish(checksum_add(0, packet, IPV4_HEADER_SIZE)) != 0)
            return problem(why, why_size, "IPv4 header checksum wrong");
        if ((wire_get16(packet + 6) & 0x3fff) != 0)
            return problem(why, why_size, "IPv4 fragment sent");
        if (wire_get32(packet + 12) != HARNESS_GUEST_ADDRESS || wire_get32(packet + 16) == 0 ||
            (wire_get32(packet + 16) >> 28) == 0xe)
            return problem(why, why_size, "IPv4 packet not from our address, or to 0.0.0.0 or multicast");
        return ipv4_payload_is_sane(packet, total_len, why, why_size);
    }
    default:
        return problem(why, why_size, "frame of an EtherType the stack never sends");
    }
}
