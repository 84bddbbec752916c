/* fault.c: the report of a CPU exception: one line naming the vector, RIP, CR2, error code and privilege level,
 * then the general registers, on the board's console; then the board ends the guest. Runs at CPL 0 on the stack
 * the board's IDT gives exceptions, built as CPL 0 code (virtio's CPL 0 has no SSE). */
/* virtio runs this at CPL 0, where it has no SSE (targets/virtio/cpl0.h says why): */
#pragma GCC target("general-regs-only")
#pragma GCC optimize("no-stack-protector")

#include <stdbool.h>
#include <stdint.h>

#include "lib/platform/x86_64/traps.h"

static const char *const mnemonics[X86_EXCEPTION_VECTORS] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

static void put_hex(const char *label, uint64_t value)
{
    static const char digits[] = "0123456789abcdef";
    char text[19] = {'0', 'x'};
    for (int i = 0; i < 16; i++)
        text[2 + i] = digits[(value >> (60 - 4 * i)) & 0xf];
    text[18] = '\0';
    x86_board_fault_puts(label);
    x86_board_fault_puts(text);
}

static void put_decimal(uint64_t value)
{
    char text[21];
    int at = 20;
    text[at] = '\0';
    do {
        text[--at] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0 && at > 0);
    x86_board_fault_puts(&text[at]);
}

_Noreturn void x86_fault_report(const struct x86_trap_frame *frame)
{
    static bool reporting;
    uint64_t cr2;
    __asm__ __volatile__("mov %%cr2, %0" : "=r"(cr2));

    /* A fault while reporting one would loop: end at once. */
    if (reporting)
        x86_board_fault_end();
    reporting = true;

    x86_board_fault_puts("\n");
    x86_board_fault_puts(x86_board_name);
    x86_board_fault_puts(": fault: vector ");
    put_decimal(frame->vector);
    x86_board_fault_puts(" (");
    x86_board_fault_puts(frame->vector < X86_EXCEPTION_VECTORS ? mnemonics[frame->vector] : "?");
    put_hex(") at RIP ", frame->rip);
    put_hex(" CR2 ", cr2);
    put_hex(" error ", frame->error);
    x86_board_fault_puts((frame->cs & 3) == 3 ? " (CPL 3)\n" : " (CPL 0)\n");
    put_hex("  rax ", frame->rax);
    put_hex(" rbx ", frame->rbx);
    put_hex(" rcx ", frame->rcx);
    put_hex(" rdx ", frame->rdx);
    put_hex("\n  rsi ", frame->rsi);
    put_hex(" rdi ", frame->rdi);
    put_hex(" rbp ", frame->rbp);
    put_hex(" rsp ", frame->rsp);
    put_hex("\n  r8  ", frame->r8);
    put_hex(" r9  ", frame->r9);
    put_hex(" r10 ", frame->r10);
    put_hex(" r11 ", frame->r11);
    put_hex("\n  r12 ", frame->r12);
    put_hex(" r13 ", frame->r13);
    put_hex(" r14 ", frame->r14);
    put_hex(" r15 ", frame->r15);
    put_hex("\n  rflags ", frame->rflags);
    put_hex(" cs ", frame->cs);
    put_hex(" ss ", frame->ss);
    x86_board_fault_puts("\n");
    x86_board_fault_end();
}
