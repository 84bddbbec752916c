/* x86_cpu.h: the x86 instructions freestanding ABIs share: the TSC, and entropy from RDRAND. */
#ifndef MIRAGE_PLATFORM_X86_CPU_H
#define MIRAGE_PLATFORM_X86_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Intel's guidance: a healthy DRNG fails 10 attempts in a row with negligible probability. */
#define X86_RDRAND_RETRIES 10

/* The time-stamp counter. */
static inline uint64_t x86_read_tsc(void)
{
    uint32_t low, high;
    __asm__ __volatile__("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}

/* Whether CPUID says the (virtual) CPU has RDRAND: CPUID.01H:ECX bit 30. */
static inline bool x86_has_rdrand(void)
{
    uint32_t eax = 1, ebx, ecx = 0, edx;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    (void)ebx;
    (void)edx;
    return ((ecx >> 30) & 1u) != 0;
}

/* x86_has_rdrand, asked once per file that uses it: CPUID exits to the host. */
static inline bool x86_rdrand_available(void)
{
    static int known = -1;
    if (known < 0)
        known = x86_has_rdrand() ? 1 : 0;
    return known == 1;
}

/* One 64-bit random value, retried as Intel advises; false if the DRNG keeps failing. */
static inline bool x86_rdrand64(uint64_t *out)
{
    for (int attempt = 0; attempt < X86_RDRAND_RETRIES; attempt++) {
        uint64_t value;
        uint8_t ok;
        __asm__ __volatile__("rdrand %0; setc %1" : "=r"(value), "=qm"(ok) : : "cc");
        if (ok) {
            *out = value;
            return true;
        }
    }
    return false;
}

/* Fill `len` bytes from a source of 64-bit values, least significant byte first; false if `next` fails. */
static inline bool x86_fill_words(void *buf, size_t len, bool (*next)(uint64_t *value))
{
    uint8_t *out = buf;
    while (len > 0) {
        uint64_t value;
        if (!next(&value))
            return false;
        size_t chunk = len < sizeof value ? len : sizeof value;
        for (size_t i = 0; i < chunk; i++)
            out[i] = (uint8_t)(value >> (8 * i));
        out += chunk;
        len -= chunk;
    }
    return true;
}

/* Fill `len` bytes from RDRAND (the caller checked x86_has_rdrand); false if the DRNG keeps failing. */
static inline bool x86_rdrand_fill(void *buf, size_t len)
{
    return x86_fill_words(buf, len, x86_rdrand64);
}

#endif
