/* seccomp.c: the spt sandbox: a seccomp filter that kills the process on any system call but the few of
 * spt_abi.h, each allowed only with the arguments the guest legitimately uses. */
#include <asm/prctl.h>
#include <seccomp.h>
#include <time.h>

#include "targets/spt/tender/spt_tender.h"
#include "targets/tender/seccomp/device_rules.h"

static void allow_on_fd(scmp_filter_ctx filter, int syscall, int64_t fd, const char *what)
{
    struct scmp_arg_cmp on_fd = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fd);
    tender_seccomp_allow(filter, syscall, 1, &on_fd, what);
}

void spt_install_seccomp(const struct mirage_boot_devices *devices)
{
    /* First, while seccomp(2) is still allowed: the filter for block offsets' alignment. */
    tender_seccomp_load_block_alignment(devices);

    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (filter == NULL)
        tender_fail(TENDER_EXIT_ERROR, "cannot create a seccomp filter");

    allow_on_fd(filter, SCMP_SYS(write), 1, "the console");
    tender_seccomp_allow(filter, SCMP_SYS(exit_group), 0, NULL, "exit_group");
    allow_on_fd(filter, SCMP_SYS(clock_gettime), CLOCK_MONOTONIC, "the monotonic clock");
    allow_on_fd(filter, SCMP_SYS(clock_gettime), CLOCK_REALTIME, "the wall clock");
    /* No signal mask (argument 3): the guest has no reason to change which signals reach it. */
    struct scmp_arg_cmp no_signal_mask = SCMP_A3(SCMP_CMP_EQ, 0);
    tender_seccomp_allow(filter, SCMP_SYS(ppoll), 1, &no_signal_mask, "ppoll");
    struct scmp_arg_cmp no_flags = SCMP_A2(SCMP_CMP_EQ, 0);
    tender_seccomp_allow(filter, SCMP_SYS(getrandom), 1, &no_flags, "getrandom");
    /* The guest's own thread pointer: the tender's code (and its glibc's use of %fs) never runs after the jump. */
    struct scmp_arg_cmp set_fs = SCMP_A0(SCMP_CMP_EQ, ARCH_SET_FS);
    tender_seccomp_allow(filter, SCMP_SYS(arch_prctl), 1, &set_fs, "arch_prctl(ARCH_SET_FS)");
    tender_seccomp_allow_devices(filter, devices, 0, 0); /* the guest's taps have no header, nor offloads */

    /* seccomp_load's own system calls come before the filter takes effect; after it, libseccomp only frees a
     * small buffer (a malloc cache hit, no system call). The context is never released: the guest never returns. */
    tender_seccomp_load(filter);
}
