/* tcp_fuzz_input.c: the fuzzer's input interpreter and the invariants checked after each step. */
#include "lib/tcpip/tests/tcp_fuzz_input.h"

#include <stdio.h>
#include <string.h>

#include "lib/tcpip/tcp_core.h"
#include "lib/tcpip/tcp_seq.h"
#include "lib/tcpip/tcp_wire.h"
#include "lib/tcpip/wire.h"

#define FUZZ_US UINT32_C(0x0a000001)
#define FUZZ_PEER UINT32_C(0x0a000002)
#define FUZZ_FLOWS 8
#define FUZZ_SEGMENT_MAX 1480
#define FUZZ_OFFLOAD_MAX 8192 /* transmit offload: longer than the send buffer, so the windows size segments */

struct fuzz {
    struct tcp_core core;
    struct stack stack;
    uint64_t now;
    uint8_t tx[FUZZ_OFFLOAD_MAX];
    uint64_t segment_writes;            /* segments handed down for the link to cut; every third is refused */
    struct tcp_conn *flows[FUZZ_FLOWS]; /* held by the application */
    uint32_t ts_clock;
    bool broken;
    char *why;
    size_t why_size;
};

static void fail(struct fuzz *f, const char *what)
{
    if (!f->broken)
        snprintf(f->why, f->why_size, "%s", what);
    f->broken = true;
}

static uint64_t fuzz_now(void *context)
{
    return ((struct fuzz *)context)->now;
}

static uint8_t *fuzz_tx_buffer(void *context, size_t *capacity)
{
    struct fuzz *f = context;
    *capacity = FUZZ_SEGMENT_MAX;
    return f->tx;
}

static uint8_t *fuzz_tx_segment_buffer(void *context, size_t *capacity)
{
    struct fuzz *f = context;
    *capacity = sizeof(f->tx);
    return f->tx;
}

/* A segment handed down whole is checked as the host would finish it: its checksum completed from the pseudo
 * header's sum in the field, it must parse; its payload is longer than one piece and cut into whole pieces but for
 * the last data. Every third is refused, as a host whose next hop is unresolved would. */
static int fuzz_transmit_segment(void *context, uint32_t destination, size_t len, uint32_t segment_size)
{
    struct fuzz *f = context;
    struct tcp_segment segment;
    if (f->segment_writes++ % 3 == 2)
        return TCP_SEGMENT_REFUSED;
    if (len > sizeof(f->tx) || len < TCP_HEADER_SIZE) {
        fail(f, "a whole segment longer than the buffer it was given");
        return 0;
    }
    wire_put16(f->tx + 16, checksum_finish(checksum_add(0, f->tx, len)));
    if (tcp_segment_parse(f->tx, len, FUZZ_US, destination, &segment) != 0)
        fail(f, "a segment handed down whole does not parse once finished (checksum field, offset, options)");
    else if (destination != FUZZ_PEER)
        fail(f, "a segment to an address nobody used");
    else if (segment_size < 536 || segment.payload_len <= segment_size || segment.sack_count > 0)
        fail(f, "a segment handed down whole is one piece, cut below 536 bytes, or repeats SACK blocks");
    else if (segment.payload_len % segment_size != 0 && (segment.flags & TCP_FLAG_PSH) == 0)
        fail(f, "a segment handed down whole ends in a short piece while more data waits");
    return 0;
}

/* Every segment sent is checked as the peer would check it. */
static int fuzz_transmit(void *context, uint32_t destination, size_t len)
{
    struct fuzz *f = context;
    struct tcp_segment segment;
    if (len > sizeof(f->tx))
        fail(f, "a segment longer than the buffer it was given");
    else if (tcp_segment_parse(f->tx, len, FUZZ_US, destination, &segment) != 0)
        fail(f, "a sent segment does not parse (checksum, offset, options or flags)");
    else if (destination != FUZZ_PEER)
        fail(f, "a segment to an address nobody used");
    return 0;
}

static int flow_index(const struct fuzz *f, const struct tcp_conn *conn)
{
    for (int i = 0; i < FUZZ_FLOWS; i++)
        if (f->flows[i] == conn)
            return i;
    return -1;
}

static void hold(struct fuzz *f, struct tcp_conn *conn)
{
    for (int i = 0; i < FUZZ_FLOWS; i++)
        if (f->flows[i] == NULL) {
            f->flows[i] = conn;
            return;
        }
    tcp_core_close(&f->core, conn); /* the application has no room for more */
}

static void on_readable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    (void)stack;
    struct fuzz *f = context;
    if (flow_index(f, (struct tcp_conn *)flow) < 0)
        fail(f, "readable for a flow the application does not hold");
    uint8_t buffer[700];
    long n = tcp_core_read(&f->core, (struct tcp_conn *)flow, buffer, sizeof(buffer));
    if (n > (long)sizeof(buffer))
        fail(f, "read returned more than asked");
}

static void on_writable(void *context, struct stack *stack, struct stack_tcp_flow *flow)
{
    (void)stack;
    struct fuzz *f = context;
    if (flow_index(f, (struct tcp_conn *)flow) < 0)
        fail(f, "writable for a flow the application does not hold");
}

static void on_failed(void *context, struct stack *stack, struct stack_tcp_flow *flow, int error)
{
    (void)stack;
    struct fuzz *f = context;
    if (flow_index(f, (struct tcp_conn *)flow) < 0)
        fail(f, "failed for a flow the application does not hold");
    if (error != STACK_TCP_RESET && error != STACK_TCP_TIMED_OUT && error != STACK_TCP_REFUSED &&
        error != STACK_TCP_UNREACHABLE)
        fail(f, "failed with an error outside the documented set");
}

static const struct stack_tcp_callbacks callbacks = {
    .readable = on_readable, .writable = on_writable, .failed = on_failed};

static void on_accept(void *context, struct stack *stack, uint16_t port, struct stack_tcp_flow *flow,
                      const struct stack_tcp_peer *from)
{
    (void)stack;
    struct fuzz *f = context;
    if (port != 80 || from->address != FUZZ_PEER)
        fail(f, "accept for the wrong port or peer");
    tcp_core_accept(&f->core, (struct tcp_conn *)flow, &callbacks, f);
    hold(f, (struct tcp_conn *)flow);
}

static void check_invariants(struct fuzz *f)
{
    const struct tcp_core *core = &f->core;
    if (core->half_open > core->limits.syn_backlog)
        fail(f, "more half-open connections than the backlog");
    for (uint32_t i = 0; i < core->limits.connections_max; i++) {
        const struct tcp_conn *c = &core->conns[i];
        if (!c->in_use)
            continue;
        if (c->send.len > c->send.capacity || c->receive.len > c->receive.capacity)
            fail(f, "a ring holds more than its capacity");
        if (c->reass.count > TCP_REASS_RANGES)
            fail(f, "too many reassembly ranges");
        if (c->state != TCP_SYN_SENT && c->state != TCP_SYN_RECEIVED &&
            (seq_gt(c->snd_una, c->snd_nxt) || seq_gt(c->snd_nxt, c->snd_max)))
            fail(f, "SND.UNA <= SND.NXT <= SND.MAX broken");
        if (seq_gt(c->snd_max, c->snd_una + c->send.len + 1) && c->state != TCP_SYN_SENT &&
            c->state != TCP_SYN_RECEIVED)
            fail(f, "bytes in flight that the send queue does not hold");
        if (c->scoreboard.count > TCP_SACK_SCOREBOARD_MAX)
            fail(f, "too many scoreboard ranges");
        for (uint32_t k = 0; k < c->scoreboard.count; k++) {
            const struct tcp_sack_block *range = &c->scoreboard.ranges[k];
            if (!seq_lt(range->start, range->end) || seq_lt(range->start, c->snd_una) ||
                seq_gt(range->end, c->snd_max) || (k > 0 && !seq_gt(range->start, c->scoreboard.ranges[k - 1].end)))
                fail(f, "a scoreboard range outside SND.UNA..SND.MAX, empty, or out of order");
        }
        if (c->app_owned && flow_index(f, c) < 0)
            fail(f, "a connection owned by an application that lost it");
    }
}

static struct tcp_conn *conn_for(struct fuzz *f, uint16_t peer_port, uint16_t our_port)
{
    for (uint32_t i = 0; i < f->core.limits.connections_max; i++) {
        struct tcp_conn *c = &f->core.conns[i];
        if (c->in_use && c->remote_port == peer_port && c->local_port == our_port)
            return c;
    }
    return NULL;
}

/* Reads operands; false when the input ran out. */
struct reader {
    const uint8_t *data;
    size_t len, at;
};

static bool take(struct reader *r, size_t n, const uint8_t **out)
{
    if (r->len - r->at < n)
        return false;
    *out = r->data + r->at;
    r->at += n;
    return true;
}

static void crafted_segment(struct fuzz *f, uint8_t op, struct reader *r, bool with_sack)
{
    const uint8_t *fields, *payload, *sack = NULL, *blocks = NULL;
    if (!take(r, 9, &fields))
        return;
    uint8_t block_count = 0;
    if (with_sack) {
        if (!take(r, 1, &sack))
            return;
        block_count = sack[0] & 7;
        if (!take(r, (size_t)block_count * 4, &blocks))
            return;
    }
    size_t payload_len = fields[8];
    if (!take(r, payload_len, &payload))
        return;
    uint16_t peer_port = (uint16_t)(5000 + ((op >> 3) & 3)), our_port = 80;
    if ((op & 0x40) != 0) {
        struct tcp_conn *connecting = NULL;
        for (int i = 0; i < FUZZ_FLOWS && connecting == NULL; i++)
            if (f->flows[i] != NULL && f->flows[i]->remote_port == 81)
                connecting = f->flows[i];
        if (connecting == NULL)
            return;
        peer_port = 81;
        our_port = connecting->local_port;
    }
    struct tcp_conn *conn = conn_for(f, peer_port, our_port);
    int16_t seq_delta = (int16_t)wire_get16(fields + 1), ack_delta = (int16_t)wire_get16(fields + 3);
    struct tcp_header_out header = {
        .source_port = peer_port,
        .destination_port = our_port,
        .flags = fields[0],
        .seq = (conn != NULL ? conn->rcv_nxt : 1000) + (uint32_t)(int32_t)seq_delta,
        .ack = (conn != NULL ? conn->snd_una : 0) + (uint32_t)(int32_t)ack_delta,
        .window = wire_get16(fields + 5),
        .has_mss = (fields[7] & 1) != 0,
        .mss = (uint16_t)(fields[7] * 16),
        .has_wscale = (fields[7] & 2) != 0,
        .wscale = (uint8_t)(fields[7] >> 4),
        .has_timestamps = (fields[7] & 4) != 0,
        .ts_value = f->ts_clock += (fields[7] & 8) != 0 ? 0 : 1,
        .ts_echo = conn != NULL ? conn->ts_recent + 1 : 0,
    };
    if (sack != NULL) {
        header.has_sack_permitted = (sack[0] & 8) != 0;
        uint32_t una = conn != NULL ? conn->snd_una : 0;
        for (uint8_t i = 0; i < block_count && i < TCP_SACK_BLOCKS_MAX - 1; i++) {
            header.sack[i].start = una + (uint32_t)(int32_t)(int16_t)wire_get16(blocks + 4 * i);
            header.sack[i].end = una + (uint32_t)(int32_t)(int16_t)wire_get16(blocks + 4 * i + 2);
            header.sack_count = (uint8_t)(i + 1);
        }
    }
    uint8_t bytes[FUZZ_SEGMENT_MAX];
    size_t header_len = tcp_header_size(&header);
    memcpy(bytes + header_len, payload, payload_len);
    size_t total = tcp_segment_write(bytes, &header, payload_len, FUZZ_PEER, FUZZ_US);
    tcp_core_input(&f->core, FUZZ_PEER, FUZZ_US, bytes, total);
}

static void raw_segment(struct fuzz *f, uint8_t op, struct reader *r)
{
    const uint8_t *length, *bytes;
    if (!take(r, 2, &length))
        return;
    size_t len = wire_get16(length);
    if (len > FUZZ_SEGMENT_MAX)
        len = FUZZ_SEGMENT_MAX;
    if (len > r->len - r->at)
        len = r->len - r->at;
    take(r, len, &bytes);
    uint8_t copy[FUZZ_SEGMENT_MAX];
    memcpy(copy, bytes, len);
    if ((op & 0x80) != 0 && len >= TCP_HEADER_SIZE) {
        wire_put16(copy + 16, 0);
        uint64_t sum = checksum_add16(checksum_add16(0, (uint16_t)(FUZZ_PEER >> 16)), (uint16_t)FUZZ_PEER);
        sum = checksum_add16(checksum_add16(sum, (uint16_t)(FUZZ_US >> 16)), (uint16_t)FUZZ_US);
        sum = checksum_add16(checksum_add16(sum, TCP_PROTOCOL), (uint16_t)len);
        wire_put16(copy + 16, checksum_finish(checksum_add(sum, copy, len)));
    }
    tcp_core_input(&f->core, FUZZ_PEER, FUZZ_US, copy, len);
}

static void app_action(struct fuzz *f, uint8_t op, struct reader *r)
{
    const uint8_t *operands;
    if (!take(r, 2, &operands))
        return;
    static const uint8_t data[256] = {1, 2, 3};
    int index = (op >> 3) & 7;
    struct tcp_conn *conn = f->flows[index];
    uint8_t action = operands[0] % 5, size = operands[1];
    if (action == 4) {
        struct stack_tcp_peer to = {.address = FUZZ_PEER, .port = 81};
        struct tcp_conn *made = NULL;
        if (tcp_core_connect(&f->core, &to, &callbacks, f, &made) == 0)
            hold(f, made);
        return;
    }
    if (conn == NULL)
        return;
    if (action == 0) {
        uint8_t buffer[256];
        (void)tcp_core_read(&f->core, conn, buffer, size);
    } else if (action == 1) {
        long n = tcp_core_write(&f->core, conn, data, size);
        if (n > (long)size)
            fail(f, "write took more than offered");
    } else if (action == 2) {
        (void)tcp_core_shutdown(&f->core, conn);
    } else {
        f->flows[index] = NULL;
        tcp_core_close(&f->core, conn);
    }
}

bool tcp_fuzz_run(const uint8_t *data, size_t len, char *why, size_t why_size)
{
    static struct fuzz f;
    memset(&f, 0, sizeof(f));
    f.why = why;
    f.why_size = why_size;
    f.now = UINT64_C(5000000000);
    struct tcp_limits limits;
    tcp_limits_default(&limits);
    limits.connections_max = 6;
    limits.syn_backlog = 3;
    limits.listeners_max = 2;
    limits.send_buffer = 4096;
    limits.receive_buffer = 3000;
    limits.challenge_acks_per_second = 5;
    struct tcp_env env = {
        .context = &f,
        .now_ns = fuzz_now,
        .tx_buffer = fuzz_tx_buffer,
        .transmit = fuzz_transmit,
        .tx_segment_buffer = fuzz_tx_segment_buffer,
        .transmit_segment = fuzz_transmit_segment,
        .stack = &f.stack,
    };
    uint8_t key[TCP_ISN_KEY_SIZE] = {1, 2, 3, 4};
    if (tcp_core_init(&f.core, &limits, &env, key, FUZZ_US) != 0 || tcp_core_listen(&f.core, 80, on_accept, &f) != 0) {
        snprintf(why, why_size, "setup failed");
        return false;
    }
    struct stack_tcp_peer to = {.address = FUZZ_PEER, .port = 81};
    struct tcp_conn *connecting = NULL;
    if (tcp_core_connect(&f.core, &to, &callbacks, &f, &connecting) == 0)
        hold(&f, connecting);

    struct reader r = {.data = data, .len = len};
    const uint8_t *op;
    while (!f.broken && take(&r, 1, &op)) {
        switch (op[0] & 7) {
        case 0:
            raw_segment(&f, op[0], &r);
            break;
        case 1:
            crafted_segment(&f, op[0], &r, false);
            break;
        case 4:
            crafted_segment(&f, op[0], &r, true);
            break;
        case 2: {
            const uint8_t *ms;
            if (take(&r, 2, &ms)) {
                f.now += (uint64_t)wire_get16(ms) * 1000000;
                (void)tcp_core_tick(&f.core);
            }
            break;
        }
        case 3:
            app_action(&f, op[0], &r);
            break;
        default:
            break;
        }
        check_invariants(&f);
    }
    /* The segments since the last tick were a burst: what they owe the application comes first (an accept it
     * must then close). Then the application lets go of everything; every connection must end by itself. */
    tcp_core_flush(&f.core);
    for (int i = 0; i < FUZZ_FLOWS; i++) {
        struct tcp_conn *conn = f.flows[i];
        f.flows[i] = NULL;
        if (conn != NULL)
            tcp_core_close(&f.core, conn);
    }
    for (int i = 0; i < 10000 && tcp_core_connections(&f.core) > 0 && !f.broken; i++) {
        uint64_t wait = tcp_core_tick(&f.core);
        f.now += wait == UINT64_MAX ? UINT64_C(1000000000) : wait + 1;
        check_invariants(&f);
    }
    if (tcp_core_connections(&f.core) > 0)
        fail(&f, "connections left after every flow was closed and every timer ran out");
    tcp_core_free(&f.core);
    return !f.broken;
}
