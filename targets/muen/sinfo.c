/* sinfo.c: the checked parser of Muen's subject information page (layout and rules in sinfo.h). */
#include "targets/muen/sinfo.h"

#include <string.h>

/* Offsets in the header, in a resource and in a resource's data (sinfo.h). */
enum {
    HEADER_MAGIC = 0,
    HEADER_TSC_KHZ = 8,
    HEADER_NAME = 12,
    HEADER_RESOURCE_COUNT = 78,
    NAME_SIZE = 1 + MUEN_SINFO_NAME_MAX + 1,
    RESOURCE_KIND = 0,
    RESOURCE_NAME = 4,
    RESOURCE_DATA = 72,
    MEMORY_KIND = 0,
    MEMORY_CONTENT = 1,
    MEMORY_FLAGS = 2,
    MEMORY_ADDRESS = 8,
    MEMORY_SIZE = 16,
    DEVICE_SID = 0,
    DEVICE_VENDOR = 2,
    DEVICE_ID = 4,
    DEVICE_IRQ_START = 10,
    DEVICE_IR_COUNT = 11,
    DEVMEM_ADDRESS = 16,
    DEVMEM_SIZE = 24,
    DEVPORT_ADDRESS = 4,
    DEVPORT_SIZE = 6,
    CONTENT_KIND_LAST = 2,
    PORT_SPACE_END = 0x10000,
};

_Static_assert(MUEN_SINFO_HEADER_SIZE + MUEN_SINFO_MAX_RESOURCES * MUEN_SINFO_RESOURCE_SIZE <= MUEN_SINFO_REGION_SIZE,
               "a full page fits Muen's sinfo region");

/* Little-endian reads at an offset the caller has bounded. */
static uint64_t read_le(const uint8_t *at, unsigned bytes)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < bytes; i++)
        value |= (uint64_t)at[i] << (8 * i);
    return value;
}

/* A name field: 1 to 63 characters, no NUL among them, NUL from the length to the terminator included. */
static bool copy_name(const uint8_t *field, char out[MUEN_SINFO_NAME_MAX + 1])
{
    uint8_t length = field[0];
    const uint8_t *data = field + 1;

    if (length == 0 || length > MUEN_SINFO_NAME_MAX)
        return false;
    for (unsigned i = 0; i < length; i++)
        if (data[i] == 0)
            return false;
    for (unsigned i = length; i < MUEN_SINFO_NAME_MAX + 1; i++)
        if (data[i] != 0)
            return false;
    memcpy(out, data, length);
    out[length] = '\0';
    return true;
}

/* Page-aligned, non-empty, no wrap, inside the lower half of the address space. */
static bool region_fits(uint64_t address, uint64_t size)
{
    return size != 0 && address % MUEN_PAGE_SIZE == 0 && size % MUEN_PAGE_SIZE == 0 &&
           address < MUEN_ADDRESS_SPACE_END && size <= MUEN_ADDRESS_SPACE_END - address;
}

static bool regions_overlap(const struct muen_memory_region *a, const struct muen_memory_region *b)
{
    /* Both fit the address space, so neither end wraps. */
    return a->address < b->address + b->size && b->address < a->address + a->size;
}

static enum muen_sinfo_result parse_memory(const uint8_t *data, bool device, struct muen_memory_region *region)
{
    if (device) {
        region->address = read_le(data + DEVMEM_ADDRESS, 8);
        region->size = read_le(data + DEVMEM_SIZE, 8);
        region->kind = MUEN_MEMORY_SUBJECT_DEVICE;
        region->content = 0;
        region->flags = MUEN_MEMORY_WRITABLE;
    } else {
        region->kind = data[MEMORY_KIND];
        region->content = data[MEMORY_CONTENT];
        region->flags = data[MEMORY_FLAGS];
        region->address = read_le(data + MEMORY_ADDRESS, 8);
        region->size = read_le(data + MEMORY_SIZE, 8);
        if (region->kind >= MUEN_MEMORY_KIND_COUNT || region->content > CONTENT_KIND_LAST ||
            (region->flags & ~(MUEN_MEMORY_WRITABLE | MUEN_MEMORY_EXECUTABLE)) != 0)
            return MUEN_SINFO_BAD_KIND;
    }
    region->device = device;
    return region_fits(region->address, region->size) ? MUEN_SINFO_OK : MUEN_SINFO_BAD_REGION;
}

static enum muen_sinfo_result parse_resource(const uint8_t *resource, struct muen_sinfo *out)
{
    char name[MUEN_SINFO_NAME_MAX + 1];
    const uint8_t *data = resource + RESOURCE_DATA;
    uint32_t kind = (uint32_t)read_le(resource + RESOURCE_KIND, 4);

    if (!copy_name(resource + RESOURCE_NAME, name))
        return MUEN_SINFO_BAD_NAME;
    switch (kind) {
    case MUEN_RESOURCE_MEMORY:
    case MUEN_RESOURCE_DEVICE_MEMORY: {
        struct muen_memory_region *region = &out->regions[out->region_count];
        enum muen_sinfo_result result = parse_memory(data, kind == MUEN_RESOURCE_DEVICE_MEMORY, region);
        if (result != MUEN_SINFO_OK)
            return result;
        for (uint16_t i = 0; i < out->region_count; i++) {
            if (strcmp(out->regions[i].name, name) == 0)
                return MUEN_SINFO_DUPLICATE_NAME;
            if (regions_overlap(&out->regions[i], region))
                return MUEN_SINFO_OVERLAP;
        }
        memcpy(region->name, name, sizeof name);
        out->region_count++;
        return MUEN_SINFO_OK;
    }
    case MUEN_RESOURCE_EVENT:
    case MUEN_RESOURCE_VECTOR: {
        bool event = kind == MUEN_RESOURCE_EVENT;
        struct muen_numbered_resource *table = event ? out->events : out->vectors;
        uint16_t *count = event ? &out->event_count : &out->vector_count;
        if (event && data[0] > MUEN_EVENT_MAX)
            return MUEN_SINFO_BAD_NUMBER;
        for (uint16_t i = 0; i < *count; i++)
            if (strcmp(table[i].name, name) == 0)
                return MUEN_SINFO_DUPLICATE_NAME;
        memcpy(table[*count].name, name, sizeof name);
        table[*count].number = data[0];
        (*count)++;
        return MUEN_SINFO_OK;
    }
    case MUEN_RESOURCE_DEVICE: {
        struct muen_device *device = &out->devices[out->device_count];
        for (uint16_t i = 0; i < out->device_count; i++)
            if (strcmp(out->devices[i].name, name) == 0)
                return MUEN_SINFO_DUPLICATE_NAME;
        memcpy(device->name, name, sizeof name);
        device->sid = (uint16_t)read_le(data + DEVICE_SID, 2);
        device->vendor_id = (uint16_t)read_le(data + DEVICE_VENDOR, 2);
        device->device_id = (uint16_t)read_le(data + DEVICE_ID, 2);
        device->irq_start = data[DEVICE_IRQ_START];
        device->ir_count = data[DEVICE_IR_COUNT];
        out->device_count++;
        return MUEN_SINFO_OK;
    }
    case MUEN_RESOURCE_DEVICE_PORT: {
        struct muen_port_range *ports = &out->ports[out->port_count];
        uint16_t address = (uint16_t)read_le(data + DEVPORT_ADDRESS, 2);
        uint16_t size = (uint16_t)read_le(data + DEVPORT_SIZE, 2);
        if (size == 0 || (uint32_t)address + size > PORT_SPACE_END)
            return MUEN_SINFO_BAD_PORT;
        for (uint16_t i = 0; i < out->port_count; i++)
            if (strcmp(out->ports[i].name, name) == 0)
                return MUEN_SINFO_DUPLICATE_NAME;
        memcpy(ports->name, name, sizeof name);
        ports->address = address;
        ports->size = size;
        out->port_count++;
        return MUEN_SINFO_OK;
    }
    default:
        /* MUEN_RESOURCE_NONE inside the count is as wrong as an unknown kind: the count says how many are real. */
        return MUEN_SINFO_BAD_KIND;
    }
}

enum muen_sinfo_result muen_sinfo_parse(const uint8_t *page, size_t size, struct muen_sinfo *out, uint32_t *resource)
{
    *resource = MUEN_SINFO_MAX_RESOURCES;
    memset(out, 0, sizeof *out);
    if (size < MUEN_SINFO_HEADER_SIZE)
        return MUEN_SINFO_TOO_SMALL;
    if (read_le(page + HEADER_MAGIC, 8) != MUEN_SINFO_MAGIC)
        return MUEN_SINFO_BAD_MAGIC;
    if (!copy_name(page + HEADER_NAME, out->subject_name))
        return MUEN_SINFO_BAD_NAME;
    out->tsc_khz = (uint32_t)read_le(page + HEADER_TSC_KHZ, 4);

    uint64_t count = read_le(page + HEADER_RESOURCE_COUNT, 2);
    if (count > MUEN_SINFO_MAX_RESOURCES)
        return MUEN_SINFO_BAD_COUNT;
    /* count <= 255, so the product cannot overflow. */
    if ((size - MUEN_SINFO_HEADER_SIZE) / MUEN_SINFO_RESOURCE_SIZE < count)
        return MUEN_SINFO_TOO_SMALL;
    for (uint32_t i = 0; i < count; i++) {
        enum muen_sinfo_result result =
            parse_resource(page + MUEN_SINFO_HEADER_SIZE + (size_t)i * MUEN_SINFO_RESOURCE_SIZE, out);
        if (result != MUEN_SINFO_OK) {
            *resource = i;
            return result;
        }
    }
    return MUEN_SINFO_OK;
}

const char *muen_sinfo_result_text(enum muen_sinfo_result result)
{
    switch (result) {
    case MUEN_SINFO_OK:
        return "valid";
    case MUEN_SINFO_TOO_SMALL:
        return "the page is too small for its resources";
    case MUEN_SINFO_BAD_MAGIC:
        return "not a version 5 subject info page (magic)";
    case MUEN_SINFO_BAD_COUNT:
        return "more than 255 resources";
    case MUEN_SINFO_BAD_NAME:
        return "a name that is empty, too long or not NUL-terminated";
    case MUEN_SINFO_BAD_KIND:
        return "an unknown resource kind, memory kind, content kind or flag";
    case MUEN_SINFO_BAD_REGION:
        return "a region that is empty, unaligned or outside the address space";
    case MUEN_SINFO_OVERLAP:
        return "two regions that overlap";
    case MUEN_SINFO_DUPLICATE_NAME:
        return "two resources of one kind with the same name";
    case MUEN_SINFO_BAD_NUMBER:
        return "an event number above 63";
    case MUEN_SINFO_BAD_PORT:
        return "an I/O port range that is empty or past port 65535";
    }
    return "an unknown fault";
}

const struct muen_memory_region *muen_sinfo_region(const struct muen_sinfo *sinfo, const char *name)
{
    for (uint16_t i = 0; i < sinfo->region_count; i++)
        if (strcmp(sinfo->regions[i].name, name) == 0)
            return &sinfo->regions[i];
    return NULL;
}

bool muen_sinfo_event(const struct muen_sinfo *sinfo, const char *name, uint8_t *number)
{
    for (uint16_t i = 0; i < sinfo->event_count; i++) {
        if (strcmp(sinfo->events[i].name, name) == 0) {
            *number = sinfo->events[i].number;
            return true;
        }
    }
    return false;
}
