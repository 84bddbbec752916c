/* long_mode.h: the step from 32-bit protected mode into long mode that the PVH boards' start.S (targets/virtio,
 * targets/xen) share, as assembler macros: enable PAE and SSE, load the boot page tables, turn on long mode (and
 * NX where the CPU has it) and paging, then load the data segments and call the C half of boot. */
#ifndef MIRAGE_LIB_PLATFORM_X86_64_LONG_MODE_H
#define MIRAGE_LIB_PLATFORM_X86_64_LONG_MODE_H

#include "lib/platform/x86_gdt.h"

#define X86_CR0_PE 0x1
#define X86_CR0_MP 0x2
#define X86_CR0_EM 0x4
#define X86_CR0_NE 0x20
#define X86_CR0_WP 0x10000
#define X86_CR0_PG 0x80000000
#define X86_CR4_PAE 0x20
#define X86_CR4_OSFXSR 0x200
#define X86_CR4_OSXMMEXCPT 0x400
#define X86_MSR_EFER 0xc0000080
#define X86_EFER_LME 0x100
#define X86_EFER_NXE 0x800
#define X86_CPUID_LM (1 << 29) /* CPUID.80000001H:EDX */
#define X86_CPUID_NX (1 << 20) /* CPUID.80000001H:EDX */

#ifdef __ASSEMBLER__
/* Assembler, which clang-format would join into lines: */
/* clang-format off */

/* In 32-bit code, with CPUID.80000001H:EDX in %ebp: enter long mode with the identity map whose PML4 is at `pml4`,
 * load the GDT `gdt_pointer` points to (the layout of x86_gdt.h), and jump to the 64-bit `target`. Clobbers %eax,
 * %ecx and %edx. */
.macro x86_long_mode_enter pml4, gdt_pointer, target
    movl %cr4, %eax
    orl $(X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT), %eax
    movl %eax, %cr4
    movl $(\pml4), %eax
    movl %eax, %cr3
    movl $X86_MSR_EFER, %ecx
    rdmsr
    orl $X86_EFER_LME, %eax
    testl $X86_CPUID_NX, %ebp
    jz 1f
    orl $X86_EFER_NXE, %eax
1:  wrmsr
    movl %cr0, %eax
    andl $~X86_CR0_EM, %eax
    orl $(X86_CR0_PE | X86_CR0_MP | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG), %eax
    movl %eax, %cr0
    lgdt \gdt_pointer
    ljmp $GDT_KERNEL_CODE, $\target
.endm

/* First in 64-bit code: the kernel data segment in %ds, %es and %ss, null %fs and %gs, the stack at `stack_top`,
 * the x87 unit reset, then `entry` called with the 32-bit value kept in %esi (the start info's address). */
.macro x86_long_mode_call stack_top, entry
    movl $GDT_KERNEL_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    leaq \stack_top(%rip), %rsp
    xorl %ebp, %ebp
    fninit
    movl %esi, %edi
    call \entry
.endm

/* clang-format on */
#endif

#endif
