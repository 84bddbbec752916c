/* block.c: spt block devices: pread64/pwrite64 on the disk file the tender opened, in whole blocks inside the
 * device's capacity. */
#include "lib/platform/platform.h"
#include "targets/spt/devices.h"
#include "targets/spt/syscall.h"

platform_result_t platform_block_acquire(const char *name, platform_handle_t *handle,
                                         struct platform_block_info *info)
{
    const struct mirage_boot_device *device = spt_device_find(name, MIRAGE_DEVICE_BLOCK, handle);

    if (device == NULL)
        return PLATFORM_INVALID;
    info->capacity = device->capacity;
    info->block_size = device->block_size;
    return PLATFORM_OK;
}

/* The device behind `handle` if [offset, offset + size) is whole blocks inside it, else NULL. */
static const struct mirage_boot_device *checked_device(platform_handle_t handle, uint64_t offset, size_t size)
{
    const struct mirage_boot_device *device = spt_device_get(handle, MIRAGE_DEVICE_BLOCK);

    if (device == NULL || device->block_size == 0 || size == 0)
        return NULL;
    if (offset % device->block_size != 0 || size % device->block_size != 0)
        return NULL;
    if (offset > device->capacity || size > device->capacity - offset)
        return NULL;
    return device;
}

/* One system call per block: the tender's filter admits exactly one whole block per pread64/pwrite64. A regular file
 * moves a block whole; a short count means the end of the file or an I/O error. */
static platform_result_t transfer(int64_t number, const struct mirage_boot_device *device, uint64_t offset,
                                  uintptr_t buffer, size_t size)
{
    const uint64_t block = device->block_size;

    for (; size > 0; size -= block, offset += block, buffer += block) {
        int64_t done;
        do
            done = spt_syscall5(number, (uint64_t)device->host_fd, buffer, block, offset, 0);
        while (done == -SPT_EINTR);
        if (done != (int64_t)block)
            return PLATFORM_UNSPECIFIED;
    }
    return PLATFORM_OK;
}

platform_result_t platform_block_write(platform_handle_t handle, uint64_t offset, const uint8_t *buf, size_t size)
{
    const struct mirage_boot_device *device = checked_device(handle, offset, size);

    if (device == NULL)
        return PLATFORM_INVALID;
    return transfer(SPT_SYS_PWRITE64, device, offset, (uintptr_t)buf, size);
}

platform_result_t platform_block_read(platform_handle_t handle, uint64_t offset, uint8_t *buf, size_t size)
{
    const struct mirage_boot_device *device = checked_device(handle, offset, size);

    if (device == NULL)
        return PLATFORM_INVALID;
    return transfer(SPT_SYS_PREAD64, device, offset, (uintptr_t)buf, size);
}
