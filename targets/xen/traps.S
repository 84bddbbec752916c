/* traps.S: the exception stubs (vectors 0-31), which hand a frame to the fault report, and the handler of Xen's
 * upcall vector, which only clears vCPU 0's upcall flag so Xen does not inject it again (yield.c reads the event
 * channel bits itself). Everything runs at CPL 0 on the one stack. */
#include "targets/xen/bindings.h"

    .macro exception_stub vector, has_error
    .balign XEN_EXCEPTION_STUB_SIZE
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vector
    jmp exception_common
    .endm

    .section .text.xen_traps, "ax", @progbits
    .balign XEN_EXCEPTION_STUB_SIZE
    .globl xen_exception_stubs
xen_exception_stubs:
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

    /* Saves the general registers as struct xen_trap_frame (bindings.h); the report never returns. */
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
    call xen_fault_report
    ud2

    /* The callback vector is injected directly, not through the local APIC: no EOI. */
    .globl xen_upcall
    .type xen_upcall, @function
xen_upcall:
    movb $0, xen_shared_info_page(%rip)
    iretq
    .size xen_upcall, . - xen_upcall

    .section .note.GNU-stack, "", @progbits
