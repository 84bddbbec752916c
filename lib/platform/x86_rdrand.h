/* x86_rdrand.h: the CPU's RDRAND instruction, for the entropy of x86 freestanding ABIs. */
#ifndef MIRAGE_PLATFORM_X86_RDRAND_H
#define MIRAGE_PLATFORM_X86_RDRAND_H

#include <stdbool.h>
#include <stdint.h>

/* Intel's guidance: a healthy DRNG fails 10 attempts in a row with negligible probability. */
#define X86_RDRAND_RETRIES 10

/* Whether CPUID says the (virtual) CPU has RDRAND: CPUID.01H:ECX bit 30. */
static inline bool x86_has_rdrand(void)
{
    uint32_t eax = 1, ebx, ecx = 0, edx;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    (void)ebx;
    (void)edx;
    return ((ecx >> 30) & 1u) != 0;
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

#endif
