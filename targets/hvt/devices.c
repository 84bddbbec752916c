/* devices.c: the table of network and block devices the tender attached; a device's handle is its index. */
#include <stddef.h>

#include "targets/hvt/bindings.h"

/* Lives in the boot info page below the image, which nothing in the guest writes. */
static const struct mirage_boot_devices *boot_devices;

void hvt_devices_init(const struct mirage_boot_devices *devices)
{
    boot_devices = devices;
}

const struct mirage_boot_device *hvt_device_get(uint64_t handle, uint32_t type)
{
    if (boot_devices == NULL || handle >= boot_devices->count || handle >= MIRAGE_MANIFEST_MAX_DEVICES)
        return NULL;
    const struct mirage_boot_device *device = &boot_devices->devices[handle];
    return device->type == type ? device : NULL;
}

static int names_equal(const char *table_name, const char *name)
{
    for (size_t i = 0; i < MIRAGE_MANIFEST_NAME_SIZE; i++) {
        if (table_name[i] != name[i])
            return 0;
        if (name[i] == '\0')
            return 1;
    }
    return 0; /* longer than any manifest name */
}

int64_t hvt_device_find(const char *name, uint32_t type)
{
    if (boot_devices == NULL || name == NULL)
        return -1;
    for (uint32_t i = 0; i < boot_devices->count && i < MIRAGE_MANIFEST_MAX_DEVICES; i++) {
        if (boot_devices->devices[i].type == type && names_equal(boot_devices->devices[i].name, name))
            return i;
    }
    return -1;
}
