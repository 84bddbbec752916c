/* start_info.c: the PVH start info QEMU hands the guest, read by lib/platform's checked reader
 * (pvh_start_info.h) over the boot's identity map of the first 4 GiB: the command line (copied, since low memory
 * is unmapped later) and the heap, the largest RAM region above the image. */
#include "targets/virtio/cpl0.h"

#include <stdint.h>

#include "lib/platform/pvh_start_info.h"
#include "targets/virtio/bindings.h"

#define ADDRESSABLE_END (UINT64_C(1) << 32) /* what the page tables map */
#define PREFIX "virtio: "

extern const uint8_t __image_end[];

static struct pvh_boot boot;
/* The reader's message behind this ABI's prefix (virtio_fail prints one string). */
static char message[sizeof PREFIX + 96];

const char *virtio_start_info_read(uint32_t start_info_paddr)
{
    /* QEMU's PVH option ROM for -M pc puts the memory map in page 0 (at 0x5a8): the view starts at 0. */
    static const struct pvh_memory identity = {.base = 0, .size = ADDRESSABLE_END};
    const char *problem = pvh_start_info_read(&identity, start_info_paddr, (uint64_t)(uintptr_t)__image_end,
                                              VIRTIO_LARGE_PAGE_SIZE, &boot);
    if (problem == 0)
        return 0;
    uint32_t at = 0;
    for (const char *c = PREFIX; *c != '\0'; c++)
        message[at++] = *c;
    for (; *problem != '\0' && at < sizeof message - 1; problem++)
        message[at++] = *problem;
    message[at] = '\0';
    return message;
}

const char *virtio_cmdline(void)
{
    return boot.cmdline;
}

uintptr_t virtio_heap_start(void)
{
    return (uintptr_t)boot.heap_start;
}

size_t virtio_heap_size(void)
{
    return (size_t)(boot.heap_end - boot.heap_start);
}

uint64_t virtio_ram_top(void)
{
    return boot.ram_top;
}
