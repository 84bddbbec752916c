/* clock.c: the monotonic clock: kvmclock (pvclock) when CPUID shows KVM's signature and its clock feature, else
 * the TSC, calibrated against the PIT at boot. */
#include "lib/platform/platform.h"
#include "lib/platform/x86_cpu.h"
#include "targets/virtio/bindings.h"

#define KVM_CPUID_SIGNATURE 0x40000000u
#define KVM_CPUID_FEATURES 0x40000001u
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00u
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u
#define KVM_SYSTEM_TIME_ENABLE 1u
#define NSECS_PER_SEC UINT64_C(1000000000)
#define CALIBRATION_NSECS UINT64_C(5000000)

/* The layouts KVM writes (Linux's struct pvclock_vcpu_time_info and pvclock_wall_clock). */
struct pvclock_vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad[2];
} __attribute__((aligned(32)));

struct pvclock_wall_clock {
    uint32_t version;
    uint32_t sec;
    uint32_t nsec;
} __attribute__((aligned(4)));

static volatile struct pvclock_vcpu_time_info kvmclock;
static volatile struct pvclock_wall_clock kvm_wall_clock;
static bool use_kvmclock;
static uint64_t clock_at_boot;
/* Nanoseconds per TSC tick as 32.32 fixed point, when the TSC is the source. */
static uint64_t nsecs_per_tick_32_32;

VIRTIO_CPL0 static bool kvm_has_clock(void)
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

VIRTIO_CPL0 static void write_msr(uint32_t msr, uint64_t value)
{
    __asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

/* At CPL 0: tell KVM where to keep the clock; it writes the wall clock once, at this write. */
VIRTIO_CPL0 void virtio_clock_init_cpl0(void)
{
    if (!kvm_has_clock())
        return;
    write_msr(MSR_KVM_WALL_CLOCK_NEW, (uint64_t)(uintptr_t)&kvm_wall_clock);
    write_msr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)(uintptr_t)&kvmclock | KVM_SYSTEM_TIME_ENABLE);
    use_kvmclock = true;
}

/* Nanoseconds since KVM's origin; the version is odd while KVM updates the record. */
static uint64_t kvmclock_read(void)
{
    uint32_t version;
    uint64_t nsecs;
    do {
        version = kvmclock.version;
        __asm__ __volatile__("" ::: "memory");
        uint64_t delta = x86_read_tsc() - kvmclock.tsc_timestamp;
        int8_t shift = kvmclock.tsc_shift;
        delta = shift >= 0 ? delta << shift : delta >> -shift;
        nsecs = kvmclock.system_time + (uint64_t)(((unsigned __int128)delta * kvmclock.tsc_to_system_mul) >> 32);
        __asm__ __volatile__("" ::: "memory");
    } while ((version & 1) != 0 || version != kvmclock.version);
    return nsecs;
}

static uint64_t clock_read(void)
{
    if (use_kvmclock)
        return kvmclock_read();
    return (uint64_t)(((unsigned __int128)x86_read_tsc() * nsecs_per_tick_32_32) >> 32);
}

const char *virtio_clock_init(void)
{
    if (!use_kvmclock) {
        uint64_t ticks = virtio_pit_measure_tsc(CALIBRATION_NSECS);
        if (ticks == 0)
            return "virtio: no kvmclock and no PIT to calibrate the TSC against";
        uint64_t tsc_freq = ticks * (NSECS_PER_SEC / CALIBRATION_NSECS);
        nsecs_per_tick_32_32 = (NSECS_PER_SEC << 32) / tsc_freq;
    }
    clock_at_boot = clock_read();
    return 0;
}

uint64_t virtio_kvmclock_wall_at_boot(void)
{
    if (!use_kvmclock)
        return 0;
    uint32_t version;
    uint64_t wall;
    do {
        version = kvm_wall_clock.version;
        wall = (uint64_t)kvm_wall_clock.sec * NSECS_PER_SEC + kvm_wall_clock.nsec;
    } while ((version & 1) != 0 || version != kvm_wall_clock.version);
    /* The wall clock is the time at kvmclock 0; the monotonic clock started at clock_at_boot. */
    return wall + clock_at_boot;
}

uint64_t platform_clock_monotonic(void)
{
    static uint64_t last;
    uint64_t now = clock_read() - clock_at_boot;
    /* Never backwards, even across a host's correction of the kvmclock record. */
    if (now < last)
        now = last;
    last = now;
    return now;
}
