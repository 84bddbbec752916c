/* gicv2.c: a GICv2 (QEMU virt's, the Pi 4's GIC-400) set up only to wake `wfi`: interrupts stay masked at the CPU
 * (PSTATE.I), so none is ever taken or acknowledged; a pending enabled interrupt still ends `wfi`, and it stops
 * pending when its source lowers its level line (the timer switched off, a device acknowledged). */
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/mmio.h"

#define GICD_CTLR 0x000
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICC_CTLR 0x000
#define GICC_PMR 0x004
#define GIC_ENABLE_GROUPS 0x3u /* group 0 and group 1; from the non-secure side only group 1's bit counts */
#define FIRST_SPI 32u
#define PRIORITY 0x80u      /* any value below the mask lets the interrupt through to the CPU */
#define PRIORITY_MASK 0xf0u /* the lowest priority a GIC with 16 levels (the GIC-400) can mask at */
#define CPU0 0x01u

static uint64_t distributor_base;

void gicv2_init(uint64_t distributor, uint64_t cpu_interface)
{
    distributor_base = distributor;
    mmio_write32(distributor + GICD_CTLR, mmio_read32(distributor + GICD_CTLR) | GIC_ENABLE_GROUPS);
    mmio_write32(cpu_interface + GICC_PMR, PRIORITY_MASK);
    mmio_write32(cpu_interface + GICC_CTLR, mmio_read32(cpu_interface + GICC_CTLR) | GIC_ENABLE_GROUPS);
}

static void write_byte_field(uint64_t base, uint32_t intid, uint32_t value)
{
    /* GICv2 allows byte access to these registers, but a read-modify-write of the word is valid on every model. */
    uint64_t word = base + (intid & ~3u);
    uint32_t shift = (intid & 3u) * 8;
    uint32_t current = mmio_read32(word);
    mmio_write32(word, (current & ~(0xffu << shift)) | (value << shift));
}

void gicv2_enable(uint32_t intid)
{
    uint64_t bank = 4 * (intid / 32);
    uint32_t bit = 1u << (intid % 32);
    /* Group 1, where firmware leaves interrupts to non-secure code; where only the secure side may change the
     * group, the distributor ignores the write. */
    mmio_write32(distributor_base + GICD_IGROUPR + bank, mmio_read32(distributor_base + GICD_IGROUPR + bank) | bit);
    write_byte_field(distributor_base + GICD_IPRIORITYR, intid, PRIORITY);
    /* A shared peripheral interrupt reaches no CPU until it names one. */
    if (intid >= FIRST_SPI)
        write_byte_field(distributor_base + GICD_ITARGETSR, intid, CPU0);
    mmio_write32(distributor_base + GICD_ISENABLER + bank, bit);
}
