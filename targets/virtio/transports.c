/* transports.c: where QEMU microvm puts its virtio-mmio transports (pvh_abi.h), for the shared drivers. */
#include <stdint.h>

#include "lib/platform/image_notes.h"
#include "targets/virtio/pvh_abi.h"
#include "targets/virtio/virtio.h"

_Static_assert(MIRAGE_MANIFEST_MAX_DEVICES <= VIRTIO_MMIO_TRANSPORTS, "every manifest entry has a transport");

uintptr_t virtio_board_transport_base(uint32_t index)
{
    if (index >= VIRTIO_MMIO_TRANSPORTS)
        return 0;
    return (uintptr_t)VIRTIO_MMIO_BASE + (uintptr_t)index * VIRTIO_MMIO_STRIDE;
}
