/* stack.c: the direct stack (devices/stack.h) over the lib/tcpip layers: UDP and TCP for applications, and the
 * event loop that reads frames from the network interface and runs ARP's and TCP's timers. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/arp.h"
#include "devices/ethernet.h"
#include "devices/icmp.h"
#include "devices/ipv4.h"
#include "devices/mclock.h"
#include "devices/netif.h"
#include "devices/stack.h"
#include "devices/tcp.h"
#include "devices/udp.h"

#define STACK_TIMER_PERIOD_NS UINT64_C(1000000000) /* the longest the loop goes without running the timers */

enum {
    STACK_LISTENERS_MAX = 16,
    STACK_READ_BURST = 64,     /* frames read before the clock is looked at again */
    STACK_FRAME_OFFSET = 2,    /* so the IPv4 header lands 4-byte aligned */
    STACK_ERROR_INVALID = -10, /* udp_listen: port 0 or no handler */
    STACK_ERROR_FULL = -11,    /* udp_listen: the port is taken or the table is full */
    STACK_ERROR_TOO_BIG = -12, /* udp_send: the payload does not fit one datagram */
    STACK_ERROR_SEND = -13,    /* udp_send: the datagram could not go out (no route, ARP queue full, link) */
};

/* A slot is taken only while `in_use`; UDP hands datagrams to a slot only after it was registered there. */
struct stack_listener {
    bool in_use;
    struct stack *stack;
    uint16_t port;
    stack_udp_handler handler;
    void *context;
};

struct stack_state {
    struct netif *netif;
    struct ethernet *ethernet;
    struct arp *arp;
    struct udp *udp;
    struct tcp *tcp;
    struct mclock *clock;
    struct stack_listener listeners[STACK_LISTENERS_MAX];
    /* The receive buffer: the netif's largest frame (a merged segment's 64 KiB with receive offload), at
     * STACK_FRAME_OFFSET. */
    size_t rx_size;
    uint8_t *rx;
};

_Static_assert(IPV4_RX_CHECKSUM_TRUSTED == (NETIF_RX_CHECKSUM_VALID | NETIF_RX_CHECKSUM_PARTIAL),
               "IPv4's trusted receive flags are the netif's");

static void deliver(void *context, const struct udp_datagram *datagram)
{
    struct stack_listener *listener = context;
    struct stack_udp_peer from = {.address = datagram->source, .port = datagram->source_port};
    listener->handler(listener->context, listener->stack, datagram->destination_port, &from, datagram->payload,
                      datagram->len);
}

static int stack_udp_listen_impl(struct stack *self, uint16_t port, stack_udp_handler handler, void *context)
{
    struct stack_state *state = self->state;
    struct stack_listener *free_slot = NULL;
    if (port == 0 || handler == NULL)
        return STACK_ERROR_INVALID;
    for (size_t i = 0; i < STACK_LISTENERS_MAX; i++) {
        if (!state->listeners[i].in_use) {
            free_slot = &state->listeners[i];
            break;
        }
    }
    if (free_slot == NULL)
        return STACK_ERROR_FULL;
    free_slot->stack = self;
    free_slot->handler = handler;
    free_slot->context = context;
    if (udp_listen(state->udp, port, deliver, free_slot) != 0) {
        memset(free_slot, 0, sizeof(*free_slot));
        return STACK_ERROR_FULL;
    }
    free_slot->port = port;
    free_slot->in_use = true;
    return 0;
}

static int stack_udp_send_impl(struct stack *self, uint16_t local_port, const struct stack_udp_peer *to,
                               const uint8_t *payload, size_t len)
{
    struct stack_state *state = self->state;
    size_t capacity;
    uint8_t *buffer = udp_tx_payload(state->udp, &capacity);
    if (len > capacity)
        return STACK_ERROR_TOO_BIG;
    /* The one copy on the way out: the payload into the frame, behind the room for the headers. */
    memmove(buffer, payload, len);
    return udp_write(state->udp, local_port, to->address, to->port, len) == 0 ? 0 : STACK_ERROR_SEND;
}

static int stack_run_impl(struct stack *self, uint64_t timeout_ns)
{
    struct stack_state *state = self->state;
    uint8_t *frame = state->rx + STACK_FRAME_OFFSET;
    uint64_t now = mclock_elapsed_ns(state->clock);
    uint64_t deadline = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
    uint64_t timers_due = now;

    for (;;) {
        int drained = 0, received = 0;
        for (int i = 0; i < STACK_READ_BURST; i++) {
            size_t len = 0;
            uint32_t flags = 0;
            int rc = netif_read(state->netif, frame, state->rx_size, &len, &flags);
            if (rc == NETIF_AGAIN) {
                drained = 1;
                break;
            }
            if (rc < 0)
                return rc;
            if (len > state->rx_size) /* a netif that lies about the length must not make us read past */
                continue;
            ethernet_input(state->ethernet, frame, len, flags);
            received++;
        }
        now = mclock_elapsed_ns(state->clock);
        /* Either branch ticks TCP after frames came: that ends the burst, and TCP's tick flushes it (one readable
         * and at most one ACK per connection for all its segments). */
        if (now >= timers_due) {
            uint64_t next = arp_tick(state->arp);
            uint64_t tcp_next = tcp_tick(state->tcp);
            if (tcp_next < next)
                next = tcp_next;
            timers_due = now + (next < STACK_TIMER_PERIOD_NS ? next : STACK_TIMER_PERIOD_NS);
        } else if (received > 0) {
            /* The frames may have armed a nearer TCP timer (a delayed ACK, a first retransmission timeout). */
            uint64_t tcp_next = tcp_tick(state->tcp);
            if (tcp_next < timers_due - now)
                timers_due = now + tcp_next;
        }
        if (now >= deadline)
            return 0;
        if (!drained)
            continue;
        uint64_t wait = deadline - now;
        if (timers_due - now < wait)
            wait = timers_due - now;
        int rc = netif_wait(state->netif, wait);
        if (rc < 0)
            return rc;
    }
}

/* TCP for applications: the tcp layer's operations, which have the stack's semantics. */
static struct tcp *tcp_of(struct stack *self)
{
    return ((struct stack_state *)self->state)->tcp;
}

static int stack_tcp_listen_impl(struct stack *self, uint16_t port, stack_tcp_accept_handler handler, void *context)
{
    struct tcp *tcp = tcp_of(self);
    return tcp->ops->listen(tcp, port, handler, context);
}

static void stack_tcp_accept_impl(struct stack *self, struct stack_tcp_flow *flow,
                                  const struct stack_tcp_callbacks *callbacks, void *context)
{
    struct tcp *tcp = tcp_of(self);
    tcp->ops->accept(tcp, flow, callbacks, context);
}

static int stack_tcp_connect_impl(struct stack *self, const struct stack_tcp_peer *to,
                                  const struct stack_tcp_callbacks *callbacks, void *context,
                                  struct stack_tcp_flow **flow)
{
    struct tcp *tcp = tcp_of(self);
    return tcp->ops->connect(tcp, to, callbacks, context, flow);
}

static long stack_tcp_read_impl(struct stack *self, struct stack_tcp_flow *flow, uint8_t *buffer, size_t capacity)
{
    struct tcp *tcp = tcp_of(self);
    return tcp->ops->read(tcp, flow, buffer, capacity);
}

static long stack_tcp_write_impl(struct stack *self, struct stack_tcp_flow *flow, const uint8_t *data, size_t len)
{
    struct tcp *tcp = tcp_of(self);
    return tcp->ops->write(tcp, flow, data, len);
}

static int stack_tcp_shutdown_impl(struct stack *self, struct stack_tcp_flow *flow)
{
    struct tcp *tcp = tcp_of(self);
    return tcp->ops->shutdown(tcp, flow);
}

static void stack_tcp_close_impl(struct stack *self, struct stack_tcp_flow *flow)
{
    struct tcp *tcp = tcp_of(self);
    tcp->ops->close(tcp, flow);
}

static int stack_tcp_set_keepalive_impl(struct stack *self, struct stack_tcp_flow *flow, uint32_t idle_ms,
                                        uint32_t interval_ms, uint32_t count)
{
    struct tcp *tcp = tcp_of(self);
    return tcp->ops->set_keepalive(tcp, flow, idle_ms, interval_ms, count);
}

static const struct stack_ops ops = {
    .udp_listen = stack_udp_listen_impl,
    .udp_send = stack_udp_send_impl,
    .run = stack_run_impl,
    .tcp_listen = stack_tcp_listen_impl,
    .tcp_accept = stack_tcp_accept_impl,
    .tcp_connect = stack_tcp_connect_impl,
    .tcp_read = stack_tcp_read_impl,
    .tcp_write = stack_tcp_write_impl,
    .tcp_shutdown = stack_tcp_shutdown_impl,
    .tcp_close = stack_tcp_close_impl,
    .tcp_set_keepalive = stack_tcp_set_keepalive_impl,
};

/* `icmp` is a parameter so that ping is answered: connecting it registers it with IPv4. */
int direct_stack_connect(struct stack *self, struct netif *netif, struct ethernet *ethernet, struct arp *arp,
                         struct ipv4 *ipv4, struct icmp *icmp, struct udp *udp, struct tcp *tcp, struct mclock *clock)
{
    (void)icmp;
    /* The stack takes segments longer than the MTU (IPv4 and TCP accept what a datagram's length says), so it asks
     * for them whole: a 64 KiB segment costs the host and the netif one frame instead of 44. Where the netif cannot,
     * frames stay at most mtu + 14. */
    (void)netif_receive_offload(netif);
    /* And the other way: TCP hands the host a segment of up to 64 KiB to cut at the MSS, one write instead of 44
     * (the Ethernet layer asks the netif and grows its transmit frame). Where it cannot, segments stay at the MSS. */
    (void)ethernet_transmit_offload(ethernet);
    /* A netif written before rx_frame_max existed leaves it 0: its frames are at most mtu + 14. */
    size_t rx_frame_max = netif->rx_frame_max != 0 ? netif->rx_frame_max : (size_t)netif->mtu + ETHERNET_HEADER_SIZE;
    if (rx_frame_max < (size_t)netif->mtu + ETHERNET_HEADER_SIZE || rx_frame_max > NETIF_OFFLOAD_FRAME_MAX)
        return -1;
    /* One state per instance, allocated when it connects: as many as the composition has. */
    struct stack_state *state = calloc(1, sizeof(*state));
    if (state == NULL)
        return -1;
    state->rx_size = rx_frame_max;
    state->rx = malloc(STACK_FRAME_OFFSET + state->rx_size);
    if (state->rx == NULL) {
        free(state);
        return -1;
    }
    state->netif = netif;
    state->ethernet = ethernet;
    state->arp = arp;
    state->udp = udp;
    state->tcp = tcp;
    state->clock = clock;
    self->ops = &ops;
    self->state = state;
    tcp->ops->attach(tcp, self);
    self->ipv4_address = ipv4->address;
    return 0;
}
