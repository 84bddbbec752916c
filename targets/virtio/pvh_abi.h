/* pvh_abi.h: the virtio ABI's contract between the runner (host) and the guest: its version, how the guest ends
 * QEMU, and where the runner attaches the manifest's devices. Included by guest and runner code alike. */
#ifndef MIRAGE_TARGETS_VIRTIO_PVH_ABI_H
#define MIRAGE_TARGETS_VIRTIO_PVH_ABI_H

/* Version 1: a PVH ELF booted by QEMU; devices attached in manifest order, as below. */
#define VIRTIO_ABI_VERSION 1

/* The isa-debug-exit port: QEMU exits with (value << 1) | 1, so a guest exit code must be 0..127. */
#define VIRTIO_EXIT_PORT 0xf4
#define VIRTIO_EXIT_CODE_MAX 127
/* platform_abort() and CPU exceptions end the guest with this code, as TENDER_EXIT_ABORT does on hvt. */
#define VIRTIO_EXIT_ABORT 126

/* On -M microvm, manifest entry i sits on virtio-mmio transport i (bus virtio-mmio-bus.i): its registers are at
 * VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_STRIDE. On -M pc it is a virtio PCI function in slot VIRTIO_PCI_FIRST_SLOT + i
 * of bus 0. */
#define VIRTIO_MMIO_BASE 0xfeb00000u
#define VIRTIO_MMIO_STRIDE 0x200u
#define VIRTIO_MMIO_TRANSPORTS 24u
#define VIRTIO_PCI_FIRST_SLOT 4u

#endif
