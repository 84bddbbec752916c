/* channel_writer.c: the SHMStream version 2 writer (protocol in channel.h). */
#include "targets/muen/channel.h"

#include <string.h>

/* The reader runs on another core: x86 keeps stores in program order, so only the compiler must not reorder. */
static inline void compiler_barrier(void)
{
    __asm__ __volatile__("" ::: "memory");
}

static inline void publish(uint64_t *field, uint64_t value)
{
    compiler_barrier();
    *(volatile uint64_t *)field = value;
    compiler_barrier();
}

enum muen_channel_result muen_channel_writer_init(struct muen_channel_writer *writer, void *region,
                                                  uint64_t region_size, uint64_t protocol, uint64_t element_size,
                                                  uint64_t epoch)
{
    enum muen_channel_result region_result = muen_channel_region_check(region, region_size, element_size);
    if (region_result != MUEN_CHANNEL_OK)
        return region_result;
    if (epoch == MUEN_CHANNEL_NULL_EPOCH)
        return MUEN_CHANNEL_NULL_EPOCH_GIVEN;

    writer->header = region;
    writer->data = (uint8_t *)region + MUEN_CHANNEL_HEADER_SIZE;
    writer->element_size = element_size;
    writer->elements = (region_size - MUEN_CHANNEL_HEADER_SIZE) / element_size;
    writer->written = 0;

    muen_channel_writer_deactivate(writer);
    memset(writer->data, 0, writer->elements * element_size);
    publish(&writer->header->transport, MUEN_CHANNEL_TRANSPORT);
    publish(&writer->header->protocol, protocol);
    publish(&writer->header->size, element_size);
    publish(&writer->header->elements, writer->elements);
    publish(&writer->header->reserved, 0);
    publish(&writer->header->wsc, 0);
    publish(&writer->header->wc, 0);
    /* Last: a reader that sees the epoch sees the rest of the header. */
    publish(&writer->header->epoch, epoch);
    return MUEN_CHANNEL_OK;
}

void muen_channel_write(struct muen_channel_writer *writer, const void *element)
{
    uint64_t slot = writer->written % writer->elements;
    uint64_t next = writer->written + 1;

    publish(&writer->header->wsc, next);
    memcpy(writer->data + slot * writer->element_size, element, writer->element_size);
    publish(&writer->header->wc, next);
    writer->written = next;
}

void muen_channel_writer_deactivate(struct muen_channel_writer *writer)
{
    publish(&writer->header->epoch, MUEN_CHANNEL_NULL_EPOCH);
}
