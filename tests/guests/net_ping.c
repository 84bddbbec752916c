/* net_ping.c: broadcast a frame on the network device (again every 500 ms, in case the host was not listening
 * yet), wait up to 5 s for a frame of the same EtherType and print its payload: enough to show frames cross the
 * tender both ways. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/console.h"
#include "devices/netif.h"
#include "devices/sleep.h"

enum {
    ETHERTYPE_LOCAL_EXPERIMENT = 0x88b5,
    HEADER_SIZE = 14,
    FRAME_MAX = 1514,
    WAIT_STEPS = 5000,
    RESEND_EVERY_STEPS = 500,
};

static uint8_t frame[FRAME_MAX];

static void say(struct console *console, const char *text)
{
    console_write(console, text, strlen(text));
}

static int send_ping(struct netif *service, const char *payload, size_t len)
{
    static uint8_t ping[FRAME_MAX];

    memset(ping, 0xff, 6);
    memcpy(ping + 6, service->mac, 6);
    ping[12] = ETHERTYPE_LOCAL_EXPERIMENT >> 8;
    ping[13] = ETHERTYPE_LOCAL_EXPERIMENT & 0xff;
    memcpy(ping + HEADER_SIZE, payload, len);
    return netif_write(service, ping, HEADER_SIZE + len);
}

int net_ping_start(struct console *console, struct netif *service, struct sleep *time)
{
    static const char payload[] = "ping from mirage";
    char line[160];

    if (send_ping(service, payload, sizeof(payload) - 1) != 0) {
        say(console, "net_ping: sending failed\n");
        return 1;
    }
    snprintf(line, sizeof(line), "net_ping: sent from %02x:%02x:%02x:%02x:%02x:%02x, mtu %u\n", service->mac[0],
             service->mac[1], service->mac[2], service->mac[3], service->mac[4], service->mac[5],
             (unsigned)service->mtu);
    say(console, line);

    for (int step = 0; step < WAIT_STEPS; step++) {
        size_t len = 0;
        uint32_t flags = 0;
        int rc = netif_read(service, frame, sizeof(frame), &len, &flags);
        if (rc == NETIF_AGAIN) {
            sleep_ns(time, UINT64_C(1000000));
            if (step % RESEND_EVERY_STEPS == RESEND_EVERY_STEPS - 1 &&
                send_ping(service, payload, sizeof(payload) - 1) != 0) {
                say(console, "net_ping: sending failed\n");
                return 1;
            }
            continue;
        }
        if (rc != 0) {
            say(console, "net_ping: receiving failed\n");
            return 1;
        }
        if (len < HEADER_SIZE || frame[12] != (ETHERTYPE_LOCAL_EXPERIMENT >> 8) ||
            frame[13] != (ETHERTYPE_LOCAL_EXPERIMENT & 0xff))
            continue; /* the host's own traffic (IPv6 router solicitations and the like) */
        snprintf(line, sizeof(line), "net_ping: got %.*s\n", (int)(len - HEADER_SIZE), (char *)frame + HEADER_SIZE);
        say(console, line);
        return 0;
    }
    say(console, "net_ping: no reply within 5 s\n");
    return 1;
}
