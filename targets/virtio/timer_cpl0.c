/* timer_cpl0.c: the CPL 0 half of the local APIC timer's setup: enable the APIC, with the timer masked. */
#include "targets/virtio/cpl0.h"

#include "targets/virtio/bindings.h"
#include "targets/virtio/lapic.h"

#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)

/* The APIC at its usual address, in xAPIC mode, software-enabled. */
void virtio_timer_init_cpl0(void)
{
    uint32_t low, high;
    __asm__ __volatile__("rdmsr" : "=a"(low), "=d"(high) : "c"(MSR_APIC_BASE));
    if ((low & APIC_BASE_X2APIC) != 0 || (((uint64_t)high << 32 | low) & ~UINT64_C(0xfff)) != LAPIC_ADDRESS)
        virtio_fail("virtio: the local APIC is in x2APIC mode or moved from 0xfee00000");
    if ((low & APIC_BASE_ENABLE) == 0)
        __asm__ __volatile__("wrmsr" : : "c"(MSR_APIC_BASE), "a"(low | APIC_BASE_ENABLE), "d"(high));
    lapic_write(LAPIC_TASK_PRIORITY, 0);
    lapic_write(LAPIC_SPURIOUS, LAPIC_SPURIOUS_ENABLE | VIRTIO_SPURIOUS_VECTOR);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VIRTIO_TIMER_VECTOR);
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_1);
}
