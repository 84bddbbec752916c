/* stack_replay.c: replays fuzzer inputs (stack_harness.h's format) through the lib/tcpip layers, each file in a
 * fresh process, and prints one JSON line per file: the layers' counters, the frames sent (hex) and any sent
 * frame a peer would reject. A file that crashes the stack is reported as such, not by crashing the replay.
 *
 *   stack_replay FILE...
 *
 * Exits 0 when every file ran to the end with sane output, 1 otherwise, 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/tcpip/tests/stack_harness.h"

enum { INPUT_MAX = 1 << 20 };

static void print_json_string(const char *text)
{
    putchar('"');
    for (; *text != '\0'; text++) {
        unsigned char c = (unsigned char)*text;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void print_hex(const uint8_t *data, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++)
        printf("%02x", data[i]);
    putchar('"');
}

/* Every counters struct is a run of uint64_t fields in the order named here (checked by size below). */
static const char *const ethernet_names[] = {"received",    "delivered", "not_for_us", "malformed",
                                             "no_listener", "sent",      "send_errors"};
static const char *const arp_names[] = {"requests_received", "replies_sent", "requests_sent", "replies_received",
                                        "malformed",         "queued",       "queue_drops",   "evictions"};
static const char *const ipv4_names[] = {"received",
                                         "delivered",
                                         "malformed",
                                         "bad_checksum",
                                         "fragments",
                                         "not_for_us",
                                         "no_listener",
                                         "sent",
                                         "send_errors",
                                         "unreachables_sent",
                                         "unreachables_limited",
                                         "icmp_errors_delivered"};
static const char *const icmp_names[] = {"received",          "malformed",    "bad_checksum", "echo_requests",
                                         "echo_replies_sent", "echo_replies", "errors",       "ignored"};
static const char *const udp_names[] = {"received",    "delivered", "malformed",  "bad_checksum",
                                        "no_listener", "sent",      "send_errors"};
static const char *const tcp_names[] = {
    "segments_received",    "malformed",        "bad_checksum",     "segments_sent",  "segments_offloaded",
    "send_errors",          "resets_sent",      "resets_received",  "challenge_acks", "challenge_acks_suppressed",
    "retransmits",          "fast_retransmits", "sack_recoveries",  "timeouts",       "lost_retransmits",
    "tail_loss_probes",     "window_probes",    "keepalive_probes", "syn_dropped",    "out_of_order",
    "out_of_order_dropped", "paws_dropped",     "accepted",         "connected",      "timed_out",
    "icmp_errors",          "icmp_ignored",     "mss_lowered"};

#define NAMES_MATCH(counters, names) (sizeof(counters) == sizeof(names) / sizeof(names[0]) * sizeof(uint64_t))
_Static_assert(NAMES_MATCH(struct ethernet_counters, ethernet_names), "ethernet counters changed");
_Static_assert(NAMES_MATCH(struct arp_counters, arp_names), "arp counters changed");
_Static_assert(NAMES_MATCH(struct ipv4_counters, ipv4_names), "ipv4 counters changed");
_Static_assert(NAMES_MATCH(struct icmp_counters, icmp_names), "icmp counters changed");
_Static_assert(NAMES_MATCH(struct udp_counters, udp_names), "udp counters changed");
_Static_assert(NAMES_MATCH(struct tcp_counters, tcp_names), "tcp counters changed");

static void print_group(const char *layer, const void *counters, const char *const *names, size_t count)
{
    printf(", \"%s\": {", layer);
    for (size_t i = 0; i < count; i++) {
        uint64_t value;
        memcpy(&value, (const uint8_t *)counters + i * sizeof(value), sizeof(value));
        printf("%s\"%s\": %llu", i > 0 ? ", " : "", names[i], (unsigned long long)value);
    }
    printf("}");
}

#define PRINT_GROUP(layer, counters, names) print_group(layer, &(counters), names, sizeof(names) / sizeof(names[0]))

static void print_counters(const struct harness *h)
{
    PRINT_GROUP("ethernet", h->ethernet.counters, ethernet_names);
    PRINT_GROUP("arp", h->arp.counters, arp_names);
    PRINT_GROUP("ipv4", h->ipv4.counters, ipv4_names);
    PRINT_GROUP("icmp", h->icmp.counters, icmp_names);
    PRINT_GROUP("udp", h->udp.counters, udp_names);
    PRINT_GROUP("tcp", *h->tcp.counters, tcp_names);
}

/* In the child: set up, run the file, print its line. Returns the child's exit status. */
static int replay_one(const char *path)
{
    static uint8_t input[INPUT_MAX];
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "stack_replay: cannot open %s\n", path);
        return 1;
    }
    size_t size = fread(input, 1, sizeof(input), file);
    int read_failed = ferror(file);
    fclose(file);
    if (read_failed) {
        fprintf(stderr, "stack_replay: cannot read %s\n", path);
        return 1;
    }
    struct harness *harness = harness_setup();
    if (harness == NULL)
        return 1;
    /* The setup's own frames (the gratuitous ARP) are not the input's: counters and log start from here. */
    memset(&harness->ethernet.counters, 0, sizeof(harness->ethernet.counters));
    memset(&harness->arp.counters, 0, sizeof(harness->arp.counters));
    memset(&harness->ipv4.counters, 0, sizeof(harness->ipv4.counters));
    memset(&harness->icmp.counters, 0, sizeof(harness->icmp.counters));
    memset(&harness->udp.counters, 0, sizeof(harness->udp.counters));
    /* The tcp layer keeps its counters; each file runs in a fresh process, so they start at zero. */
    int rc = harness_run(harness, input, size);

    int sane = 1;
    char why[160] = "";
    for (size_t i = 0; i < harness->sent_logged && sane; i++)
        sane = harness_frame_is_sane(harness->sent[i].data, harness->sent[i].len, why, sizeof(why));
    if (sane && harness->stale_handler_calls > 0)
        sane = 0, snprintf(why, sizeof(why), "the unlistened port's handler ran");
    if (sane && harness->oversized_writes > 0)
        sane = 0, snprintf(why, sizeof(why), "a write longer than MTU + 14");
    if (sane && harness->bad_segments > 0)
        sane = 0, snprintf(why, sizeof(why), "a segment handed down whole that no host would cut");

    printf("{\"file\": ");
    print_json_string(path);
    printf(", \"rc\": %d, \"sane\": %s, \"problem\": ", rc, sane ? "true" : "false");
    print_json_string(why);
    printf(", \"echoed\": %llu, \"tcp_accepted\": %llu, \"tcp_echoed\": %llu, \"sent_count\": %llu, \"sent\": [",
           (unsigned long long)harness->echoed, (unsigned long long)harness->tcp_accepted,
           (unsigned long long)harness->tcp_echoed, (unsigned long long)harness->sent_count);
    for (size_t i = 0; i < harness->sent_logged; i++) {
        if (i > 0)
            printf(", ");
        print_hex(harness->sent[i].data, harness->sent[i].len);
    }
    /* Milliseconds of fake time from the first frame of the input, one per logged frame. */
    printf("], \"sent_ms\": [");
    for (size_t i = 0; i < harness->sent_logged; i++)
        printf("%s%.3f", i > 0 ? ", " : "", (double)(harness->sent[i].sent_ns - harness->input_start_ns) / 1e6);
    printf("]");
    print_counters(harness);
    printf("}\n");
    return fflush(stdout) == 0 && rc == 0 && sane ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: stack_replay FILE...\n");
        return 2;
    }
    int failures = 0;
    for (int i = 1; i < argc; i++) {
        if (fflush(stdout) != 0)
            return 1;
        /* One process per file: the layers keep static state, and a crash must not hide the other files. */
        pid_t child = fork();
        if (child < 0) {
            perror("stack_replay: fork");
            return 1;
        }
        if (child == 0)
            _exit(replay_one(argv[i]));
        int status;
        if (waitpid(child, &status, 0) != child) {
            perror("stack_replay: waitpid");
            return 1;
        }
        if (WIFSIGNALED(status)) {
            printf("{\"file\": ");
            print_json_string(argv[i]);
            printf(", \"crashed\": \"signal %d\"}\n", WTERMSIG(status));
            failures++;
        } else if (WEXITSTATUS(status) != 0) {
            failures++;
        }
    }
    return failures == 0 ? 0 : 1;
}
