/* devices.c: tender_attach_devices: opens the host resource (a tap interface or a disk file) for every device in
 * the image's manifest, as the --net/--block arguments name them, and describes each for the guest. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets/tender/tender.h"

/* A MAC derived from the tap and device names (FNV-1a), so a unikernel keeps its address across restarts and
 * neighbours' ARP caches stay valid. Bit 1 of the first byte: locally administered; bit 0 clear: unicast. */
static void derive_mac(const char *tap_name, const char *device_name, uint8_t mac[6])
{
    uint64_t hash = UINT64_C(0xcbf29ce484222325);

    for (const char *c = tap_name; *c != '\0'; c++)
        hash = (hash ^ (uint8_t)*c) * UINT64_C(0x100000001b3);
    hash = (hash ^ '/') * UINT64_C(0x100000001b3);
    for (const char *c = device_name; *c != '\0'; c++)
        hash = (hash ^ (uint8_t)*c) * UINT64_C(0x100000001b3);
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)(hash >> (8 * i));
    mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

static void attach_tap(const struct tender_device_arg *arg, struct mirage_boot_device *device, uint32_t header_size)
{
    struct ifreq request;
    const char *tap = arg->resource;

    if (strlen(tap) >= IFNAMSIZ)
        tender_fail(TENDER_EXIT_ERROR, "net device '%s': tap interface name '%s' is longer than %d characters",
                    arg->name, tap, IFNAMSIZ - 1);
    /* TUNSETIFF would create a missing interface; a typo should be an error, not a new unconnected tap. */
    if (if_nametoindex(tap) == 0)
        tender_fail(TENDER_EXIT_ERROR, "net device '%s': no tap interface '%s' (create it: ip tuntap add %s mode tap)",
                    arg->name, tap, tap);
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        tender_fail(TENDER_EXIT_ERROR, "net device '%s': cannot open /dev/net/tun for tap '%s': %s", arg->name, tap,
                    strerror(errno));
    memset(&request, 0, sizeof(request));
    request.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | (header_size > 0 ? IFF_VNET_HDR : 0));
    memcpy(request.ifr_name, tap, strlen(tap));
    if (ioctl(fd, TUNSETIFF, &request) != 0)
        tender_fail(TENDER_EXIT_ERROR, "net device '%s': cannot attach to tap interface '%s': %s", arg->name, tap,
                    errno == EINVAL ? "it exists but is not a tap interface" : strerror(errno));
    if (strncmp(request.ifr_name, tap, IFNAMSIZ) != 0)
        tender_fail(TENDER_EXIT_ERROR, "net device '%s': the kernel attached '%s' instead of tap interface '%s'",
                    arg->name, request.ifr_name, tap);

    int header = (int)header_size;
    if (header_size > 0 && ioctl(fd, TUNSETVNETHDRSZ, &header) != 0)
        tender_fail(TENDER_EXIT_ERROR, "net device '%s': tap interface '%s' refuses a %u-byte virtio-net header: %s",
                    arg->name, tap, header_size, strerror(errno));

    device->mtu = PLATFORM_NET_MTU;
    derive_mac(tap, arg->name, device->mac);
    device->host_fd = fd;
}

static void attach_block_file(const struct tender_device_arg *arg, struct mirage_boot_device *device)
{
    const char *path = arg->resource;
    struct stat status;

    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        tender_fail(TENDER_EXIT_ERROR, "block device '%s': cannot open '%s': %s", arg->name, path, strerror(errno));
    if (fstat(fd, &status) != 0)
        tender_fail(TENDER_EXIT_ERROR, "block device '%s': cannot stat '%s': %s", arg->name, path, strerror(errno));
    if (!S_ISREG(status.st_mode) && !S_ISBLK(status.st_mode))
        tender_fail(TENDER_EXIT_ERROR, "block device '%s': '%s' is neither a regular file nor a block device",
                    arg->name, path);
    /* lseek gives the size of a host block device too, where st_size is 0. */
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0)
        tender_fail(TENDER_EXIT_ERROR, "block device '%s': cannot size '%s': %s", arg->name, path, strerror(errno));
    if (size == 0 || size % PLATFORM_BLOCK_SIZE != 0)
        tender_fail(TENDER_EXIT_ERROR, "block device '%s': '%s' is %lld bytes; it must be a nonzero multiple of %u",
                    arg->name, path, (long long)size, PLATFORM_BLOCK_SIZE);

    device->capacity = (uint64_t)size;
    device->block_size = PLATFORM_BLOCK_SIZE;
    device->host_fd = fd;
}

const struct tender_device_arg *tender_find_device_arg(const struct tender_args *args, const char *name)
{
    for (uint32_t i = 0; i < args->device_count; i++) {
        if (strcmp(args->devices[i].name, name) == 0)
            return &args->devices[i];
    }
    return NULL;
}

void tender_check_device_args(const struct mirage_manifest_desc *manifest, const struct tender_args *args,
                              const char *net_resource)
{
    /* Arguments first, so a misspelt name is reported as such and not as the missing device it was meant for. */
    for (uint32_t i = 0; i < args->device_count; i++) {
        const struct tender_device_arg *arg = &args->devices[i];
        int64_t index = mirage_manifest_find(manifest, arg->name);
        const char *type = mirage_device_type_name(arg->type);
        if (index < 0)
            tender_fail(TENDER_EXIT_ERROR, "--%s:%s=%s: the image's manifest has no device '%s'", type, arg->name,
                        arg->resource, arg->name);
        const char *want = mirage_device_type_name(manifest->entries[index].type);
        if (manifest->entries[index].type != arg->type)
            tender_fail(TENDER_EXIT_ERROR, "--%s:%s=%s: '%s' is a %s device in the image's manifest: use --%s:%s=...",
                        type, arg->name, arg->resource, arg->name, want, want, arg->name);
    }
    if (manifest->count > MIRAGE_MANIFEST_MAX_DEVICES)
        tender_fail(TENDER_EXIT_ERROR, "the image's manifest lists %u devices, at most %d are allowed", manifest->count,
                    MIRAGE_MANIFEST_MAX_DEVICES);
    for (uint32_t i = 0; i < manifest->count; i++) {
        const struct mirage_manifest_entry *entry = &manifest->entries[i];
        const char *type = mirage_device_type_name(entry->type);
        if (entry->type != MIRAGE_DEVICE_NET && entry->type != MIRAGE_DEVICE_BLOCK)
            tender_fail(TENDER_EXIT_ERROR, "manifest device '%.63s' has unknown type %u", entry->name, entry->type);
        if (tender_find_device_arg(args, entry->name) == NULL)
            tender_fail(TENDER_EXIT_ERROR, "the image needs %s device '%.63s': pass --%s:%.63s=%s", type, entry->name,
                        type, entry->name, entry->type == MIRAGE_DEVICE_NET ? net_resource : "FILE");
    }
}

void tender_attach_devices(const struct mirage_manifest_desc *manifest, const struct tender_args *args,
                           struct mirage_boot_devices *out, uint32_t tap_header_size)
{
    memset(out, 0, sizeof(*out));
    tender_check_device_args(manifest, args, "TAP");
    for (uint32_t i = 0; i < manifest->count; i++) {
        const struct mirage_manifest_entry *entry = &manifest->entries[i];
        struct mirage_boot_device *device = &out->devices[i];
        const struct tender_device_arg *arg = tender_find_device_arg(args, entry->name);

        memcpy(device->name, entry->name, sizeof(device->name));
        device->name[sizeof(device->name) - 1] = '\0';
        device->type = entry->type;
        device->host_fd = -1;
        if (entry->type == MIRAGE_DEVICE_NET)
            attach_tap(arg, device, tap_header_size);
        else
            attach_block_file(arg, device);
    }
    out->count = manifest->count;
}
