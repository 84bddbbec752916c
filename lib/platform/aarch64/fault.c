/* fault.c: the report of an exception (every one is a fault, vectors.S): the vector, ESR with its exception class,
 * FAR, ELR, SPSR and the registers, on the console, a fault in the boot stack's guard page named as a stack
 * overflow; then the machine ends with PLATFORM_EXIT_ABORT. Runs on the fault stack. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/sysreg.h"
#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"

#define ESR_CLASS_SHIFT 26
#define ESR_CLASS_MASK 0x3fu
#define ESR_CLASS_INSTRUCTION_ABORT_SAME_EL 0x21u
#define ESR_CLASS_DATA_ABORT_SAME_EL 0x25u

static const char *const vector_kinds[4] = {"synchronous", "IRQ", "FIQ", "SError"};
static const char *const vector_sources[4] = {"EL1 on SP_EL0", "EL1 on SP_EL1", "EL0 (AArch64)", "EL0 (AArch32)"};

/* The exception classes a fault in a unikernel can have, by name; others print as their number alone. */
static const char *class_name(uint32_t class)
{
    switch (class) {
    case 0x00:
        return "unknown instruction";
    case 0x07:
        return "FP/SIMD access trapped";
    case 0x15:
        return "SVC";
    case ESR_CLASS_INSTRUCTION_ABORT_SAME_EL:
        return "instruction abort";
    case 0x22:
        return "PC alignment";
    case ESR_CLASS_DATA_ABORT_SAME_EL:
        return "data abort";
    case 0x26:
        return "SP alignment";
    case 0x3c:
        return "BRK";
    default:
        return "other";
    }
}

static void print_line(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void print_line(const char *format, ...)
{
    /* Room for the longest line, the first with a stack overflow's note (about 240 bytes). */
    char line[320];
    va_list args;
    va_start(args, format);
    int len = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (len > 0)
        platform_console_write(line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
}

__attribute__((no_stack_protector)) _Noreturn void aarch64_fault_report(const struct aarch64_fault_frame *frame)
{
    static bool reporting;
    uint64_t esr = AARCH64_READ_SYSREG(esr_el1), far = AARCH64_READ_SYSREG(far_el1);
    uint64_t elr = AARCH64_READ_SYSREG(elr_el1), spsr = AARCH64_READ_SYSREG(spsr_el1);
    uint32_t class = (uint32_t)(esr >> ESR_CLASS_SHIFT) & ESR_CLASS_MASK;
    bool data_or_fetch = class == ESR_CLASS_DATA_ABORT_SAME_EL || class == ESR_CLASS_INSTRUCTION_ABORT_SAME_EL;
    bool guard = data_or_fetch && far >= (uintptr_t)__stack_guard && far < (uintptr_t)__stack_bottom;

    /* A fault while reporting one would loop: end at once. */
    if (reporting)
        aarch64_exit(PLATFORM_EXIT_ABORT);
    reporting = true;

    if (!pl011_at_line_start())
        pl011_puts("\n");
    print_line("%s: fault: %s exception from %s: ESR 0x%016llx (class 0x%02x, %s), FAR 0x%016llx, ELR 0x%016llx, "
               "SPSR 0x%016llx%s\n",
               aarch64_board_name, vector_kinds[frame->kind % 4], vector_sources[(frame->kind / 4) % 4],
               (unsigned long long)esr, class, class_name(class), (unsigned long long)far, (unsigned long long)elr,
               (unsigned long long)spsr, guard ? " (stack overflow: the guard page below the boot stack)" : "");
    for (int i = 0; i < 30; i += 2)
        print_line("  x%-2d 0x%016llx  x%-2d 0x%016llx\n", i, (unsigned long long)frame->x[i], i + 1,
                   (unsigned long long)frame->x[i + 1]);
    print_line("  x30 0x%016llx  sp  0x%016llx\n", (unsigned long long)frame->x[30], (unsigned long long)frame->sp);
    aarch64_exit(PLATFORM_EXIT_ABORT);
}
