/* traps.h: the x86_64 exception stubs (traps.S) and fault report (fault.c) the x86_64 boards (targets/virtio,
 * targets/xen) share: where each stub is, the frame it builds, and what the board supplies to the report. */
#ifndef MIRAGE_LIB_PLATFORM_X86_64_TRAPS_H
#define MIRAGE_LIB_PLATFORM_X86_64_TRAPS_H

#define X86_EXCEPTION_VECTORS 32
/* Stub i is at x86_exception_stubs + i * X86_EXCEPTION_STUB_SIZE, for the board's IDT. */
#define X86_EXCEPTION_STUB_SIZE 16

#ifndef __ASSEMBLER__
#include <stdint.h>

/* What an exception stub leaves on the stack, lowest address first: the general registers, the vector and error
 * code (0 where the CPU pushes none), then the CPU's own frame. */
struct x86_trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

extern const uint8_t x86_exception_stubs[];

/* Called by traps.S: prints one line naming the vector, RIP, CR2, error code and privilege level, then the
 * registers, and ends the guest through x86_board_fault_end. Runs at CPL 0, built without SSE (virtio's CPL 0 has
 * none). */
_Noreturn void x86_fault_report(const struct x86_trap_frame *frame);

/* ---- Supplied by the board, callable at CPL 0 without SSE ---- */

/* The board's name, which starts the report's line ("virtio: fault: ..."). */
extern const char x86_board_name[];
/* Write `text` on the board's console. */
void x86_board_fault_puts(const char *text);
/* End the guest after a fault (or a fault while reporting one). */
_Noreturn void x86_board_fault_end(void);
#endif

#endif
