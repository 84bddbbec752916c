/* device_table.h: a guest's table of attached devices, kept by lib/platform for every freestanding ABI: a handle
 * is the device's index in its ABI's boot table (= its manifest index), and it is usable once acquired.
 *
 * The ABI fills the table at boot (platform_devices_init); the platform_net_* and platform_block_* calls
 * (device_calls.c) look devices up here and mark them acquired, and every later call gets its device through
 * platform_device_get, so a handle that names no device, a device of the other type, or one not yet acquired is
 * refused the same way on every ABI. */
#ifndef MIRAGE_PLATFORM_DEVICE_TABLE_H
#define MIRAGE_PLATFORM_DEVICE_TABLE_H

#include <stdint.h>

#include "lib/platform/boot_devices.h"
#include "lib/platform/platform.h"

/* Copy the ABI's table of attached devices (at most MIRAGE_MANIFEST_MAX_DEVICES). Called once at boot. */
void platform_devices_init(const struct mirage_boot_devices *attached);

/* The device called `name` with `type` (enum mirage_device_type), acquired or not, or NULL (also for a NULL name);
 * sets `*handle` to its index. */
const struct mirage_boot_device *platform_device_find(const char *name, uint32_t type, platform_handle_t *handle);

/* Record what the ABI learned of device `handle` when it started it (mtu and MAC, or capacity and block size), for
 * ABIs whose boot table has only names and types. */
void platform_device_describe(platform_handle_t handle, const struct mirage_boot_device *described);

/* Mark device `handle` acquired: from now on platform_device_get returns it. Once its transport is ready. */
void platform_device_mark_acquired(platform_handle_t handle);

/* The acquired device `handle` if it has `type`, else NULL. */
const struct mirage_boot_device *platform_device_get(platform_handle_t handle, uint32_t type);

/* The largest frame net device `handle` receives: mtu + 14 until its transport took receive offload, then the
 * frame size it announced (recorded here). */
uint64_t platform_net_receive_frame_max(platform_handle_t handle);
void platform_net_set_receive_frame_max(platform_handle_t handle, uint64_t frame_max);

/* The acquired devices of `type` as a set (bit n = handle n). */
uint64_t platform_devices_acquired(uint32_t type);

#endif
