/* net_no_offload.c: the offload transports of an ABI whose host takes and gives only whole, checksummed frames
 * (spt's plain tap, Muen's channels, ABIs without a network): lib/platform's offload calls answer that the host
 * offers none, and the stack sends and receives one MSS a frame. */
#include "lib/platform/transport.h"

platform_result_t transport_net_receive_offload(platform_handle_t handle, const struct mirage_boot_device *device,
                                                size_t *frame_max)
{
    (void)handle, (void)device, (void)frame_max;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_net_transmit_offload(platform_handle_t handle, const struct mirage_boot_device *device,
                                                 size_t *frame_max)
{
    (void)handle, (void)device, (void)frame_max;
    return PLATFORM_UNSPECIFIED;
}

platform_result_t transport_net_send_segment(platform_handle_t handle, const struct mirage_boot_device *device,
                                             const uint8_t *frame, size_t size, uint32_t segment_size)
{
    (void)handle, (void)device, (void)frame, (void)size, (void)segment_size;
    return PLATFORM_INVALID; /* transport_net_transmit_offload never said yes */
}
