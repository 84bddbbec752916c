/* forbidden_syscall_spt.c: makes a system call the spt seccomp filter does not allow, as the `call` key says:
 * getpid(2), or arch_prctl(2) with an operation other than ARCH_SET_FS (the one the filter admits). The process
 * must die. */
#include <stdint.h>
#include <string.h>

#include "devices/console.h"
#include "lib/runtime/mirage.h"

#define SYS_GETPID 39L
#define SYS_ARCH_PRCTL 158L
#define ARCH_SET_GS 0x1001L

int forbidden_syscall_start(struct console *console)
{
    const char *call = mirage_key_string("call");
    static const char before[] = "forbidden_syscall: calling ";
    long result;

    console_write(console, before, sizeof(before) - 1);
    console_write(console, call, strlen(call));
    console_write(console, "\n", 1);
    if (strcmp(call, "arch_prctl_set_gs") == 0) {
        static uint64_t gs_block;
        __asm__ volatile("syscall"
                         : "=a"(result)
                         : "a"(SYS_ARCH_PRCTL), "D"(ARCH_SET_GS), "S"((uintptr_t)&gs_block)
                         : "rcx", "r11", "memory");
        return result == 0 ? 0 : 1;
    }
    __asm__ volatile("syscall" : "=a"(result) : "a"(SYS_GETPID) : "rcx", "r11", "memory");
    return result > 0 ? 0 : 1;
}
