/* fault.c: the report of an exception (every one is a fault here, vectors.S): which vector, ESR with its exception
 * class, FAR, ELR, SPSR and the registers, on the console; then the guest ends with PLATFORM_EXIT_ABORT. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"
#include "targets/virt_arm64/bindings.h"
#include "targets/virt_arm64/sysreg.h"

#define ESR_CLASS_SHIFT 26
#define ESR_CLASS_DATA_ABORT_SAME_EL 0x25u
#define ESR_CLASS_INSTRUCTION_ABORT_SAME_EL 0x21u

extern const unsigned char __stack_guard[], __stack_bottom[];

static const char *const vector_sources[4] = {"EL1 on SP_EL0", "EL1 on SP_EL1", "EL0 (AArch64)", "EL0 (AArch32)"};
static const char *const vector_kinds[4] = {"synchronous", "IRQ", "FIQ", "SError"};

static void print_line(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void print_line(const char *format, ...)
{
    char line[200];
    va_list args;
    va_start(args, format);
    int len = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (len > 0)
        platform_console_write(line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
}

__attribute__((no_stack_protector)) _Noreturn void virt_fault_report(const struct virt_trap_frame *frame,
                                                                     uint64_t vector)
{
    uint64_t esr = SYSREG_READ(esr_el1), far = SYSREG_READ(far_el1), elr = SYSREG_READ(elr_el1);
    uint64_t spsr = SYSREG_READ(spsr_el1);
    uint32_t class = (uint32_t)(esr >> ESR_CLASS_SHIFT) & 0x3fu;
    bool data_or_fetch = class == ESR_CLASS_DATA_ABORT_SAME_EL || class == ESR_CLASS_INSTRUCTION_ABORT_SAME_EL;
    bool guard = data_or_fetch && far >= (uintptr_t)__stack_guard && far < (uintptr_t)__stack_bottom;

    print_line("virt_arm64: %s exception from %s: ESR 0x%llx (class 0x%x), FAR 0x%llx, ELR 0x%llx, SPSR 0x%llx%s\n",
               vector_kinds[vector % 4], vector_sources[(vector / 4) % 4], (unsigned long long)esr, class,
               (unsigned long long)far, (unsigned long long)elr, (unsigned long long)spsr,
               guard ? " (stack overflow: the guard page below the boot stack)" : "");
    for (int i = 0; i < 31; i += 2) {
        if (i == 30)
            print_line("  x30 0x%016llx  sp  0x%016llx\n", (unsigned long long)frame->x[30],
                       (unsigned long long)frame->sp_el0);
        else
            print_line("  x%-2d 0x%016llx  x%-2d 0x%016llx\n", i, (unsigned long long)frame->x[i], i + 1,
                       (unsigned long long)frame->x[i + 1]);
    }
    virt_exit_code(PLATFORM_EXIT_ABORT);
}
