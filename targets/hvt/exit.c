/* exit.c: ending the unikernel with the HALT hypercall, normally or as an abort. */
#include "lib/platform/platform.h"
#include "targets/hvt/bindings.h"
#include "targets/hvt/hypercall.h"

static _Noreturn void halt(int status, uint32_t aborted)
{
    struct hvt_hc_halt call = {
        .exit_status = status,
        .aborted = aborted,
    };
    /* The tender never resumes a halted guest; asking again keeps this function from returning if it did. */
    for (;;)
        hvt_hypercall(HVT_HYPERCALL_HALT, &call);
}

_Noreturn void platform_exit(int status)
{
    /* Frames written just before exiting (a last reply) are still queued in the net binding. */
    hvt_net_flush();
    halt(status, 0);
}

_Noreturn void platform_abort(void)
{
    halt(255, 1);
}
