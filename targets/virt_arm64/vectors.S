/* vectors.S: the EL1 exception vectors: every exception saves the registers on the exception stack (SP_EL1) and
 * calls virt_fault_report(frame, vector), which prints them with ESR, FAR and ELR and ends the guest. The unikernel
 * takes no interrupts (they stay masked; wfi wakes on them all the same), so every entry here is a fault. */

#define FRAME_SIZE 256 /* x0-x30 and SP_EL0, 8 bytes each */

    .macro vector number
    .balign 0x80
    sub sp, sp, #FRAME_SIZE
    stp x0, x1, [sp, #0]
    mov x1, #\number
    b virt_trap_common
    .endm

    .section .text.vectors, "ax"
    .balign 0x800
    .global virt_vectors
virt_vectors:
    vector 0
    vector 1
    vector 2
    vector 3
    vector 4
    vector 5
    vector 6
    vector 7
    vector 8
    vector 9
    vector 10
    vector 11
    vector 12
    vector 13
    vector 14
    vector 15

virt_trap_common:
    stp x2, x3, [sp, #16]
    stp x4, x5, [sp, #32]
    stp x6, x7, [sp, #48]
    stp x8, x9, [sp, #64]
    stp x10, x11, [sp, #80]
    stp x12, x13, [sp, #96]
    stp x14, x15, [sp, #112]
    stp x16, x17, [sp, #128]
    stp x18, x19, [sp, #144]
    stp x20, x21, [sp, #160]
    stp x22, x23, [sp, #176]
    stp x24, x25, [sp, #192]
    stp x26, x27, [sp, #208]
    stp x28, x29, [sp, #224]
    mrs x2, sp_el0
    stp x30, x2, [sp, #240]
    mov x0, sp
    bl virt_fault_report
1:
    wfi
    b 1b

    .section .note.GNU-stack, "", %progbits
