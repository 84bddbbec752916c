/* kvm.c: the KVM objects: /dev/kvm, the VM with its one memory slot, and the single vCPU with its run area. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "targets/hvt/tender/hvt_tender.h"

/* Enough for every CPUID leaf current KVM reports; KVM_GET_SUPPORTED_CPUID says E2BIG if not. */
#define HVT_CPUID_ENTRIES 100

void hvt_vm_create(struct hvt_vm *vm, uint64_t mem_size)
{
    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot open /dev/kvm: %s (hvt needs KVM and access to /dev/kvm)",
                    strerror(errno));
    int api_version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
    if (api_version < 0)
        tender_fail(TENDER_EXIT_ERROR, "/dev/kvm is not a KVM device (KVM_GET_API_VERSION: %s)", strerror(errno));
    if (api_version != KVM_API_VERSION)
        tender_fail(TENDER_EXIT_ERROR, "/dev/kvm has API version %d, hvt needs %d", api_version, KVM_API_VERSION);
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0)
        tender_fail(TENDER_EXIT_ERROR, "/dev/kvm cannot create a VM (KVM_CREATE_VM): %s", strerror(errno));

    /* Anonymous memory is already zero, and untouched pages cost nothing, so no memset and no MAP_POPULATE. */
    vm->mem_size = mem_size;
    vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (vm->mem == MAP_FAILED)
        tender_fail(TENDER_EXIT_ERROR, "cannot allocate %llu MiB of guest memory: %s",
                    (unsigned long long)(mem_size >> 20), strerror(errno));
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = mem_size,
        .userspace_addr = (uint64_t)(uintptr_t)vm->mem,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        tender_fail(TENDER_EXIT_ERROR, "KVM_SET_USER_MEMORY_REGION failed: %s", strerror(errno));
}

static void set_supported_cpuid(const struct hvt_vm *vm)
{
    size_t size = sizeof(struct kvm_cpuid2) + HVT_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2);
    struct kvm_cpuid2 *cpuid = calloc(1, size);
    if (cpuid == NULL)
        tender_fail(TENDER_EXIT_ERROR, "out of memory for the CPUID table");
    cpuid->nent = HVT_CPUID_ENTRIES;
    /* Passing the host's supported set lets the guest see RDRAND, the invariant TSC and SSE levels. */
    if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
        tender_fail(TENDER_EXIT_ERROR, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
    if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
        tender_fail(TENDER_EXIT_ERROR, "KVM_SET_CPUID2 failed: %s", strerror(errno));
    free(cpuid);
}

void hvt_vcpu_create(struct hvt_vm *vm)
{
    vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
    if (vm->vcpu_fd < 0)
        tender_fail(TENDER_EXIT_ERROR, "KVM_CREATE_VCPU failed: %s", strerror(errno));
    int run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < (int)sizeof(struct kvm_run))
        tender_fail(TENDER_EXIT_ERROR, "KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
    vm->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
    if (vm->run == MAP_FAILED)
        tender_fail(TENDER_EXIT_ERROR, "cannot map the vCPU run area: %s", strerror(errno));
    set_supported_cpuid(vm);
}

uint64_t hvt_vcpu_tsc_freq(const struct hvt_vm *vm)
{
    int khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
    if (khz <= 0)
        tender_fail(TENDER_EXIT_ERROR, "KVM_GET_TSC_KHZ failed: %s (the guest clock needs the TSC frequency)",
                    strerror(errno));
    return (uint64_t)khz * 1000u;
}
