/* yield.c: block until a deadline: VIRQ_TIMER bound to an event channel, a single-shot timer at the deadline
 * (VCPUOP_set_singleshot_timer, else set_timer_op, else polling with SCHEDOP_yield), and the vCPU halted with
 * interrupts on until Xen's upcall vector arrives (traps.S takes it and clears the upcall flag). On an HVM vCPU
 * Xen handles `hlt` by blocking the vCPU as SCHEDOP_block does; `sti; hlt` is used rather than the hypercall
 * because `sti` holds interrupts off for one instruction, so an upcall that arrives just before cannot be taken
 * before the halt and leave the vCPU asleep with its event spent. No devices: nothing else is ready. */
#include "lib/platform/platform.h"
#include "targets/xen/bindings.h"
#include "targets/xen/evtchn.h"
#include "targets/xen/hypercall.h"

static uint32_t timer_port;

const char *xen_yield_init(void)
{
    struct evtchn_bind_virq bind = {.virq = VIRQ_TIMER, .vcpu = 0};
    if (xen_event_channel_op(EVTCHNOP_bind_virq, &bind) != 0 || !xen_evtchn_port_valid(bind.port))
        return "xen: cannot bind VIRQ_TIMER to an event channel";
    timer_port = bind.port;
    (void)xen_evtchn_test_and_clear(xen_shared_info()->evtchn_mask, timer_port);
    xen_shared_info()->vcpu_info[0].evtchn_upcall_mask = 0;
    if (xen_hvm_set_param(HVM_PARAM_CALLBACK_IRQ, HVM_PARAM_CALLBACK_TYPE_VECTOR | XEN_UPCALL_VECTOR) != 0)
        return "xen: HVM_PARAM_CALLBACK_IRQ refused the upcall vector";
    return 0;
}

bool platform_yield(uint64_t deadline, uint64_t *ready_set)
{
    volatile struct xen_shared_info *shared = xen_shared_info();
    *ready_set = 0;
    for (;;) {
        uint64_t now = platform_clock_monotonic();
        if (now >= deadline)
            return false;
        uint64_t system_deadline = deadline + xen_system_time_at_boot();
        if (system_deadline < deadline)
            system_deadline = UINT64_MAX; /* "never", as far as Xen's clock goes */
        /* Cleared before the timer is armed: an upcall after this point sets it again and wakes the halt. */
        shared->vcpu_info[0].evtchn_upcall_pending = 0;
        (void)__atomic_exchange_n(&shared->vcpu_info[0].evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        (void)xen_evtchn_test_and_clear(shared->evtchn_pending, timer_port);
        if (xen_set_singleshot_timer(system_deadline) != 0 && xen_set_timer_op(system_deadline) != 0) {
            (void)xen_sched_op(SCHEDOP_yield, 0); /* no timer: poll the clock */
            continue;
        }
        __asm__ __volatile__("sti; hlt; cli" ::: "memory");
    }
}
