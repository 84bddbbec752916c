/* seccomp.c: the spt sandbox: a seccomp filter that kills the process on any system call but the few of
 * spt_abi.h, each allowed only with the arguments the guest legitimately uses. */
#include <errno.h>
#include <seccomp.h>
#include <string.h>
#include <time.h>

#include "targets/spt/tender/spt_tender.h"

static void allow(scmp_filter_ctx filter, int syscall, unsigned argument_count, const struct scmp_arg_cmp *argument,
                  const char *what)
{
    int result = seccomp_rule_add_array(filter, SCMP_ACT_ALLOW, syscall, argument_count, argument);
    if (result != 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot add the seccomp rule for %s: %s", what, strerror(-result));
}

static void allow_on_fd(scmp_filter_ctx filter, int syscall, int64_t fd, const char *what)
{
    struct scmp_arg_cmp on_fd = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fd);
    allow(filter, syscall, 1, &on_fd, what);
}

void spt_install_seccomp(const struct mirage_boot_devices *devices)
{
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (filter == NULL)
        tender_fail(TENDER_EXIT_ERROR, "cannot create a seccomp filter");

    allow_on_fd(filter, SCMP_SYS(write), 1, "the console");
    allow(filter, SCMP_SYS(exit_group), 0, NULL, "exit_group");
    allow_on_fd(filter, SCMP_SYS(clock_gettime), CLOCK_MONOTONIC, "the monotonic clock");
    allow_on_fd(filter, SCMP_SYS(clock_gettime), CLOCK_REALTIME, "the wall clock");
    /* No signal mask (argument 3): the guest has no reason to change which signals reach it. */
    struct scmp_arg_cmp no_signal_mask = SCMP_A3(SCMP_CMP_EQ, 0);
    allow(filter, SCMP_SYS(ppoll), 1, &no_signal_mask, "ppoll");
    struct scmp_arg_cmp no_flags = SCMP_A2(SCMP_CMP_EQ, 0);
    allow(filter, SCMP_SYS(getrandom), 1, &no_flags, "getrandom");

    for (uint32_t i = 0; i < devices->count; i++) {
        const struct mirage_boot_device *device = &devices->devices[i];
        if (device->type == MIRAGE_DEVICE_NET) {
            allow_on_fd(filter, SCMP_SYS(read), device->host_fd, device->name);
            allow_on_fd(filter, SCMP_SYS(write), device->host_fd, device->name);
        } else if (device->type == MIRAGE_DEVICE_BLOCK) {
            allow_on_fd(filter, SCMP_SYS(pread64), device->host_fd, device->name);
            allow_on_fd(filter, SCMP_SYS(pwrite64), device->host_fd, device->name);
        }
    }

    /* seccomp_load's own system calls come before the filter takes effect; after it, libseccomp only frees a
     * small buffer (a malloc cache hit, no system call). The context is never released: the guest never returns. */
    int result = seccomp_load(filter);
    if (result != 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot install the seccomp filter: %s", strerror(-result));
}
