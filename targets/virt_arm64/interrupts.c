/* interrupts.c: a virtio-mmio device's interrupt line on QEMU virt (transport i raises GIC interrupt 48 + i,
 * level-triggered): enabled at the GIC so it wakes `wfi` in the timer's sleep, and acknowledged at the device after
 * each sleep, since no handler runs to do it (lib/platform/aarch64/gicv2.c). */
#include <stdbool.h>
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/mmio.h"
#include "targets/virt_arm64/bindings.h"
#include "targets/virt_arm64/virt_abi.h"
#include "targets/virtio/virtio.h"

#define MMIO_INTERRUPT_STATUS 0x060
#define MMIO_INTERRUPT_ACK 0x064

static uintptr_t routed[VIRTIO_NET_DEVICES_MAX];
static uint32_t routed_count;

bool virtio_interrupt_route(const struct virtio_mmio *transport)
{
    if (transport->base < VIRT_MMIO_BASE)
        return false;
    uintptr_t offset = transport->base - VIRT_MMIO_BASE;
    uint32_t index = (uint32_t)(offset / VIRT_MMIO_STRIDE);
    if (offset % VIRT_MMIO_STRIDE != 0 || index >= VIRT_MMIO_TRANSPORTS)
        return false;
    for (uint32_t i = 0; i < routed_count; i++) {
        if (routed[i] == transport->base)
            return true;
    }
    if (routed_count == VIRTIO_NET_DEVICES_MAX)
        return false;
    routed[routed_count++] = transport->base;
    gicv2_enable(VIRT_MMIO_FIRST_INTID + index);
    return true;
}

void virtio_board_interrupts_acknowledge(void)
{
    for (uint32_t i = 0; i < routed_count; i++) {
        uint32_t status = mmio_read32(routed[i] + MMIO_INTERRUPT_STATUS);
        if (status != 0)
            mmio_write32(routed[i] + MMIO_INTERRUPT_ACK, status);
    }
}

/* `wfi` wakes on the virtual timer's compare value or on any line enabled above. */
void virtio_board_sleep_until(uint64_t deadline)
{
    aarch64_timer_sleep_until(deadline);
}
