/* start.S: the image's entry point. Muen starts a native subject in 64-bit long mode at CPL 0, with the paging its
 * policy compiled from the subject specification, %rip at the entry the specification names and %rsp at the top of
 * the stack region it declares. The subject keeps Muen's descriptor tables and runs with interrupts off. */

#define MSR_FS_BASE 0xc0000100

    .section .text.boot, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    cld
    /* %fs at lib/libc's thread block: code built for hosted Linux (Debian's archives) reads its canary at
     * %fs:0x28. The specification lets this subject write the FS base MSR and nothing else. */
    leaq libc_thread_block(%rip), %rax
    movq %rax, %rdx
    shrq $32, %rdx
    movl $MSR_FS_BASE, %ecx
    wrmsr

    xorl %ebp, %ebp           /* ends frame-pointer walks here */
    andq $-16, %rsp           /* the C ABI's stack alignment at a call */
    call muen_start           /* never returns */
    ud2
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
