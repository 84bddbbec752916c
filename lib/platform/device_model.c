/* device_model.c: manifest look-ups and the request checks of the shared device model (device_model.h). */
#include <string.h>

#include "lib/platform/device_model.h"

const char *mirage_device_type_name(uint32_t type)
{
    switch (type) {
    case MIRAGE_DEVICE_NET:
        return "net";
    case MIRAGE_DEVICE_BLOCK:
        return "block";
    default:
        return "unknown";
    }
}

/* Compares at most a manifest name's size: a table name is NUL-terminated within it, and `name` may be longer. */
static bool names_equal(const char *table_name, const char *name)
{
    return strncmp(table_name, name, MIRAGE_MANIFEST_NAME_SIZE) == 0 &&
           memchr(table_name, '\0', MIRAGE_MANIFEST_NAME_SIZE) != NULL;
}

int64_t mirage_manifest_find(const struct mirage_manifest_desc *manifest, const char *name)
{
    if (manifest == NULL || name == NULL)
        return -1;
    for (uint32_t i = 0; i < manifest->count && i < MIRAGE_MANIFEST_MAX_DEVICES; i++) {
        if (names_equal(manifest->entries[i].name, name))
            return i;
    }
    return -1;
}

int64_t mirage_boot_devices_find(const struct mirage_boot_devices *devices, const char *name, uint32_t type)
{
    if (devices == NULL || name == NULL)
        return -1;
    for (uint32_t i = 0; i < devices->count && i < MIRAGE_MANIFEST_MAX_DEVICES; i++) {
        if (devices->devices[i].type == type && names_equal(devices->devices[i].name, name))
            return i;
    }
    return -1;
}

const struct mirage_boot_device *mirage_boot_devices_get(const struct mirage_boot_devices *devices, uint64_t handle,
                                                         uint32_t type)
{
    if (devices == NULL || handle >= devices->count || handle >= MIRAGE_MANIFEST_MAX_DEVICES)
        return NULL;
    return devices->devices[handle].type == type ? &devices->devices[handle] : NULL;
}

uint64_t mirage_net_frame_max(const struct mirage_boot_device *device)
{
    return (uint64_t)device->mtu + PLATFORM_ETHERNET_HEADER_SIZE;
}

platform_result_t mirage_net_frame_check(const struct mirage_boot_device *device, uint64_t size)
{
    if (device == NULL || device->type != MIRAGE_DEVICE_NET)
        return PLATFORM_INVALID;
    if (size < PLATFORM_ETHERNET_HEADER_SIZE || size > mirage_net_frame_max(device))
        return PLATFORM_INVALID;
    return PLATFORM_OK;
}

platform_result_t mirage_net_buffer_check(const struct mirage_boot_device *device, uint64_t size)
{
    if (device == NULL || device->type != MIRAGE_DEVICE_NET || size < mirage_net_frame_max(device))
        return PLATFORM_INVALID;
    return PLATFORM_OK;
}

platform_result_t mirage_block_request_check(const struct mirage_boot_device *device, uint64_t offset, uint64_t size)
{
    if (device == NULL || device->type != MIRAGE_DEVICE_BLOCK || device->block_size == 0 || size == 0)
        return PLATFORM_INVALID;
    if (offset % device->block_size != 0 || size % device->block_size != 0)
        return PLATFORM_INVALID;
    if (offset > device->capacity || size > device->capacity - offset)
        return PLATFORM_INVALID;
    return PLATFORM_OK;
}
