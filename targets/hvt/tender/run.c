/* run.c: the vCPU loop: hypercalls by port I/O, and one clear line for every way a guest can go wrong. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "targets/hvt/tender/hvt_tender.h"

static unsigned long long guest_rip(const struct hvt_vm *vm)
{
    struct kvm_regs regs;
    if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0)
        return 0;
    return regs.rip;
}

static unsigned long long guest_cr2(const struct hvt_vm *vm)
{
    struct kvm_sregs sregs;
    if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
        return 0;
    return sregs.cr2;
}

#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT 39 /* Linux 6.8; older headers (Debian 12's) lack it */
#endif

/* KVM's report of a guest access the host's mapping refused (Linux 6.8 and later), at the start of kvm_run's exit
 * union, like every exit's details; declared here since older headers lack it. */
struct memory_fault {
    uint64_t flags;
    uint64_t gpa;
    uint64_t size;
};

static _Noreturn void fail_read_only_write(const struct hvt_vm *vm, uint64_t address)
{
    tender_fail(TENDER_EXIT_ABORT,
                "guest wrote to its read-only text or data at 0x%llx (the host maps it read-only) "
                "at RIP 0x%llx",
                (unsigned long long)address, guest_rip(vm));
}

/* KVM_RUN failed with EFAULT: KVM could not map a guest access with the rights it needed. The tender maps all guest
 * memory read-write but the image's read-only pages, so it was a write there; kernels since 6.8 say where. */
static _Noreturn void fail_host_fault(const struct hvt_vm *vm)
{
    if (vm->run->exit_reason == KVM_EXIT_MEMORY_FAULT) {
        struct memory_fault fault;
        memcpy(&fault, &vm->run->hw, sizeof fault);
        if (hvt_guest_is_read_only(vm, fault.gpa))
            fail_read_only_write(vm, fault.gpa);
        tender_fail(TENDER_EXIT_ABORT,
                    "the host could not map guest-physical 0x%llx for the guest at RIP 0x%llx "
                    "(KVM_RUN: EFAULT)",
                    (unsigned long long)fault.gpa, guest_rip(vm));
    }
    tender_fail(TENDER_EXIT_ABORT,
                "guest wrote to memory the host maps read-only (its text or read-only data) at "
                "RIP 0x%llx; this kernel does not say the address (KVM_RUN: EFAULT)",
                guest_rip(vm));
}

/* An access KVM could not complete in guest memory: beyond it, or a write to the image's read-only pages, which
 * KVM treats like a read-only memory slot (an MMIO exit) since the host maps them read-only. */
static _Noreturn void fail_mmio(const struct hvt_vm *vm)
{
    const struct kvm_run *run = vm->run;

    if (run->mmio.phys_addr < vm->mem_size && hvt_guest_is_read_only(vm, run->mmio.phys_addr))
        fail_read_only_write(vm, run->mmio.phys_addr);
    tender_fail(TENDER_EXIT_ABORT, "guest accessed address 0x%llx outside its %llu MiB of memory at RIP 0x%llx",
                (unsigned long long)run->mmio.phys_addr, (unsigned long long)(vm->mem_size >> 20), guest_rip(vm));
}

static void handle_io(struct hvt_guest *guest)
{
    const struct kvm_run *run = guest->vm.run;
    uint16_t port = run->io.port;
    if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1 ||
        port <= HVT_HYPERCALL_PIO_BASE || port >= HVT_HYPERCALL_PIO_BASE + HVT_HYPERCALL_MAX)
        tender_fail(TENDER_EXIT_ABORT,
                    "guest accessed I/O port 0x%x that is no hypercall (%s of %u bytes) at RIP 0x%llx", port,
                    run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.size, guest_rip(&guest->vm));
    uint32_t argument;
    memcpy(&argument, (const uint8_t *)run + run->io.data_offset, sizeof argument);
    hvt_hypercall_dispatch(guest, port - HVT_HYPERCALL_PIO_BASE, argument);
}

_Noreturn void hvt_run(struct hvt_guest *guest)
{
    const struct hvt_vm *vm = &guest->vm;
    for (;;) {
        if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            if (errno == EFAULT)
                fail_host_fault(vm);
            tender_fail(TENDER_EXIT_ERROR, "KVM_RUN failed: %s", strerror(errno));
        }
        const struct kvm_run *run = vm->run;
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            handle_io(guest);
            break;
        case KVM_EXIT_HLT:
            tender_fail(TENDER_EXIT_ABORT, "guest halted the CPU without the HALT hypercall at RIP 0x%llx",
                        guest_rip(vm));
        case KVM_EXIT_SHUTDOWN:
            /* With no IDT, any exception escalates to a triple fault; RIP is where it happened. */
            tender_fail(TENDER_EXIT_ABORT,
                        "guest crashed (triple fault: an exception it could not handle) at RIP 0x%llx, CR2 0x%llx",
                        guest_rip(vm), guest_cr2(vm));
        case KVM_EXIT_MMIO:
            fail_mmio(vm);
        case KVM_EXIT_FAIL_ENTRY:
            tender_fail(TENDER_EXIT_ABORT, "KVM could not enter the guest (hardware reason 0x%llx)",
                        (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        case KVM_EXIT_INTERNAL_ERROR:
            tender_fail(TENDER_EXIT_ABORT, "KVM internal error %u while running the guest at RIP 0x%llx",
                        run->internal.suberror, guest_rip(vm));
        default:
            tender_fail(TENDER_EXIT_ABORT, "unexpected KVM exit %u at RIP 0x%llx", run->exit_reason, guest_rip(vm));
        }
    }
}
