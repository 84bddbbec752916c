/* sysreg.h: reading and writing aarch64 system registers, and the barriers the boot code needs. */
#ifndef MIRAGE_TARGETS_VIRT_ARM64_SYSREG_H
#define MIRAGE_TARGETS_VIRT_ARM64_SYSREG_H

#include <stdint.h>

#define SYSREG_READ(name)                                                                                              \
    ({                                                                                                                 \
        uint64_t value_;                                                                                               \
        __asm__ __volatile__("mrs %0, " #name : "=r"(value_));                                                         \
        value_;                                                                                                        \
    })

#define SYSREG_WRITE(name, value) __asm__ __volatile__("msr " #name ", %0" : : "r"((uint64_t)(value)) : "memory")

static inline void isb(void)
{
    __asm__ __volatile__("isb" : : : "memory");
}

static inline void dsb_sy(void)
{
    __asm__ __volatile__("dsb sy" : : : "memory");
}

static inline uint32_t mmio_read32(uintptr_t address)
{
    return *(volatile const uint32_t *)address;
}

static inline void mmio_write32(uintptr_t address, uint32_t value)
{
    *(volatile uint32_t *)address = value;
}

#endif
