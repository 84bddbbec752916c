/* syscall.h: the raw Linux x86_64 system calls the spt guest makes, as inline `syscall` instructions (no libc, no
 * vDSO). Each returns the kernel's result: a value >= 0, or -errno. The seccomp filter allows only these. */
#ifndef MIRAGE_TARGETS_SPT_SYSCALL_H
#define MIRAGE_TARGETS_SPT_SYSCALL_H

#include <stddef.h>
#include <stdint.h>

enum spt_syscall_number {
    SPT_SYS_READ = 0,
    SPT_SYS_WRITE = 1,
    SPT_SYS_PREAD64 = 17,
    SPT_SYS_PWRITE64 = 18,
    SPT_SYS_ARCH_PRCTL = 158,
    SPT_SYS_CLOCK_GETTIME = 228,
    SPT_SYS_EXIT_GROUP = 231,
    SPT_SYS_PPOLL = 271,
    SPT_SYS_GETRANDOM = 318,
};

enum {
    SPT_EINTR = 4,
    SPT_EAGAIN = 11,
    SPT_CLOCK_REALTIME = 0,
    SPT_CLOCK_MONOTONIC = 1,
    SPT_POLLIN = 0x1,
    SPT_ARCH_SET_FS = 0x1002,
};

/* The kernel's struct timespec and struct pollfd on x86_64. */
struct spt_timespec {
    int64_t seconds;
    int64_t nanoseconds;
};

struct spt_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};

static inline int64_t spt_syscall3(int64_t number, uint64_t a, uint64_t b, uint64_t c)
{
    int64_t result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return result;
}

static inline int64_t spt_syscall5(int64_t number, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    register uint64_t r10 __asm__("r10") = d;
    register uint64_t r8 __asm__("r8") = e;
    int64_t result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return result;
}

#endif
