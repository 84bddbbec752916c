/* stack_harness.h: the lib/tcpip layers composed as in a unikernel (TCP included, with an echo listener on port 7),
 * over a fake network interface that replays frames and records what is sent and a fake clock that the event loop
 * advances; for the fuzzer (build-support/fuzz/stack_fuzz_target.c) and the corpus replay (stack_replay.c).
 *
 * An input is a sequence of records, each `[control: u8][length: u16 big-endian][frame: length bytes]`; a record
 * whose length runs past the end of the input takes what is left. The control byte's low 7 bits are the delay (x 10
 * ms) after the frame before; its high bit asks the harness to fill in the frame's IPv4 header checksum and its UDP,
 * TCP or ICMP checksum first, so mutated packets get past the checksums to the code behind them, and to hand the frame
 * up flagged NETIF_RX_CHECKSUM_VALID, as a host with receive offload would. The fake network interface offers
 * receive offload, so the stack reads frames up to HARNESS_RX_FRAME_MAX bytes, and transmit offload: a segment the
 * stack hands down whole is cut into frames as a host would, and each is logged and checked as a frame. After the last
 * frame the stack runs 5 more seconds of fake time so ARP's retries and timeouts fire. */
#ifndef MIRAGE_TCPIP_TESTS_STACK_HARNESS_H
#define MIRAGE_TCPIP_TESTS_STACK_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "devices/arp.h"
#include "devices/ethernet.h"
#include "devices/icmp.h"
#include "devices/ipv4.h"
#include "devices/mclock.h"
#include "devices/netif.h"
#include "devices/random.h"
#include "devices/stack.h"
#include "devices/tcp.h"
#include "devices/udp.h"

#define HARNESS_GUEST_MAC                                                                                              \
    {                                                                                                                  \
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02                                                                             \
    }
#define HARNESS_GUEST_ADDRESS UINT32_C(0x0a000002)   /* 10.0.0.2/24 */
#define HARNESS_GATEWAY_ADDRESS UINT32_C(0x0a000001) /* 10.0.0.1 */
#define HARNESS_FIX_CHECKSUMS 0x80                   /* in a record's control byte */
#define HARNESS_PROTOCOL_TCP 6

enum {
    HARNESS_MTU = 1500,
    HARNESS_FRAME_MAX = 1514,         /* what the fake network interface accepts to send: MTU + the Ethernet header */
    HARNESS_RX_FRAME_MAX = 9216,      /* longer received frames are cut here */
    HARNESS_SEGMENT_FRAME_MAX = 9014, /* the longest segment transmit offload takes whole, Ethernet header included */
    HARNESS_INPUT_FRAMES_MAX = 64,    /* records after this many are ignored */
    HARNESS_SENT_LOG_MAX = 64,        /* sent frames kept for inspection; more are counted only */
    HARNESS_ECHO_PORT = 7,            /* a UDP echo listener, through the stack device as udp_echo has it */
    HARNESS_UNLISTENED_PORT = 9,      /* listened to, then unlistened, at setup: its handler must never run */
    HARNESS_TCP_ECHO_PORT = 7,        /* a TCP echo listener through the stack device; other TCP ports are closed */
};

struct harness_frame {
    uint64_t sent_ns; /* the fake clock when the stack wrote it */
    size_t len;
    uint8_t data[HARNESS_FRAME_MAX];
};

struct harness_input_frame {
    uint64_t arrival_ns;
    const uint8_t *data; /* into the input, or `fixed` for a frame whose checksums the harness filled in */
    size_t len;
    uint8_t fixed[HARNESS_RX_FRAME_MAX];
};

struct harness {
    struct netif netif;
    struct mclock clock;
    struct ethernet ethernet;
    struct arp arp;
    struct ipv4 ipv4;
    struct icmp icmp;
    struct udp udp;
    struct random random;
    struct tcp tcp;
    struct stack stack;
    uint64_t now_ns;
    uint64_t input_start_ns; /* the fake clock when the current input began: its first frame arrives then */
    /* The frames of the input being run, and how many the stack has read. */
    struct harness_input_frame input[HARNESS_INPUT_FRAMES_MAX];
    size_t input_count;
    size_t input_read;
    /* What the run sent: every frame counted, the first HARNESS_SENT_LOG_MAX kept. */
    uint64_t sent_count;
    uint64_t oversized_writes; /* writes longer than HARNESS_FRAME_MAX: refused, and a bug in the stack */
    uint64_t segment_writes;   /* segments handed down whole (transmit offload), each logged as the pieces cut */
    uint64_t bad_segments;     /* segments handed down that no host would cut: refused, and a bug in the stack */
    size_t sent_logged;
    struct harness_frame sent[HARNESS_SENT_LOG_MAX];
    uint64_t echoed;              /* datagrams the echo listener handled */
    uint64_t stale_handler_calls; /* calls to the unlistened port's handler: must stay 0 */
    uint64_t tcp_accepted;        /* connections the TCP echo listener took */
    uint64_t tcp_echoed;          /* bytes it read and wrote back */
};

/* Connect every layer once per process (the layers keep static state) and register the listeners. Returns the
 * harness, or NULL after printing which connect failed. */
struct harness *harness_setup(void);

/* Feed one input (see above) through the stack's event loop; the sent-frame log and counts start empty. Returns
 * the event loop's result (0, or the fake interface's error). */
int harness_run(struct harness *harness, const uint8_t *input, size_t size);

/* Check one sent frame as a peer would: Ethernet from our address, and a well-formed ARP or IPv4 packet from our
 * addresses with correct checksums. Returns 1, or 0 with the first problem in `why`. */
int harness_frame_is_sane(const uint8_t *frame, size_t len, char *why, size_t why_size);

#endif
