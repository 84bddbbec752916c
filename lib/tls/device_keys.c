/* device_keys.c: the tls implementation's connect function: its configuration from the tls-* keys. */
#include "lib/runtime/boot.h"
#include "lib/runtime/mirage.h"
#include "lib/tls/tls_internal.h"

/* The int key `name`, or -1 after a line saying the range it must be in. */
static int64_t key_in_range(const char *name, int64_t low, int64_t high, const char *range)
{
    int64_t value = mirage_key_int(name);
    if (value >= low && value <= high)
        return value;
    mirage_log("tls: --", name, " is out of range: give ", range);
    return -1;
}

int tls_device_connect(struct tls *self, struct stack *stack, struct kv *kv, struct random *random,
                       struct mclock *clock, struct pclock *wall_clock, struct console *console)
{
    int64_t sessions = key_in_range("tls-sessions-max", 1, TLS_SESSIONS_LIMIT, "1 to 65536");
    int64_t cache = key_in_range("tls-session-cache", 0, TLS_CACHE_LIMIT, "0 to 65536 entries");
    int64_t timeout = key_in_range("tls-handshake-timeout", 1, 3600000, "1 to 3600000 ms");
    if (sessions < 0 || cache < 0 || timeout < 0)
        return STACK_TCP_INVALID;
    struct tls_config config = {
        .certificates = mirage_key_string("tls-certificates"),
        .trust_anchors = mirage_key_string("tls-trust-anchors"),
        .alpn = mirage_key_string("tls-alpn"),
        .sessions_max = (uint32_t)sessions,
        .session_cache = (uint32_t)cache,
        .handshake_timeout_ms = (uint32_t)timeout,
    };
    char why[TLS_WHY_SIZE];
    int rc = tls_device_create(self, &config, stack, kv, random, clock, wall_clock, console, why, sizeof(why));
    if (rc != 0)
        mirage_log("tls: ", why, "", "");
    return rc;
}
