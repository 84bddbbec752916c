/* devices.h: the spt guest's table of attached devices, kept by devices.c; a handle is an index in it. */
#ifndef MIRAGE_TARGETS_SPT_DEVICES_H
#define MIRAGE_TARGETS_SPT_DEVICES_H

#include <stdint.h>

#include "lib/platform/boot_devices.h"
#include "lib/platform/platform.h"

/* Remember the tender's table (read-only boot memory, valid for the unikernel's lifetime). Called once at boot. */
void spt_devices_init(const struct mirage_boot_devices *table);

/* The device called `name` of `type` (enum mirage_device_type), or NULL; sets *handle to its index. */
const struct mirage_boot_device *spt_device_find(const char *name, uint32_t type, platform_handle_t *handle);

/* The device behind `handle` if it exists and has `type`, else NULL. */
const struct mirage_boot_device *spt_device_get(platform_handle_t handle, uint32_t type);

/* How many devices the table has: handles are below this. */
uint32_t spt_device_count(void);

#endif
