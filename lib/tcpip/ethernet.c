/* ethernet.c: Ethernet II framing over a network interface: dispatch by EtherType, one transmit frame buffer. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/ethernet.h"
#include "devices/netif.h"
#include "lib/tcpip/wire.h"

enum {
    ETHERNET_MTU_MAX = 1500,
    ETHERNET_MTU_MIN = 68,     /* what IPv4 requires of a link (RFC 791) */
    ETHERNET_PAYLOAD_MIN = 46, /* shorter payloads are padded to the 60-byte minimum frame */
    ETHERNET_LISTENERS_MAX = 4,
    /* Frames start 2 bytes into their buffer so the headers after the Ethernet one are 4-byte aligned. */
    ETHERNET_FRAME_OFFSET = 2,
};

static const uint8_t broadcast_address[ETHERNET_ADDRESS_SIZE] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* A slot is taken only while `in_use`: a frame's EtherType, whatever it is, never matches a free slot. */
struct ethernet_listener {
    bool in_use;
    uint16_t ethertype;
    ethernet_handler handler;
    void *context;
};

struct ethernet_state {
    struct netif *netif;
    struct ethernet_listener listeners[ETHERNET_LISTENERS_MAX];
    /* The one transmit frame, at ETHERNET_FRAME_OFFSET: room for the MTU, or for the netif's largest segment once
     * transmit offload is on. */
    uint8_t *tx;
};

static int ethernet_listen_impl(struct ethernet *self, uint16_t ethertype, ethernet_handler handler, void *context)
{
    struct ethernet_state *state = self->state;
    struct ethernet_listener *free_slot = NULL;
    if (ethertype == 0 || handler == NULL)
        return ETHERNET_ERROR_FULL;
    for (size_t i = 0; i < ETHERNET_LISTENERS_MAX; i++) {
        if (state->listeners[i].in_use && state->listeners[i].ethertype == ethertype)
            return ETHERNET_ERROR_FULL;
        if (!state->listeners[i].in_use && free_slot == NULL)
            free_slot = &state->listeners[i];
    }
    if (free_slot == NULL)
        return ETHERNET_ERROR_FULL;
    free_slot->handler = handler;
    free_slot->context = context;
    free_slot->ethertype = ethertype;
    free_slot->in_use = true;
    return 0;
}

static void ethernet_input_impl(struct ethernet *self, const uint8_t *frame, size_t len, uint32_t rx_flags)
{
    struct ethernet_state *state = self->state;
    self->counters.received++;
    if (len < ETHERNET_HEADER_SIZE) {
        self->counters.malformed++;
        return;
    }
    if (memcmp(frame, self->mac, ETHERNET_ADDRESS_SIZE) != 0 &&
        memcmp(frame, broadcast_address, ETHERNET_ADDRESS_SIZE) != 0) {
        self->counters.not_for_us++;
        return;
    }
    uint16_t ethertype = wire_get16(frame + 12);
    for (size_t i = 0; i < ETHERNET_LISTENERS_MAX; i++) {
        const struct ethernet_listener *listener = &state->listeners[i];
        if (listener->in_use && listener->ethertype == ethertype) {
            self->counters.delivered++;
            listener->handler(listener->context, frame + ETHERNET_ADDRESS_SIZE, frame + ETHERNET_HEADER_SIZE,
                              len - ETHERNET_HEADER_SIZE, rx_flags);
            return;
        }
    }
    self->counters.no_listener++;
}

static uint8_t *ethernet_tx_payload_impl(struct ethernet *self, size_t *capacity)
{
    struct ethernet_state *state = self->state;
    *capacity = self->mtu;
    return state->tx + ETHERNET_FRAME_OFFSET + ETHERNET_HEADER_SIZE;
}

/* The header in front of the transmit payload; returns the frame. */
static uint8_t *frame_header(struct ethernet *self, const uint8_t destination[ETHERNET_ADDRESS_SIZE],
                             uint16_t ethertype)
{
    struct ethernet_state *state = self->state;
    uint8_t *frame = state->tx + ETHERNET_FRAME_OFFSET;
    memcpy(frame, destination, ETHERNET_ADDRESS_SIZE);
    memcpy(frame + ETHERNET_ADDRESS_SIZE, self->mac, ETHERNET_ADDRESS_SIZE);
    wire_put16(frame + 12, ethertype);
    return frame;
}

static int ethernet_write_impl(struct ethernet *self, const uint8_t destination[ETHERNET_ADDRESS_SIZE],
                               uint16_t ethertype, size_t len)
{
    struct ethernet_state *state = self->state;
    uint8_t *frame = state->tx + ETHERNET_FRAME_OFFSET;
    if (len > self->mtu)
        return ETHERNET_ERROR_TOO_BIG;
    if (len < ETHERNET_PAYLOAD_MIN) {
        memset(frame + ETHERNET_HEADER_SIZE + len, 0, ETHERNET_PAYLOAD_MIN - len);
        len = ETHERNET_PAYLOAD_MIN;
    }
    (void)frame_header(self, destination, ethertype);
    if (netif_write(state->netif, frame, ETHERNET_HEADER_SIZE + len) != 0) {
        self->counters.send_errors++;
        return ETHERNET_ERROR_SEND;
    }
    self->counters.sent++;
    return 0;
}

static int ethernet_transmit_offload_impl(struct ethernet *self)
{
    struct ethernet_state *state = self->state;
    uint32_t frame_max = 0;
    if (self->segment_max != 0)
        return 0;
    if (netif_transmit_offload(state->netif, &frame_max) != 0)
        return ETHERNET_ERROR_SEND;
    /* A netif that offers less than a frame of the MTU, or more than an IPv4 datagram can fill, is not believed. */
    if (frame_max < ETHERNET_HEADER_SIZE + self->mtu || frame_max > NETIF_OFFLOAD_FRAME_MAX)
        return ETHERNET_ERROR_SEND;
    uint8_t *tx = malloc(ETHERNET_FRAME_OFFSET + (size_t)frame_max);
    if (tx == NULL)
        return ETHERNET_ERROR_SEND;
    /* Nothing is being built now (the stack asks when it connects), so the old frame's content is not kept. */
    free(state->tx);
    state->tx = tx;
    self->segment_max = frame_max - ETHERNET_HEADER_SIZE;
    return 0;
}

static int ethernet_write_segment_impl(struct ethernet *self, const uint8_t destination[ETHERNET_ADDRESS_SIZE],
                                       uint16_t ethertype, size_t len, uint32_t segment_size)
{
    struct ethernet_state *state = self->state;
    if (len > self->segment_max) /* 0 without offload: every segment is too big */
        return ETHERNET_ERROR_TOO_BIG;
    uint8_t *frame = frame_header(self, destination, ethertype);
    if (netif_write_segment(state->netif, frame, ETHERNET_HEADER_SIZE + len, segment_size) != 0) {
        self->counters.send_errors++;
        return ETHERNET_ERROR_SEND;
    }
    self->counters.sent++;
    return 0;
}

static const struct ethernet_ops ops = {
    .listen = ethernet_listen_impl,
    .input = ethernet_input_impl,
    .tx_payload = ethernet_tx_payload_impl,
    .write = ethernet_write_impl,
    .transmit_offload = ethernet_transmit_offload_impl,
    .write_segment = ethernet_write_segment_impl,
};

int ethernet_connect(struct ethernet *self, struct netif *netif)
{
    if (netif->mtu < ETHERNET_MTU_MIN)
        return -1;
    /* One state per instance, allocated when it connects: as many as the composition has. */
    struct ethernet_state *state = calloc(1, sizeof(*state));
    if (state == NULL)
        return -1;
    state->netif = netif;
    state->tx = malloc(ETHERNET_FRAME_OFFSET + ETHERNET_HEADER_SIZE + ETHERNET_MTU_MAX);
    if (state->tx == NULL) {
        free(state);
        return -1;
    }
    memset(self, 0, sizeof(*self));
    self->ops = &ops;
    self->state = state;
    memcpy(self->mac, netif->mac, ETHERNET_ADDRESS_SIZE);
    self->mtu = netif->mtu < ETHERNET_MTU_MAX ? netif->mtu : ETHERNET_MTU_MAX;
    return 0;
}
