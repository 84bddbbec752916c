/* net.c: the network transport over two Muen channels per device, in the muennet protocol (as Solo5's Muen binding
 * and Muen's Linux muennet driver speak it): the subject writes frames to the channel "<name>|out" and reads them
 * from "<name>|in", one frame per 1,516-byte element, the frame's bytes then its length (u16, little-endian). */
#include <stdio.h>
#include <string.h>

#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "lib/platform/transport.h"
#include "lib/platform/x86_cpu.h"
#include "targets/muen/bindings.h"
#include "targets/muen/channel.h"

#define MUENNET_PROTOCOL UINT64_C(0x7ade5c549b08e814)
#define MUENNET_FRAME_MAX 1514u
#define MUENNET_MTU 1500u

struct muennet_element {
    uint8_t frame[MUENNET_FRAME_MAX];
    uint8_t length[2];
};

_Static_assert(sizeof(struct muennet_element) == 1516, "a muennet element is 1,516 bytes");

struct muen_net {
    struct muen_channel_writer out;
    struct muen_channel_reader in;
};

static const struct muen_sinfo *sinfo;
static struct muen_net nets[MIRAGE_MANIFEST_MAX_DEVICES];
/* One element at a time, never on the stack (1.5 KiB). */
static struct muennet_element element;

void muen_net_init(const struct muen_sinfo *subject_info)
{
    sinfo = subject_info;
}

static platform_result_t fail(const struct mirage_boot_device *device, const char *problem)
{
    static const char before[] = "muen: net device ";
    platform_console_write(before, sizeof before - 1);
    platform_console_write(device->name, strnlen(device->name, MIRAGE_MANIFEST_NAME_SIZE));
    platform_console_write(problem, strlen(problem));
    return PLATFORM_UNSPECIFIED;
}

/* The channel region "<device>|<direction>", or NULL. */
static const struct muen_memory_region *channel(const struct mirage_boot_device *device, const char *direction)
{
    char name[MUEN_SINFO_NAME_MAX + 1];
    int length = snprintf(name, sizeof name, "%s|%s", device->name, direction);
    if (length <= 0 || (size_t)length >= sizeof name)
        return NULL;
    const struct muen_memory_region *region = muen_sinfo_region(sinfo, name);
    return region != NULL && !region->device && region->kind == MUEN_MEMORY_SUBJECT_CHANNEL ? region : NULL;
}

/* A locally administered unicast MAC from the subject's and the device's names (FNV-1a), the same at every boot. */
static void make_mac(const struct mirage_boot_device *device, uint8_t mac[6])
{
    uint64_t hash = UINT64_C(0xcbf29ce484222325);
    const char *parts[2] = {sinfo->subject_name, device->name};
    for (int p = 0; p < 2; p++)
        for (const char *c = parts[p]; *c != '\0'; c++)
            hash = (hash ^ (uint8_t)*c) * UINT64_C(0x100000001b3);
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)(hash >> (8 * i));
    mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

platform_result_t transport_net_start(platform_handle_t handle, const struct mirage_boot_device *device)
{
    const struct muen_memory_region *out = channel(device, "out");
    const struct muen_memory_region *in = channel(device, "in");
    if (out == NULL || in == NULL)
        return fail(device, ": no channels <name>|out and <name>|in in the subject info\n");
    if ((out->flags & MUEN_MEMORY_WRITABLE) == 0)
        return fail(device, ": its out channel is not writable\n");
    if (muen_channel_writer_init(&nets[handle].out, (void *)(uintptr_t)out->address, out->size, MUENNET_PROTOCOL,
                                 sizeof element, x86_read_tsc() | 1u) != MUEN_CHANNEL_OK ||
        muen_channel_reader_init(&nets[handle].in, (const void *)(uintptr_t)in->address, in->size, MUENNET_PROTOCOL,
                                 sizeof element) != MUEN_CHANNEL_OK)
        return fail(device, ": a channel too small for one frame\n");
    struct mirage_boot_device described = {.type = MIRAGE_DEVICE_NET, .mtu = MUENNET_MTU};
    make_mac(device, described.mac);
    platform_device_describe(handle, &described);
    return PLATFORM_OK;
}

platform_result_t transport_net_send(platform_handle_t handle, const struct mirage_boot_device *device,
                                     const uint8_t *frame, size_t size)
{
    (void)device;
    /* lib/platform checked 14 <= size <= mtu + 14. */
    memset(&element, 0, sizeof element);
    memcpy(element.frame, frame, size);
    element.length[0] = (uint8_t)size;
    element.length[1] = (uint8_t)(size >> 8);
    muen_channel_write(&nets[handle].out, &element);
    return PLATFORM_OK;
}

platform_result_t transport_net_receive(platform_handle_t handle, const struct mirage_boot_device *device, uint8_t *buf,
                                        size_t size, size_t *read_size, uint32_t *flags)
{
    (void)device;
    for (;;) {
        enum muen_channel_read_result result = muen_channel_read(&nets[handle].in, &element);
        if (result == MUEN_CHANNEL_READ_OVERRUN)
            continue; /* frames were lost, as on a wire; go on from the oldest one left */
        if (result != MUEN_CHANNEL_READ_OK)
            return PLATFORM_AGAIN;
        size_t length = (size_t)element.length[0] | (size_t)element.length[1] << 8;
        /* The other subject's length is hostile: a frame shorter than a header or past its slot is dropped. */
        if (length < 14 || length > MUENNET_FRAME_MAX || length > size)
            continue;
        memcpy(buf, element.frame, length);
        *read_size = length;
        *flags = 0;
        return PLATFORM_OK;
    }
}

bool muen_net_ready(uint64_t *ready_set)
{
    uint64_t acquired = platform_devices_acquired(MIRAGE_DEVICE_NET);
    *ready_set = 0;
    for (platform_handle_t handle = 0; handle < MIRAGE_MANIFEST_MAX_DEVICES; handle++)
        if ((acquired >> handle & 1u) != 0 && muen_channel_has_data(&nets[handle].in))
            *ready_set |= UINT64_C(1) << handle;
    return *ready_set != 0;
}
