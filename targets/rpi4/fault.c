/* fault.c: the report of an exception: one line with its kind, ESR (and its class), FAR, ELR and SPSR, then the
 * general registers, on the console; then the board ends with PLATFORM_EXIT_ABORT. Runs on the fault stack. */
#include <stdbool.h>
#include <stdint.h>

#include "lib/platform/device_model.h"
#include "targets/rpi4/aarch64.h"
#include "targets/rpi4/bindings.h"

#define ESR_CLASS_SHIFT 26
#define ESR_CLASS_MASK 0x3fu

static const char *const kinds[16] = {
    "synchronous (EL1, SP_EL0)",
    "IRQ (EL1, SP_EL0)",
    "FIQ (EL1, SP_EL0)",
    "SError (EL1, SP_EL0)",
    "synchronous",
    "IRQ",
    "FIQ",
    "SError",
    "synchronous (EL0)",
    "IRQ (EL0)",
    "FIQ (EL0)",
    "SError (EL0)",
    "synchronous (EL0 AArch32)",
    "IRQ (EL0 AArch32)",
    "FIQ (EL0 AArch32)",
    "SError (EL0 AArch32)",
};

/* The exception classes a fault in this board's code can have, by name; others print as their number. */
static const char *class_name(uint32_t class)
{
    switch (class) {
    case 0x00:
        return "unknown instruction";
    case 0x07:
        return "FP/SIMD access trapped";
    case 0x15:
        return "SVC";
    case 0x21:
        return "instruction abort";
    case 0x22:
        return "PC alignment";
    case 0x25:
        return "data abort";
    case 0x26:
        return "SP alignment";
    case 0x3c:
        return "BRK";
    default:
        return "other";
    }
}

_Noreturn void rpi4_fault_report(const struct rpi4_fault_frame *frame)
{
    static bool reporting;
    uint64_t esr = AARCH64_READ_SYSREG(esr_el1);
    uint64_t far = AARCH64_READ_SYSREG(far_el1);
    uint64_t elr = AARCH64_READ_SYSREG(elr_el1);
    uint64_t spsr = AARCH64_READ_SYSREG(spsr_el1);
    uint32_t class = (uint32_t)(esr >> ESR_CLASS_SHIFT) & ESR_CLASS_MASK;

    /* A fault while reporting one would loop: end at once. */
    if (reporting)
        rpi4_exit_code(PLATFORM_EXIT_ABORT);
    reporting = true;

    if (!rpi4_console_at_line_start())
        rpi4_console_puts("\n");
    rpi4_console_puts("rpi4: fault: ");
    rpi4_console_puts(frame->kind < 16 ? kinds[frame->kind] : "unknown vector");
    rpi4_console_puts(" exception, ESR ");
    rpi4_console_put_hex(esr);
    rpi4_console_puts(" (class ");
    rpi4_console_put_hex(class);
    rpi4_console_puts(", ");
    rpi4_console_puts(class_name(class));
    rpi4_console_puts("), FAR ");
    rpi4_console_put_hex(far);
    rpi4_console_puts(", ELR ");
    rpi4_console_put_hex(elr);
    rpi4_console_puts(", SPSR ");
    rpi4_console_put_hex(spsr);
    rpi4_console_puts("\n");
    for (uint32_t i = 0; i < 31; i++) {
        rpi4_console_puts(i < 10 ? "  x" : " x");
        rpi4_console_put_decimal(i);
        rpi4_console_puts(" ");
        rpi4_console_put_hex(frame->x[i]);
        rpi4_console_puts(i % 4 == 3 ? "\n" : "");
    }
    rpi4_console_puts("  sp ");
    rpi4_console_put_hex(frame->sp);
    rpi4_console_puts("\n");
    rpi4_exit_code(PLATFORM_EXIT_ABORT);
}
