/* bcm2711.h: where the BCM2711's peripherals are (the "low peripheral" mode the Pi 4 firmware starts the ARM in);
 * QEMU's raspi4b puts them at the same addresses. Accessors: lib/platform/aarch64/mmio.h. */
#ifndef MIRAGE_TARGETS_RPI4_BCM2711_H
#define MIRAGE_TARGETS_RPI4_BCM2711_H

#include <stdint.h>

/* The window mapped as device memory: the peripherals and the ARM-local block with the GIC-400. */
#define BCM2711_DEVICE_BASE UINT64_C(0xfc000000)
#define BCM2711_DEVICE_END UINT64_C(0x100000000)

#define BCM2711_PM_BASE UINT64_C(0xfe100000)    /* power management: watchdog and reset */
#define BCM2711_RNG_BASE UINT64_C(0xfe104000)   /* RNG200 */
#define BCM2711_GPIO_BASE UINT64_C(0xfe200000)  /* GPIO function select */
#define BCM2711_UART0_BASE UINT64_C(0xfe201000) /* PL011 */
#define BCM2711_UART_CLOCK_HZ 48000000u         /* the UART clock config.txt asks the firmware for */
#define BCM2711_GICD_BASE UINT64_C(0xff841000)  /* GIC-400 distributor */
#define BCM2711_GICC_BASE UINT64_C(0xff842000)  /* GIC-400 CPU interface */
#define BCM2711_TIMER_PPI 30u                   /* the EL1 physical timer's interrupt at the GIC-400 */

#endif
