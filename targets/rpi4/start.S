/* start.S: the rpi4 entry: a Linux arm64 image header (so the firmware and QEMU load kernel8.img at 0x80000 and
 * pass the device tree in x0), the drop from EL3 or EL2 to EL1, then the boot stack, BSS and exception vectors
 * before C (boot.c). Core 0 runs the unikernel; the others are released from the firmware's spin table into a
 * wfi loop. */

#define SPSR_EL1H_MASKED 0x3c5 /* EL1 with its own stack pointer, D, A, I and F masked */
#define SPSR_EL2H_MASKED 0x3c9
#define SCR_EL3_BOARD 0x5b1    /* RW (EL2 is AArch64), HCE, SMD, RES1 bits 5:4, NS */
#define HCR_EL2_RW (1 << 31)   /* EL1 is AArch64; nothing else trapped to EL2 */
#define CNTHCTL_EL1_TIMER 0x3  /* EL1PCTEN, EL1PCEN: EL1 reads the physical counter and drives the physical timer */
#define CPTR_EL2_NO_TRAPS 0x33ff
#define CPACR_EL1_FPEN (3 << 20) /* FP and SIMD at EL1 (the compiler uses the SIMD registers) */
#define SCTLR_EL1_MMU_OFF 0x30d00800 /* RES1 bits only: MMU, caches and alignment checks off until mmu.c */
#define SPIN_TABLE_CORE1 0xe0

    .section .text.boot, "ax"
    .global rpi4_start
rpi4_start:
    /* Documentation/arch/arm64/booting.rst: code0/code1, text_offset, image_size, flags (little endian, 4 KiB
     * pages, placed anywhere), three reserved words, the magic, a reserved word. */
    b       rpi4_entry
    .long   0
    .quad   0x80000
    .quad   __rpi4_image_size
    .quad   0xa
    .quad   0
    .quad   0
    .quad   0
    .ascii  "ARM\x64"
    .long   0

rpi4_entry:
    mov     x19, x0                 /* the device tree's address, kept across the EL changes */
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    cbnz    x1, rpi4_park
    /* Release cores 1-3 from the spin table (their release addresses at 0xe0, 0xe8, 0xf0, as the Pi's armstub
     * and QEMU's raspi boot stub keep them) into rpi4_park: they poll it with wfe, which QEMU runs as a busy
     * loop, and would keep three host threads busy while the board sleeps. Written before the MMU is on, so
     * straight to memory, where those cores read. */
    adr     x1, rpi4_park
    mov     x2, #SPIN_TABLE_CORE1
    str     x1, [x2]
    str     x1, [x2, #8]
    str     x1, [x2, #16]
    dsb     sy
    sev
    mrs     x1, CurrentEL
    lsr     x1, x1, #2
    cmp     x1, #3
    b.eq    from_el3
    cmp     x1, #2
    b.eq    from_el2
    b       at_el1

from_el3:
    ldr     x1, =SCR_EL3_BOARD
    msr     scr_el3, x1
    mov     x1, #SPSR_EL2H_MASKED
    msr     spsr_el3, x1
    adr     x1, from_el2
    msr     elr_el3, x1
    eret

from_el2:
    mov     x1, #HCR_EL2_RW
    msr     hcr_el2, x1
    mov     x1, #CNTHCTL_EL1_TIMER
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    ldr     x1, =CPTR_EL2_NO_TRAPS
    msr     cptr_el2, x1
    msr     hstr_el2, xzr
    ldr     x1, =SCTLR_EL1_MMU_OFF
    msr     sctlr_el1, x1
    mov     x1, #SPSR_EL1H_MASKED
    msr     spsr_el2, x1
    adr     x1, at_el1
    msr     elr_el2, x1
    eret

at_el1:
    msr     daifset, #0xf
    ldr     x1, =SCTLR_EL1_MMU_OFF
    msr     sctlr_el1, x1
    mov     x1, #CPACR_EL1_FPEN
    msr     cpacr_el1, x1
    isb
    adrp    x1, rpi4_boot_stack_top
    add     x1, x1, :lo12:rpi4_boot_stack_top
    mov     sp, x1
    adrp    x1, aarch64_vectors
    add     x1, x1, :lo12:aarch64_vectors
    msr     vbar_el1, x1
    /* BSS: 16-byte aligned at both ends by rpi4.ld. */
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:  isb
    mov     x0, x19
    bl      rpi4_boot

    /* Any core but 0: asleep for good (no interrupt is routed to it), at whatever EL it arrived. */
rpi4_park:
    wfi
    b       rpi4_park

    /* The page below the stack stays unmapped (lib/platform/aarch64/mmu.c): an overflow faults and is reported as
     * one (fault.c), by these two symbols' names. */
    .section .bss.rpi4_boot_stack, "aw", %nobits
    .balign 4096
    .global __stack_guard, __stack_bottom
__stack_guard:
    .skip   4096
__stack_bottom:
    .skip   65536
rpi4_boot_stack_top:

    .section .note.GNU-stack, "", %progbits
