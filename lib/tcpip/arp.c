/* arp.c: ARP for IPv4 over Ethernet (RFC 826): a bounded cache with timeouts, answers for our address, requests for
 * unknown next hops, and a bounded queue of packets waiting on them. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/arp.h"
#include "devices/ethernet.h"
#include "devices/mclock.h"
#include "lib/tcpip/wire.h"

#define NS_PER_SECOND UINT64_C(1000000000)
/* A learnt address is used for this long; in its last minute a use also sends a request to refresh it. */
#define ARP_ENTRY_LIFETIME_NS (300 * NS_PER_SECOND)
#define ARP_ENTRY_REFRESH_NS (240 * NS_PER_SECOND)
#define ARP_RETRY_INTERVAL_NS (1 * NS_PER_SECOND)

enum {
    ARP_PACKET_SIZE = 28,
    ARP_HARDWARE_ETHERNET = 1,
    ARP_OPERATION_REQUEST = 1,
    ARP_OPERATION_REPLY = 2,
    ARP_CACHE_SIZE = 64,
    ARP_QUEUE_SIZE = 16,
    ARP_REQUESTS_MAX = 3, /* unanswered requests before the queued packets are dropped */
    ARP_PACKET_MAX = 1500,
};

enum arp_entry_state { ENTRY_FREE, ENTRY_PENDING, ENTRY_RESOLVED };

struct arp_entry {
    uint32_t address;
    uint8_t mac[ETHERNET_ADDRESS_SIZE];
    uint8_t state;
    uint8_t requests_sent; /* pending: requests so far */
    uint64_t updated_ns;   /* resolved: when learnt or confirmed; pending: when the last request went out */
    uint64_t refreshed_ns; /* resolved: when the last refresh request went out */
};

/* A slot holds a packet only while `in_use`, so no next hop (0.0.0.0 included) ever matches a free slot. */
struct arp_queued_packet {
    bool in_use;
    uint32_t next_hop;
    uint16_t ethertype;
    uint16_t len;
    uint8_t data[ARP_PACKET_MAX];
};

struct arp_state {
    struct arp *self;
    struct ethernet *ethernet;
    struct mclock *clock;
    uint64_t now_ns; /* the clock at the last tick or slow-path event; hot-path lookups use it */
    size_t last_hit; /* the entry the last output used, tried first */
    size_t pending_count;
    size_t queued_count;
    struct arp_entry cache[ARP_CACHE_SIZE];
    struct arp_queued_packet queue[ARP_QUEUE_SIZE];
};

static uint64_t refresh_now(struct arp_state *state)
{
    state->now_ns = mclock_elapsed_ns(state->clock);
    return state->now_ns;
}

static uint64_t age_of(const struct arp_state *state, uint64_t since_ns)
{
    return state->now_ns > since_ns ? state->now_ns - since_ns : 0;
}

static struct arp_entry *find_entry(struct arp_state *state, uint32_t address)
{
    struct arp_entry *hit = &state->cache[state->last_hit];
    if (hit->state != ENTRY_FREE && hit->address == address)
        return hit;
    for (size_t i = 0; i < ARP_CACHE_SIZE; i++) {
        if (state->cache[i].state != ENTRY_FREE && state->cache[i].address == address) {
            state->last_hit = i;
            return &state->cache[i];
        }
    }
    return NULL;
}

static void drop_queued_for(struct arp_state *state, uint32_t address)
{
    for (size_t i = 0; i < ARP_QUEUE_SIZE && state->queued_count > 0; i++) {
        if (state->queue[i].in_use && state->queue[i].next_hop == address) {
            state->queue[i].in_use = false;
            state->queued_count--;
            state->self->counters.queue_drops++;
        }
    }
}

static void free_entry(struct arp_state *state, struct arp_entry *entry)
{
    if (entry->state == ENTRY_PENDING) {
        state->pending_count--;
        drop_queued_for(state, entry->address);
    }
    entry->state = ENTRY_FREE;
}

/* A free entry, else the one learnt longest ago, else the oldest pending one (its packets are dropped). */
static struct arp_entry *allocate_entry(struct arp_state *state, uint32_t address)
{
    struct arp_entry *victim = NULL;
    for (size_t i = 0; i < ARP_CACHE_SIZE; i++) {
        struct arp_entry *entry = &state->cache[i];
        if (entry->state == ENTRY_FREE) {
            victim = entry;
            break;
        }
        if (victim == NULL || (entry->state == ENTRY_RESOLVED && victim->state == ENTRY_PENDING) ||
            (entry->state == victim->state && entry->updated_ns < victim->updated_ns))
            victim = entry;
    }
    if (victim->state != ENTRY_FREE) {
        if (victim->state == ENTRY_RESOLVED && age_of(state, victim->updated_ns) < ARP_ENTRY_LIFETIME_NS)
            state->self->counters.evictions++;
        free_entry(state, victim);
    }
    memset(victim, 0, sizeof(*victim));
    victim->address = address;
    return victim;
}

/* Build an ARP packet in the Ethernet transmit payload and send it to `destination_mac`. */
static int send_arp(struct arp_state *state, uint16_t operation, const uint8_t destination_mac[ETHERNET_ADDRESS_SIZE],
                    const uint8_t target_mac[ETHERNET_ADDRESS_SIZE], uint32_t target_address)
{
    size_t capacity;
    uint8_t *packet = ethernet_tx_payload(state->ethernet, &capacity);
    wire_put16(packet, ARP_HARDWARE_ETHERNET);
    wire_put16(packet + 2, ETHERTYPE_IPV4);
    packet[4] = ETHERNET_ADDRESS_SIZE;
    packet[5] = 4;
    wire_put16(packet + 6, operation);
    memcpy(packet + 8, state->ethernet->mac, ETHERNET_ADDRESS_SIZE);
    wire_put32(packet + 14, state->self->address);
    memcpy(packet + 18, target_mac, ETHERNET_ADDRESS_SIZE);
    wire_put32(packet + 24, target_address);
    return ethernet_write(state->ethernet, destination_mac, ETHERTYPE_ARP, ARP_PACKET_SIZE) == 0 ? 0 : ARP_ERROR_SEND;
}

static int send_request(struct arp_state *state, uint32_t target_address)
{
    static const uint8_t broadcast[ETHERNET_ADDRESS_SIZE] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t unknown[ETHERNET_ADDRESS_SIZE] = {0};
    state->self->counters.requests_sent++;
    return send_arp(state, ARP_OPERATION_REQUEST, broadcast, unknown, target_address);
}

/* Send the packets that waited for `entry`, in the order they came. */
static void flush_queued_for(struct arp_state *state, const struct arp_entry *entry)
{
    for (size_t i = 0; i < ARP_QUEUE_SIZE && state->queued_count > 0; i++) {
        struct arp_queued_packet *queued = &state->queue[i];
        if (!queued->in_use || queued->next_hop != entry->address)
            continue;
        size_t capacity;
        uint8_t *payload = ethernet_tx_payload(state->ethernet, &capacity);
        if (queued->len <= capacity) {
            memcpy(payload, queued->data, queued->len);
            ethernet_write(state->ethernet, entry->mac, queued->ethertype, queued->len);
        }
        queued->in_use = false;
        state->queued_count--;
    }
}

static void learn(struct arp_state *state, struct arp_entry *entry, const uint8_t mac[ETHERNET_ADDRESS_SIZE])
{
    int was_pending = entry->state == ENTRY_PENDING;
    memcpy(entry->mac, mac, ETHERNET_ADDRESS_SIZE);
    entry->state = ENTRY_RESOLVED;
    entry->updated_ns = state->now_ns;
    entry->refreshed_ns = state->now_ns;
    if (was_pending) {
        state->pending_count--;
        flush_queued_for(state, entry);
    }
}

/* RFC 826's reception algorithm: update a known sender; if the target is us, add the sender and answer a request. */
static void arp_receive(void *context, const uint8_t source[ETHERNET_ADDRESS_SIZE], const uint8_t *packet, size_t len,
                        uint32_t rx_flags)
{
    struct arp_state *state = context;
    struct arp *self = state->self;
    (void)source;
    (void)rx_flags;
    if (len < ARP_PACKET_SIZE || wire_get16(packet) != ARP_HARDWARE_ETHERNET ||
        wire_get16(packet + 2) != ETHERTYPE_IPV4 || packet[4] != ETHERNET_ADDRESS_SIZE || packet[5] != 4) {
        self->counters.malformed++;
        return;
    }
    uint16_t operation = wire_get16(packet + 6);
    const uint8_t *sender_mac = packet + 8;
    uint32_t sender_address = wire_get32(packet + 14);
    uint32_t target_address = wire_get32(packet + 24);
    /* A group (multicast or broadcast) or all-zero sender address is never a host's: answering a group address
     * would turn one request into a reply to every host on the segment. */
    static const uint8_t zero_mac[ETHERNET_ADDRESS_SIZE] = {0};
    if ((operation != ARP_OPERATION_REQUEST && operation != ARP_OPERATION_REPLY) || (sender_mac[0] & 1) != 0 ||
        memcmp(sender_mac, zero_mac, ETHERNET_ADDRESS_SIZE) == 0) {
        self->counters.malformed++;
        return;
    }
    if (operation == ARP_OPERATION_REQUEST)
        self->counters.requests_received++;
    else
        self->counters.replies_received++;
    refresh_now(state);

    /* Probes (sender 0.0.0.0) and claims on our own address teach nothing. */
    int sender_usable =
        sender_address != 0 && sender_address != UINT32_C(0xffffffff) && sender_address != self->address;
    int for_us = self->address != 0 && target_address == self->address;
    int merged = 0;
    if (sender_usable) {
        struct arp_entry *entry = find_entry(state, sender_address);
        if (entry != NULL) {
            learn(state, entry, sender_mac);
            merged = 1;
        }
    }
    if (!for_us)
        return;
    if (sender_usable && !merged)
        learn(state, allocate_entry(state, sender_address), sender_mac);
    if (operation == ARP_OPERATION_REQUEST && sender_address != self->address &&
        send_arp(state, ARP_OPERATION_REPLY, sender_mac, sender_mac, sender_address) == 0)
        self->counters.replies_sent++;
}

static int arp_set_address_impl(struct arp *self, uint32_t address)
{
    struct arp_state *state = self->state;
    static const uint8_t broadcast[ETHERNET_ADDRESS_SIZE] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t unknown[ETHERNET_ADDRESS_SIZE] = {0};
    self->address = address;
    if (address == 0)
        return 0;
    /* Gratuitous ARP (RFC 5227 section 3): a request whose sender and target are both our address. */
    return send_arp(state, ARP_OPERATION_REQUEST, broadcast, unknown, address);
}

/* The entry for `next_hop` if it is resolved and still valid, else NULL. */
static struct arp_entry *resolved(struct arp_state *state, uint32_t next_hop)
{
    struct arp_entry *entry = find_entry(state, next_hop);
    if (entry != NULL && entry->state == ENTRY_RESOLVED && age_of(state, entry->updated_ns) < ARP_ENTRY_LIFETIME_NS)
        return entry;
    return NULL;
}

/* After a packet went to a resolved entry: near the end of its life, a used entry is confirmed by a request, at
 * most once per retry interval. */
static void refresh_used(struct arp_state *state, struct arp_entry *entry)
{
    if (age_of(state, entry->updated_ns) >= ARP_ENTRY_REFRESH_NS &&
        age_of(state, entry->refreshed_ns) >= ARP_RETRY_INTERVAL_NS) {
        entry->refreshed_ns = state->now_ns;
        send_request(state, entry->address);
    }
}

static int arp_output_impl(struct arp *self, uint32_t next_hop, uint16_t ethertype, size_t len)
{
    struct arp_state *state = self->state;
    if (len > state->ethernet->mtu || len > ARP_PACKET_MAX)
        return ARP_ERROR_TOO_BIG;
    struct arp_entry *entry = resolved(state, next_hop);
    if (entry != NULL) {
        if (ethernet_write(state->ethernet, entry->mac, ethertype, len) != 0)
            return ARP_ERROR_SEND;
        refresh_used(state, entry);
        return 0;
    }
    entry = find_entry(state, next_hop);

    /* The slow path: hold a copy of the packet (the transmit buffer is needed for the request) and ask. */
    refresh_now(state);
    struct arp_queued_packet *slot = NULL;
    for (size_t i = 0; i < ARP_QUEUE_SIZE; i++) {
        if (!state->queue[i].in_use) {
            slot = &state->queue[i];
            break;
        }
    }
    if (slot != NULL) {
        size_t capacity;
        memcpy(slot->data, ethernet_tx_payload(state->ethernet, &capacity), len);
        slot->in_use = true;
        slot->next_hop = next_hop;
        slot->ethertype = ethertype;
        slot->len = (uint16_t)len;
        state->queued_count++;
        self->counters.queued++;
    } else {
        self->counters.queue_drops++;
    }
    if (entry == NULL || entry->state == ENTRY_RESOLVED) {
        if (entry == NULL)
            entry = allocate_entry(state, next_hop);
        entry->state = ENTRY_PENDING;
        entry->requests_sent = 0;
        state->pending_count++;
    }
    if (entry->requests_sent == 0) {
        entry->requests_sent = 1;
        entry->updated_ns = state->now_ns;
        send_request(state, next_hop);
    }
    return slot != NULL ? ARP_PENDING : ARP_ERROR_QUEUE_FULL;
}

/* A segment is never queued: a 64 KiB copy per packet would make the queue 64 times its size for what is, on a
 * connection that already talks, a rare moment (an entry that expired). The caller sends within the MTU instead. */
static int arp_output_segment_impl(struct arp *self, uint32_t next_hop, size_t len, uint32_t segment_size)
{
    struct arp_state *state = self->state;
    struct arp_entry *entry = resolved(state, next_hop);
    if (entry == NULL || len > state->ethernet->segment_max)
        return ARP_ERROR_TOO_BIG;
    int rc = ethernet_write_segment(state->ethernet, entry->mac, ETHERTYPE_IPV4, len, segment_size);
    if (rc != 0)
        return rc == ETHERNET_ERROR_TOO_BIG ? ARP_ERROR_TOO_BIG : ARP_ERROR_SEND;
    refresh_used(state, entry);
    return 0;
}

static uint64_t arp_tick_impl(struct arp *self)
{
    struct arp_state *state = self->state;
    refresh_now(state);
    if (state->pending_count == 0)
        return UINT64_MAX;
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < ARP_CACHE_SIZE; i++) {
        struct arp_entry *entry = &state->cache[i];
        if (entry->state != ENTRY_PENDING)
            continue;
        uint64_t age = age_of(state, entry->updated_ns);
        if (age >= ARP_RETRY_INTERVAL_NS) {
            if (entry->requests_sent >= ARP_REQUESTS_MAX) {
                free_entry(state, entry);
                continue;
            }
            entry->requests_sent++;
            entry->updated_ns = state->now_ns;
            send_request(state, entry->address);
            age = 0;
        }
        if (ARP_RETRY_INTERVAL_NS - age < next)
            next = ARP_RETRY_INTERVAL_NS - age;
    }
    return next;
}

static const struct arp_ops ops = {
    .set_address = arp_set_address_impl,
    .output = arp_output_impl,
    .output_segment = arp_output_segment_impl,
    .tick = arp_tick_impl,
};

int arp_connect(struct arp *self, struct ethernet *ethernet, struct mclock *clock)
{
    /* One state per instance, allocated when it connects: as many as the composition has. */
    struct arp_state *state = calloc(1, sizeof(*state));
    if (state == NULL)
        return -1;
    memset(self, 0, sizeof(*self));
    state->self = self;
    state->ethernet = ethernet;
    state->clock = clock;
    self->ops = &ops;
    self->state = state;
    refresh_now(state);
    return ethernet_listen(ethernet, ETHERTYPE_ARP, arp_receive, state);
}
