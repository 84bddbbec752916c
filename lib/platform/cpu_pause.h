/* cpu_pause.h: the hint a loop gives the CPU while it spins waiting on memory a device writes (x86's pause,
 * aarch64's yield), for the drivers shared by ABIs of both architectures. */
#ifndef MIRAGE_PLATFORM_CPU_PAUSE_H
#define MIRAGE_PLATFORM_CPU_PAUSE_H

static inline void cpu_pause(void)
{
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" : : : "memory");
#else
#error "lib/platform/cpu_pause.h: no spin-wait hint for this architecture"
#endif
}

#endif
