/* lapic.h: the local APIC's registers (xAPIC mode, at its usual address), for timer.c and timer_cpl0.c. */
#ifndef MIRAGE_TARGETS_VIRTIO_LAPIC_H
#define MIRAGE_TARGETS_VIRTIO_LAPIC_H

#include <stdint.h>

#define LAPIC_ADDRESS UINT64_C(0xfee00000)
#define LAPIC_TASK_PRIORITY 0x80
#define LAPIC_SPURIOUS 0xf0
#define LAPIC_SPURIOUS_ENABLE 0x100
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define LAPIC_DIVIDE_BY_1 0xb

static inline uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(uintptr_t)(LAPIC_ADDRESS + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t value)
{
    *(volatile uint32_t *)(uintptr_t)(LAPIC_ADDRESS + reg) = value;
}

#endif
