/* idt.c: the x86_64 interrupt descriptor table of idt.h, its gates in the long-mode layout (Intel SDM 3A 6.14.1). */
/* virtio builds and loads it at CPL 0, where it has no SSE (targets/virtio/cpl0.h says why): */
#pragma GCC target("general-regs-only")
#pragma GCC optimize("no-stack-protector")

#include "lib/platform/x86_64/idt.h"

#include <stdint.h>

#include "lib/platform/x86_64/traps.h"
#include "lib/platform/x86_gdt.h"

#define IDT_ENTRIES 256

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
};

struct descriptor_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static struct idt_gate idt[IDT_ENTRIES];

void x86_idt_set_gate(uint8_t vector, const void *handler, uint8_t type, uint8_t ist)
{
    uint64_t address = (uint64_t)(uintptr_t)handler;
    idt[vector] = (struct idt_gate){
        .offset_low = (uint16_t)address,
        .selector = GDT_KERNEL_CODE,
        .ist = ist,
        .type = type,
        .offset_middle = (uint16_t)(address >> 16),
        .offset_high = (uint32_t)(address >> 32),
    };
}

void x86_idt_set_exceptions(uint8_t ist)
{
    for (uint8_t vector = 0; vector < X86_EXCEPTION_VECTORS; vector++)
        x86_idt_set_gate(vector, x86_exception_stubs + vector * X86_EXCEPTION_STUB_SIZE, X86_IDT_GATE_INTERRUPT_DPL0,
                         ist);
}

void x86_idt_load(void)
{
    struct descriptor_pointer pointer = {.limit = sizeof idt - 1, .base = (uint64_t)(uintptr_t)idt};
    __asm__ __volatile__("lidt %0" : : "m"(pointer));
}
