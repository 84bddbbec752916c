/* devices.c: the spt guest's device table: the tender's boot-time list of attached devices, looked up by manifest
 * name (acquire) or by handle (every later call). */
#include <stddef.h>

#include "targets/spt/devices.h"

static const struct mirage_boot_devices *devices;

void spt_devices_init(const struct mirage_boot_devices *table)
{
    devices = table;
}

static int names_equal(const char *a, const char *b)
{
    size_t i = 0;
    for (; i < MIRAGE_MANIFEST_NAME_SIZE && a[i] == b[i]; i++) {
        if (a[i] == '\0')
            return 1;
    }
    return 0;
}

uint32_t spt_device_count(void)
{
    if (devices == NULL || devices->count > MIRAGE_MANIFEST_MAX_DEVICES)
        return 0;
    return devices->count;
}

const struct mirage_boot_device *spt_device_find(const char *name, uint32_t type, platform_handle_t *handle)
{
    if (name == NULL)
        return NULL;
    for (uint32_t i = 0; i < spt_device_count(); i++) {
        const struct mirage_boot_device *device = &devices->devices[i];
        if (device->type == type && names_equal(device->name, name)) {
            *handle = i;
            return device;
        }
    }
    return NULL;
}

const struct mirage_boot_device *spt_device_get(platform_handle_t handle, uint32_t type)
{
    if (handle >= spt_device_count() || devices->devices[handle].type != type)
        return NULL;
    return &devices->devices[handle];
}
