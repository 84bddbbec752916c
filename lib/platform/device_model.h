/* device_model.h: the device model every freestanding guest, tender and runner shares: the facts both sides of an
 * ABI must agree on, manifest look-ups, and the checks every platform_* request on a device goes through.
 *
 * Pure functions over explicit tables (no state), so the same code runs in a guest and in host code. */
#ifndef MIRAGE_PLATFORM_DEVICE_MODEL_H
#define MIRAGE_PLATFORM_DEVICE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/boot_devices.h"
#include "lib/platform/image_notes.h"
#include "lib/platform/manifest.h"
#include "lib/platform/platform.h"

/* The boot command line, with its NUL: tenders and runners refuse longer ones, guests copy at most this much. */
#define PLATFORM_CMDLINE_SIZE 8192u

/* The exit code of a unikernel that called platform_abort() or broke its ABI's rules, on every ABI. */
#define PLATFORM_EXIT_ABORT 126

/* An Ethernet header (destination, source, EtherType): a frame is at most mtu + this many bytes. */
#define PLATFORM_ETHERNET_HEADER_SIZE 14u

/* What a host attaches: taps with this MTU, disks in blocks of this size. */
#define PLATFORM_NET_MTU 1500u
#define PLATFORM_BLOCK_SIZE 512u

/* "net", "block" or "unknown", for messages. */
const char *mirage_device_type_name(uint32_t type);

/* The index of the manifest entry called `name` (any type), or -1. Bounded by MIRAGE_MANIFEST_MAX_DEVICES. */
int64_t mirage_manifest_find(const struct mirage_manifest_desc *manifest, const char *name);

/* The index of the attached device called `name` with `type` (enum mirage_device_type), or -1. */
int64_t mirage_boot_devices_find(const struct mirage_boot_devices *devices, const char *name, uint32_t type);

/* The attached device `handle` if it exists and has `type`, else NULL. */
const struct mirage_boot_device *mirage_boot_devices_get(const struct mirage_boot_devices *devices, uint64_t handle,
                                                         uint32_t type);

/* The largest frame `device` (a net device) carries: mtu + the Ethernet header. */
uint64_t mirage_net_frame_max(const struct mirage_boot_device *device);

/* A frame to send: PLATFORM_OK when it holds at least an Ethernet header and at most mirage_net_frame_max bytes,
 * else PLATFORM_INVALID. */
platform_result_t mirage_net_frame_check(const struct mirage_boot_device *device, uint64_t size);

/* A receive buffer: PLATFORM_OK when it holds the largest frame (a shorter one could truncate a frame silently),
 * else PLATFORM_INVALID. */
platform_result_t mirage_net_buffer_check(const struct mirage_boot_device *device, uint64_t size);

/* A block request: PLATFORM_OK when `size` is nonzero and `offset` and `size` are whole blocks inside the device's
 * capacity (no sum that could overflow is formed), else PLATFORM_INVALID. */
platform_result_t mirage_block_request_check(const struct mirage_boot_device *device, uint64_t offset, uint64_t size);

#endif
