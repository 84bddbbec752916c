/* block.c: the block hypercalls: whole-block reads and writes of the attached file, checked against its size. */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"
#include "targets/hvt/tender/hvt_tender.h"

/* One system call per block, as the seccomp filter admits (sandbox.c); a short transfer on a regular file means an
 * I/O error or a file shrunk under the guest. */
static bool transfer(int fd, uint8_t *data, uint64_t len, uint64_t offset, uint64_t block, bool writing)
{
    for (; len > 0; len -= block, offset += block, data += block) {
        ssize_t done;
        do
            done = writing ? pwrite(fd, data, block, (off_t)offset) : pread(fd, data, block, (off_t)offset);
        while (done < 0 && errno == EINTR);
        if (done != (ssize_t)block)
            return false;
    }
    return true;
}

static void hypercall_block(struct hvt_guest *guest, uint64_t argument, bool writing, const char *name)
{
    struct hvt_hc_block call;
    hvt_guest_read(&guest->vm, argument, &call, sizeof call, name);
    /* A read fills guest memory: never the image's read-only pages, which the tender maps read-only. */
    uint8_t *data = writing ? hvt_guest_range(&guest->vm, call.data, call.len, name)
                            : hvt_guest_writable_range(&guest->vm, call.data, call.len, name);
    const struct mirage_boot_device *device =
        mirage_boot_devices_get(&guest->devices, call.handle, MIRAGE_DEVICE_BLOCK);
    call.ret = mirage_block_request_check(device, call.offset, call.len);
    if (call.ret == PLATFORM_OK)
        call.ret = transfer((int)device->host_fd, data, call.len, call.offset, device->block_size, writing)
                       ? PLATFORM_OK
                       : PLATFORM_UNSPECIFIED;
    hvt_guest_write(&guest->vm, argument, &call, sizeof call, name);
}

void hvt_hypercall_block_write(struct hvt_guest *guest, uint64_t argument)
{
    hypercall_block(guest, argument, true, "BLOCK_WRITE");
}

void hvt_hypercall_block_read(struct hvt_guest *guest, uint64_t argument)
{
    hypercall_block(guest, argument, false, "BLOCK_READ");
}
