/* tcp_sim.h: a simulated link between two TCP cores (or one core and a scripted peer) on a fake clock, for the
 * TCP tests and the fuzzer: segments travel with a latency and may be dropped or reordered by the test. */
#ifndef MIRAGE_TCPIP_TESTS_TCP_SIM_H
#define MIRAGE_TCPIP_TESTS_TCP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/stack.h"
#include "lib/tcpip/tcp_core.h"
#include "lib/tcpip/tcp_wire.h"

#define SIM_SEGMENT_MAX 1480  /* an IPv4 payload on a 1500-byte MTU */
#define SIM_OFFLOAD_MAX 65515 /* the longest IPv4 payload: a segment handed down for the link to cut */
#define SIM_QUEUE_MAX 1024
#define SIM_LOG_MAX 8192

struct sim;

struct sim_packet {
    uint32_t source, destination;
    uint64_t deliver_at;
    size_t len;
    uint8_t bytes[SIM_SEGMENT_MAX];
};

/* What a segment on the wire looked like, for the tests' assertions. */
struct sim_logged {
    uint64_t at;
    uint32_t source;
    bool dropped;
    struct tcp_segment segment; /* payload pointer not kept */
};

/* What the link saw of the segments an endpoint handed down whole (transmit offload). */
struct sim_offload_stats {
    uint64_t writes;       /* segments handed down, each one call */
    uint64_t pieces;       /* the segments the link cut them into */
    uint64_t refused;      /* handed down while `refuse` was set */
    uint64_t bad_checksum; /* pieces whose checksum, made from the field as a host makes it, was wrong */
    uint64_t sack_blocks;  /* that carried SACK blocks, which each piece would repeat */
    uint64_t resent;       /* that began below the highest sequence handed down before: bytes sent again */
    uint64_t uneven;       /* whose payload was no multiple of the segment size, yet not the last data */
    uint32_t largest;      /* the longest payload */
    uint32_t high_seq;     /* the end of the highest data handed down (valid once writes > 0) */
};

struct sim_endpoint {
    struct sim *sim;
    bool raw; /* a scripted peer: what is sent to it lands in the sim's inbox */
    uint32_t address;
    struct tcp_core core;
    struct stack stack;
    uint32_t offload_capacity; /* segments the endpoint may hand down whole: 0 for none (sim_offload turns it on) */
    bool refuse;               /* the link refuses whole segments (as an unresolved next hop does) */
    struct sim_offload_stats offload;
    uint8_t tx[SIM_OFFLOAD_MAX];
};

struct sim {
    uint64_t now;
    uint64_t latency_ns;
    struct sim_endpoint endpoints[2];
    struct sim_packet *queue; /* in flight */
    size_t queued;
    struct sim_packet *inbox; /* sent to a raw endpoint */
    size_t inbox_count;
    struct sim_logged *log;
    size_t logged;
    /* Return true to drop a segment (`index` counts every segment sent). */
    bool (*drop)(struct sim *sim, uint64_t index, const struct sim_packet *packet);
    bool reorder; /* deliver each pair of segments due together in reverse order */
    uint64_t sent_index;
    void *test_context;
};

/* Two endpoints 10.0.0.1 and 10.0.0.2; `raw_second` makes the second a scripted peer. Returns 0, or the core's
 * init error. */
int sim_init(struct sim *sim, const struct tcp_limits *limits, bool raw_second);
void sim_free(struct sim *sim);

/* Let endpoint `index` hand down segments of up to `capacity` bytes (at most SIM_OFFLOAD_MAX) for the link to
 * finish and cut as a host's TSO does: each piece is a segment of its own on the link, dropped or delivered. */
void sim_offload(struct sim *sim, int index, uint32_t capacity);

/* Advance the clock by `duration_ns`, delivering segments and running timers as they fall due. */
void sim_run(struct sim *sim, uint64_t duration_ns);

/* The scripted peer sends a segment to endpoint 0 now, as a burst of its own (endpoint 0 flushes after it). */
void sim_raw_send(struct sim *sim, const struct tcp_header_out *header, const uint8_t *payload, size_t len);

/* The same inside a longer burst: endpoint 0 flushes only when the test calls tcp_core_flush. */
void sim_raw_input(struct sim *sim, const struct tcp_header_out *header, const uint8_t *payload, size_t len);

/* Parse inbox entry `index` (a segment endpoint 0 sent to the scripted peer); false if it does not parse. */
bool sim_inbox_segment(const struct sim *sim, size_t index, struct tcp_segment *out);

#endif
