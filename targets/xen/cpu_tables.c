/* cpu_tables.c: the IDT's gates (the table is lib/platform/x86_64/idt.c): the 32 exception vectors to the shared
 * stubs, and Xen's upcall vector. Every other vector stays not present, so a stray interrupt is reported as the #NP
 * it raises. No TSS: the unikernel runs at CPL 0, so interrupts stay on its stack (built with -mno-red-zone). */
#include <stdint.h>

#include "lib/platform/x86_64/idt.h"
#include "targets/xen/bindings.h"

extern const uint8_t xen_upcall[];

void xen_cpu_tables_init(void)
{
    x86_idt_set_exceptions(0);
    x86_idt_set_gate(XEN_UPCALL_VECTOR, xen_upcall, X86_IDT_GATE_INTERRUPT_DPL0, 0);
    x86_idt_load();
}
