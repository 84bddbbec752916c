/* host_resources.c: runner_check_host_resources: the disk files and tap interfaces QEMU will open, checked before
 * QEMU starts by the tenders' own attach code, so a missing disk or tap gets the tenders' one-line error. */
#include <string.h>
#include <unistd.h>

#include "targets/virtio/runner/runner.h"

void runner_check_host_resources(const struct runner_options *options, const struct mirage_manifest_desc *manifest)
{
    const struct tender_args *args = &options->tender;
    /* The manifest and arguments restricted to what a tender can attach: block files and taps ("tap:" dropped).
     * User networking has no host resource to open; its options are checked instead. */
    static struct mirage_manifest_desc host_manifest;
    static struct tender_args host_args;
    static struct mirage_boot_devices attached;

    memset(&host_manifest, 0, sizeof host_manifest);
    memset(&host_args, 0, sizeof host_args);
    host_manifest.version = manifest->version;
    host_args.mem_size = args->mem_size;
    host_args.image = args->image;
    for (uint32_t i = 0; i < manifest->count && i < MIRAGE_MANIFEST_MAX_DEVICES; i++) {
        const struct mirage_manifest_entry *entry = &manifest->entries[i];
        const struct tender_device_arg *arg = tender_find_device_arg(args, entry->name);
        if (arg == NULL) /* runner_check_image refused this already */
            tender_fail(TENDER_EXIT_ERROR, "no argument for device '%.63s'", entry->name);
        struct tender_device_arg host_arg = *arg;
        if (entry->type == MIRAGE_DEVICE_NET) {
            if (strncmp(arg->resource, "user:", 5) == 0) {
                runner_check_user_net(arg->name, arg->resource + 5, options->allow_host_services);
                continue;
            }
            if (strncmp(arg->resource, "tap:", 4) == 0)
                host_arg.resource = arg->resource + 4;
            if (*host_arg.resource == '\0')
                tender_fail(TENDER_EXIT_ERROR, "--net:%s=%s: name the tap interface, e.g. tap:tap0", arg->name,
                            arg->resource);
        }
        host_manifest.entries[host_manifest.count++] = *entry;
        host_args.devices[host_args.device_count++] = host_arg;
    }

    tender_attach_devices(&host_manifest, &host_args, &attached, 0);
    /* QEMU opens them itself; the runner holds nothing open, so the tap is free for QEMU to attach. */
    for (uint32_t i = 0; i < attached.count; i++) {
        if (attached.devices[i].host_fd >= 0 && close((int)attached.devices[i].host_fd) != 0)
            tender_fail(TENDER_EXIT_ERROR, "cannot close device '%.63s' after checking it", attached.devices[i].name);
    }
}
