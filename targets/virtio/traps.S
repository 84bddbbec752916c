/* traps.S: the gate for CPL 3 and the interrupt handlers, all at CPL 0; the exception stubs are the shared ones
 * (lib/platform/x86_64/traps.S). */
#include "targets/virtio/cpu.h"

#define LAPIC_EOI 0xfee000b0
/* virtio-mmio registers (virtio_mmio.c). */
#define MMIO_INTERRUPT_STATUS 0x60
#define MMIO_INTERRUPT_ACK 0x64

    .section .text.virtio_traps, "ax", @progbits

    /* `int3` from CPL 3 (cpu.h), interrupts off, on the TSS's stack; touches no register but its operands. The
     * halt's sti has a one-instruction shadow, so an interrupt already pending wakes the hlt rather than slip
     * past it. */
    .globl virtio_gate
    .type virtio_gate, @function
virtio_gate:
    cmpl $VIRTIO_GATE_INB, %ecx
    je 1f
    cmpl $VIRTIO_GATE_OUTL, %ecx
    je 2f
    cmpl $VIRTIO_GATE_HALT, %ecx
    je 3f
    cmpl $VIRTIO_GATE_LOAD_PAGE_TABLES, %ecx
    je 4f
    outb %al, %dx
    iretq
1:  inb %dx, %al
    iretq
2:  outl %eax, %dx
    iretq
3:  sti
    hlt
    cli
    iretq
    /* Always the final tables' root (paging.c), so CPL 3 cannot switch to tables of its own. */
4:  pushq %rax
    leaq virtio_page_tables + VIRTIO_PT_PML4(%rip), %rax
    movq %rax, %cr3
    popq %rax
    iretq
    .size virtio_gate, . - virtio_gate

    /* The timer: acknowledge it; the gate's hlt then returns. */
    .globl virtio_interrupt
    .type virtio_interrupt, @function
virtio_interrupt:
    pushq %rax
    movl $LAPIC_EOI, %eax
    movl $0, (%rax)
    popq %rax
    iretq
    .size virtio_interrupt, . - virtio_interrupt

    /* A virtio-mmio device's interrupt (interrupts.c routes it, edge-triggered): acknowledge every transport in
     * virtio_interrupt_transports (a zero-ended list), so its line drops and the next buffer raises it again,
     * then the local APIC; the gate's hlt then returns and the caller polls the queues. */
    .globl virtio_device_interrupt
    .type virtio_device_interrupt, @function
virtio_device_interrupt:
    pushq %rax
    pushq %rcx
    pushq %rdx
    leaq virtio_interrupt_transports(%rip), %rdx
1:  movq (%rdx), %rcx
    testq %rcx, %rcx
    jz 2f
    movl MMIO_INTERRUPT_STATUS(%rcx), %eax
    movl %eax, MMIO_INTERRUPT_ACK(%rcx)
    addq $8, %rdx
    jmp 1b
2:  movl $LAPIC_EOI, %eax
    movl $0, (%rax)
    popq %rdx
    popq %rcx
    popq %rax
    iretq
    .size virtio_device_interrupt, . - virtio_device_interrupt

    /* The spurious vector needs no EOI. */
    .globl virtio_spurious_interrupt
    .type virtio_spurious_interrupt, @function
virtio_spurious_interrupt:
    iretq
    .size virtio_spurious_interrupt, . - virtio_spurious_interrupt

    .section .note.GNU-stack, "", @progbits
