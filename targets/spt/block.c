/* block.c: spt block transport: pread64/pwrite64 on the disk file the tender opened, one whole block per call. */
#include "lib/platform/transport.h"
#include "targets/spt/syscall.h"

platform_result_t transport_block_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    (void)handle;
    (void)device;
    return PLATFORM_OK; /* the tender opened the file before the guest started */
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

platform_result_t transport_block_write(platform_handle_t handle, const struct mirage_boot_device *device,
                                        uint64_t offset, const uint8_t *buf, size_t size)
{
    (void)handle;
    return transfer(SPT_SYS_PWRITE64, device, offset, (uintptr_t)buf, size);
}

platform_result_t transport_block_read(platform_handle_t handle, const struct mirage_boot_device *device,
                                       uint64_t offset, uint8_t *buf, size_t size)
{
    (void)handle;
    return transfer(SPT_SYS_PREAD64, device, offset, (uintptr_t)buf, size);
}
