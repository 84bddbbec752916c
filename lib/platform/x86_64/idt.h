/* idt.h: the x86_64 interrupt descriptor table the PVH boards (targets/virtio, targets/xen) share: one table of 256
 * gates, every vector not present until the board sets it, so a stray interrupt raises the #NP that names it. */
#ifndef MIRAGE_LIB_PLATFORM_X86_64_IDT_H
#define MIRAGE_LIB_PLATFORM_X86_64_IDT_H

#include <stdint.h>

/* Gate types: an interrupt gate (interrupts off on entry) that only CPL 0, or also CPL 3 (`int N`), may raise. */
#define X86_IDT_GATE_INTERRUPT_DPL0 0x8e
#define X86_IDT_GATE_INTERRUPT_DPL3 0xee

/* Point `vector` at `handler` in the kernel code segment, of gate `type`, on the TSS's interrupt stack `ist` (1-7),
 * or 0 for the current stack (or TSS.rsp0 from CPL 3). */
void x86_idt_set_gate(uint8_t vector, const void *handler, uint8_t type, uint8_t ist);

/* Point the 32 exception vectors at the shared stubs (traps.h): CPL 0 interrupt gates on stack `ist`. */
void x86_idt_set_exceptions(uint8_t ist);

/* Load the table into the CPU (lidt). Callable at CPL 0 only, built without SSE (virtio's CPL 0 has none). */
void x86_idt_load(void);

#endif
