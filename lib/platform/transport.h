/* transport.h: what a freestanding ABI provides to move data for its devices. lib/platform (device_calls.c) owns
 * the platform_net_* and platform_block_* calls: it looks devices up, checks every request against the shared
 * device model, and only then calls these, so they see only acquired devices of the right type and requests that
 * passed the checks in lib/platform/device_model.h. */
#ifndef MIRAGE_PLATFORM_TRANSPORT_H
#define MIRAGE_PLATFORM_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/platform/boot_devices.h"
#include "lib/platform/platform.h"

/* Make device `handle` (found in the device table, not yet acquired) ready to use; an ABI that learns its geometry
 * only now records it with platform_device_describe. PLATFORM_UNSPECIFIED when the host's device cannot be used. */
platform_result_t transport_net_start(platform_handle_t handle, const struct mirage_boot_device *device);
platform_result_t transport_block_start(platform_handle_t handle, const struct mirage_boot_device *device);

/* Send one frame of 14 to mtu + 14 bytes. */
platform_result_t transport_net_send(platform_handle_t handle, const struct mirage_boot_device *device,
                                     const uint8_t *frame, size_t size);

/* Receive one frame into `buf` of at least the largest frame (mtu + 14, or the offload's frame_max) with its
 * PLATFORM_NET_CHECKSUM_* flags; PLATFORM_AGAIN when none is waiting. */
platform_result_t transport_net_receive(platform_handle_t handle, const struct mirage_boot_device *device, uint8_t *buf,
                                        size_t size, size_t *read_size, uint32_t *flags);

/* Switch the device to receive offload (platform_net_receive_offload): PLATFORM_OK with `*frame_max`, or
 * PLATFORM_UNSPECIFIED with nothing changed. */
platform_result_t transport_net_receive_offload(platform_handle_t handle, const struct mirage_boot_device *device,
                                                size_t *frame_max);

/* Switch the device to transmit segmentation offload (platform_net_transmit_offload): PLATFORM_OK with
 * `*frame_max`, or PLATFORM_UNSPECIFIED with nothing changed. */
platform_result_t transport_net_transmit_offload(platform_handle_t handle, const struct mirage_boot_device *device,
                                                 size_t *frame_max);

/* Send one TCP segment for the host to finish and cut (platform_net_write_segment); PLATFORM_INVALID before
 * transport_net_transmit_offload said PLATFORM_OK or for a frame longer than its frame_max. */
platform_result_t transport_net_send_segment(platform_handle_t handle, const struct mirage_boot_device *device,
                                             const uint8_t *frame, size_t size, uint32_t segment_size);

/* Read or write `size` bytes at `offset`: whole blocks inside the capacity, size not 0. */
platform_result_t transport_block_read(platform_handle_t handle, const struct mirage_boot_device *device,
                                       uint64_t offset, uint8_t *buf, size_t size);
platform_result_t transport_block_write(platform_handle_t handle, const struct mirage_boot_device *device,
                                        uint64_t offset, const uint8_t *buf, size_t size);

#endif
