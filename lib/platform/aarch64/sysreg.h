/* sysreg.h: reading and writing aarch64 system registers, and the barriers around them. */
#ifndef MIRAGE_LIB_PLATFORM_AARCH64_SYSREG_H
#define MIRAGE_LIB_PLATFORM_AARCH64_SYSREG_H

#include <stdint.h>

#define AARCH64_READ_SYSREG(name)                                                                                      \
    ({                                                                                                                 \
        uint64_t value_;                                                                                               \
        __asm__ __volatile__("mrs %0, " #name : "=r"(value_));                                                         \
        value_;                                                                                                        \
    })

#define AARCH64_WRITE_SYSREG(name, value)                                                                              \
    __asm__ __volatile__("msr " #name ", %0" : : "r"((uint64_t)(value)) : "memory")

static inline void aarch64_isb(void)
{
    __asm__ __volatile__("isb" : : : "memory");
}

static inline void aarch64_dsb_sy(void)
{
    __asm__ __volatile__("dsb sy" : : : "memory");
}

#endif
