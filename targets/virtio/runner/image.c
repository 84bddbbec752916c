/* image.c: runner_check_image: the image's notes through the tenders' checked ELF reader, and its manifest against
 * the --net and --block arguments. */
#include <string.h>
#include <sys/mman.h>

#include "targets/virtio/pvh_abi.h"
#include "targets/virtio/runner/runner.h"

#define IMAGE_LOAD_ADDRESS 0x100000

static const char *type_name(uint32_t type)
{
    return type == MIRAGE_DEVICE_NET ? "net" : "block";
}

static const struct tender_device_arg *find_arg(const struct tender_args *args, const char *name)
{
    for (uint32_t i = 0; i < args->device_count; i++) {
        if (strcmp(args->devices[i].name, name) == 0)
            return &args->devices[i];
    }
    return NULL;
}

static void check_devices(const struct mirage_manifest_desc *manifest, const struct tender_args *args)
{
    /* Arguments first, so a misspelt name is reported as such and not as the missing device it was meant for. */
    for (uint32_t i = 0; i < args->device_count; i++) {
        const struct tender_device_arg *arg = &args->devices[i];
        const struct mirage_manifest_entry *entry = NULL;
        for (uint32_t j = 0; j < manifest->count && entry == NULL; j++) {
            if (strcmp(manifest->entries[j].name, arg->name) == 0)
                entry = &manifest->entries[j];
        }
        if (entry == NULL)
            tender_fail(TENDER_EXIT_ERROR, "--%s:%s=%s: the image's manifest has no device '%s'", type_name(arg->type),
                        arg->name, arg->resource, arg->name);
        if (entry->type != arg->type)
            tender_fail(TENDER_EXIT_ERROR, "--%s:%s=%s: '%s' is a %s device in the image's manifest: use --%s:%s=...",
                        type_name(arg->type), arg->name, arg->resource, arg->name, type_name(entry->type),
                        type_name(entry->type), arg->name);
    }
    for (uint32_t i = 0; i < manifest->count; i++) {
        const struct mirage_manifest_entry *entry = &manifest->entries[i];
        if (find_arg(args, entry->name) == NULL)
            tender_fail(TENDER_EXIT_ERROR, "the image needs %s device '%.63s': pass --%s:%.63s=%s",
                        type_name(entry->type), entry->name, type_name(entry->type), entry->name,
                        entry->type == MIRAGE_DEVICE_NET ? "tap:TAP" : "FILE");
    }
}

void runner_check_image(const struct runner_options *options, struct mirage_manifest_desc *manifest)
{
    const struct tender_args *args = &options->tender;
    struct tender_image image;

    /* tender_load_elf copies the segments too: into scratch memory the size of the guest's, touched only where the
     * image lies. */
    uint8_t *scratch = mmap(NULL, args->mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                            -1, 0);
    if (scratch == MAP_FAILED)
        tender_fail(TENDER_EXIT_ERROR, "cannot reserve %llu MiB to check the image",
                    (unsigned long long)(args->mem_size >> 20));
    tender_load_elf(args->image, scratch, IMAGE_LOAD_ADDRESS, args->mem_size, MIRAGE_ABI_VIRTIO, VIRTIO_ABI_VERSION,
                    &image);
    munmap(scratch, args->mem_size);
    if (image.manifest.count > MIRAGE_MANIFEST_MAX_DEVICES)
        tender_fail(TENDER_EXIT_ERROR, "%s: the manifest lists %u devices, at most %d are allowed", args->image,
                    image.manifest.count, MIRAGE_MANIFEST_MAX_DEVICES);
    check_devices(&image.manifest, args);
    *manifest = image.manifest;
}
