/* channel.h: the writer's side of a Muen memory channel, as the SHMStream version 2 protocol specifies it.
 *
 * A channel is a page-aligned shared region: a 64-byte header, then `elements` slots of `size` bytes. The header
 * holds, as little-endian u64s: transport @0 (MUEN_CHANNEL_TRANSPORT), epoch @8 (0 while inactive), protocol @16
 * (what the elements mean), size @24, elements @32, a reserved word @40, wsc @48 (the write start counter) and wc
 * @56 (the write counter). The writer puts element n (counting from 0) in slot n % elements: it raises wsc to n + 1,
 * copies the element, then raises wc to n + 1. A reader that keeps its own read count rc reads slot rc % elements
 * when wc > rc; it has been overrun when wc - rc > elements, and the slot it just copied was being rewritten when
 * wsc - rc > elements afterwards. A new epoch (a restarted writer) makes readers start again at 0.
 *
 * The writer keeps its counters and geometry to itself and never reads them back from the shared memory, which the
 * reader's side of a misconfigured system could also write. */
#ifndef MIRAGE_TARGETS_MUEN_CHANNEL_H
#define MIRAGE_TARGETS_MUEN_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#define MUEN_CHANNEL_TRANSPORT UINT64_C(0x487312b6b79a9b6d)
#define MUEN_CHANNEL_NULL_EPOCH UINT64_C(0)
#define MUEN_CHANNEL_HEADER_SIZE 64u

struct muen_channel_header {
    uint64_t transport;
    uint64_t epoch;
    uint64_t protocol;
    uint64_t size;
    uint64_t elements;
    uint64_t reserved;
    uint64_t wsc;
    uint64_t wc;
};

_Static_assert(sizeof(struct muen_channel_header) == MUEN_CHANNEL_HEADER_SIZE, "the header is 64 bytes");

struct muen_channel_writer {
    struct muen_channel_header *header;
    uint8_t *data;
    uint64_t element_size;
    uint64_t elements;
    uint64_t written; /* wc as this writer last published it */
};

enum muen_channel_result {
    MUEN_CHANNEL_OK = 0,
    MUEN_CHANNEL_UNALIGNED,   /* the region is not 8-byte aligned */
    MUEN_CHANNEL_TOO_SMALL,   /* no room for the header and one element */
    MUEN_CHANNEL_BAD_ELEMENT, /* an element size of 0 */
    MUEN_CHANNEL_NULL_EPOCH_GIVEN,
};

/* Take the `region_size` bytes at `region` as a channel of `protocol` with elements of `element_size` bytes, and
 * activate it under `epoch` (not MUEN_CHANNEL_NULL_EPOCH): the header is written while the epoch is null, so no
 * reader sees a half-written one, and the data area is cleared. */
enum muen_channel_result muen_channel_writer_init(struct muen_channel_writer *writer, void *region,
                                                  uint64_t region_size, uint64_t protocol, uint64_t element_size,
                                                  uint64_t epoch);

/* Write one element of the channel's element size. Never blocks: a reader that falls behind is overrun. */
void muen_channel_write(struct muen_channel_writer *writer, const void *element);

/* Mark the channel inactive (epoch null); readers stop until it is initialised again. */
void muen_channel_writer_deactivate(struct muen_channel_writer *writer);

#endif
