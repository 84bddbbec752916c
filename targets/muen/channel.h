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

/* What the writer and the reader both ask of a channel's region: 8-byte aligned, elements of at least a byte, and
 * room for the header and one element. */
static inline enum muen_channel_result muen_channel_region_check(const void *region, uint64_t region_size,
                                                                 uint64_t element_size)
{
    if ((uintptr_t)region % 8 != 0)
        return MUEN_CHANNEL_UNALIGNED;
    if (element_size == 0)
        return MUEN_CHANNEL_BAD_ELEMENT;
    if (region_size < MUEN_CHANNEL_HEADER_SIZE || region_size - MUEN_CHANNEL_HEADER_SIZE < element_size)
        return MUEN_CHANNEL_TOO_SMALL;
    return MUEN_CHANNEL_OK;
}

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

/* The reader's side. The writer is another subject: its header is hostile input. A reader takes only channels of
 * its protocol and element size whose element count fits the region, and rechecks the header at every new epoch. */
struct muen_channel_reader {
    const struct muen_channel_header *header;
    const uint8_t *data;
    uint64_t region_size;
    uint64_t protocol;
    uint64_t element_size;
    uint64_t epoch;    /* the epoch synchronised to, or MUEN_CHANNEL_NULL_EPOCH */
    uint64_t elements; /* from the header at that epoch, checked against the region */
    uint64_t rc;       /* elements read in this epoch */
};

enum muen_channel_read_result {
    MUEN_CHANNEL_READ_OK = 0,
    MUEN_CHANNEL_READ_NO_DATA,      /* nothing new (also: the channel is inactive, or just changed epoch) */
    MUEN_CHANNEL_READ_OVERRUN,      /* the writer lapped the reader: elements were lost, reading goes on */
    MUEN_CHANNEL_READ_INCOMPATIBLE, /* the header's transport, protocol, element size or count is not ours */
};

/* Take the `region_size` bytes at `region` (8-byte aligned, at least a header) as a channel to read elements of
 * `element_size` bytes of `protocol` from; MUEN_CHANNEL_OK, MUEN_CHANNEL_UNALIGNED or MUEN_CHANNEL_TOO_SMALL. */
enum muen_channel_result muen_channel_reader_init(struct muen_channel_reader *reader, const void *region,
                                                  uint64_t region_size, uint64_t protocol, uint64_t element_size);

/* Copy the next element into `element` (element_size bytes). On an overrun the reader skips to the oldest element
 * still there. */
enum muen_channel_read_result muen_channel_read(struct muen_channel_reader *reader, void *element);

/* Whether an element is waiting (a read would not say NO_DATA or INCOMPATIBLE). */
bool muen_channel_has_data(struct muen_channel_reader *reader);

#endif
