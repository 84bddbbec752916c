/* tls_fuzz_target.c: libFuzzer target for lib/tls's server side. Each input is what a client sends on one TCP
 * connection, after a first octet that picks the size of each TCP read (1 to 64 octets, or up to 16 KiB) and
 * whether the TCP flow takes writes only in part; the bytes go through the device's pump into BearSSL over an
 * in-memory stack, with an echo application on the sessions that complete. Whatever the bytes, the session must
 * end by the end of the input (handshake failed, truncated, or closed by the application), its TCP flow closed
 * exactly once, and no session left counted. Credentials: examples/tls_echo/credentials (RSA and EC). Built with
 * -DTLS_FUZZ_SERVE it is instead a program serving one connection on standard input and output, with which
 * fuzz_tls.sh records whole client sessions as seeds. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/tls/tls_internal.h"

/* --- an in-memory stack with one connection at a time ------------------------------------------------------- */

struct stack_tcp_flow {
    const uint8_t *input;
    size_t input_len, offset;
    size_t read_size;
    bool partial_writes; /* take half of each write, and refuse every other one */
    unsigned int writes;
    bool write_armed;
    unsigned int closes;
    const struct stack_tcp_callbacks *callbacks;
    void *context;
};

static stack_tcp_accept_handler listen_handler;
static void *listen_context;

static int fake_udp_listen(struct stack *self, uint16_t port, stack_udp_handler handler, void *context)
{
    (void)self, (void)port, (void)handler, (void)context;
    return STACK_TCP_NOT_SUPPORTED;
}

static int fake_udp_send(struct stack *self, uint16_t port, const struct stack_udp_peer *to, const uint8_t *payload,
                         size_t len)
{
    (void)self, (void)port, (void)to, (void)payload, (void)len;
    return STACK_TCP_NOT_SUPPORTED;
}

static int fake_run(struct stack *self, uint64_t timeout_ns)
{
    (void)self, (void)timeout_ns;
    return 0;
}

static int fake_listen(struct stack *self, uint16_t port, stack_tcp_accept_handler handler, void *context)
{
    (void)self, (void)port;
    listen_handler = handler;
    listen_context = context;
    return 0;
}

static void fake_accept(struct stack *self, struct stack_tcp_flow *flow, const struct stack_tcp_callbacks *callbacks,
                        void *context)
{
    (void)self;
    flow->callbacks = callbacks;
    flow->context = context;
}

#ifdef TLS_FUZZ_SERVE
#include <poll.h>
#include <unistd.h>

/* Whether standard input has bytes (or its end) within `timeout_ms`. */
static bool input_ready(int timeout_ms)
{
    struct pollfd input = {.fd = 0, .events = POLLIN};
    return poll(&input, 1, timeout_ms) == 1;
}
#endif

static long fake_read(struct stack *self, struct stack_tcp_flow *flow, uint8_t *buffer, size_t capacity)
{
    (void)self;
#ifdef TLS_FUZZ_SERVE
    if (flow->input == NULL) { /* serving: the client is on standard input, read without waiting */
        if (!input_ready(0))
            return STACK_TCP_WOULD_BLOCK;
        ssize_t got = read(0, buffer, capacity);
        return got < 0 ? STACK_TCP_RESET : (long)got;
    }
#endif
    if (flow->closes != 0)
        abort(); /* a read after close */
    if (flow->offset == flow->input_len)
        return 0;
    size_t count = flow->input_len - flow->offset;
    if (count > flow->read_size)
        count = flow->read_size;
    if (count > capacity)
        count = capacity;
    memcpy(buffer, flow->input + flow->offset, count);
    flow->offset += count;
    return (long)count;
}

static long fake_write(struct stack *self, struct stack_tcp_flow *flow, const uint8_t *data, size_t len)
{
    (void)self, (void)data;
    if (flow->closes != 0 || len == 0)
        abort(); /* a write after close, or of nothing */
#ifdef TLS_FUZZ_SERVE
    if (flow->input == NULL) /* serving: the client reads standard output */
        return write(1, data, len) == (ssize_t)len ? (long)len : STACK_TCP_RESET;
#endif
    if (!flow->partial_writes)
        return (long)len;
    if (flow->writes++ % 2 == 1) {
        flow->write_armed = true;
        return STACK_TCP_WOULD_BLOCK;
    }
    return (long)(len + 1) / 2;
}

static int fake_shutdown(struct stack *self, struct stack_tcp_flow *flow)
{
    (void)self, (void)flow;
    return 0;
}

static void fake_close(struct stack *self, struct stack_tcp_flow *flow)
{
    (void)self;
    flow->closes++;
}

static const struct stack_ops fake_stack_ops = {
    .udp_listen = fake_udp_listen,
    .udp_send = fake_udp_send,
    .run = fake_run,
    .tcp_listen = fake_listen,
    .tcp_accept = fake_accept,
    .tcp_read = fake_read,
    .tcp_write = fake_write,
    .tcp_shutdown = fake_shutdown,
    .tcp_close = fake_close,
};

/* --- the other devices --------------------------------------------------------------------------------------- */

struct file {
    const char *key;
    uint8_t *bytes;
    size_t len;
};

static struct file files[] = {
    {"example.org.pem", NULL, 0},
    {"example.org.key", NULL, 0},
    {"example.net.pem", NULL, 0},
    {"example.net.key", NULL, 0},
};

static int kv_get_file(struct kv *self, const char *key, const uint8_t **value, size_t *len)
{
    (void)self;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (strcmp(files[i].key, key) == 0) {
            *value = files[i].bytes;
            *len = files[i].len;
            return 0;
        }
    return KV_NOT_FOUND;
}

static const char *kv_key(struct kv *self, size_t index)
{
    (void)self;
    return index < sizeof(files) / sizeof(files[0]) ? files[index].key : NULL;
}

static const struct kv_ops kv_ops = {.get = kv_get_file, .key_at = kv_key};

/* Deterministic "entropy", restarted for each input: the server's flight is then the same every time, so a client's
 * recorded bytes (the seeds fuzz_tls.sh records through TLS_FUZZ_SERVE) complete the handshake again. */
static uint8_t random_next;
static int random_counter(struct random *self, void *buf, size_t len)
{
    (void)self;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = random_next++;
    return 0;
}

static const struct random_ops random_ops = {.fill = random_counter};

/* BearSSL puts the clock's seconds into the first octets of a hello's random: a fixed time keeps the server's flight
 * the same from run to run too (this definition takes the C library's place in the link). */
time_t time(time_t *out)
{
    time_t fixed = 1767225600; /* 2026-01-01 */
    if (out != NULL)
        *out = fixed;
    return fixed;
}

static uint64_t clock_now;
static uint64_t clock_elapsed(struct mclock *self)
{
    (void)self;
    return clock_now;
}

static const struct mclock_ops mclock_ops = {.elapsed_ns = clock_elapsed};

static int wall_now(struct pclock *self, int64_t *out)
{
    (void)self;
    *out = 1767225600LL * 1000000000LL; /* 2026-01-01 */
    return 0;
}

static const struct pclock_ops pclock_ops = {.now_ns = wall_now};

static int console_discard(struct console *self, const char *text, size_t len)
{
    (void)self, (void)text, (void)len;
#ifdef TLS_FUZZ_SERVE
    if (fwrite(text, 1, len, stderr) != len) /* serving: the device's log goes to standard error */
        return -1;
#endif
    return 0;
}

static const struct console_ops console_ops = {.write = console_discard};

/* --- the application: echo --------------------------------------------------------------------------------- */

static void echo_ready(void *context, struct tls *tls, struct tls_flow *flow)
{
    (void)context;
    uint8_t buffer[512];
    for (;;) {
        long got = tls_read(tls, flow, buffer, sizeof(buffer));
        if (got == STACK_TCP_WOULD_BLOCK)
            return;
        if (got <= 0 || tls_write(tls, flow, buffer, (size_t)got) < 0) {
            tls_close(tls, flow);
            return;
        }
    }
}

static void echo_failed(void *context, struct tls *tls, struct tls_flow *flow, int error)
{
    (void)context, (void)error;
    tls_close(tls, flow);
}

static const struct tls_callbacks echo_callbacks = {
    .readable = echo_ready, .writable = echo_ready, .failed = echo_failed};

static void echo_accept(void *context, struct tls *tls, uint16_t port, struct tls_flow *flow,
                        const struct tls_info *info)
{
    (void)context, (void)port, (void)info;
    tls_accept(tls, flow, &echo_callbacks, NULL);
}

/* --- the target ------------------------------------------------------------------------------------------------ */

static struct stack stack = {.ops = &fake_stack_ops};
static struct kv kv = {.ops = &kv_ops};
static struct random random_device = {.ops = &random_ops};
static struct mclock clock_device = {.ops = &mclock_ops};
static struct pclock wall_clock = {.ops = &pclock_ops};
static struct console console = {.ops = &console_ops};
static struct tls tls;

static void load(struct file *file)
{
    char path[256];
    snprintf(path, sizeof(path), "examples/tls_echo/credentials/%s", file->key);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "tls_fuzz: cannot open %s (run from the repository's root)\n", path);
        exit(2);
    }
    file->bytes = malloc(65536);
    file->len = fread(file->bytes, 1, 65536, f);
    fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        load(&files[i]);
    struct tls_config config = {
        .certificates = "example.org www.example.org:example.org.pem,example.org.key;"
                        "example.net *.example.net:example.net.pem,example.net.key",
        .trust_anchors = "",
        .alpn = "h2,http/1.1",
        .sessions_max = 4,
        .session_cache = 0, /* the cache's index key would take from the first session's randomness */
        .handshake_timeout_ms = 1000,
    };
    char why[TLS_WHY_SIZE];
    if (tls_device_create(&tls, &config, &stack, &kv, &random_device, &clock_device, &wall_clock, &console, why,
                          sizeof(why)) != 0 ||
        tls_listen(&tls, 443, echo_accept, NULL) != 0) {
        fprintf(stderr, "tls_fuzz: %s\n", why);
        exit(2);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct stack_tcp_flow flow = {
        .input = data + 1,
        .input_len = size - 1,
        .read_size = (data[0] & 0x40) != 0 ? 16384 : (size_t)(data[0] & 0x3f) + 1,
        .partial_writes = (data[0] & 0x80) != 0,
    };
    struct stack_tcp_peer peer = {.address = 0x0a000001, .port = 40000};
    struct tls_state *state = tls.state;
    random_next = 0;
    listen_handler(listen_context, &stack, 443, &flow, &peer);
    /* The stack's events until the input is spent and the session over: `readable` while there are bytes or the
     * end of stream to read, `writable` when a write was refused. */
    for (unsigned int round = 0; flow.closes == 0 && round < 1000000; round++) {
        if (flow.write_armed) {
            flow.write_armed = false;
            flow.callbacks->writable(flow.context, &stack, &flow);
        } else {
            flow.callbacks->readable(flow.context, &stack, &flow);
        }
    }
    if (flow.closes != 1 || state->sessions_open != 0 || state->handshaking != NULL)
        abort();              /* the session outlived its input, or was closed twice, or is still counted */
    clock_now += 2000000000u; /* inputs do not share a handshake deadline */
    return 0;
}

#ifdef TLS_FUZZ_SERVE
/* The same server on standard input and output, one connection, for recording a client's bytes as seeds. */
int main(void)
{
    LLVMFuzzerInitialize(NULL, NULL);
    struct stack_tcp_flow flow = {.read_size = 16384};
    struct stack_tcp_peer peer = {.address = 0x0a000001, .port = 40000};
    random_next = 0;
    listen_handler(listen_context, &stack, 443, &flow, &peer);
    while (flow.closes == 0)
        if (input_ready(100))
            flow.callbacks->readable(flow.context, &stack, &flow);
    return 0;
}
#endif
