/* traps.S: the exception stubs (vectors 0-31), one X86_EXCEPTION_STUB_SIZE apart, which save the registers as
 * struct x86_trap_frame (traps.h) on the stack the board's IDT gives them and call the fault report, which never
 * returns. */
#include "lib/platform/x86_64/traps.h"

    /* One stub per vector: push a zero where the CPU pushes no error code, then the vector. */
    .macro exception_stub vector, has_error
    .balign X86_EXCEPTION_STUB_SIZE
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vector
    jmp exception_common
    .endm

    .section .text.x86_traps, "ax", @progbits
    .balign X86_EXCEPTION_STUB_SIZE
    .globl x86_exception_stubs
x86_exception_stubs:
    /* The CPU pushes an error code for vectors 8, 10-14, 17, 21, 29 and 30. */
    exception_stub 0, 0
    exception_stub 1, 0
    exception_stub 2, 0
    exception_stub 3, 0
    exception_stub 4, 0
    exception_stub 5, 0
    exception_stub 6, 0
    exception_stub 7, 0
    exception_stub 8, 1
    exception_stub 9, 0
    exception_stub 10, 1
    exception_stub 11, 1
    exception_stub 12, 1
    exception_stub 13, 1
    exception_stub 14, 1
    exception_stub 15, 0
    exception_stub 16, 0
    exception_stub 17, 1
    exception_stub 18, 0
    exception_stub 19, 0
    exception_stub 20, 0
    exception_stub 21, 1
    exception_stub 22, 0
    exception_stub 23, 0
    exception_stub 24, 0
    exception_stub 25, 0
    exception_stub 26, 0
    exception_stub 27, 0
    exception_stub 28, 0
    exception_stub 29, 1
    exception_stub 30, 1
    exception_stub 31, 0

exception_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    andq $-16, %rsp
    call x86_fault_report
    ud2

    .section .note.GNU-stack, "", @progbits
