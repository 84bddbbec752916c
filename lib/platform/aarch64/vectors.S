/* vectors.S: the EL1 exception vectors. Every exception is fatal (interrupts stay masked; they only wake wfi), so
 * each entry saves the registers into one static frame, moves to a stack of its own (the fault may be a stack
 * overflow, or SP_EL1 may never have been set up) and calls aarch64_fault_report (fault.c), which reports and ends
 * the machine. The one exception that is not fatal is a synchronous one at aarch64_probe_load, on SP_EL1:
 * aarch64_probe_read32 then returns false (a device that is absent may answer with an external abort). */

#define FRAME_SP 248
#define FRAME_KIND 256
#define FRAME_SIZE 272

    .macro vector kind
    .balign 0x80
    msr     tpidr_el1, x0
    mov     x0, #\kind
    b       aarch64_vector_common
    .endm

    .section .text.aarch64_vectors, "ax"
    .balign 0x800
    .global aarch64_vectors
aarch64_vectors:
    /* Current EL with SP_EL0, current EL with SP_ELx, lower EL AArch64, lower EL AArch32; each synchronous, IRQ,
     * FIQ, SError: the kind is the entry's index. */
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

aarch64_vector_common:
    msr     tpidr_el0, x1
    cmp     x0, #4                  /* synchronous, current EL with SP_EL1 */
    b.ne    1f
    mrs     x0, elr_el1
    adrp    x1, aarch64_probe_load
    add     x1, x1, :lo12:aarch64_probe_load
    cmp     x0, x1
    mov     x0, #4
    b.ne    1f
    adrp    x1, aarch64_probe_failed
    add     x1, x1, :lo12:aarch64_probe_failed
    msr     elr_el1, x1
    mrs     x0, tpidr_el1
    mrs     x1, tpidr_el0
    eret
1:
    adrp    x1, aarch64_fault_frame
    add     x1, x1, :lo12:aarch64_fault_frame
    str     x0, [x1, #FRAME_KIND]
    mrs     x0, tpidr_el1
    str     x0, [x1, #0]
    mrs     x0, tpidr_el0
    str     x0, [x1, #8]
    stp     x2, x3, [x1, #16]
    stp     x4, x5, [x1, #32]
    stp     x6, x7, [x1, #48]
    stp     x8, x9, [x1, #64]
    stp     x10, x11, [x1, #80]
    stp     x12, x13, [x1, #96]
    stp     x14, x15, [x1, #112]
    stp     x16, x17, [x1, #128]
    stp     x18, x19, [x1, #144]
    stp     x20, x21, [x1, #160]
    stp     x22, x23, [x1, #176]
    stp     x24, x25, [x1, #192]
    stp     x26, x27, [x1, #208]
    stp     x28, x29, [x1, #224]
    str     x30, [x1, #240]
    /* The interrupted code's stack: SP_EL0 for the vectors taken from EL1 on SP_EL0 (kinds 0-3), else SP_EL1. */
    ldr     x0, [x1, #FRAME_KIND]
    mrs     x2, sp_el0
    mov     x3, sp
    cmp     x0, #4
    csel    x0, x2, x3, lo
    str     x0, [x1, #FRAME_SP]
    adrp    x0, aarch64_fault_stack_top
    add     x0, x0, :lo12:aarch64_fault_stack_top
    mov     sp, x0
    mov     x0, x1
    bl      aarch64_fault_report
2:  wfi
    b       2b

/* bool aarch64_probe_read32(uint64_t address, uint32_t *value): read a device register that may not exist. */
    .global aarch64_probe_read32
    .type aarch64_probe_read32, %function
aarch64_probe_read32:
aarch64_probe_load:
    ldr     w2, [x0]
    str     w2, [x1]
    mov     x0, #1
    ret
aarch64_probe_failed:
    mov     x0, #0
    ret
    .size aarch64_probe_read32, . - aarch64_probe_read32

    .section .bss.aarch64_fault_stack, "aw", %nobits
    .balign 16
aarch64_fault_frame:
    .skip   FRAME_SIZE
aarch64_fault_stack:
    .skip   16384
aarch64_fault_stack_top:

    .section .note.GNU-stack, "", %progbits
