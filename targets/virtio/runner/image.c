/* image.c: runner_check_image: the image's notes through the tenders' checked ELF reader, and its manifest against
 * the --net and --block arguments. */
#include <sys/mman.h>

#include "targets/virtio/pvh_abi.h"
#include "targets/virtio/runner/runner.h"

#define IMAGE_LOAD_ADDRESS 0x100000

void runner_check_image(const struct runner_options *options, struct mirage_manifest_desc *manifest)
{
    const struct tender_args *args = &options->tender;
    struct tender_image image;

    /* tender_load_elf copies the segments too: into scratch memory the size of the guest's, touched only where the
     * image lies. */
    uint8_t *scratch =
        mmap(NULL, args->mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (scratch == MAP_FAILED)
        tender_fail(TENDER_EXIT_ERROR, "cannot reserve %llu MiB to check the image",
                    (unsigned long long)(args->mem_size >> 20));
    tender_load_elf(args->image, scratch, IMAGE_LOAD_ADDRESS, args->mem_size, MIRAGE_ABI_VIRTIO, VIRTIO_ABI_VERSION,
                    &image);
    munmap(scratch, args->mem_size);
    tender_check_device_args(&image.manifest, args, "tap:TAP");
    if (options->machine == RUNNER_PC && image.manifest.count > 0)
        tender_fail(TENDER_EXIT_ERROR,
                    "--machine=pc: %s has %s device '%.63s', and the virtio ABI drives devices only "
                    "over virtio-mmio on microvm: use --machine=microvm",
                    args->image, mirage_device_type_name(image.manifest.entries[0].type),
                    image.manifest.entries[0].name);
    *manifest = image.manifest;
}
