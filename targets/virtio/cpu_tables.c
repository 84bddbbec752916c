/* cpu_tables.c: the stacks, the TSS and the IDT's gates (the table is lib/platform/x86_64/idt.c): exceptions on
 * their own stack, the timer, the devices' interrupt and the CPL 3 gate. */
#include "targets/virtio/cpl0.h"

#include <stdint.h>

#include "lib/platform/x86_64/idt.h"
#include "targets/virtio/bindings.h"

#define EXCEPTION_IST 1

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t io_map_base;
} __attribute__((packed));

extern uint8_t virtio_gdt[];
extern const uint8_t virtio_gate[], virtio_interrupt[], virtio_device_interrupt[], virtio_spurious_interrupt[];

__attribute__((aligned(VIRTIO_PAGE_SIZE))) uint8_t virtio_stacks[VIRTIO_EXCEPTION_STACK_TOP];
static struct tss tss;

void virtio_cpu_tables_init(void)
{
    uint64_t tss_address = (uint64_t)(uintptr_t)&tss;
    uint8_t *descriptor = virtio_gdt + GDT_TSS_OFFSET;

    tss.rsp[0] = (uint64_t)(uintptr_t)(virtio_stacks + VIRTIO_INTERRUPT_STACK_TOP);
    tss.ist[EXCEPTION_IST - 1] = (uint64_t)(uintptr_t)(virtio_stacks + VIRTIO_EXCEPTION_STACK_TOP);
    tss.io_map_base = sizeof tss; /* no I/O bitmap: CPL 3 does port I/O through the gates */
    /* The descriptor's base is split over three fields. */
    descriptor[2] = (uint8_t)tss_address;
    descriptor[3] = (uint8_t)(tss_address >> 8);
    descriptor[4] = (uint8_t)(tss_address >> 16);
    descriptor[7] = (uint8_t)(tss_address >> 24);
    descriptor[8] = (uint8_t)(tss_address >> 32);
    descriptor[9] = (uint8_t)(tss_address >> 40);
    descriptor[10] = (uint8_t)(tss_address >> 48);
    descriptor[11] = (uint8_t)(tss_address >> 56);
    __asm__ __volatile__("ltr %w0" : : "r"(GDT_TSS));

    x86_idt_set_exceptions(EXCEPTION_IST);
    /* Every other vector stays not present: only the timer and the devices' IOAPIC pins are unmasked, and a stray
     * interrupt is reported as the #NP fault it raises, naming its vector. Fewer gates also means less CPL 0 code
     * for PVM to emulate. */
    x86_idt_set_gate(VIRTIO_TIMER_VECTOR, virtio_interrupt, X86_IDT_GATE_INTERRUPT_DPL0, 0);
    x86_idt_set_gate(VIRTIO_DEVICE_VECTOR, virtio_device_interrupt, X86_IDT_GATE_INTERRUPT_DPL0, 0);
    x86_idt_set_gate(VIRTIO_GATE_VECTOR, virtio_gate, X86_IDT_GATE_INTERRUPT_DPL3, 0);
    x86_idt_set_gate(VIRTIO_SPURIOUS_VECTOR, virtio_spurious_interrupt, X86_IDT_GATE_INTERRUPT_DPL0, 0);
    x86_idt_load();
}

bool virtio_is_guard_page(uintptr_t address)
{
    uintptr_t base = (uintptr_t)virtio_stacks;
    return address == base || address == base + VIRTIO_BOOT_STACK_TOP || address == base + VIRTIO_INTERRUPT_STACK_TOP;
}
