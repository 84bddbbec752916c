/* evtchn.c: bit handling of the 2-level event channel bitmaps (evtchn.h). Atomic, because Xen sets pending bits
 * while the guest clears them. */
#include "targets/xen/evtchn.h"

bool xen_evtchn_port_valid(uint64_t port)
{
    return port < XEN_EVTCHN_2L_PORTS;
}

bool xen_evtchn_test_and_clear(volatile uint64_t bitmap[64], uint64_t port)
{
    if (!xen_evtchn_port_valid(port))
        return false;
    uint64_t bit = UINT64_C(1) << (port % 64);
    return (__atomic_fetch_and(&bitmap[port / 64], ~bit, __ATOMIC_SEQ_CST) & bit) != 0;
}

bool xen_evtchn_set(volatile uint64_t bitmap[64], uint64_t port)
{
    if (!xen_evtchn_port_valid(port))
        return false;
    __atomic_fetch_or(&bitmap[port / 64], UINT64_C(1) << (port % 64), __ATOMIC_SEQ_CST);
    return true;
}
