/* mmio.h: device register accessors, one explicit load or store each, so the compiler never merges, splits or
 * reorders an access to a device (a plain volatile access may become a pair or a writeback form the hardware
 * cannot report on). */
#ifndef MIRAGE_LIB_PLATFORM_AARCH64_MMIO_H
#define MIRAGE_LIB_PLATFORM_AARCH64_MMIO_H

#include <stdint.h>

static inline uint32_t mmio_read32(uint64_t address)
{
    uint32_t value;
    __asm__ __volatile__("ldr %w0, [%1]" : "=r"(value) : "r"(address) : "memory");
    return value;
}

static inline void mmio_write32(uint64_t address, uint32_t value)
{
    __asm__ __volatile__("str %w0, [%1]" : : "rZ"(value), "r"(address) : "memory");
}

#endif
