/* tls_host.c: lib/tls on the build host, for its tests: a TLS echo server (each session's plaintext written
 * back; the accept line names the peer, SNI, ALPN, cipher suite and whether the session was resumed), or a client
 * that sends a message to a TLS echo server, verifying its certificate, and prints the echo. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tls/tests/host_devices.h"
#include "lib/tls/tls_internal.h"

enum { ECHO_BUFFER_SIZE = 16384 };

struct echo_session {
    struct tls_flow *flow;
    size_t start, end; /* plaintext read and not yet written back: buffer[start, end) */
    uint8_t buffer[ECHO_BUFFER_SIZE];
};

static void echo_pump(struct tls *tls, struct echo_session *session)
{
    for (;;) {
        if (session->start < session->end) {
            long sent = tls_write(tls, session->flow, session->buffer + session->start, session->end - session->start);
            if (sent == STACK_TCP_WOULD_BLOCK)
                return;
            if (sent < 0) {
                tls_close(tls, session->flow);
                free(session);
                return;
            }
            session->start += (size_t)sent;
            if (session->start < session->end)
                return;
            session->start = session->end = 0;
        }
        long got = tls_read(tls, session->flow, session->buffer, sizeof(session->buffer));
        if (got == STACK_TCP_WOULD_BLOCK)
            return;
        if (got <= 0) { /* close_notify (0) or an error: the session is over */
            tls_close(tls, session->flow);
            free(session);
            return;
        }
        session->end = (size_t)got;
    }
}

static void echo_ready(void *context, struct tls *tls, struct tls_flow *flow)
{
    (void)flow;
    echo_pump(tls, context);
}

static void echo_failed(void *context, struct tls *tls, struct tls_flow *flow, int error)
{
    struct echo_session *session = context;
    printf("echo: session failed: %d\n", error);
    fflush(stdout);
    tls_close(tls, flow);
    free(session);
}

static const struct tls_callbacks echo_callbacks = {
    .readable = echo_ready,
    .writable = echo_ready,
    .failed = echo_failed,
};

static void echo_accept(void *context, struct tls *tls, uint16_t local_port, struct tls_flow *flow,
                        const struct tls_info *info)
{
    (void)context;
    char peer[32];
    printf("echo: accepted %s on port %u: sni=%s alpn=%s version=0x%04x suite=0x%04x resumed=%s\n",
           tls_peer_text(&info->peer, peer, sizeof(peer)), (unsigned)local_port,
           info->server_name[0] != '\0' ? info->server_name : "-", info->protocol[0] != '\0' ? info->protocol : "-",
           (unsigned)info->version, (unsigned)info->cipher_suite, info->resumed ? "yes" : "no");
    fflush(stdout);
    struct echo_session *session = calloc(1, sizeof(*session));
    if (session == NULL) {
        tls_close(tls, flow);
        return;
    }
    session->flow = flow;
    tls_accept(tls, flow, &echo_callbacks, session);
}

/* --- client ------------------------------------------------------------------------------------------------- */

struct client {
    const char *message;
    size_t sent, received;
    bool done;
    int result;
};

static void client_readable(void *context, struct tls *tls, struct tls_flow *flow)
{
    struct client *client = context;
    uint8_t buffer[4096];
    for (;;) {
        long got = tls_read(tls, flow, buffer, sizeof(buffer));
        if (got == STACK_TCP_WOULD_BLOCK)
            return;
        if (got <= 0) {
            printf("\nclient: end of session (%ld)\n", got);
            client->result = got == 0 ? 0 : 1;
            client->done = true;
            return;
        }
        fwrite(buffer, 1, (size_t)got, stdout);
        fflush(stdout);
        client->received += (size_t)got;
        if (client->received >= strlen(client->message)) {
            /* The whole echo is back; close() sends our close_notify. (Not shutdown() before: BearSSL, as TLS 1.2
             * allows, discards what arrives after our close_notify, the echo included.) */
            printf("\nclient: echo complete\n");
            client->result = 0;
            client->done = true;
            return;
        }
    }
}

static void client_writable(void *context, struct tls *tls, struct tls_flow *flow)
{
    struct client *client = context;
    if (client->sent == 0) {
        const struct tls_info *info = tls_info(tls, flow);
        printf("client: connected: version=0x%04x suite=0x%04x alpn=%s\n", (unsigned)info->version,
               (unsigned)info->cipher_suite, info->protocol[0] != '\0' ? info->protocol : "-");
    }
    size_t len = strlen(client->message);
    while (client->sent < len) {
        long sent = tls_write(tls, flow, (const uint8_t *)client->message + client->sent, len - client->sent);
        if (sent == STACK_TCP_WOULD_BLOCK)
            return;
        if (sent < 0) {
            client->result = 1;
            client->done = true;
            return;
        }
        client->sent += (size_t)sent;
    }
}

static void client_failed(void *context, struct tls *tls, struct tls_flow *flow, int error)
{
    (void)tls;
    (void)flow;
    struct client *client = context;
    printf("client: failed: %d\n", error);
    client->result = 1;
    client->done = true;
}

static const struct tls_callbacks client_callbacks = {
    .readable = client_readable,
    .writable = client_writable,
    .failed = client_failed,
};

/* --- arguments ------------------------------------------------------------------------------------------------ */

static const char *option(int argc, char **argv, const char *name, const char *fallback)
{
    size_t len = strlen(name);
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], name, len) == 0 && argv[i][len] == '=')
            return argv[i] + len + 1;
    return fallback;
}

static int usage(void)
{
    fprintf(stderr, "usage: tls_host --kv=DIR [--port=N --certificates=SPEC] [--alpn=LIST] [--sessions-max=N]\n"
                    "                [--session-cache=N] [--handshake-timeout=MS] [--trust-anchors=PATHS]\n"
                    "                [--connect=PORT --server-name=NAME --message=TEXT]\n");
    return 2;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    const char *kv_directory = option(argc, argv, "--kv", NULL);
    if (kv_directory == NULL)
        return usage();
    struct host_devices devices;
    if (host_devices_init(&devices, kv_directory) != 0)
        return 1;
    struct tls_config config = {
        .certificates = option(argc, argv, "--certificates", ""),
        .trust_anchors = option(argc, argv, "--trust-anchors", ""),
        .alpn = option(argc, argv, "--alpn", ""),
        .sessions_max = (uint32_t)atoi(option(argc, argv, "--sessions-max", "64")),
        .session_cache = (uint32_t)atoi(option(argc, argv, "--session-cache", "256")),
        .handshake_timeout_ms = (uint32_t)atoi(option(argc, argv, "--handshake-timeout", "10000")),
    };
    struct tls tls;
    char why[TLS_WHY_SIZE];
    if (tls_device_create(&tls, &config, &devices.stack, &devices.kv, &devices.random, &devices.clock,
                          &devices.wall_clock, &devices.console, why, sizeof(why)) != 0) {
        printf("tls_host: %s\n", why);
        return 1;
    }
    const char *connect_port = option(argc, argv, "--connect", NULL);
    if (connect_port != NULL) {
        struct client client = {.message = option(argc, argv, "--message", "hello\n")};
        struct stack_tcp_peer server = {.address = 0x7f000001, .port = (uint16_t)atoi(connect_port)};
        struct tls_flow *flow = NULL;
        int rc = tls_connect(&tls, &server, option(argc, argv, "--server-name", ""), &client_callbacks, &client, &flow);
        if (rc != 0) {
            printf("client: connect: %d\n", rc);
            return 1;
        }
        for (int rounds = 0; !client.done && rounds < 100; rounds++)
            if (tls_run(&tls, 100000000u) != 0)
                return 1;
        tls_close(&tls, flow);
        return client.done ? client.result : 1;
    }
    int port = atoi(option(argc, argv, "--port", "0"));
    if (port <= 0 || port > 65535)
        return usage();
    int rc = tls_listen(&tls, (uint16_t)port, echo_accept, NULL);
    if (rc != 0) {
        printf("tls_host: listen on %d: %d\n", port, rc);
        return 1;
    }
    printf("tls_host: serving TLS echo on 127.0.0.1:%d\n", port);
    fflush(stdout);
    return tls_run(&tls, UINT64_MAX) == 0 ? 0 : 1;
}
