/* boot.c: the spt tender's last steps: the boot info the guest reads at entry, and the jump into the guest. */
#include <string.h>

#include "targets/spt/tender/spt_tender.h"

void spt_write_boot_info(const struct spt_layout *layout, const char *cmdline)
{
    struct spt_boot_info *boot = (struct spt_boot_info *)(uintptr_t)layout->boot_info;

    boot->mem_size = layout->mem_size;
    boot->heap_start = layout->heap_start;
    boot->heap_size = layout->heap_size;
    boot->cmdline = layout->cmdline;
    memcpy((char *)(uintptr_t)layout->cmdline, cmdline, strlen(cmdline) + 1);
}

_Noreturn void spt_launch(uint64_t entry, const struct spt_layout *layout)
{
    /* The tender's stack and registers are abandoned: the guest never returns, it ends with exit_group. Fixed
     * registers for the operands, so that the rest can be cleared after the stack switch. */
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "xor %%eax, %%eax\n\t"
                     "xor %%ebx, %%ebx\n\t"
                     "xor %%edx, %%edx\n\t"
                     "xor %%esi, %%esi\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "xor %%r8d, %%r8d\n\t"
                     "xor %%r9d, %%r9d\n\t"
                     "xor %%r10d, %%r10d\n\t"
                     "xor %%r11d, %%r11d\n\t"
                     "xor %%r12d, %%r12d\n\t"
                     "xor %%r13d, %%r13d\n\t"
                     "xor %%r14d, %%r14d\n\t"
                     "xor %%r15d, %%r15d\n\t"
                     /* String functions move bytes through the SSE registers: argument text may be left there. */
                     "pxor %%xmm0, %%xmm0\n\t"
                     "pxor %%xmm1, %%xmm1\n\t"
                     "pxor %%xmm2, %%xmm2\n\t"
                     "pxor %%xmm3, %%xmm3\n\t"
                     "pxor %%xmm4, %%xmm4\n\t"
                     "pxor %%xmm5, %%xmm5\n\t"
                     "pxor %%xmm6, %%xmm6\n\t"
                     "pxor %%xmm7, %%xmm7\n\t"
                     "pxor %%xmm8, %%xmm8\n\t"
                     "pxor %%xmm9, %%xmm9\n\t"
                     "pxor %%xmm10, %%xmm10\n\t"
                     "pxor %%xmm11, %%xmm11\n\t"
                     "pxor %%xmm12, %%xmm12\n\t"
                     "pxor %%xmm13, %%xmm13\n\t"
                     "pxor %%xmm14, %%xmm14\n\t"
                     "pxor %%xmm15, %%xmm15\n\t"
                     "jmp *%1"
                     :
                     : "a"(layout->stack_top), "c"(entry), "D"(layout->boot_info)
                     : "memory");
    __builtin_unreachable();
}
