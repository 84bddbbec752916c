/* start.S: the spt entry point: the tender jumps here with %rdi = &struct spt_boot_info and %rsp at the top of
 * guest memory; clear the frame pointer so backtraces end here, and enter C. */
    .text
    .globl _start
    .type _start, @function
_start:
    xorl %ebp, %ebp
    andq $-16, %rsp
    call spt_boot
    ud2
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
