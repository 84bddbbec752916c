/* x86_gdt.h: the GDT the x86 freestanding ABIs (hvt, virtio) share, for assembler and C: the selectors, and the
 * descriptors in the SYSRET layout (kernel code and data, then user data and code), with one 64-bit TSS. */
#ifndef MIRAGE_PLATFORM_X86_GDT_H
#define MIRAGE_PLATFORM_X86_GDT_H

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA 0x23 /* index 4, RPL 3 */
#define GDT_USER_CODE 0x2b /* index 5, RPL 3 */
#define GDT_TSS 0x30       /* index 6, a 16-byte system descriptor */
#define GDT_TSS_OFFSET 48  /* GDT_TSS without its RPL: the descriptor's byte offset, where the base is filled in */

#ifdef __ASSEMBLER__
/* The table's 8 quadwords; the TSS descriptor's base is left 0 for the startup code to fill in. Assembler, which
 * clang-format would join into one line: */
/* clang-format off */
.macro x86_gdt_descriptors
    .quad 0
    .quad 0x00af9b000000ffff /* 0x08 kernel code: 64-bit, DPL 0 */
    .quad 0x00cf93000000ffff /* 0x10 kernel data */
    .quad 0                  /* 0x18 unused (the 32-bit user code slot of the SYSRET layout) */
    .quad 0x00cff3000000ffff /* 0x20 user data: DPL 3 */
    .quad 0x00affb000000ffff /* 0x28 user code: 64-bit, DPL 3 */
    .quad 0x0000890000000067 /* 0x30 TSS: present, available 64-bit TSS, limit 103; base filled in */
    .quad 0
.endm
/* clang-format on */
#endif

#endif
