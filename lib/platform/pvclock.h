/* pvclock.h: the paravirtual clock record that KVM (kvmclock) and Xen (vcpu_time_info in shared_info) keep for
 * each vCPU, and its arithmetic: a consistent snapshot (the version is odd while the host writes) and the scaling
 * of a TSC delta to nanoseconds. Pure and inline, for virtio's CPL 0 code and Xen alike, and for host tests. */
#ifndef MIRAGE_PLATFORM_PVCLOCK_H
#define MIRAGE_PLATFORM_PVCLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Linux's struct pvclock_vcpu_time_info, Xen's struct vcpu_time_info: the same 32 bytes. */
struct pvclock_vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad[2];
};

_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "the host's layout");

/* `delta` TSC ticks in nanoseconds: shifted by `shift` (left when positive), then times `mul` / 2^32. A shift
 * outside -63..63 from a broken host saturates the delta instead of shifting by more than its width. */
static inline uint64_t pvclock_scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift >= 64 || shift <= -64)
        delta = shift > 0 ? (delta != 0 ? UINT64_MAX : 0) : 0;
    else if (shift > 0)
        delta = delta > (UINT64_MAX >> shift) ? UINT64_MAX : delta << shift;
    else if (shift < 0)
        delta >>= -shift;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/* A copy of the record, taken while the host was not writing it: false when the version was odd or changed during
 * the copy (the caller reads again). */
static inline bool pvclock_snapshot(const volatile struct pvclock_vcpu_time_info *record,
                                    struct pvclock_vcpu_time_info *copy)
{
    uint32_t version = record->version;
    __asm__ __volatile__("" ::: "memory");
    copy->tsc_timestamp = record->tsc_timestamp;
    copy->system_time = record->system_time;
    copy->tsc_to_system_mul = record->tsc_to_system_mul;
    copy->tsc_shift = record->tsc_shift;
    copy->flags = record->flags;
    __asm__ __volatile__("" ::: "memory");
    copy->version = version;
    return (version & 1u) == 0 && version == record->version;
}

/* The host's system time in nanoseconds at TSC value `tsc`, from a consistent snapshot. A TSC behind the record's
 * timestamp (another vCPU's TSC, a host that moved it) counts as no time passed, not as 2^64 ticks. */
static inline uint64_t pvclock_nsecs(const struct pvclock_vcpu_time_info *snapshot, uint64_t tsc)
{
    uint64_t delta = tsc > snapshot->tsc_timestamp ? tsc - snapshot->tsc_timestamp : 0;
    return snapshot->system_time + pvclock_scale_delta(delta, snapshot->tsc_to_system_mul, snapshot->tsc_shift);
}

#endif
