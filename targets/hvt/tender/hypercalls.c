/* hypercalls.c: hypercall dispatch, and the calls that need no device: PUTS, WALLTIME and HALT. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "targets/hvt/tender/hvt_tender.h"

static void hypercall_puts(struct hvt_guest *guest, uint64_t argument)
{
    struct hvt_hc_puts call;
    hvt_guest_read(&guest->vm, argument, &call, sizeof call, "PUTS");
    const char *text = hvt_guest_range(&guest->vm, call.data, call.len, "PUTS");
    /* Best effort, as platform_console_write promises: a closed stdout must not stop the guest. */
    while (call.len > 0) {
        ssize_t written = write(STDOUT_FILENO, text, call.len);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return;
        text += written;
        call.len -= (uint64_t)written;
    }
}

static void hypercall_walltime(struct hvt_guest *guest, uint64_t argument)
{
    struct hvt_hc_walltime call;
    struct timespec now;
    hvt_guest_read(&guest->vm, argument, &call, sizeof call, "WALLTIME");
    clock_gettime(CLOCK_REALTIME, &now);
    call.nsecs = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    hvt_guest_write(&guest->vm, argument, &call, sizeof call, "WALLTIME");
}

static _Noreturn void hypercall_halt(struct hvt_guest *guest, uint64_t argument)
{
    struct hvt_hc_halt call;
    hvt_guest_read(&guest->vm, argument, &call, sizeof call, "HALT");
    if (call.aborted != 0)
        tender_fail(TENDER_EXIT_ABORT, "the guest aborted");
    exit(call.exit_status & 0xff); /* what a process's exit status keeps anyway */
}

static const struct {
    void (*handle)(struct hvt_guest *guest, uint64_t argument);
} hypercalls[HVT_HYPERCALL_MAX] = {
    [HVT_HYPERCALL_WALLTIME] = {hypercall_walltime},
    [HVT_HYPERCALL_PUTS] = {hypercall_puts},
    [HVT_HYPERCALL_POLL] = {hvt_hypercall_poll},
    [HVT_HYPERCALL_BLOCK_WRITE] = {hvt_hypercall_block_write},
    [HVT_HYPERCALL_BLOCK_READ] = {hvt_hypercall_block_read},
    [HVT_HYPERCALL_HALT] = {hypercall_halt},
    [HVT_HYPERCALL_NET_EXCHANGE] = {hvt_hypercall_net_exchange},
    [HVT_HYPERCALL_NET_RECEIVE_OFFLOAD] = {hvt_hypercall_net_receive_offload},
};

void hvt_hypercall_dispatch(struct hvt_guest *guest, uint32_t number, uint64_t argument)
{
    if (number >= HVT_HYPERCALL_MAX || hypercalls[number].handle == NULL)
        tender_fail(TENDER_EXIT_ABORT, "guest made unknown hypercall %u (I/O port 0x%x)", number,
                    HVT_HYPERCALL_PIO_BASE + number);
    hypercalls[number].handle(guest, argument);
}
