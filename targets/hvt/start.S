/* start.S: the image's entry point and its only CPL 0 code. The tender enters _start in 64-bit long mode at
 * CPL 0 with %rdi = the guest-physical address of struct hvt_boot_info and %rsp = the top of guest memory
 * (hvt_abi.h). The startup installs its own GDT, TSS and IDT, then runs the unikernel at CPL 3: some KVM hosts
 * (PVM, used for nested virtualisation) emulate CPL 0 code one instruction at a time and without SSE, but run
 * CPL 3 code natively. A hypercall from CPL 3 is `int3` with the outl's operands in %eax and %dx; the vector 3
 * gate does the `outl` at CPL 0 and returns. */

#include "lib/platform/x86_gdt.h"

#define TSS_RSP0_OFFSET 4
#define IDT_ENTRIES 32
#define HYPERCALL_VECTOR 3
#define MSR_FS_BASE 0xc0000100
#define GATE_INTERRUPT_DPL3 0xee00 /* present, DPL 3, 64-bit interrupt gate, IST 0 */
#define RFLAGS_RESERVED 0x2        /* IF = 0, IOPL = 0 */

    .section .text.boot, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    cld
    lgdt hvt_gdt_pointer(%rip)

    /* The TSS descriptor's base is split over three fields, so it is filled here rather than by the linker. */
    leaq hvt_tss(%rip), %rax
    movw %ax, hvt_gdt + GDT_TSS_OFFSET + 2(%rip)
    shrq $16, %rax
    movb %al, hvt_gdt + GDT_TSS_OFFSET + 4(%rip)
    movb %ah, hvt_gdt + GDT_TSS_OFFSET + 7(%rip)
    shrq $16, %rax
    movl %eax, hvt_gdt + GDT_TSS_OFFSET + 8(%rip)
    leaq hvt_trap_stack_top(%rip), %rax
    movq %rax, hvt_tss + TSS_RSP0_OFFSET(%rip)
    movw $GDT_TSS, %ax
    ltr %ax

    /* The hypercall gate; other vectors stay not present, so an exception ends in a triple fault that the
     * tender reports with its RIP. */
    leaq hvt_hypercall_trap(%rip), %rax
    movw %ax, hvt_idt + HYPERCALL_VECTOR * 16(%rip)
    movw $GDT_KERNEL_CODE, hvt_idt + HYPERCALL_VECTOR * 16 + 2(%rip)
    movw $GATE_INTERRUPT_DPL3, hvt_idt + HYPERCALL_VECTOR * 16 + 4(%rip)
    shrq $16, %rax
    movw %ax, hvt_idt + HYPERCALL_VECTOR * 16 + 6(%rip)
    shrq $16, %rax
    movl %eax, hvt_idt + HYPERCALL_VECTOR * 16 + 8(%rip)
    lidt hvt_idt_pointer(%rip)

    /* %fs at lib/libc's thread block: code built for hosted Linux (Debian's archives) reads its canary at
     * %fs:0x28. Only CPL 0 can write the FS base; nothing reloads %fs afterwards. */
    leaq libc_thread_block(%rip), %rax
    movq %rax, %rdx
    shrq $32, %rdx
    movl $MSR_FS_BASE, %ecx
    wrmsr

    /* To CPL 3 on the same stack, interrupts off; %rdi still holds the boot info. */
    movq %rsp, %rax
    pushq $GDT_USER_DATA
    pushq %rax
    pushq $RFLAGS_RESERVED
    pushq $GDT_USER_CODE
    leaq hvt_user_start(%rip), %rax
    pushq %rax
    iretq

hvt_user_start:
    xorl %ebp, %ebp           /* ends frame-pointer walks here */
    andq $-16, %rsp           /* the C ABI's stack alignment at a call */
    call hvt_start            /* never returns */
    ud2
    .size _start, . - _start

    /* Entered by `int3` from CPL 3 on the TSS's stack; touches no register but the port I/O. */
    .type hvt_hypercall_trap, @function
hvt_hypercall_trap:
    outl %eax, %dx
    iretq
    .size hvt_hypercall_trap, . - hvt_hypercall_trap

    .section .rodata.hvt_descriptor_pointers, "a", @progbits
    .align 8
hvt_gdt_pointer:
    .word hvt_gdt_end - hvt_gdt - 1
    .quad hvt_gdt
hvt_idt_pointer:
    .word IDT_ENTRIES * 16 - 1
    .quad hvt_idt

    /* Writable: _start fills in the TSS descriptor, and the CPU marks it busy. */
    .section .data.hvt_gdt, "aw", @progbits
    .align 16
hvt_gdt:
    x86_gdt_descriptors
hvt_gdt_end:

    .section .bss.hvt_cpu_tables, "aw", @nobits
    .align 16
hvt_idt:
    .space IDT_ENTRIES * 16
hvt_tss:
    .space 104
    .align 16
hvt_trap_stack:
    .space 1024             /* the hypercall gate needs only its 40-byte frame */
hvt_trap_stack_top:

    .section .note.GNU-stack, "", @progbits
