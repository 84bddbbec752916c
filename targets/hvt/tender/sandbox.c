/* sandbox.c: the hvt tender's seccomp filter, installed once the VM is built: from then on the process may only run
 * the vCPU and make the system calls of the hypercall handlers, on the devices' descriptors within their bounds. A
 * guest that found a way to run code in the tender could do no more than the guest itself. */
#include <linux/kvm.h>
#include <seccomp.h>
#include <time.h>
#include <unistd.h>

#include "targets/hvt/tender/hvt_tender.h"
#include "targets/tender/seccomp/device_rules.h"

static void allow_on(scmp_filter_ctx filter, int syscall, scmp_datum_t first_argument, const char *what)
{
    struct scmp_arg_cmp on = SCMP_A0(SCMP_CMP_EQ, first_argument);
    tender_seccomp_allow(filter, syscall, 1, &on, what);
}

static void allow_vcpu_ioctl(scmp_filter_ctx filter, int vcpu_fd, unsigned long request, const char *what)
{
    struct scmp_arg_cmp on_vcpu[] = {
        SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vcpu_fd),
        SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)request),
    };
    tender_seccomp_allow(filter, SCMP_SYS(ioctl), 2, on_vcpu, what);
}

void hvt_install_seccomp(const struct hvt_guest *guest)
{
    /* First, while seccomp(2) is still allowed: the filter for block offsets' alignment. */
    tender_seccomp_load_block_alignment(&guest->devices);

    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (filter == NULL)
        tender_fail(TENDER_EXIT_ERROR, "cannot create a seccomp filter");

    allow_vcpu_ioctl(filter, guest->vm.vcpu_fd, KVM_RUN, "KVM_RUN");
    /* run.c reads the registers to say where a broken guest stopped. */
    allow_vcpu_ioctl(filter, guest->vm.vcpu_fd, KVM_GET_REGS, "KVM_GET_REGS");
    allow_vcpu_ioctl(filter, guest->vm.vcpu_fd, KVM_GET_SREGS, "KVM_GET_SREGS");
    allow_on(filter, SCMP_SYS(write), STDOUT_FILENO, "the console (PUTS)");
    allow_on(filter, SCMP_SYS(write), STDERR_FILENO, "the tender's error messages");
    /* WALLTIME; the vDSO answers without a system call unless the host's clock source forbids it. */
    allow_on(filter, SCMP_SYS(clock_gettime), CLOCK_REALTIME, "the wall clock (WALLTIME)");
    /* POLL and NET_EXCHANGE wait in ppoll, with no signal mask (argument 3). */
    struct scmp_arg_cmp no_signal_mask = SCMP_A3(SCMP_CMP_EQ, 0);
    tender_seccomp_allow(filter, SCMP_SYS(ppoll), 1, &no_signal_mask, "ppoll (POLL, NET_EXCHANGE)");
    tender_seccomp_allow(filter, SCMP_SYS(exit_group), 0, NULL, "exit_group (HALT, errors)");
    /* A frame NET_EXCHANGE flags for segmentation offload may be as long as the longest IPv4 datagram. */
    tender_seccomp_allow_devices(filter, &guest->devices, HVT_TAP_HEADER_SIZE, HVT_NET_OFFLOAD_FRAME_MAX);
    for (uint32_t i = 0; i < guest->devices.count && i < MIRAGE_MANIFEST_MAX_DEVICES; i++) {
        const struct mirage_boot_device *device = &guest->devices.devices[i];
        if (device->type != MIRAGE_DEVICE_NET)
            continue;
        /* NET_RECEIVE_OFFLOAD: exactly the offloads the guest's stack takes, on a tap. */
        struct scmp_arg_cmp offload[] = {
            SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)device->host_fd),
            SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)TUNSETOFFLOAD),
            SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)HVT_TAP_OFFLOADS),
        };
        tender_seccomp_allow(filter, SCMP_SYS(ioctl), 3, offload, "TUNSETOFFLOAD (NET_RECEIVE_OFFLOAD)");
        /* NET_EXCHANGE reads and writes the tap's header apart from the frame, which goes straight into and out
         * of guest memory. */
        struct scmp_arg_cmp on_tap = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)device->host_fd);
        tender_seccomp_allow(filter, SCMP_SYS(readv), 1, &on_tap, "readv (NET_EXCHANGE)");
        tender_seccomp_allow(filter, SCMP_SYS(writev), 1, &on_tap, "writev (NET_EXCHANGE)");
    }

    /* The context is never released: freeing it is no concern of a process that ends with the guest. */
    tender_seccomp_load(filter);
}
