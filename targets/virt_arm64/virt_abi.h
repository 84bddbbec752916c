/* virt_abi.h: the virt_arm64 ABI's contract between the runner (host) and the guest: its version, QEMU virt's
 * memory map as the guest uses it, how the guest ends QEMU, and where the runner attaches devices. Included by
 * guest and runner code alike. */
#ifndef MIRAGE_TARGETS_VIRT_ARM64_VIRT_ABI_H
#define MIRAGE_TARGETS_VIRT_ARM64_VIRT_ABI_H

/* Version 1: an aarch64 ELF that QEMU `-M virt` loads with -kernel and enters at EL1 (EL2 is dropped from). */
#define VIRT_ABI_VERSION 1

/* QEMU virt's memory map (hw/arm/virt.c), the parts the guest touches. */
#define VIRT_GICD_BASE 0x08000000u   /* GICv2 distributor (the runner asks for gic-version=2) */
#define VIRT_GICC_BASE 0x08010000u   /* GICv2 CPU interface */
#define VIRT_UART_BASE 0x09000000u   /* PL011, the console */
#define VIRT_UART_CLOCK_HZ 24000000u /* the PL011's reference clock (apb-pclk in QEMU's device tree) */
#define VIRT_RTC_BASE 0x09010000u    /* PL031, the wall clock's seconds */
#define VIRT_MMIO_BASE 0x0a000000u   /* virtio-mmio transport i at VIRT_MMIO_BASE + i * VIRT_MMIO_STRIDE */
#define VIRT_MMIO_STRIDE 0x200u
#define VIRT_MMIO_TRANSPORTS 32u
#define VIRT_MMIO_FIRST_INTID 48u   /* transport i raises SPI 16 + i: GIC interrupt id 48 + i, level-triggered */
#define VIRT_TIMER_INTID 27u        /* the EL1 virtual timer's PPI */
#define VIRT_RAM_BASE 0x40000000u   /* QEMU puts the device tree here, below the image, for an ELF -kernel */
#define VIRT_IMAGE_BASE 0x40200000u /* where the linker script puts the image: 2 MiB for the device tree below */

/* Manifest entry i is on transport i (bus virtio-mmio-bus.i); the runner puts a virtio-rng device, the entropy
 * source, on the last transport, which no manifest entry reaches (MIRAGE_MANIFEST_MAX_DEVICES is smaller). */
#define VIRT_RNG_TRANSPORT (VIRT_MMIO_TRANSPORTS - 1u)

/* How a guest ends: through Arm semihosting, which QEMU enables with -semihosting-config (the runner does). The
 * guest first writes one report, "exit NNN\n" (three decimal digits), with SYS_WRITE0 to the semihosting console,
 * which the runner connects to a pipe it reads; then SYS_EXIT with ADP_Stopped_ApplicationExit and the code as its
 * subcode, which ends QEMU with that status. As on the virtio ABI (pvh_abi.h), the runner passes a code on only
 * when exactly one well-formed report arrived and QEMU's status is that code: QEMU's own failures exit 1 too. A
 * guest whose semihosting call faults (QEMU without -semihosting-config) powers off through PSCI SYSTEM_OFF. */
#define VIRT_EXIT_REPORT_PREFIX "exit "
#define VIRT_EXIT_REPORT_SIZE 9 /* "exit " + 3 digits + "\n" */
#define VIRT_EXIT_CODE_MAX 255

#endif
