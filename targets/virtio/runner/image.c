/* image.c: runner_check_image: the board from the image's ELF machine, the image's notes through the tenders'
 * checked ELF reader, and its manifest against the --net and --block arguments. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "targets/virt_arm64/virt_abi.h"
#include "targets/virtio/pvh_abi.h"
#include "targets/virtio/runner/runner.h"

#define IMAGE_LOAD_ADDRESS 0x100000

/* The board an image is for, from e_machine (the ELF reader checks the rest of the header, and the ABI note). */
static enum runner_board board_of(const char *path)
{
    Elf64_Ehdr header;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot open the image %s: %s", path, strerror(errno));
    ssize_t got = read(fd, &header, sizeof header);
    close(fd);
    if (got == (ssize_t)sizeof header && memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 && header.e_machine == EM_AARCH64)
        return RUNNER_BOARD_VIRT_ARM64;
    return RUNNER_BOARD_X86_64;
}

void runner_check_image(struct runner_options *options, struct mirage_manifest_desc *manifest)
{
    const struct tender_args *args = &options->tender;
    struct tender_image image;

    options->board = board_of(args->image);
    bool arm64 = options->board == RUNNER_BOARD_VIRT_ARM64;
    /* tender_load_elf copies the segments too: into scratch memory spanning the guest's addresses up to the end of
     * its RAM, touched only where the image lies (on QEMU virt, RAM starts at VIRT_RAM_BASE). */
    uint64_t ram_end = (arm64 ? VIRT_RAM_BASE : 0) + args->mem_size;
    uint8_t *scratch = mmap(NULL, ram_end, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (scratch == MAP_FAILED)
        tender_fail(TENDER_EXIT_ERROR, "cannot reserve %llu MiB to check the image",
                    (unsigned long long)(ram_end >> 20));
    if (arm64)
        tender_load_elf(args->image, scratch, VIRT_IMAGE_BASE, ram_end, MIRAGE_ABI_VIRT_ARM64, VIRT_ABI_VERSION,
                        &image);
    else
        tender_load_elf(args->image, scratch, IMAGE_LOAD_ADDRESS, ram_end, MIRAGE_ABI_VIRTIO, VIRTIO_ABI_VERSION,
                        &image);
    munmap(scratch, ram_end);
    tender_check_device_args(&image.manifest, args, "tap:TAP");
    if (!arm64 && options->machine == RUNNER_PC && image.manifest.count > 0)
        tender_fail(TENDER_EXIT_ERROR,
                    "--machine=pc: %s has %s device '%.63s', and the virtio ABI drives devices only "
                    "over virtio-mmio on microvm: use --machine=microvm",
                    args->image, mirage_device_type_name(image.manifest.entries[0].type),
                    image.manifest.entries[0].name);
    if (arm64 && options->machine == RUNNER_PC)
        tender_fail(TENDER_EXIT_ERROR, "--machine=pc: %s is an aarch64 image for QEMU virt, which takes no --machine",
                    args->image);
    *manifest = image.manifest;
}
