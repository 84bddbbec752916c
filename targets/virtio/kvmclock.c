/* kvmclock.c: KVM's paravirtual clock (pvclock): registered at CPL 0 when CPUID shows KVM's signature and its clock
 * feature, then read at CPL 3 by clock.c and wall_clock.c. */
#include "targets/virtio/cpl0.h"

#include <stdbool.h>
#include <stdint.h>

#include "lib/platform/pvclock.h"
#include "lib/platform/x86_cpu.h"
#include "targets/virtio/bindings.h"

#define KVM_CPUID_SIGNATURE 0x40000000u
#define KVM_CPUID_FEATURES 0x40000001u
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00u
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u
#define KVM_SYSTEM_TIME_ENABLE 1u
#define NSECS_PER_SEC UINT64_C(1000000000)

/* The wall clock record KVM writes (Linux's struct pvclock_wall_clock); the time record is lib/platform's. */
struct pvclock_wall_clock {
    uint32_t version;
    uint32_t sec;
    uint32_t nsec;
} __attribute__((aligned(4)));

static volatile struct pvclock_vcpu_time_info kvmclock __attribute__((aligned(32)));
static volatile struct pvclock_wall_clock kvm_wall_clock;
static bool use_kvmclock;

static bool kvm_has_clock(void)
{
    uint32_t eax = KVM_CPUID_SIGNATURE, ebx, ecx = 0, edx;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    /* "KVMKVMKVM\0\0\0" in ebx, ecx, edx. */
    if (ebx != 0x4b4d564b || ecx != 0x564b4d56 || edx != 0x4d || eax < KVM_CPUID_FEATURES)
        return false;
    eax = KVM_CPUID_FEATURES;
    ecx = 0;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return (eax & KVM_FEATURE_CLOCKSOURCE2) != 0;
}

static void write_msr(uint32_t msr, uint64_t value)
{
    __asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

/* At CPL 0: tell KVM where to keep the clock; it writes the wall clock once, at this write. */
void virtio_kvmclock_init_cpl0(void)
{
    if (!kvm_has_clock())
        return;
    write_msr(MSR_KVM_WALL_CLOCK_NEW, (uint64_t)(uintptr_t)&kvm_wall_clock);
    write_msr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)(uintptr_t)&kvmclock | KVM_SYSTEM_TIME_ENABLE);
    use_kvmclock = true;
}

/* Nanoseconds since KVM's origin, from a snapshot taken while KVM was not updating the record. */
uint64_t virtio_kvmclock_read(void)
{
    struct pvclock_vcpu_time_info snapshot;
    while (!pvclock_snapshot(&kvmclock, &snapshot))
        ;
    return pvclock_nsecs(&snapshot, x86_read_tsc());
}

bool virtio_kvmclock_active(void)
{
    return use_kvmclock;
}

uint64_t virtio_kvmclock_wall(void)
{
    uint32_t version;
    uint64_t wall;
    do {
        version = kvm_wall_clock.version;
        wall = (uint64_t)kvm_wall_clock.sec * NSECS_PER_SEC + kvm_wall_clock.nsec;
    } while ((version & 1) != 0 || version != kvm_wall_clock.version);
    return wall;
}
