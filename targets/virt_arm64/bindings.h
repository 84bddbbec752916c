/* bindings.h: what the virt_arm64 ABI's startup files tell each other; the shared aarch64 code's interface is
 * lib/platform/aarch64/board.h, the rest goes through lib/platform/platform.h, and the virtio drivers' own
 * interface is targets/virtio/virtio.h. */
#ifndef MIRAGE_TARGETS_VIRT_ARM64_BINDINGS_H
#define MIRAGE_TARGETS_VIRT_ARM64_BINDINGS_H

#include <stdint.h>

/* Called by start.S on the boot stack with the MMU off; never returns. */
_Noreturn void virt_boot(void);

/* entropy.c: find the virtio-rng device the runner attaches (virt_abi.h); without it platform_entropy fails. */
void virt_entropy_init(void);

#endif
