/* tcp_sim.c: the simulated link of tcp_sim.h. */
#include "lib/tcpip/tests/tcp_sim.h"

#include <stdlib.h>
#include <string.h>

#include "lib/tcpip/tcp_seq.h"
#include "lib/tcpip/wire.h"

#define SIM_ADDRESS_0 UINT32_C(0x0a000001)
#define SIM_ADDRESS_1 UINT32_C(0x0a000002)

static uint64_t sim_now(void *context)
{
    struct sim_endpoint *endpoint = context;
    return endpoint->sim->now;
}

static uint8_t *sim_tx_buffer(void *context, size_t *capacity)
{
    struct sim_endpoint *endpoint = context;
    *capacity = SIM_SEGMENT_MAX;
    return endpoint->tx;
}

static uint8_t *sim_tx_segment_buffer(void *context, size_t *capacity)
{
    struct sim_endpoint *endpoint = context;
    *capacity = endpoint->offload_capacity;
    return endpoint->tx;
}

static void log_segment(struct sim *sim, const struct sim_packet *packet, bool dropped)
{
    if (sim->logged == SIM_LOG_MAX)
        return;
    struct sim_logged *entry = &sim->log[sim->logged];
    if (tcp_segment_parse(packet->bytes, packet->len, packet->source, packet->destination, &entry->segment) != 0)
        return;
    entry->segment.payload = NULL;
    entry->at = sim->now;
    entry->source = packet->source;
    entry->dropped = dropped;
    sim->logged++;
}

/* One segment of `len` bytes at `bytes` onto the link. */
static int link_send(struct sim_endpoint *endpoint, uint32_t destination, const uint8_t *bytes, size_t len)
{
    struct sim *sim = endpoint->sim;
    if (len > SIM_SEGMENT_MAX)
        abort(); /* the core wrote past the capacity it was given */
    struct sim_packet packet = {.source = endpoint->address, .destination = destination, .len = len};
    memcpy(packet.bytes, bytes, len);
    bool dropped = sim->drop != NULL && sim->drop(sim, sim->sent_index, &packet);
    sim->sent_index++;
    log_segment(sim, &packet, dropped);
    if (dropped)
        return 0;
    if (destination == sim->endpoints[1].address && sim->endpoints[1].raw) {
        if (sim->inbox_count < SIM_QUEUE_MAX)
            sim->inbox[sim->inbox_count++] = packet;
        return 0;
    }
    if (destination != SIM_ADDRESS_0 && destination != SIM_ADDRESS_1)
        return STACK_TCP_UNREACHABLE;
    if (sim->queued == SIM_QUEUE_MAX)
        return 0; /* a full link drops, like a full queue would */
    packet.deliver_at = sim->now + sim->latency_ns;
    sim->queue[sim->queued++] = packet;
    return 0;
}

static int sim_transmit(void *context, uint32_t destination, size_t len)
{
    struct sim_endpoint *endpoint = context;
    return link_send(endpoint, destination, endpoint->tx, len);
}

static uint64_t pseudo_header_sum(uint32_t source, uint32_t destination, size_t len)
{
    uint64_t sum = checksum_add16(0, (uint16_t)(source >> 16));
    sum = checksum_add16(sum, (uint16_t)source);
    sum = checksum_add16(sum, (uint16_t)(destination >> 16));
    sum = checksum_add16(sum, (uint16_t)destination);
    sum = checksum_add16(sum, TCP_PROTOCOL);
    return checksum_add16(sum, (uint16_t)len);
}

/* What a host's TSO does with a segment handed down (as Linux's tcp_gso_segment): the headers copied in front of
 * each `segment_size` bytes of payload, the sequence number advanced, FIN and PSH only on the last piece, and each
 * piece's checksum completed. Checks on the way what the core wrote, into the endpoint's statistics. */
static int sim_transmit_segment(void *context, uint32_t destination, size_t len, uint32_t segment_size)
{
    struct sim_endpoint *endpoint = context;
    struct sim_offload_stats *stats = &endpoint->offload;
    const uint8_t *segment = endpoint->tx;
    if (endpoint->offload_capacity == 0 || len > endpoint->offload_capacity || len < TCP_HEADER_SIZE ||
        segment_size == 0)
        abort(); /* the core handed down what it was never offered */
    if (endpoint->refuse) {
        stats->refused++;
        return TCP_SEGMENT_REFUSED;
    }
    size_t header_len = (size_t)(segment[12] >> 4) * 4;
    struct tcp_segment parsed;
    if (header_len > len || tcp_segment_parse_trusted(segment, len, endpoint->address, destination, &parsed) != 0)
        abort();
    /* As Linux's tcp_gso_segment: the whole segment's length taken out of the sum in the field, each piece's put in. */
    uint64_t field_sum = checksum_add16(checksum_add16(0, wire_get16(segment + 16)), (uint16_t) ~(uint16_t)len);
    uint32_t payload = (uint32_t)(len - header_len);
    uint32_t seq = parsed.seq;
    if (stats->writes > 0 && seq_lt(seq, stats->high_seq))
        stats->resent++;
    if (stats->writes == 0 || seq_gt(seq + payload, stats->high_seq))
        stats->high_seq = seq + payload;
    if (parsed.sack_count > 0)
        stats->sack_blocks++;
    if (payload % segment_size != 0 && (parsed.flags & TCP_FLAG_PSH) == 0)
        stats->uneven++;
    if (payload > stats->largest)
        stats->largest = payload;
    stats->writes++;
    uint8_t piece[SIM_SEGMENT_MAX];
    for (uint32_t at = 0; at < payload || (at == 0 && payload == 0); at += segment_size) {
        uint32_t part = payload - at < segment_size ? payload - at : segment_size;
        bool last = at + part == payload;
        if (header_len + part > sizeof(piece))
            abort(); /* a segment size the MTU cannot carry */
        memcpy(piece, segment, header_len);
        memcpy(piece + header_len, segment + header_len + at, part);
        wire_put32(piece + 4, seq + at);
        if (!last)
            piece[13] &= (uint8_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
        wire_put16(piece + 16, 0);
        size_t piece_len = header_len + part;
        uint16_t from_field =
            checksum_finish(checksum_add(checksum_add16(field_sum, (uint16_t)piece_len), piece, piece_len));
        uint16_t from_scratch = checksum_finish(
            checksum_add(pseudo_header_sum(endpoint->address, destination, piece_len), piece, piece_len));
        if (from_field != from_scratch)
            stats->bad_checksum++;
        wire_put16(piece + 16, from_field); /* a wrong field is a piece the receiver drops */
        stats->pieces++;
        int rc = link_send(endpoint, destination, piece, piece_len);
        if (rc != 0)
            return rc;
        if (last)
            break;
    }
    return 0;
}

void sim_offload(struct sim *sim, int index, uint32_t capacity)
{
    sim->endpoints[index].offload_capacity = capacity < SIM_OFFLOAD_MAX ? capacity : SIM_OFFLOAD_MAX;
}

int sim_init(struct sim *sim, const struct tcp_limits *limits, bool raw_second)
{
    memset(sim, 0, sizeof(*sim));
    sim->latency_ns = UINT64_C(1000000);
    sim->now = UINT64_C(1000000000);
    sim->queue = calloc(SIM_QUEUE_MAX, sizeof(*sim->queue));
    sim->inbox = calloc(SIM_QUEUE_MAX, sizeof(*sim->inbox));
    sim->log = calloc(SIM_LOG_MAX, sizeof(*sim->log));
    if (sim->queue == NULL || sim->inbox == NULL || sim->log == NULL)
        return STACK_TCP_NO_ROOM;
    for (int i = 0; i < 2; i++) {
        struct sim_endpoint *endpoint = &sim->endpoints[i];
        endpoint->sim = sim;
        endpoint->address = i == 0 ? SIM_ADDRESS_0 : SIM_ADDRESS_1;
        endpoint->raw = i == 1 && raw_second;
        if (endpoint->raw)
            continue;
        struct tcp_env env = {
            .context = endpoint,
            .now_ns = sim_now,
            .tx_buffer = sim_tx_buffer,
            .transmit = sim_transmit,
            .tx_segment_buffer = sim_tx_segment_buffer,
            .transmit_segment = sim_transmit_segment,
            .stack = &endpoint->stack,
        };
        uint8_t key[TCP_ISN_KEY_SIZE];
        for (size_t k = 0; k < sizeof(key); k++)
            key[k] = (uint8_t)(k * 7 + (size_t)i * 13);
        int rc = tcp_core_init(&endpoint->core, limits, &env, key, endpoint->address);
        if (rc != 0)
            return rc;
        endpoint->stack.state = endpoint;
        endpoint->stack.ipv4_address = endpoint->address;
    }
    return 0;
}

void sim_free(struct sim *sim)
{
    for (int i = 0; i < 2; i++) {
        struct sim_endpoint *endpoint = &sim->endpoints[i];
        if (!endpoint->raw)
            tcp_core_free(&endpoint->core);
    }
    free(sim->queue);
    free(sim->inbox);
    free(sim->log);
}

static struct sim_endpoint *endpoint_for(struct sim *sim, uint32_t address)
{
    for (int i = 0; i < 2; i++)
        if (sim->endpoints[i].address == address && !sim->endpoints[i].raw)
            return &sim->endpoints[i];
    return NULL;
}

/* Deliver the segments due now; returns how many. */
static size_t deliver_due(struct sim *sim)
{
    size_t delivered = 0;
    for (;;) {
        size_t due = 0;
        while (due < sim->queued && sim->queue[due].deliver_at <= sim->now)
            due++;
        if (due == 0)
            return delivered;
        size_t pick = sim->reorder && due >= 2 ? 1 : 0;
        struct sim_packet packet = sim->queue[pick];
        memmove(&sim->queue[pick], &sim->queue[pick + 1], (sim->queued - pick - 1) * sizeof(sim->queue[0]));
        sim->queued--;
        struct sim_endpoint *to = endpoint_for(sim, packet.destination);
        if (to != NULL)
            tcp_core_input(&to->core, packet.source, packet.destination, packet.bytes, packet.len);
        delivered++;
    }
}

void sim_run(struct sim *sim, uint64_t duration_ns)
{
    uint64_t end = sim->now + duration_ns;
    for (;;) {
        deliver_due(sim);
        uint64_t next = end;
        for (int i = 0; i < 2; i++) {
            if (sim->endpoints[i].raw)
                continue;
            uint64_t wait = tcp_core_tick(&sim->endpoints[i].core);
            if (wait != UINT64_MAX && sim->now + wait < next)
                next = sim->now + wait;
        }
        if (sim->queued > 0 && sim->queue[0].deliver_at < next)
            next = sim->queue[0].deliver_at;
        if (sim->now >= end)
            return;
        /* Timers due now ran above; the clock moves at least a microsecond so that none spins. */
        sim->now = next > sim->now ? next : sim->now + 1000;
        if (sim->now > end)
            sim->now = end;
    }
}

void sim_raw_input(struct sim *sim, const struct tcp_header_out *header, const uint8_t *payload, size_t len)
{
    uint8_t bytes[SIM_SEGMENT_MAX];
    size_t header_len = tcp_header_size(header);
    if (header_len + len > sizeof(bytes))
        abort();
    if (len > 0)
        memcpy(bytes + header_len, payload, len);
    uint32_t from = sim->endpoints[1].address, to = sim->endpoints[0].address;
    size_t total = tcp_segment_write(bytes, header, len, from, to);
    tcp_core_input(&sim->endpoints[0].core, from, to, bytes, total);
}

void sim_raw_send(struct sim *sim, const struct tcp_header_out *header, const uint8_t *payload, size_t len)
{
    sim_raw_input(sim, header, payload, len);
    tcp_core_flush(&sim->endpoints[0].core); /* a burst of one segment */
}

bool sim_inbox_segment(const struct sim *sim, size_t index, struct tcp_segment *out)
{
    if (index >= sim->inbox_count)
        return false;
    const struct sim_packet *packet = &sim->inbox[index];
    return tcp_segment_parse(packet->bytes, packet->len, packet->source, packet->destination, out) == 0;
}
