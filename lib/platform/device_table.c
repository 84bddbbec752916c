/* device_table.c: the guest's table of attached devices and which of them were acquired (device_table.h). */
#include <string.h>

#include "lib/platform/device_model.h"
#include "lib/platform/device_table.h"

/* A copy: the ABI's boot table may lie in memory the guest later unmaps, and virtio fills in entries. */
static struct mirage_boot_devices table;
static uint64_t acquired;
/* Per net device: the frame size receive offload announced, 0 while it is off. */
static uint64_t offload_frame_max[MIRAGE_MANIFEST_MAX_DEVICES];

_Static_assert(MIRAGE_MANIFEST_MAX_DEVICES <= 64, "a set of handles fits 64 bits");

void platform_devices_init(const struct mirage_boot_devices *attached)
{
    memset(&table, 0, sizeof table);
    acquired = 0;
    memset(offload_frame_max, 0, sizeof offload_frame_max);
    if (attached == NULL)
        return;
    table = *attached;
    if (table.count > MIRAGE_MANIFEST_MAX_DEVICES)
        table.count = MIRAGE_MANIFEST_MAX_DEVICES;
    for (uint32_t i = 0; i < table.count; i++)
        table.devices[i].name[MIRAGE_MANIFEST_NAME_SIZE - 1] = '\0';
}

const struct mirage_boot_device *platform_device_find(const char *name, uint32_t type, platform_handle_t *handle)
{
    int64_t index = mirage_boot_devices_find(&table, name, type);
    if (index < 0)
        return NULL;
    *handle = (platform_handle_t)index;
    return &table.devices[index];
}

void platform_device_describe(platform_handle_t handle, const struct mirage_boot_device *described)
{
    if (handle >= table.count)
        return;
    struct mirage_boot_device *device = &table.devices[handle];
    device->mtu = described->mtu;
    memcpy(device->mac, described->mac, sizeof device->mac);
    device->capacity = described->capacity;
    device->block_size = described->block_size;
}

void platform_device_mark_acquired(platform_handle_t handle)
{
    if (handle < table.count)
        acquired |= UINT64_C(1) << handle;
}

const struct mirage_boot_device *platform_device_get(platform_handle_t handle, uint32_t type)
{
    if (handle >= table.count || (acquired & (UINT64_C(1) << handle)) == 0)
        return NULL;
    return mirage_boot_devices_get(&table, handle, type);
}

uint64_t platform_net_receive_frame_max(platform_handle_t handle)
{
    if (handle >= table.count)
        return 0;
    uint64_t frame_max = mirage_net_frame_max(&table.devices[handle]);
    return offload_frame_max[handle] > frame_max ? offload_frame_max[handle] : frame_max;
}

void platform_net_set_receive_frame_max(platform_handle_t handle, uint64_t frame_max)
{
    if (handle < table.count)
        offload_frame_max[handle] = frame_max;
}

uint64_t platform_devices_acquired(uint32_t type)
{
    uint64_t set = 0;
    for (uint32_t i = 0; i < table.count; i++) {
        if ((acquired & (UINT64_C(1) << i)) != 0 && table.devices[i].type == type)
            set |= UINT64_C(1) << i;
    }
    return set;
}
