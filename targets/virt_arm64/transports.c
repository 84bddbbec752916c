/* transports.c: where QEMU virt puts its virtio-mmio transports (virt_abi.h), for the shared virtio drivers. */
#include <stdint.h>

#include "lib/platform/image_notes.h"
#include "targets/virt_arm64/virt_abi.h"
#include "targets/virtio/virtio.h"

_Static_assert(MIRAGE_MANIFEST_MAX_DEVICES <= VIRT_RNG_TRANSPORT, "the entropy transport is no manifest entry's");

uintptr_t virtio_board_transport_base(uint32_t index)
{
    if (index >= VIRT_MMIO_TRANSPORTS)
        return 0;
    return (uintptr_t)VIRT_MMIO_BASE + (uintptr_t)index * VIRT_MMIO_STRIDE;
}
