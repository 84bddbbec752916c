/* bcm2711.h: where the BCM2711's peripherals are (the "low peripheral" mode the Pi 4 firmware starts the ARM in),
 * and 32-bit MMIO accessors for them. QEMU's raspi4b puts them at the same addresses. */
#ifndef MIRAGE_TARGETS_RPI4_BCM2711_H
#define MIRAGE_TARGETS_RPI4_BCM2711_H

#include <stdint.h>

/* The window paging maps as device memory: the peripherals and the ARM-local block with the GIC-400. */
#define BCM2711_DEVICE_BASE UINT64_C(0xfc000000)
#define BCM2711_DEVICE_END UINT64_C(0x100000000)

#define BCM2711_PM_BASE UINT64_C(0xfe100000)    /* power management: watchdog and reset */
#define BCM2711_RNG_BASE UINT64_C(0xfe104000)   /* RNG200 */
#define BCM2711_GPIO_BASE UINT64_C(0xfe200000)  /* GPIO function select */
#define BCM2711_UART0_BASE UINT64_C(0xfe201000) /* PL011 */
#define BCM2711_GICD_BASE UINT64_C(0xff841000)  /* GIC-400 distributor */
#define BCM2711_GICC_BASE UINT64_C(0xff842000)  /* GIC-400 CPU interface */

static inline uint32_t mmio_read32(uint64_t address)
{
    uint32_t value;
    __asm__ __volatile__("ldr %w0, [%1]" : "=r"(value) : "r"(address) : "memory");
    return value;
}

static inline void mmio_write32(uint64_t address, uint32_t value)
{
    __asm__ __volatile__("str %w0, [%1]" : : "rZ"(value), "r"(address) : "memory");
}

static inline void mmio_write8(uint64_t address, uint8_t value)
{
    __asm__ __volatile__("strb %w0, [%1]" : : "rZ"(value), "r"(address) : "memory");
}

#endif
