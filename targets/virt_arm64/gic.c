/* gic.c: the GICv2 set up only to wake `wfi`: interrupts stay masked at the CPU (PSTATE.I), so none is ever taken
 * or acknowledged; a pending enabled interrupt still ends `wfi`, and it stops pending when its source lowers its
 * level line (the timer switched off, the virtio device acknowledged). */
#include <stdint.h>

#include "targets/virt_arm64/bindings.h"
#include "targets/virt_arm64/sysreg.h"
#include "targets/virt_arm64/virt_abi.h"

#define GICD_CTLR 0x000
#define GICD_ISENABLER 0x100
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICC_CTLR 0x000
#define GICC_PMR 0x004
#define FIRST_SPI 32u
#define PRIORITY 0x80u /* any value below the mask lets the interrupt through to the CPU */
#define PRIORITY_ALL 0xffu
#define CPU0 0x01u

void virt_gic_init(void)
{
    mmio_write32(VIRT_GICD_BASE + GICD_CTLR, 1);
    mmio_write32(VIRT_GICC_BASE + GICC_PMR, PRIORITY_ALL);
    mmio_write32(VIRT_GICC_BASE + GICC_CTLR, 1);
    virt_gic_enable(VIRT_TIMER_INTID);
}

static void write_byte_field(uintptr_t base, uint32_t intid, uint32_t value)
{
    /* GICv2 allows byte access to these registers, but a read-modify-write of the word is valid on every model. */
    uintptr_t word = base + (intid & ~3u);
    uint32_t shift = (intid & 3u) * 8;
    uint32_t current = mmio_read32(word);
    mmio_write32(word, (current & ~(0xffu << shift)) | (value << shift));
}

void virt_gic_enable(uint32_t intid)
{
    write_byte_field(VIRT_GICD_BASE + GICD_IPRIORITYR, intid, PRIORITY);
    /* A shared peripheral interrupt reaches no CPU until it names one. */
    if (intid >= FIRST_SPI)
        write_byte_field(VIRT_GICD_BASE + GICD_ITARGETSR, intid, CPU0);
    mmio_write32(VIRT_GICD_BASE + GICD_ISENABLER + 4 * (intid / 32), 1u << (intid % 32));
}
