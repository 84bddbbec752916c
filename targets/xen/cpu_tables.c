/* cpu_tables.c: the IDT: the 32 exception vectors to the shared stubs (lib/platform/x86_64), and Xen's upcall vector.
 * Every other vector stays not present, so a stray interrupt is reported as the #NP it raises. No TSS: the unikernel
 * runs at CPL 0, so interrupts stay on its stack (built with -mno-red-zone). */
#include <stdint.h>

#include "lib/platform/x86_64/traps.h"
#include "lib/platform/x86_gdt.h"
#include "targets/xen/bindings.h"

#define IDT_ENTRIES 256
#define GATE_INTERRUPT 0x8e

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

extern const uint8_t xen_upcall[];

static struct idt_gate idt[IDT_ENTRIES];

static void set_gate(unsigned vector, const void *handler)
{
    uint64_t address = (uint64_t)(uintptr_t)handler;
    idt[vector] = (struct idt_gate){
        .offset_low = (uint16_t)address,
        .selector = GDT_KERNEL_CODE,
        .type = GATE_INTERRUPT,
        .offset_middle = (uint16_t)(address >> 16),
        .offset_high = (uint32_t)(address >> 32),
    };
}

void xen_cpu_tables_init(void)
{
    for (unsigned vector = 0; vector < X86_EXCEPTION_VECTORS; vector++)
        set_gate(vector, x86_exception_stubs + vector * X86_EXCEPTION_STUB_SIZE);
    set_gate(XEN_UPCALL_VECTOR, xen_upcall);
    struct descriptor_pointer pointer = {.limit = sizeof idt - 1, .base = (uint64_t)(uintptr_t)idt};
    __asm__ __volatile__("lidt %0" : : "m"(pointer));
}
