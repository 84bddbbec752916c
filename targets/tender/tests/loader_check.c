/* loader_check.c: loader_check: an image from a buffer through tender_check_and_load_elf, and the promises of its
 * answer checked (see loader_check.h). */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "targets/hvt/hvt_abi.h"
#include "targets/spt/spt_abi.h"
#include "targets/tender/tests/loader_check.h"

#define PAGE_SIZE_BYTES 4096u

struct buffer {
    const uint8_t *data;
    size_t size;
};

static int read_buffer(void *context, void *out, uint64_t len, uint64_t offset, const char *what, char *error)
{
    const struct buffer *buffer = context;
    (void)what;
    (void)error;
    /* The loader promises to ask only for ranges inside the image; one outside is a loader bug. */
    if (offset > buffer->size || len > buffer->size - offset)
        abort();
    memcpy(out, buffer->data + offset, len);
    return 0;
}

static void check_accepted(const struct tender_image *image, uint64_t min_address)
{
    int entry_executable = 0;

    if (image->segment_count == 0 || image->segment_count > TENDER_MAX_SEGMENTS)
        abort();
    if (image->end % PAGE_SIZE_BYTES != 0 || image->end > LOADER_CHECK_MEMORY_SIZE)
        abort();
    for (uint32_t i = 0; i < image->segment_count; i++) {
        const struct tender_segment *segment = &image->segments[i];
        if (segment->address < min_address || segment->mem_size == 0 || segment->address >= image->end ||
            segment->mem_size > image->end - segment->address)
            abort();
        if ((segment->flags & PF_W) && (segment->flags & PF_X))
            abort();
        if ((segment->flags & PF_X) && image->entry >= segment->address &&
            image->entry - segment->address < segment->mem_size)
            entry_executable = 1;
        for (uint32_t j = 0; j < i; j++) {
            const struct tender_segment *other = &image->segments[j];
            if (segment->address < other->address + other->mem_size &&
                other->address < segment->address + segment->mem_size)
                abort();
        }
    }
    if (!entry_executable || image->manifest.count > MIRAGE_MANIFEST_MAX_DEVICES)
        abort();
    for (uint32_t i = 0; i < image->manifest.count; i++) {
        const struct mirage_manifest_entry *entry = &image->manifest.entries[i];
        if (entry->name[0] == '\0' || strnlen(entry->name, sizeof entry->name) == sizeof entry->name)
            abort();
        if (entry->type != MIRAGE_DEVICE_NET && entry->type != MIRAGE_DEVICE_BLOCK)
            abort();
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(entry->name, image->manifest.entries[j].name) == 0)
                abort();
        }
    }
}

void loader_check(const uint8_t *data, size_t size, uint32_t abi, uint8_t *guest_memory,
                  struct loader_check_result *out)
{
    struct buffer buffer = {.data = data, .size = size};
    const struct tender_image_source source = {.size = size, .read = read_buffer, .context = &buffer};
    const uint64_t min_address = abi == MIRAGE_ABI_HVT ? HVT_GUEST_LOAD_ADDRESS : SPT_GUEST_LOAD_ADDRESS;
    const uint32_t version = abi == MIRAGE_ABI_HVT ? HVT_ABI_VERSION : SPT_ABI_VERSION;

    out->accepted = tender_check_and_load_elf(&source, guest_memory, min_address, LOADER_CHECK_MEMORY_SIZE, abi,
                                              version, &out->image, out->error) == 0;
    if (out->accepted)
        check_accepted(&out->image, min_address);
    else if (out->error[0] == '\0' || strnlen(out->error, sizeof out->error) == sizeof out->error ||
             strchr(out->error, '\n') != NULL)
        abort(); /* a refusal is one line that says why */
}
