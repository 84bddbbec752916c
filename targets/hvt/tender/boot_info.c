/* boot_info.c: the boot info and command line the guest finds in low memory at entry. */
#include <string.h>

#include "targets/hvt/tender/hvt_tender.h"

_Static_assert(sizeof(struct hvt_boot_info) <= HVT_CMDLINE_ADDRESS - HVT_BOOT_INFO_ADDRESS,
               "struct hvt_boot_info must fit below the command line");
_Static_assert(HVT_CMDLINE_ADDRESS + PLATFORM_CMDLINE_SIZE <= HVT_PAGE_TABLES_ADDRESS,
               "the command line must fit below the page tables");

uint64_t hvt_boot_info_write(const struct hvt_vm *vm, const struct tender_image *image, const char *cmdline,
                             const struct mirage_boot_devices *devices, uint64_t tsc_freq)
{
    struct hvt_boot_info info = {
        .mem_size = vm->mem_size,
        .kernel_end = image->end,
        .cmdline = HVT_CMDLINE_ADDRESS,
        .tsc_freq = tsc_freq,
        .devices = *devices,
    };
    /* The tender keeps the descriptors; the guest names devices by handle only. */
    for (uint32_t i = 0; i < MIRAGE_MANIFEST_MAX_DEVICES; i++)
        info.devices.devices[i].host_fd = -1;
    memcpy(vm->mem + HVT_BOOT_INFO_ADDRESS, &info, sizeof info);

    size_t len = strnlen(cmdline, PLATFORM_CMDLINE_SIZE - 1);
    memcpy(vm->mem + HVT_CMDLINE_ADDRESS, cmdline, len); /* the NUL after it is already there: memory is zero */
    return HVT_BOOT_INFO_ADDRESS;
}
