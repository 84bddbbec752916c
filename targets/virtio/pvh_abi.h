/* pvh_abi.h: the virtio ABI's contract between the runner (host) and the guest: its version, how the guest ends
 * QEMU, and where the runner attaches the manifest's devices. Included by guest and runner code alike. */
#ifndef MIRAGE_TARGETS_VIRTIO_PVH_ABI_H
#define MIRAGE_TARGETS_VIRTIO_PVH_ABI_H

/* Version 2: a PVH ELF booted by QEMU; devices attached in manifest order, as below; every exit reported on
 * VIRTIO_EXIT_REPORT_PORT before it ends QEMU (version 1 guests did not report, so the runner refuses them). */
#define VIRTIO_ABI_VERSION 2

/* How a guest ends, and why in two steps. isa-debug-exit at VIRTIO_EXIT_PORT makes QEMU exit with status
 * (value << 1) | 1, and an exit status keeps 8 bits: that carries 128 codes, and code 0 gives status 1, which is
 * also what QEMU exits with when it fails on its own (a missing disk, memory it cannot allocate). No encoding of
 * 256 guest codes in QEMU's status can stay apart from QEMU's own 1, so the code travels on a second channel: the
 * guest first writes one report, "exit NNN\n" (three decimal digits, 000 to 255), byte by byte to the isa-debugcon
 * port VIRTIO_EXIT_REPORT_PORT, which the runner connects to a pipe it reads; then it writes the same code to
 * isa-debug-exit, which ends QEMU. The runner passes a code on only when exactly one well-formed report arrived and
 * QEMU's status is what isa-debug-exit gives for that code; without a report the status is QEMU's failure (or one of
 * the boot exits below). The report is fixed width so the runner reads a bounded, exact record. */
#define VIRTIO_EXIT_PORT 0xf4
/* Beside isa-debug-exit (0xf4 to 0xf7), free on microvm and pc; not 0x402, where SeaBIOS writes its log. */
#define VIRTIO_EXIT_REPORT_PORT 0xf8
#define VIRTIO_EXIT_REPORT_PREFIX "exit "
#define VIRTIO_EXIT_REPORT_SIZE 9 /* "exit " + 3 digits + "\n" */
#define VIRTIO_EXIT_CODE_MAX 255
/* platform_abort() and CPU exceptions end the guest with PLATFORM_EXIT_ABORT (lib/platform/device_model.h), the
 * code an aborted guest has on every ABI. */
/* start.S ends a boot that cannot reach C (no PVH start info, no long mode) on isa-debug-exit alone, without a
 * report: the runner names these as host problems. */
#define VIRTIO_EXIT_NO_START_INFO 120
#define VIRTIO_EXIT_NO_LONG_MODE 121

/* On -M microvm, manifest entry i sits on virtio-mmio transport i (bus virtio-mmio-bus.i): its registers are at
 * VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_STRIDE. The guest drives no virtio-pci, so on -M pc an image may have no
 * devices: the runner refuses it. */
#define VIRTIO_MMIO_BASE 0xfeb00000u
#define VIRTIO_MMIO_STRIDE 0x200u
#define VIRTIO_MMIO_TRANSPORTS 24u

#endif
