/* forbidden_syscall_spt.c: calls getpid(2), which the spt seccomp filter does not allow: the process must die. */
#include <stdint.h>

#include "devices/console.h"

int forbidden_syscall_start(struct console *console)
{
    static const char line[] = "forbidden_syscall: calling getpid\n";
    long result;

    console_write(console, line, sizeof(line) - 1);
    __asm__ volatile("syscall" : "=a"(result) : "a"(39L) : "rcx", "r11", "memory");
    return result > 0 ? 0 : 1;
}
