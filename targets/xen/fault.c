/* fault.c: the report of a CPU exception: one line naming the vector, RIP, CR2 and error code, then the general
 * registers, on the Xen console; then the domain crashes. */
#include <stdint.h>

#include "targets/xen/bindings.h"

static void put_hex(const char *label, uint64_t value)
{
    static const char digits[] = "0123456789abcdef";
    char text[19] = {'0', 'x'};
    for (int i = 0; i < 16; i++)
        text[2 + i] = digits[(value >> (60 - 4 * i)) & 0xf];
    text[18] = '\0';
    xen_console_puts(label);
    xen_console_puts(text);
}

_Noreturn void xen_fault_report(const struct xen_trap_frame *frame)
{
    static bool reporting;
    uint64_t cr2;
    __asm__ __volatile__("mov %%cr2, %0" : "=r"(cr2));

    /* A fault while reporting one would loop: crash at once. */
    if (reporting)
        xen_crash();
    reporting = true;
    put_hex("\nxen: fault: vector ", frame->vector);
    put_hex(" at RIP ", frame->rip);
    put_hex(" CR2 ", cr2);
    put_hex(" error ", frame->error);
    put_hex("\n  rax ", frame->rax);
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
    xen_console_puts("\n");
    xen_crash();
}
