/* hypercall.h: calls into Xen through the hypercall page (hypercall_page.S), which Xen fills at boot with one
 * 32-byte stub per call (vmcall or vmmcall, whichever the CPU has). Xen may clobber the argument registers. */
#ifndef MIRAGE_TARGETS_XEN_HYPERCALL_H
#define MIRAGE_TARGETS_XEN_HYPERCALL_H

#include <stdint.h>

#include "targets/xen/xen_public.h"

extern uint8_t xen_hypercall_page[XEN_PAGE_SIZE];

static inline long xen_hypercall3(unsigned number, uint64_t a1, uint64_t a2, uint64_t a3)
{
    long result;
    void *stub = xen_hypercall_page + number * XEN_HYPERCALL_STUB_SIZE;
    __asm__ __volatile__("call *%[stub]"
                         : "=a"(result), "+D"(a1), "+S"(a2), "+d"(a3)
                         : [stub] "r"(stub)
                         : "memory", "rcx", "r8", "r10", "r11", "cc");
    return result;
}

static inline long xen_hypercall2(unsigned number, uint64_t a1, uint64_t a2)
{
    return xen_hypercall3(number, a1, a2, 0);
}

/* Whether Xen has written the stubs: until then the page is int3 (hypercall_page.S), and a call would fault. */
static inline int xen_hypercalls_ready(void)
{
    return *(volatile uint8_t *)xen_hypercall_page != XEN_HYPERCALL_PAGE_POISON;
}

static inline long xen_memory_op(unsigned command, void *argument)
{
    return xen_hypercall2(__HYPERVISOR_memory_op, command, (uint64_t)(uintptr_t)argument);
}

static inline long xen_sched_op(unsigned command, void *argument)
{
    return xen_hypercall2(__HYPERVISOR_sched_op, command, (uint64_t)(uintptr_t)argument);
}

static inline long xen_event_channel_op(unsigned command, void *argument)
{
    return xen_hypercall2(__HYPERVISOR_event_channel_op, command, (uint64_t)(uintptr_t)argument);
}

static inline long xen_hvm_op(unsigned command, void *argument)
{
    return xen_hypercall2(__HYPERVISOR_hvm_op, command, (uint64_t)(uintptr_t)argument);
}

/* Ask for VIRQ_TIMER on vCPU 0 at `deadline` in Xen's system time (nanoseconds), as Linux's PVH guests do. */
static inline long xen_set_singleshot_timer(uint64_t deadline)
{
    struct vcpu_set_singleshot_timer timer = {.timeout_abs_ns = deadline, .flags = 0};
    return xen_hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uint64_t)(uintptr_t)&timer);
}

/* The older call for the same: VIRQ_TIMER at `deadline`; 0 cancels. */
static inline long xen_set_timer_op(uint64_t deadline)
{
    return xen_hypercall2(__HYPERVISOR_set_timer_op, deadline, 0);
}

static inline long xen_hvm_get_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param param = {.domid = DOMID_SELF, .index = index};
    long rc = xen_hvm_op(HVMOP_get_param, &param);
    if (rc == 0)
        *value = param.value;
    return rc;
}

static inline long xen_hvm_set_param(uint32_t index, uint64_t value)
{
    struct xen_hvm_param param = {.domid = DOMID_SELF, .index = index, .value = value};
    return xen_hvm_op(HVMOP_set_param, &param);
}

static inline long xen_evtchn_send(uint32_t port)
{
    uint32_t argument = port;
    return xen_event_channel_op(EVTCHNOP_send, &argument);
}

#endif
