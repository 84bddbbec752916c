/* start.S: the PVH entry point. Xen enters xen_pvh_start in 32-bit protected mode, paging off, with %ebx = the
 * physical address of struct hvm_start_info. This file maps the first 4 GiB with 2 MiB pages (paging.c refines
 * the map), enters long mode with SSE on, and calls xen_start (boot.c) at CPL 0, where the unikernel stays. */
#include "lib/platform/x86_64/long_mode.h"
#include "targets/xen/bindings.h"

#define PTE_TABLE 0x3     /* present, writable */
#define PTE_LARGE_RW 0x83 /* present, writable, 2 MiB */

    .section .text.boot, "ax", @progbits
    .code32
    .globl xen_pvh_start
    .type xen_pvh_start, @function
xen_pvh_start:
    cli
    cld
    movl %ebx, %esi            /* the start info, kept for xen_start */

    /* Without long mode nothing can be reported (the console needs hypercalls, which need 64-bit code here):
     * halt, and Xen shows the domain blocked forever. Every 64-bit Xen host has it. */
    movl $0x80000001, %eax
    cpuid
    movl %edx, %ebp
    testl $X86_CPUID_LM, %edx
    jz 9f

    /* PML4[0] -> PDPT -> four page directories of 2 MiB pages: the first 4 GiB, identity. .bss is zero: Xen's
     * loader fills every segment beyond its file size with zeros, as ELF requires. */
    movl $(xen_boot_page_tables + XEN_BOOT_PDPT + PTE_TABLE), xen_boot_page_tables + XEN_BOOT_PML4
    movl $(xen_boot_page_tables + XEN_BOOT_PD + PTE_TABLE), %eax
    xorl %ecx, %ecx
1:  movl %eax, xen_boot_page_tables + XEN_BOOT_PDPT(, %ecx, 8)
    addl $XEN_PAGE_SIZE, %eax
    incl %ecx
    cmpl $4, %ecx
    jb 1b
    movl $PTE_LARGE_RW, %eax
    xorl %ecx, %ecx
1:  movl %eax, xen_boot_page_tables + XEN_BOOT_PD(, %ecx, 8)
    addl $0x200000, %eax
    incl %ecx
    cmpl $(4 * 512), %ecx
    jb 1b

    x86_long_mode_enter xen_boot_page_tables + XEN_BOOT_PML4, xen_gdt_pointer, long_mode

9:  hlt
    jmp 9b
    .size xen_pvh_start, . - xen_pvh_start

    .code64
    .type long_mode, @function
long_mode:
    x86_long_mode_call xen_boot_stack + XEN_BOOT_STACK_SIZE, xen_start
    ud2
    .size long_mode, . - long_mode

    .section .rodata.xen_gdt_pointer, "a", @progbits
    .balign 8
xen_gdt_pointer:
    .word xen_gdt_end - xen_gdt - 1
    .quad xen_gdt

    .section .rodata.xen_gdt, "a", @progbits
    .balign 16
xen_gdt:
    x86_gdt_descriptors
xen_gdt_end:

    .section .bss.xen_boot, "aw", @nobits
    .balign XEN_PAGE_SIZE
    .globl xen_boot_page_tables
xen_boot_page_tables:
    .skip XEN_BOOT_PAGE_TABLES_SIZE
    .globl xen_boot_stack
xen_boot_stack:
    .skip XEN_BOOT_STACK_SIZE

    .section .note.GNU-stack, "", @progbits
