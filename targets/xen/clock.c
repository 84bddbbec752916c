/* clock.c: the clocks: the monotonic clock from vCPU 0's pvclock in shared info (Xen's system time, scaled from
 * the TSC), and the wall clock from shared info's wc_* fields, the wall time at system time 0. */
#include "lib/platform/platform.h"
#include "lib/platform/pvclock.h"
#include "lib/platform/x86_cpu.h"
#include "targets/xen/bindings.h"
#include "targets/xen/hypercall.h"

#define NSECS_PER_SEC UINT64_C(1000000000)
/* A host that keeps the version odd this long is broken: say so rather than hang. */
#define SNAPSHOT_ATTEMPTS 1000000
#define CLOCK_START_YIELDS 100

static uint64_t system_time_at_boot;

static uint64_t system_time(void)
{
    const volatile struct pvclock_vcpu_time_info *record = &xen_shared_info()->vcpu_info[0].time;
    struct pvclock_vcpu_time_info snapshot;
    for (int attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++)
        if (pvclock_snapshot(record, &snapshot))
            return pvclock_nsecs(&snapshot, x86_read_tsc());
    xen_fail("xen: the pvclock record stays inconsistent (odd or changing version)");
}

const char *xen_clock_init(void)
{
    /* Xen writes the record when it schedules the vCPU: a record not yet written gets one more chance per yield. */
    for (int attempt = 0; xen_shared_info()->vcpu_info[0].time.tsc_to_system_mul == 0; attempt++) {
        if (attempt == CLOCK_START_YIELDS)
            return "xen: the pvclock in shared info is not running (tsc_to_system_mul 0)";
        (void)xen_sched_op(SCHEDOP_yield, 0);
    }
    system_time_at_boot = system_time();
    return 0;
}

uint64_t xen_system_time_at_boot(void)
{
    return system_time_at_boot;
}

uint64_t platform_clock_monotonic(void)
{
    static uint64_t last;
    uint64_t now = system_time() - system_time_at_boot;
    /* Never backwards, even across a host's correction of the record. */
    if (now < last)
        now = last;
    last = now;
    return now;
}

uint64_t platform_clock_wall(void)
{
    volatile struct xen_shared_info *shared = xen_shared_info();
    uint64_t at_system_zero;
    for (int attempt = 0;; attempt++) {
        if (attempt == SNAPSHOT_ATTEMPTS)
            xen_fail("xen: the wall clock in shared info stays inconsistent (odd or changing wc_version)");
        uint32_t version = shared->wc_version;
        __asm__ __volatile__("" ::: "memory");
        uint64_t seconds = (uint64_t)shared->wc_sec_hi << 32 | shared->wc_sec;
        uint32_t nsecs = shared->wc_nsec;
        __asm__ __volatile__("" ::: "memory");
        if ((version & 1u) != 0 || version != shared->wc_version)
            continue;
        at_system_zero = seconds * NSECS_PER_SEC + (nsecs < NSECS_PER_SEC ? nsecs : 0);
        break;
    }
    return at_system_zero + system_time_at_boot + platform_clock_monotonic();
}
