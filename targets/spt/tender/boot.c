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
     * registers, so that neither operand can land in %rbp, which is cleared first. */
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "jmp *%1"
                     :
                     : "a"(layout->stack_top), "c"(entry), "D"(layout->boot_info)
                     : "memory");
    __builtin_unreachable();
}
