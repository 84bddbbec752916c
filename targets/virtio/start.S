/* start.S: the PVH entry point. QEMU enters virtio_pvh_start in 32-bit protected mode, paging off, with %ebx = the
 * physical address of struct hvm_start_info. This file maps the first 4 GiB with 2 MiB pages, enters long mode,
 * runs the CPL 0 half of boot (virtio_boot_cpl0) and then runs the unikernel at CPL 3: KVM hosts built on PVM
 * (nested virtualisation, as on our CI machines) emulate CPL 0 code one instruction at a time and without SSE,
 * but run CPL 3 code natively (targets/hvt/README.md). */
#include "lib/platform/x86_64/long_mode.h"
#include "targets/virtio/cpu.h"
#include "targets/virtio/pvh_abi.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578

#define CPUID_PAGE_1GB (1 << 26)

#define PTE_TABLE 0x7 /* present, writable, user */
#define PTE_LARGE_RW 0x87 /* present, writable, user, large (2 MiB or 1 GiB) */

    /* QEMU reads this note to boot the ELF the PVH way. Four-byte aligned like every note in the PT_NOTE. */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 8
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .quad virtio_pvh_start

    .section .text.boot, "ax", @progbits
    .code32
    .globl virtio_pvh_start
    .type virtio_pvh_start, @function
virtio_pvh_start:
    cli
    cld
    movl $VIRTIO_EXIT_NO_START_INFO, %eax
    cmpl $HVM_START_MAGIC, (%ebx)
    jne early_exit
    movl %ebx, %esi            /* kept until the C half of boot */

    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    movl $VIRTIO_EXIT_NO_LONG_MODE, %eax
    jb early_exit
    movl $0x80000001, %eax
    cpuid
    movl %edx, %ebp            /* CPUID.80000001H:EDX, for the NX and 1 GiB page bits below */
    movl $VIRTIO_EXIT_NO_LONG_MODE, %eax
    testl $X86_CPUID_LM, %edx
    jz early_exit

    /* .bss is not zeroed here: QEMU's ELF loader zero-fills every segment beyond its file size, as ELF requires,
     * and under KVM on PVM this CPL 0 code runs emulated, where clearing half a megabyte cost 40 ms. */

    /* PML4[0] -> PDPT, which maps the first 4 GiB with 1 GiB pages where the CPU has them, else through four page
     * directories of 2 MiB pages. paging.c refines this map later. */
    movl $(virtio_page_tables + VIRTIO_PT_BOOT_PDPT + PTE_TABLE), virtio_page_tables + VIRTIO_PT_BOOT_PML4
    testl $CPUID_PAGE_1GB, %ebp
    jz 2f
    movl $PTE_LARGE_RW, %eax
    xorl %ecx, %ecx
1:  movl %eax, virtio_page_tables + VIRTIO_PT_BOOT_PDPT(, %ecx, 8)
    addl $0x40000000, %eax
    incl %ecx
    cmpl $VIRTIO_PT_DIRECTORIES, %ecx
    jb 1b
    jmp 4f
2:  movl $(virtio_page_tables + VIRTIO_PT_BOOT_PD + PTE_TABLE), %eax
    xorl %ecx, %ecx
1:  movl %eax, virtio_page_tables + VIRTIO_PT_BOOT_PDPT(, %ecx, 8)
    addl $VIRTIO_PAGE_SIZE, %eax
    incl %ecx
    cmpl $VIRTIO_PT_DIRECTORIES, %ecx
    jb 1b
    movl $PTE_LARGE_RW, %eax
    xorl %ecx, %ecx
3:  movl %eax, virtio_page_tables + VIRTIO_PT_BOOT_PD(, %ecx, 8)
    addl $VIRTIO_LARGE_PAGE_SIZE, %eax
    incl %ecx
    cmpl $(VIRTIO_PT_DIRECTORIES * 512), %ecx
    jb 3b

4:
    x86_long_mode_enter virtio_page_tables + VIRTIO_PT_BOOT_PML4, virtio_boot_gdt_pointer, long_mode

    /* The exit code in %eax; QEMU exits with (code << 1) | 1. No exit report (pvh_abi.h): nothing can be printed
     * yet, and the runner knows these two codes. */
early_exit:
    movw $VIRTIO_EXIT_PORT, %dx
    outl %eax, %dx
    hlt
    jmp early_exit
    .size virtio_pvh_start, . - virtio_pvh_start

    .code64
    .type long_mode, @function
long_mode:
    x86_long_mode_call virtio_stacks + VIRTIO_BOOT_STACK_TOP, virtio_boot_cpl0

    /* To CPL 3 on the same stack, interrupts off (they are taken only in the gate's hlt). */
    movq %rsp, %rax
    pushq $GDT_USER_DATA
    pushq %rax
    pushq $VIRTIO_USER_RFLAGS
    pushq $GDT_USER_CODE
    leaq user_mode(%rip), %rax
    pushq %rax
    iretq
user_mode:
    andq $-16, %rsp
    call virtio_start
    ud2
    .size long_mode, . - long_mode

    .section .rodata.virtio_boot_gdt_pointer, "a", @progbits
    .balign 8
virtio_boot_gdt_pointer:
    .word virtio_gdt_end - virtio_gdt - 1
    .quad virtio_gdt

    /* Writable: cpu_tables.c fills in the TSS descriptor, and the CPU marks it busy. */
    .section .data.virtio_gdt, "aw", @progbits
    .balign 16
    .globl virtio_gdt
virtio_gdt:
    x86_gdt_descriptors
virtio_gdt_end:

    .section .note.GNU-stack, "", @progbits
