/* tls_internal.h: what lib/tls's files share: credentials, the configuration, sessions and the device state. */
#ifndef MIRAGE_LIB_TLS_INTERNAL_H
#define MIRAGE_LIB_TLS_INTERNAL_H

#include <bearssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/console.h"
#include "devices/kv.h"
#include "devices/mclock.h"
#include "devices/pclock.h"
#include "devices/random.h"
#include "devices/stack.h"
#include "devices/tls.h"

enum {
    TLS_WHY_SIZE = 256,         /* room for a loading error: the kv path and what is wrong */
    TLS_NAMES_MAX = 16,         /* server names per certificate */
    TLS_NAME_SIZE = 256,        /* a DNS name (253) with room for the terminator */
    TLS_ALPN_MAX = 8,           /* protocols in the ALPN list */
    TLS_PROTOCOL_SIZE = 64,     /* one ALPN protocol name, with its terminator */
    TLS_CERTIFICATES_MAX = 16,  /* certificate entries of one device */
    TLS_CACHE_ENTRY_SIZE = 100, /* bytes per entry of BearSSL's LRU session cache (bearssl_ssl.h) */
    TLS_SESSIONS_LIMIT = 65536, /* the most `tls-sessions-max` may say */
    TLS_CACHE_LIMIT = 65536,    /* the most entries `tls-session-cache` may say */
    TLS_ENTROPY_SIZE = 32,      /* bytes of the random device injected into each session's engine */
    TLS_SPEC_SIZE = 4096,       /* the longest `tls-certificates` value */
};

/* --- credentials.c: certificate chains, private keys and trust anchors from PEM or DER bytes ----------------- */

/* A private key with its own copy of the numbers (BearSSL's decoder keeps them in its context). */
struct tls_private_key {
    int type; /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
    br_rsa_private_key rsa;
    br_ec_private_key ec;
    uint8_t *storage; /* the numbers both structures point into */
};

/* The certificates of `bytes` (PEM "CERTIFICATE" objects in order, end entity first, or one DER certificate).
 * Returns 0 with `*chain` and `*count` set (free with tls_chain_free), or -1 with `why` saying what is wrong;
 * `path` only names the bytes in it. */
int tls_chain_decode(const char *path, const uint8_t *bytes, size_t len, br_x509_certificate **chain, size_t *count,
                     char *why, size_t why_size);
void tls_chain_free(br_x509_certificate *chain, size_t count);

/* The private key of `bytes` (PEM "PRIVATE KEY", "RSA PRIVATE KEY" or "EC PRIVATE KEY", or the same in DER:
 * PKCS#8, PKCS#1, SEC 1). Returns 0, or -1 with `why` set. */
int tls_key_decode(const char *path, const uint8_t *bytes, size_t len, struct tls_private_key *key, char *why,
                   size_t why_size);
void tls_key_free(struct tls_private_key *key);

/* Appends the certificates of `bytes` to `*anchors` as trust anchors (their subject and public key). Returns 0,
 * or -1 with `why` set. */
int tls_anchors_decode(const char *path, const uint8_t *bytes, size_t len, br_x509_trust_anchor **anchors,
                       size_t *count, char *why, size_t why_size);
void tls_anchors_free(br_x509_trust_anchor *anchors, size_t count);

/* Whether the key fits the end-entity certificate of the chain (same type; for RSA the same modulus, for EC the
 * same curve). Returns 0, or -1 with `why` set. */
int tls_key_matches_chain(const char *path, const br_x509_certificate *chain, const struct tls_private_key *key,
                          char *why, size_t why_size);

/* --- config.c: the keys' values, parsed --------------------------------------------------------------------- */

/* One entry of `tls-certificates`: `[NAME NAME...:]CHAIN,KEY`, kv paths of the chain and of the key. */
struct tls_certificate_spec {
    char names[TLS_NAMES_MAX][TLS_NAME_SIZE];
    size_t name_count;
    char chain_path[TLS_NAME_SIZE];
    char key_path[TLS_NAME_SIZE];
};

/* Parses `spec` (entries separated by `;`) into at most `capacity` entries. Returns the count, or -1 with `why`
 * quoting the bad entry. An empty spec is 0 entries. */
int tls_certificates_parse(const char *spec, struct tls_certificate_spec *entries, size_t capacity, char *why,
                           size_t why_size);

/* Parses a comma-separated list (ALPN protocols, trust anchor paths) into at most `capacity` names of at most
 * `name_size` - 1 bytes. Returns the count, or -1 with `why` set. */
int tls_list_parse(const char *spec, char *names, size_t name_size, size_t capacity, char *why, size_t why_size);

/* Whether `name` (what a client asked for) is served by `pattern` (a DNS name, or `*.` and a name for one more
 * label), case-insensitively. */
bool tls_name_matches(const char *pattern, const char *name);

/* --- errors.c ------------------------------------------------------------------------------------------------ */

/* BearSSL's name for an engine error code (`BR_ERR_BAD_MAC`, `BR_ERR_X509_EXPIRED`, an alert's name for codes
 * from BR_ERR_RECV_FATAL_ALERT and BR_ERR_SEND_FATAL_ALERT), written into `out`. */
const char *tls_error_name(int code, char *out, size_t out_size);

/* What a failed handshake's error most likely means to whoever runs the server, in plain words, for the errors a
 * misconfigured or outdated client causes (an alert we sent because it offered nothing we take); NULL for the
 * rest, whose name says enough. */
const char *tls_error_hint(int code, bool is_server);

/* --- sni.c: SNI-aware BearSSL policy and session cache (functions below) --------------------------------- */

/* The policy handler that picks the chain by SNI and hands the rest to BearSSL's single-chain RSA or EC policy,
 * and the session cache over the certificates' caches, which notes in the session whose certificate it resumed. */
struct tls_sni_policy {
    const br_ssl_server_policy_class *vtable;
    struct tls_state *state;
    br_ssl_server_context *server;
};
struct tls_sni_cache {
    const br_ssl_session_cache_class *vtable;
    struct tls_state *state;
};
/* --- the device state -------------------------------------------------------------------------------------- */

/* A certificate the server serves: its chain, key and names, and the sessions made with it, so that one is resumed
 * only under a name the certificate serves (RFC 6066 section 3). */
struct tls_certificate {
    struct tls_certificate_spec spec;
    br_x509_certificate *chain;
    size_t chain_len;
    struct tls_private_key key;
    br_ssl_session_cache_lru cache;
    uint8_t *cache_store; /* NULL: no cache */
};

/* The configuration the device runs with. */
struct tls_config {
    const char *certificates;      /* `tls-certificates` */
    const char *trust_anchors;     /* `tls-trust-anchors`: comma-separated kv paths of CA certificates */
    const char *alpn;              /* `tls-alpn`: protocols in the server's order of preference */
    uint32_t sessions_max;         /* `tls-sessions-max`: sessions open at once, handshaking or not */
    uint32_t session_cache;        /* `tls-session-cache`: resumable sessions kept per certificate (0: none) */
    uint32_t handshake_timeout_ms; /* `tls-handshake-timeout` */
};

struct tls_listener {
    struct tls_state *state;
    uint16_t port;
    tls_accept_handler handler;
    void *context;
};

enum { TLS_LISTENERS_MAX = 8 };

struct tls_state {
    struct tls *device;
    struct stack *stack;
    struct kv *kv;
    struct random *random;
    struct mclock *clock;
    struct pclock *wall_clock;
    struct console *console;
    struct tls_config config;
    struct tls_certificate certificates[TLS_CERTIFICATES_MAX];
    size_t certificate_count;
    br_x509_trust_anchor *anchors;
    size_t anchor_count;
    char protocols[TLS_ALPN_MAX][TLS_PROTOCOL_SIZE];
    const char *protocol_names[TLS_ALPN_MAX];
    size_t protocol_count;
    struct tls_sni_cache cache; /* the wrapper the sessions use over the certificates' caches */
    struct tls_listener listeners[TLS_LISTENERS_MAX];
    size_t listener_count;
    struct tls_flow *handshaking; /* oldest first, so the timer looks at the head only */
    struct tls_flow *handshaking_tail;
    uint32_t sessions_open; /* handshaking and established */
};

/* --- sni.c: the server's certificate choice ------------------------------------------------------------------ */

/* The certificate for `server_name` (SNI; "" when none was sent): the first whose names match, else the first. */
struct tls_certificate *tls_certificate_for(struct tls_state *state, const char *server_name);

void tls_sni_policy_init(struct tls_sni_policy *policy, struct tls_state *state, br_ssl_server_context *server);
void tls_sni_cache_init(struct tls_sni_cache *cache, struct tls_state *state);
/* Whether a resumed session's certificate serves `server_name` (always true of a full handshake). */
bool tls_sni_resumption_fits(struct tls_flow *flow, const char *server_name);

/* --- session.c: one TLS session over one TCP flow ------------------------------------------------------------- */

enum tls_phase {
    TLS_PHASE_HANDSHAKE, /* the engine has not yet given application data room */
    TLS_PHASE_PENDING,   /* server: handshake done, waiting in the accept handler */
    TLS_PHASE_OPEN,      /* the application has it */
    TLS_PHASE_ENDED,     /* the engine is closed; reads and writes give `end_error` (or 0/EPIPE) */
};

struct tls_flow {
    struct tls_state *state;
    struct stack_tcp_flow *tcp;
    bool is_server;
    enum tls_phase phase;
    struct tls_listener *listener;       /* server side */
    struct tls_certificate *certificate; /* server side: chosen by SNI, or whose session was resumed */
    struct tls_flow *next_handshaking, *prev_handshaking;
    bool on_handshake_list;
    uint64_t started_ns;
    const struct tls_callbacks *callbacks; /* NULL until accept() (server) */
    void *context;
    struct tls_info info;
    char server_name[TLS_NAME_SIZE];
    char protocol[TLS_PROTOCOL_SIZE];
    bool tcp_eof;         /* the TCP peer's end of stream was read */
    int tcp_error;        /* a TCP error (failed callback or read/write error), 0 if none */
    int end_error;        /* what reads and writes report once ended: 0 (clean) or a negative error */
    bool want_writable;   /* write() took fewer bytes than offered: `writable` is owed */
    bool failed_reported; /* `failed` was delivered */
    bool shut_down;       /* shutdown() was called: our close_notify is on its way */
    bool read_armed;      /* `readable` is owed when plaintext or the end comes */
    bool app_closed;      /* close() was called during a callback: free when the pump unwinds */
    unsigned int depth;   /* pump calls on the stack for this flow */
    union {
        struct {
            br_ssl_server_context context;
            struct tls_sni_policy policy;
        } server;
        struct {
            br_ssl_client_context context;
            br_x509_minimal_context x509;
        } client;
    } u;
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* A new session's flow over `tcp` (NULL for a client until it connects): its engine set up with the buffers,
 * entropy, versions and ALPN names, counted and on the handshake list. NULL (logged) when memory or entropy is
 * short. */
struct tls_flow *tls_flow_new(struct tls_state *state, struct stack_tcp_flow *tcp, const struct stack_tcp_peer *peer,
                              bool is_server);

/* The flow's engine. */
br_ssl_engine_context *tls_flow_engine(struct tls_flow *flow);

/* Moves bytes between the TCP flow and the engine until neither moves, then delivers what the application is
 * owed (the accept handler, `readable`, `writable`, `failed`). May free the flow (a failed handshake, or close()
 * called from a callback): returns false then. */
bool tls_flow_pump(struct tls_flow *flow);

/* The stack_tcp_callbacks every session's TCP flow uses, with the session as context. */
extern const struct stack_tcp_callbacks tls_flow_tcp_callbacks;

/* Ends the session: close_notify if healthy, the TCP flow closed, the memory freed, the count lowered. */
void tls_flow_destroy(struct tls_flow *flow);

/* The application's read/write/shutdown/close. */
long tls_flow_read(struct tls_flow *flow, uint8_t *buffer, size_t capacity);
long tls_flow_write(struct tls_flow *flow, const uint8_t *data, size_t len);
int tls_flow_shutdown(struct tls_flow *flow);
void tls_flow_close(struct tls_flow *flow);

/* --- log.c ---------------------------------------------------------------------------------------------------- */

/* One line on the device's console: `tls: ` and the formatted text. */
void tls_log(struct tls_state *state, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* The peer as `a.b.c.d:port` in `out`. */
const char *tls_peer_text(const struct stack_tcp_peer *peer, char *out, size_t out_size);

/* --- server.c and client.c ---------------------------------------------------------------------------------- */

/* The server's certificates, loaded from the kv (each named by its path when it fails), and the listeners. */
int tls_server_load(struct tls_state *state, char *why, size_t why_size);
int tls_server_listen(struct tls_state *state, uint16_t port, tls_accept_handler handler, void *context);
/* The handshake finished on a server flow: hand it to its listener's handler. */
void tls_server_handshake_done(struct tls_flow *flow);
/* Closes handshakes older than the timeout; returns the nanoseconds until the next one is due (UINT64_MAX:
 * none). */
uint64_t tls_server_expire(struct tls_state *state, uint64_t now_ns);
/* Takes `flow` off the list of handshakes. */
void tls_handshake_list_remove(struct tls_flow *flow);

int tls_client_load(struct tls_state *state, char *why, size_t why_size);
int tls_client_connect(struct tls_state *state, const struct stack_tcp_peer *to, const char *server_name,
                       const struct tls_callbacks *callbacks, void *context, struct tls_flow **flow);

/* --- device.c -------------------------------------------------------------------------------------------------- */

/* Sets up `device` over the given devices with `config`: loads credentials, allocates the state. Returns 0, or a
 * negative error with `why` naming what is wrong. */
int tls_device_create(struct tls *device, const struct tls_config *config, struct stack *stack, struct kv *kv,
                      struct random *random, struct mclock *clock, struct pclock *wall_clock, struct console *console,
                      char *why, size_t why_size);

#endif
