/* tcp.c: the TCP layer (devices/tcp.h) over IPv4: runs the I/O-free core (tcp_core.h) with IPv4's transmit buffer,
 * the monotonic clock and a key from the random device, sized by the `tcp-*` keys. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/ipv4.h"
#include "devices/mclock.h"
#include "devices/random.h"
#include "devices/tcp.h"
#include "lib/runtime/boot.h"
#include "lib/runtime/mirage.h"
#include "lib/tcpip/tcp_core.h"
#include "lib/tcpip/tcp_wire.h"

enum {
    TCP_CONNECT_BAD_KEY = -2, /* a tcp-* key is out of range */
    TCP_CONNECT_NO_MEMORY = -3,
    TCP_CONNECT_NO_RANDOM = -4,
    TCP_CONNECT_NO_LISTENER = -5, /* IPv4's protocol table is full */
    TCP_BUFFER_MAX = 1 << 24,     /* per connection and direction */
    TCP_CONNECTIONS_MAX = 1 << 16,
};

struct tcp_layer {
    struct tcp_core core;
    struct ipv4 *ipv4;
    struct mclock *clock;
};

static uint64_t layer_now(void *context)
{
    struct tcp_layer *layer = context;
    return mclock_elapsed_ns(layer->clock);
}

static uint8_t *layer_tx_buffer(void *context, size_t *capacity)
{
    struct tcp_layer *layer = context;
    return ipv4_tx_payload(layer->ipv4, capacity);
}

static int layer_transmit(void *context, uint32_t destination, size_t len)
{
    struct tcp_layer *layer = context;
    int rc = ipv4_write(layer->ipv4, destination, TCP_PROTOCOL, len);
    if (rc == 0)
        return 0;
    return rc == IPV4_ERROR_NO_ROUTE ? STACK_TCP_UNREACHABLE : STACK_TCP_NO_ROOM;
}

static uint8_t *layer_tx_segment_buffer(void *context, size_t *capacity)
{
    struct tcp_layer *layer = context;
    return ipv4_tx_segment_payload(layer->ipv4, capacity);
}

static int layer_transmit_segment(void *context, uint32_t destination, size_t len, uint32_t segment_size)
{
    struct tcp_layer *layer = context;
    int rc = ipv4_write_segment(layer->ipv4, destination, len, segment_size);
    if (rc == 0)
        return 0;
    if (rc == IPV4_ERROR_TOO_BIG)
        return TCP_SEGMENT_REFUSED;
    return rc == IPV4_ERROR_NO_ROUTE ? STACK_TCP_UNREACHABLE : STACK_TCP_NO_ROOM;
}

static void layer_receive(void *context, uint32_t source, uint32_t destination, const uint8_t *segment, size_t len,
                          uint32_t rx_flags)
{
    struct tcp_layer *layer = context;
    tcp_core_input_offloaded(&layer->core, source, destination, segment, len,
                             (rx_flags & IPV4_RX_CHECKSUM_TRUSTED) != 0);
}

static struct tcp_core *core_of(struct tcp *self)
{
    return &((struct tcp_layer *)self->state)->core;
}

static void attach_impl(struct tcp *self, struct stack *stack)
{
    core_of(self)->env.stack = stack;
}

static int listen_impl(struct tcp *self, uint16_t port, stack_tcp_accept_handler handler, void *context)
{
    return tcp_core_listen(core_of(self), port, handler, context);
}

static void accept_impl(struct tcp *self, struct stack_tcp_flow *flow, const struct stack_tcp_callbacks *callbacks,
                        void *context)
{
    tcp_core_accept(core_of(self), (struct tcp_conn *)flow, callbacks, context);
}

static int connect_impl(struct tcp *self, const struct stack_tcp_peer *to, const struct stack_tcp_callbacks *callbacks,
                        void *context, struct stack_tcp_flow **flow)
{
    struct tcp_conn *conn = NULL;
    int rc = tcp_core_connect(core_of(self), to, callbacks, context, &conn);
    if (rc == 0 && flow != NULL)
        *flow = (struct stack_tcp_flow *)conn;
    return rc;
}

static long read_impl(struct tcp *self, struct stack_tcp_flow *flow, uint8_t *buffer, size_t capacity)
{
    return tcp_core_read(core_of(self), (struct tcp_conn *)flow, buffer, capacity);
}

static long write_impl(struct tcp *self, struct stack_tcp_flow *flow, const uint8_t *data, size_t len)
{
    return tcp_core_write(core_of(self), (struct tcp_conn *)flow, data, len);
}

static int shutdown_impl(struct tcp *self, struct stack_tcp_flow *flow)
{
    return tcp_core_shutdown(core_of(self), (struct tcp_conn *)flow);
}

static void close_impl(struct tcp *self, struct stack_tcp_flow *flow)
{
    tcp_core_close(core_of(self), (struct tcp_conn *)flow);
}

static int set_keepalive_impl(struct tcp *self, struct stack_tcp_flow *flow, uint32_t idle_ms, uint32_t interval_ms,
                              uint32_t count)
{
    return tcp_core_set_keepalive(core_of(self), (struct tcp_conn *)flow, idle_ms, interval_ms, count);
}

static uint64_t tick_impl(struct tcp *self)
{
    return tcp_core_tick(core_of(self));
}

static uint32_t connections_impl(struct tcp *self)
{
    return tcp_core_connections(core_of(self));
}

static const struct tcp_ops ops = {
    .attach = attach_impl,
    .listen = listen_impl,
    .accept = accept_impl,
    .connect = connect_impl,
    .read = read_impl,
    .write = write_impl,
    .shutdown = shutdown_impl,
    .close = close_impl,
    .set_keepalive = set_keepalive_impl,
    .tick = tick_impl,
    .connections = connections_impl,
};

/* An ICMP error about one of our segments: the core checks it against the connection it quotes. */
static void layer_icmp_error(void *context, const struct ipv4_icmp_error *error)
{
    struct tcp_layer *layer = context;
    struct tcp_icmp_error tcp_error = {
        .type = error->type,
        .code = error->code,
        .next_hop_mtu = error->next_hop_mtu,
        .quoted_source = error->quoted_source,
        .quoted_destination = error->quoted_destination,
        .quoted = error->quoted,
        .quoted_len = error->quoted_len,
    };
    tcp_core_icmp_error(&layer->core, &tcp_error);
}

/* A key's value when it lies in [low, high]; else -1, after a line that names the key and its range. */
static int64_t key_in_range(const char *name, int64_t low, int64_t high, const char *range)
{
    int64_t value = mirage_key_int(name);
    if (value >= low && value <= high)
        return value;
    mirage_log("tcp: --", name, " is out of range: give ", range);
    return -1;
}

int tcp_layer_connect(struct tcp *self, struct ipv4 *ipv4, struct mclock *clock, struct random *random)
{
    struct tcp_limits limits;
    tcp_limits_default(&limits);
    int64_t connections = key_in_range("tcp-connections-max", 1, TCP_CONNECTIONS_MAX, "1 to 65536");
    int64_t backlog = key_in_range("tcp-syn-backlog", 0, TCP_CONNECTIONS_MAX, "0 to 65536");
    int64_t send_buffer = key_in_range("tcp-send-buffer", 1, TCP_BUFFER_MAX, "1 to 16777216 bytes");
    int64_t receive_buffer = key_in_range("tcp-receive-buffer", 1, TCP_BUFFER_MAX, "1 to 16777216 bytes");
    if (connections < 0 || backlog < 0 || send_buffer < 0 || receive_buffer < 0)
        return TCP_CONNECT_BAD_KEY;
    /* Half-open connections are connections: a backlog beyond the table (the default 16 with a table of 8) is the
     * table. */
    if (backlog > connections)
        backlog = connections;
    limits.connections_max = (uint32_t)connections;
    limits.syn_backlog = (uint32_t)backlog;
    limits.send_buffer = (uint32_t)send_buffer;
    limits.receive_buffer = (uint32_t)receive_buffer;
    size_t capacity = 0;
    (void)ipv4_tx_payload(ipv4, &capacity);
    if (capacity < TCP_HEADER_MAX + 64)
        return TCP_CONNECT_BAD_KEY;
    limits.mss = (uint16_t)(capacity - TCP_HEADER_SIZE > UINT16_MAX ? UINT16_MAX : capacity - TCP_HEADER_SIZE);

    uint8_t key[TCP_ISN_KEY_SIZE];
    if (random_fill(random, key, sizeof(key)) != 0)
        return TCP_CONNECT_NO_RANDOM;
    /* One state per instance, allocated when it connects; the core allocates its tables once, here. */
    struct tcp_layer *layer = calloc(1, sizeof(*layer));
    if (layer == NULL)
        return TCP_CONNECT_NO_MEMORY;
    layer->ipv4 = ipv4;
    layer->clock = clock;
    struct tcp_env env = {
        .context = layer,
        .now_ns = layer_now,
        .tx_buffer = layer_tx_buffer,
        .transmit = layer_transmit,
        .tx_segment_buffer = layer_tx_segment_buffer,
        .transmit_segment = layer_transmit_segment,
    };
    if (tcp_core_init(&layer->core, &limits, &env, key, ipv4->address) != 0) {
        free(layer);
        return TCP_CONNECT_NO_MEMORY;
    }
    memset(key, 0, sizeof(key));
    memset(self, 0, sizeof(*self));
    self->ops = &ops;
    self->state = layer;
    self->counters = &layer->core.counters;
    if (ipv4_listen(ipv4, TCP_PROTOCOL, layer_receive, layer) != 0 ||
        ipv4_listen_errors(ipv4, TCP_PROTOCOL, layer_icmp_error, layer) != 0)
        return TCP_CONNECT_NO_LISTENER;
    return 0;
}
