/* console.c: the console: the ring page and event channel Xen names in HVM parameters (HVM_PARAM_CONSOLE_PFN,
 * HVM_PARAM_CONSOLE_EVTCHN), written through console_ring.c, with EVTCHNOP_send to wake xenconsoled, and line
 * ends as "\r\n". */
#include <stdint.h>

#include "lib/platform/platform.h"
#include "targets/xen/bindings.h"
#include "targets/xen/console_ring.h"
#include "targets/xen/evtchn.h"
#include "targets/xen/hypercall.h"

/* Wait this many SCHEDOP_yield calls for xenconsoled to make room before output is dropped: a dead daemon must not
 * hang the guest. */
#define ROOM_WAIT_YIELDS 100000
/* The ring's page must lie in the first 4 GiB, which the page tables map. */
#define ADDRESSABLE_PAGES (UINT64_C(1) << 20)

static struct xen_console_ring ring;
static uint32_t console_port;
static bool console_ready;

const char *xen_console_init(void)
{
    uint64_t pfn, port;
    if (xen_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) != 0 || xen_hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port) != 0)
        return "xen: no console (HVM_PARAM_CONSOLE_PFN or _EVTCHN unreadable)";
    if (pfn == 0 || pfn >= ADDRESSABLE_PAGES || !xen_evtchn_port_valid(port))
        return "xen: the console's page or event channel is out of range";
    xen_console_ring_init(&ring, (volatile struct xencons_interface *)(uintptr_t)(pfn * XEN_PAGE_SIZE));
    console_port = (uint32_t)port;
    /* xenconsoled signals each read; only the timer's event should wake yield.c's halt. */
    (void)xen_evtchn_set(xen_shared_info()->evtchn_mask, console_port);
    console_ready = true;
    return 0;
}

/* Write all of `text` to the ring, waiting (bounded) for room. */
static void write_all(const char *text, size_t len)
{
    size_t done = 0;
    for (int waited = 0; done < len && waited < ROOM_WAIT_YIELDS;) {
        size_t written = xen_console_ring_write(&ring, text + done, len - done);
        done += written;
        if (written != 0) {
            (void)xen_evtchn_send(console_port);
            continue;
        }
        if (ring.broken)
            return;
        (void)xen_sched_op(SCHEDOP_yield, 0);
        waited++;
    }
}

/* Each "\n" goes out as "\r\n": xenconsoled passes bytes to a raw pty, so nothing else returns the carriage
 * (a Linux guest's tty layer does it for hvc0). */
void platform_console_write(const char *text, size_t len)
{
    if (!console_ready)
        return;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '\n')
            continue;
        write_all(text + start, i - start);
        write_all("\r\n", 2);
        start = i + 1;
    }
    write_all(text + start, len - start);
}

void xen_console_puts(const char *text)
{
    size_t len = 0;
    while (text[len] != '\0')
        len++;
    platform_console_write(text, len);
}

void xen_console_flush(void)
{
    if (!console_ready)
        return;
    for (int waited = 0; waited < ROOM_WAIT_YIELDS && !xen_console_ring_drained(&ring); waited++)
        (void)xen_sched_op(SCHEDOP_yield, 0);
}
