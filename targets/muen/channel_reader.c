/* channel_reader.c: the SHMStream version 2 reader (protocol in channel.h), for channels another subject writes. */
#include "targets/muen/channel.h"

#include <string.h>

static inline uint64_t fetch(const uint64_t *field)
{
    __asm__ __volatile__("" ::: "memory");
    uint64_t value = *(const volatile uint64_t *)field;
    __asm__ __volatile__("" ::: "memory");
    return value;
}

enum muen_channel_result muen_channel_reader_init(struct muen_channel_reader *reader, const void *region,
                                                  uint64_t region_size, uint64_t protocol, uint64_t element_size)
{
    enum muen_channel_result region_result = muen_channel_region_check(region, region_size, element_size);
    if (region_result != MUEN_CHANNEL_OK)
        return region_result;
    reader->header = region;
    reader->data = (const uint8_t *)region + MUEN_CHANNEL_HEADER_SIZE;
    reader->region_size = region_size;
    reader->protocol = protocol;
    reader->element_size = element_size;
    reader->epoch = MUEN_CHANNEL_NULL_EPOCH;
    reader->elements = 0;
    reader->rc = 0;
    return MUEN_CHANNEL_OK;
}

/* Start over at a new epoch if its header is one we can read: our transport, protocol and element size, and an
 * element count that fits the region (the writer's count decides where slots are: it must not point past it). */
static enum muen_channel_read_result synchronise(struct muen_channel_reader *reader, uint64_t epoch)
{
    uint64_t elements = fetch(&reader->header->elements);
    uint64_t room = (reader->region_size - MUEN_CHANNEL_HEADER_SIZE) / reader->element_size;
    reader->epoch = MUEN_CHANNEL_NULL_EPOCH;
    if (fetch(&reader->header->transport) != MUEN_CHANNEL_TRANSPORT ||
        fetch(&reader->header->protocol) != reader->protocol || fetch(&reader->header->size) != reader->element_size ||
        elements == 0 || elements > room)
        return MUEN_CHANNEL_READ_INCOMPATIBLE;
    /* The header is good only if the epoch did not change while it was read. */
    if (fetch(&reader->header->epoch) != epoch)
        return MUEN_CHANNEL_READ_NO_DATA;
    reader->epoch = epoch;
    reader->elements = elements;
    reader->rc = 0;
    return MUEN_CHANNEL_READ_NO_DATA;
}

/* Where the reader stands: OK when an element is waiting at rc. */
static enum muen_channel_read_result position(struct muen_channel_reader *reader)
{
    uint64_t epoch = fetch(&reader->header->epoch);
    if (epoch == MUEN_CHANNEL_NULL_EPOCH) {
        reader->epoch = MUEN_CHANNEL_NULL_EPOCH;
        return MUEN_CHANNEL_READ_NO_DATA;
    }
    if (epoch != reader->epoch) {
        enum muen_channel_read_result result = synchronise(reader, epoch);
        if (reader->epoch == MUEN_CHANNEL_NULL_EPOCH)
            return result;
    }
    uint64_t wc = fetch(&reader->header->wc);
    if (wc == reader->rc)
        return MUEN_CHANNEL_READ_NO_DATA;
    /* wc behind rc is a writer that went back: as hostile as a lap, and handled the same way. */
    if (wc - reader->rc > reader->elements) {
        reader->rc = wc - reader->elements;
        return MUEN_CHANNEL_READ_OVERRUN;
    }
    return MUEN_CHANNEL_READ_OK;
}

enum muen_channel_read_result muen_channel_read(struct muen_channel_reader *reader, void *element)
{
    enum muen_channel_read_result result = position(reader);
    if (result != MUEN_CHANNEL_READ_OK)
        return result;
    memcpy(element, reader->data + (reader->rc % reader->elements) * reader->element_size, reader->element_size);
    __asm__ __volatile__("" ::: "memory");
    /* Copied whole only if the writer had not begun rewriting that slot, and the epoch held. */
    if (fetch(&reader->header->wsc) - reader->rc > reader->elements) {
        reader->rc = fetch(&reader->header->wc) - reader->elements;
        return MUEN_CHANNEL_READ_OVERRUN;
    }
    if (fetch(&reader->header->epoch) != reader->epoch) {
        reader->epoch = MUEN_CHANNEL_NULL_EPOCH;
        return MUEN_CHANNEL_READ_NO_DATA;
    }
    reader->rc++;
    return MUEN_CHANNEL_READ_OK;
}

bool muen_channel_has_data(struct muen_channel_reader *reader)
{
    enum muen_channel_read_result result = position(reader);
    return result == MUEN_CHANNEL_READ_OK || result == MUEN_CHANNEL_READ_OVERRUN;
}
