/* interrupts.c: a virtio-mmio device's interrupt line, routed through QEMU microvm's second IOAPIC to the local APIC.
 *
 * microvm with ACPI (its default) has a second IOAPIC at 0xfec10000 for GSIs 24-47 and wires virtio-mmio transport
 * i to GSI 24 + i, its pin i (ioapic2=auto; hw/i386/microvm.c), except that QEMU's IOAPIC takes an input on pin 0
 * as one on pin 2 (hw/intc/ioapic.c: ISA IRQ 0 is GSI 2), so transports 0 and 2 share pin 2's entry. The pin is
 * edge-triggered: with the split irqchip microvm uses, QEMU sends an edge pin's message each time the device raises
 * its line, and needs no EOI from the IOAPIC. The handler (traps.S) acknowledges every listed transport, so the
 * line drops and the next used buffer raises it again. All of this runs at CPL 3: the IOAPIC and the local APIC
 * are mapped like other MMIO. */
#include <stdbool.h>
#include <stdint.h>

#include "targets/virtio/bindings.h"
#include "targets/virtio/pvh_abi.h"
#include "targets/virtio/virtio.h"

#define IOAPIC_SECONDARY UINT64_C(0xfec10000)
#define IOAPIC_REGISTER_SELECT 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_VERSION 0x01
#define IOAPIC_REDIRECTION_TABLE 0x10
/* Fixed delivery, physical destination, active high, edge-triggered, unmasked: all zero beside the vector. */
#define IOAPIC_ENTRY_EDGE_FIXED 0u
#define LAPIC_ID UINT64_C(0xfee00020)

/* The transports the handler acknowledges, zero-ended; read at CPL 0 by traps.S. */
uintptr_t virtio_interrupt_transports[VIRTIO_NET_DEVICES_MAX + 1];

static uint32_t ioapic_read(uint32_t reg)
{
    *(volatile uint32_t *)(uintptr_t)(IOAPIC_SECONDARY + IOAPIC_REGISTER_SELECT) = reg;
    return *(volatile uint32_t *)(uintptr_t)(IOAPIC_SECONDARY + IOAPIC_WINDOW);
}

static void ioapic_write(uint32_t reg, uint32_t value)
{
    *(volatile uint32_t *)(uintptr_t)(IOAPIC_SECONDARY + IOAPIC_REGISTER_SELECT) = reg;
    *(volatile uint32_t *)(uintptr_t)(IOAPIC_SECONDARY + IOAPIC_WINDOW) = value;
}

bool virtio_interrupt_route(const struct virtio_mmio *transport)
{
    if (transport->base < VIRTIO_MMIO_BASE)
        return false;
    uintptr_t offset = transport->base - VIRTIO_MMIO_BASE;
    uint32_t pin = (uint32_t)(offset / VIRTIO_MMIO_STRIDE);
    if (offset % VIRTIO_MMIO_STRIDE != 0 || pin >= VIRTIO_MMIO_TRANSPORTS)
        return false;
    /* Nothing at that address (no ACPI, or ioapic2=off: the transports' lines are elsewhere) reads as no IOAPIC
     * version QEMU has (0x11 or 0x20). */
    uint32_t version = ioapic_read(IOAPIC_VERSION);
    uint32_t last_pin = (version >> 16) & 0xff;
    if (((version & 0xff) != 0x11 && (version & 0xff) != 0x20) || last_pin < pin)
        return false;
    if (pin == 0)
        pin = 2;
    uint32_t slot = 0;
    while (slot < VIRTIO_NET_DEVICES_MAX && virtio_interrupt_transports[slot] != 0 &&
           virtio_interrupt_transports[slot] != transport->base)
        slot++;
    if (slot == VIRTIO_NET_DEVICES_MAX)
        return false;
    virtio_interrupt_transports[slot] = transport->base;
    uint32_t apic_id = *(volatile uint32_t *)(uintptr_t)LAPIC_ID >> 24;
    ioapic_write(IOAPIC_REDIRECTION_TABLE + 2 * pin + 1, apic_id << 24);
    ioapic_write(IOAPIC_REDIRECTION_TABLE + 2 * pin, IOAPIC_ENTRY_EDGE_FIXED | VIRTIO_DEVICE_VECTOR);
    return true;
}

/* The vector's handler (traps.S) acknowledged each interrupt as it was taken: nothing is left to lower. */
void virtio_board_interrupts_acknowledge(void)
{
}
