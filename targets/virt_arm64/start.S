/* start.S: the entry QEMU virt jumps to (EL1, or EL2 with virtualization=on, which is dropped): masks interrupts,
 * takes the boot stack on SP_EL0, where the unikernel runs (the shared vectors move to a fault stack of their own,
 * so SP_EL1 is never used), turns on FP/SIMD, installs the vectors (lib/platform/aarch64/vectors.S), clears .bss
 * and calls virt_boot(). */

#define CURRENT_EL_EL2 (2 << 2)
#define HCR_EL2_RW (1 << 31)   /* EL1 is AArch64 */
#define CNTHCTL_EL1_ACCESS 3   /* EL1 reads the physical counter and timer without a trap */
#define SPSR_EL1H_MASKED 0x3c5 /* EL1 on SP_EL1, D, A, I and F masked */
#define CPACR_FPEN (3 << 20)   /* FP/SIMD at EL1 without a trap: the compiler uses its registers */

    .section .text.boot, "ax"
    .global virt_start
    .type virt_start, %function
virt_start:
    msr daifset, #0xf
    mrs x0, CurrentEL
    cmp x0, #CURRENT_EL_EL2
    b.ne 1f
    mov x0, #HCR_EL2_RW
    msr hcr_el2, x0
    mov x0, #CNTHCTL_EL1_ACCESS
    msr cnthctl_el2, x0
    msr cntvoff_el2, xzr
    mov x0, #SPSR_EL1H_MASKED
    msr spsr_el2, x0
    adr x0, 1f
    msr elr_el2, x0
    eret
1:
    msr spsel, #0
    ldr x0, =__stack_top
    mov sp, x0
    mov x0, #CPACR_FPEN
    msr cpacr_el1, x0
    ldr x0, =aarch64_vectors
    msr vbar_el1, x0
    isb
    /* .bss ends on a page boundary and starts on an 8-byte one: clear it a word at a time. */
    ldr x0, =__bss_start
    ldr x1, =__bss_end
2:
    cmp x0, x1
    b.hs 3f
    str xzr, [x0], #8
    b 2b
3:
    bl virt_boot
4:
    wfi
    b 4b
    .size virt_start, . - virt_start

    .section .note.GNU-stack, "", %progbits
