/* muen_test.c: the muen ABI's pure parts on the build host, as TAP: the subject info parser against pages laid out
 * as Muen lays them out, honest and hostile; the channel writer and the debug log read back by a SHMStream version 2
 * reader written here, across wrap-around, overruns and epochs; the time info page and the TSC arithmetic.
 * Built by Pants as a host program (tests/muen:muen_test) and, with ASan and UBSan, by tests/muen/host_test.py. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testing/tap.h"
#include "targets/muen/channel.h"
#include "targets/muen/debuglog.h"
#include "targets/muen/sinfo.h"
#include "targets/muen/subject.h"
#include "targets/muen/time_info.h"
#include "tests/muen/parsed_region.h"

/* --- subject info pages, written field by field at the offsets of the published layout ---------------------- */

static uint8_t page[MUEN_SINFO_REGION_SIZE];
static struct muen_sinfo parsed;

static void put_le(uint8_t *at, uint64_t value, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        at[i] = (uint8_t)(value >> (8 * i));
}

/* A name field: length, characters, zero padding, the terminating byte. */
static void put_name(uint8_t *field, const char *name)
{
    size_t length = strlen(name);
    memset(field, 0, 65);
    field[0] = (uint8_t)length;
    memcpy(field + 1, name, length);
}

static uint16_t resource_count(void)
{
    return (uint16_t)(page[78] | page[79] << 8);
}

static uint8_t *next_resource(uint32_t kind, const char *name)
{
    uint16_t count = resource_count();
    uint8_t *resource = page + MUEN_SINFO_HEADER_SIZE + (size_t)count * MUEN_SINFO_RESOURCE_SIZE;
    memset(resource, 0, MUEN_SINFO_RESOURCE_SIZE);
    put_le(resource, kind, 4);
    put_name(resource + 4, name);
    put_le(page + 78, count + 1u, 2);
    return resource;
}

static void page_init(const char *subject)
{
    memset(page, 0, sizeof page);
    put_le(page, MUEN_SINFO_MAGIC, 8);
    put_le(page + 8, 2100000, 4);
    put_name(page + 12, subject);
}

static uint8_t *add_memory(const char *name, uint8_t kind, uint8_t flags, uint64_t address, uint64_t size)
{
    uint8_t *resource = next_resource(MUEN_RESOURCE_MEMORY, name);
    uint8_t *data = resource + 72;
    data[0] = kind;
    data[1] = 1; /* fill */
    data[2] = flags;
    put_le(data + 8, address, 8);
    put_le(data + 16, size, 8);
    return resource;
}

static void add_number(uint32_t kind, const char *name, uint8_t number)
{
    next_resource(kind, name)[72] = number;
}

static void add_device(const char *name, uint16_t sid, uint16_t vendor, uint16_t device)
{
    uint8_t *data = next_resource(MUEN_RESOURCE_DEVICE, name) + 72;
    put_le(data, sid, 2);
    put_le(data + 2, vendor, 2);
    put_le(data + 4, device, 2);
    data[10] = 48;
    data[11] = 2;
}

static void add_devmem(const char *name, uint64_t address, uint64_t size)
{
    uint8_t *data = next_resource(MUEN_RESOURCE_DEVICE_MEMORY, name) + 72;
    put_le(data, 0x10, 2);
    put_le(data + 16, address, 8);
    put_le(data + 24, size, 8);
}

static void add_devport(const char *name, uint16_t address, uint16_t size)
{
    uint8_t *data = next_resource(MUEN_RESOURCE_DEVICE_PORT, name) + 72;
    put_le(data + 4, address, 2);
    put_le(data + 6, size, 2);
}

/* A page like the one Muen gives a subject built from tests' specification: every kind of resource. */
static void honest_page(void)
{
    page_init("hello");
    add_memory("text", MUEN_MEMORY_SUBJECT_BINARY, MUEN_MEMORY_EXECUTABLE, 0x200000, 0x4000);
    add_memory("data", MUEN_MEMORY_SUBJECT_BINARY, MUEN_MEMORY_WRITABLE, 0x204000, 0x1000);
    add_memory("heap", MUEN_MEMORY_SUBJECT_BINARY, MUEN_MEMORY_WRITABLE, 0x300000, 0x2000000);
    add_memory("debuglog", MUEN_MEMORY_SUBJECT_CHANNEL, MUEN_MEMORY_WRITABLE, UINT64_C(0xf00000000), 0x10000);
    add_memory("time_info", MUEN_MEMORY_SUBJECT_CHANNEL, 0, UINT64_C(0xf00010000), 0x1000);
    add_memory("sinfo", MUEN_MEMORY_SUBJECT_INFO, 0, MUEN_SINFO_ADDRESS, MUEN_SINFO_REGION_SIZE);
    add_number(MUEN_RESOURCE_EVENT, "exit", 1);
    add_number(MUEN_RESOURCE_VECTOR, "timer", 32);
    add_device("nic", 0x18, 0x8086, 0x10d3);
    add_devmem("nic_mmio", UINT64_C(0xd0000000), 0x20000);
    add_devport("serial", 0x3f8, 8);
}

static enum muen_sinfo_result parse(size_t size, uint32_t *at)
{
    return muen_sinfo_parse(page, size, &parsed, at);
}

static bool expect_fault(const char *what, enum muen_sinfo_result expected, uint32_t expected_at)
{
    uint32_t at;
    enum muen_sinfo_result result = parse(sizeof page, &at);
    return tap_check(result == expected && at == expected_at, what, "got %d (%s) at resource %" PRIu32, result,
                     muen_sinfo_result_text(result), at);
}

static void sinfo_honest(void)
{
    uint32_t at;
    uint8_t number = 0;
    honest_page();
    enum muen_sinfo_result result = parse(sizeof page, &at);
    tap_check(result == MUEN_SINFO_OK, "an honest page parses", "%s at %" PRIu32, muen_sinfo_result_text(result), at);
    tap_check(strcmp(parsed.subject_name, "hello") == 0 && parsed.tsc_khz == 2100000, "subject name and TSC rate",
              "'%s' %" PRIu32, parsed.subject_name, parsed.tsc_khz);
    tap_check(parsed.region_count == 7 && parsed.event_count == 1 && parsed.vector_count == 1 &&
                  parsed.device_count == 1 && parsed.port_count == 1,
              "every resource counted by kind", "%u regions %u events", parsed.region_count, parsed.event_count);
    const struct muen_memory_region *log = muen_sinfo_region(&parsed, "debuglog");
    tap_check(log != NULL && log->address == UINT64_C(0xf00000000) && log->size == 0x10000 &&
                  log->kind == MUEN_MEMORY_SUBJECT_CHANNEL && log->flags == MUEN_MEMORY_WRITABLE && !log->device,
              "a channel region found by name with its address, size, kind and flags", "%p", (const void *)log);
    const struct muen_memory_region *mmio = muen_sinfo_region(&parsed, "nic_mmio");
    tap_check(mmio != NULL && mmio->device && mmio->address == UINT64_C(0xd0000000), "device memory is a region", "%p",
              (const void *)mmio);
    tap_check(muen_sinfo_event(&parsed, "exit", &number) && number == 1, "the exit event's number", "%u", number);
    tap_check(!muen_sinfo_event(&parsed, "timer", &number) && muen_sinfo_region(&parsed, "exit") == NULL,
              "names are looked up within their kind", "a vector or event answered as something else");
    tap_check(parsed.devices[0].sid == 0x18 && parsed.devices[0].vendor_id == 0x8086 &&
                  parsed.devices[0].device_id == 0x10d3 && parsed.devices[0].irq_start == 48,
              "device information", "sid %#x", parsed.devices[0].sid);
    tap_check(parsed.ports[0].address == 0x3f8 && parsed.ports[0].size == 8, "I/O port range", "%#x",
              parsed.ports[0].address);

    /* The name "exit" may be a memory region and an event at once: lookups are per kind. */
    add_memory("exit", MUEN_MEMORY_SUBJECT, 0, 0x10000000, 0x1000);
    tap_check(parse(sizeof page, &at) == MUEN_SINFO_OK, "one name in two kinds", "refused");

    /* A page full of resources, the header's size exactly. */
    page_init("full");
    char name[16];
    for (unsigned i = 0; i < MUEN_SINFO_MAX_RESOURCES; i++) {
        snprintf(name, sizeof name, "event%u", i);
        add_number(MUEN_RESOURCE_EVENT, name, (uint8_t)(i % 64));
    }
    result = parse(MUEN_SINFO_HEADER_SIZE + MUEN_SINFO_MAX_RESOURCES * MUEN_SINFO_RESOURCE_SIZE, &at);
    tap_check(result == MUEN_SINFO_OK && parsed.event_count == 255, "255 resources in a page just large enough", "%s",
              muen_sinfo_result_text(result));

    /* A region may end at the top of the address space, and regions may touch. */
    page_init("edges");
    add_memory("top", MUEN_MEMORY_SUBJECT, 0, MUEN_ADDRESS_SPACE_END - 0x1000, 0x1000);
    add_memory("below", MUEN_MEMORY_SUBJECT, 0, MUEN_ADDRESS_SPACE_END - 0x2000, 0x1000);
    tap_check(parse(sizeof page, &at) == MUEN_SINFO_OK, "touching regions and the last page", "refused");
}

static void sinfo_hostile_header(void)
{
    uint32_t at;
    honest_page();
    put_le(page, UINT64_C(0x04006f666e69756d), 8);
    expect_fault("version 4's magic", MUEN_SINFO_BAD_MAGIC, MUEN_SINFO_MAX_RESOURCES);

    honest_page();
    tap_check(parse(MUEN_SINFO_HEADER_SIZE - 1, &at) == MUEN_SINFO_TOO_SMALL, "a page shorter than the header",
              "accepted");
    tap_check(parse(MUEN_SINFO_HEADER_SIZE + 10 * MUEN_SINFO_RESOURCE_SIZE, &at) == MUEN_SINFO_TOO_SMALL,
              "a count of resources past the page's end", "accepted");

    honest_page();
    put_le(page + 78, 256, 2);
    expect_fault("256 resources", MUEN_SINFO_BAD_COUNT, MUEN_SINFO_MAX_RESOURCES);
    put_le(page + 78, 0xffff, 2);
    expect_fault("65535 resources", MUEN_SINFO_BAD_COUNT, MUEN_SINFO_MAX_RESOURCES);

    honest_page();
    page[12] = 64;
    expect_fault("a subject name of 64 characters", MUEN_SINFO_BAD_NAME, MUEN_SINFO_MAX_RESOURCES);
    honest_page();
    memset(page + 13, 'a', 63);
    page[12] = 63;
    page[76] = 'x';
    expect_fault("a subject name without its terminating NUL", MUEN_SINFO_BAD_NAME, MUEN_SINFO_MAX_RESOURCES);
    page[76] = 0;
    tap_check(parse(sizeof page, &at) == MUEN_SINFO_OK, "a subject name of 63 characters", "refused");
}

static void sinfo_hostile_names(void)
{
    honest_page();
    uint8_t *resource = add_memory("extra", MUEN_MEMORY_SUBJECT, 0, 0x20000000, 0x1000);
    resource[4] = 0;
    expect_fault("an empty name", MUEN_SINFO_BAD_NAME, 11);
    resource[4] = 64;
    expect_fault("a name longer than 63", MUEN_SINFO_BAD_NAME, 11);
    resource[4] = 5;
    resource[7] = 0;
    expect_fault("a NUL inside a name", MUEN_SINFO_BAD_NAME, 11);
    resource[7] = 't';
    resource[10] = '!';
    expect_fault("characters past a name's length", MUEN_SINFO_BAD_NAME, 11);
    resource[10] = 0;
    resource[4] = 63;
    memset(resource + 5, 'n', 63);
    resource[68] = 'x';
    expect_fault("an unterminated name of 63 characters", MUEN_SINFO_BAD_NAME, 11);
}

/* One resource added to an honest page, as its twelfth (index 11), and the fault the parser must report there. */
struct hostile_resource {
    const char *what;
    enum muen_sinfo_result expected;
    uint32_t resource; /* MUEN_RESOURCE_*, or a kind the parser does not know */
    const char *name;
    uint8_t memory_kind, memory_flags, memory_content; /* a content of 0 is the builder's (fill) */
    uint8_t number;                                    /* an event's or vector's */
    uint64_t address, size;                            /* a region's, device memory's or I/O ports' */
};

static void add_hostile_resource(const struct hostile_resource *hostile)
{
    switch (hostile->resource) {
    case MUEN_RESOURCE_MEMORY: {
        uint8_t *data =
            add_memory(hostile->name, hostile->memory_kind, hostile->memory_flags, hostile->address, hostile->size) +
            72;
        if (hostile->memory_content != 0)
            data[1] = hostile->memory_content;
        break;
    }
    case MUEN_RESOURCE_EVENT:
    case MUEN_RESOURCE_VECTOR:
        add_number(hostile->resource, hostile->name, hostile->number);
        break;
    case MUEN_RESOURCE_DEVICE_MEMORY:
        add_devmem(hostile->name, hostile->address, hostile->size);
        break;
    case MUEN_RESOURCE_DEVICE_PORT:
        add_devport(hostile->name, (uint16_t)hostile->address, (uint16_t)hostile->size);
        break;
    default:
        next_resource(hostile->resource, hostile->name);
        break;
    }
}

static void expect_hostile_faults(const struct hostile_resource *hostile, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        honest_page();
        add_hostile_resource(&hostile[i]);
        expect_fault(hostile[i].what, hostile[i].expected, 11);
    }
}

/* The fields of a memory region in a struct hostile_resource, in add_memory's order. */
#define MEMORY(region_name, kind, flags, start, length)                                                                \
    MUEN_RESOURCE_MEMORY, region_name, .memory_kind = (kind), .memory_flags = (flags), .address = (start),             \
                                       .size = (length)

static void sinfo_hostile_regions(void)
{
    static const struct hostile_resource regions[] = {
        {"a region inside another", MUEN_SINFO_OVERLAP,
         MEMORY("inside_text", MUEN_MEMORY_SUBJECT, MUEN_MEMORY_WRITABLE, 0x201000, 0x1000)},
        {"a region overlapping another's first page", MUEN_SINFO_OVERLAP,
         MEMORY("straddle", MUEN_MEMORY_SUBJECT, 0, 0x1ff000, 0x2000)},
        {"memory over a device's MMIO", MUEN_SINFO_OVERLAP,
         MEMORY("over_mmio", MUEN_MEMORY_SUBJECT, 0, UINT64_C(0xd0010000), 0x1000)},
        {"two regions named alike", MUEN_SINFO_DUPLICATE_NAME,
         MEMORY("text", MUEN_MEMORY_SUBJECT, 0, 0x40000000, 0x1000)},
        {"an unaligned address", MUEN_SINFO_BAD_REGION, MEMORY("odd", MUEN_MEMORY_SUBJECT, 0, 0x40000800, 0x1000)},
        {"a size of a page and a half", MUEN_SINFO_BAD_REGION,
         MEMORY("odd", MUEN_MEMORY_SUBJECT, 0, 0x40000000, 0x1800)},
        {"an empty region", MUEN_SINFO_BAD_REGION, MEMORY("empty", MUEN_MEMORY_SUBJECT, 0, 0x40000000, 0)},
        {"a region wrapping past 2^64", MUEN_SINFO_BAD_REGION,
         MEMORY("wraps", MUEN_MEMORY_SUBJECT, 0, UINT64_C(0xfffffffffffff000), 0x2000)},
        {"a region above the 47-bit address space", MUEN_SINFO_BAD_REGION,
         MEMORY("high", MUEN_MEMORY_SUBJECT, 0, MUEN_ADDRESS_SPACE_END, 0x1000)},
        {"a region across the top of the address space", MUEN_SINFO_BAD_REGION,
         MEMORY("across", MUEN_MEMORY_SUBJECT, 0, MUEN_ADDRESS_SPACE_END - 0x1000, 0x2000)},
        {"device memory outside the address space", MUEN_SINFO_BAD_REGION, MUEN_RESOURCE_DEVICE_MEMORY, "mmio_wraps",
         .address = UINT64_C(0xfffffffffffff000), .size = 0x1000},
    };
    expect_hostile_faults(regions, sizeof regions / sizeof regions[0]);
}

static void sinfo_hostile_kinds(void)
{
    static const struct hostile_resource kinds[] = {
        {"an unknown resource kind", MUEN_SINFO_BAD_KIND, 7, .name = "future"},
        {"an empty resource inside the count", MUEN_SINFO_BAD_KIND, MUEN_RESOURCE_NONE, .name = "none"},
        {"an unknown memory kind", MUEN_SINFO_BAD_KIND, MEMORY("kind", MUEN_MEMORY_KIND_COUNT, 0, 0x40000000, 0x1000)},
        {"an unknown memory flag", MUEN_SINFO_BAD_KIND, MEMORY("flags", MUEN_MEMORY_SUBJECT, 0x4, 0x40000000, 0x1000)},
        {"an unknown content kind", MUEN_SINFO_BAD_KIND, MEMORY("content", MUEN_MEMORY_SUBJECT, 0, 0x40000000, 0x1000),
         .memory_content = 3},
        {"event number 64", MUEN_SINFO_BAD_NUMBER, MUEN_RESOURCE_EVENT, "big", .number = 64},
        {"two events named alike", MUEN_SINFO_DUPLICATE_NAME, MUEN_RESOURCE_EVENT, "exit", .number = 2},
        {"I/O ports past 65535", MUEN_SINFO_BAD_PORT, MUEN_RESOURCE_DEVICE_PORT, "past_end", .address = 0xfff0,
         .size = 0x20},
        {"an empty I/O port range", MUEN_SINFO_BAD_PORT, MUEN_RESOURCE_DEVICE_PORT, "no_ports", .address = 0x60},
    };
    expect_hostile_faults(kinds, sizeof kinds / sizeof kinds[0]);
}

#undef MEMORY

static bool name_ok(const char *name)
{
    size_t length = strnlen(name, MUEN_SINFO_NAME_MAX + 1);
    return length >= 1 && length <= MUEN_SINFO_NAME_MAX;
}

/* Random bytes flipped in an honest page: whatever the parser accepts keeps every promise of sinfo.h. */
static void sinfo_mutations(void)
{
    unsigned accepted = 0, broken = 0;
    srand(1);
    for (int round = 0; round < 3000; round++) {
        uint32_t at;
        honest_page();
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; f++)
            page[rand() % (MUEN_SINFO_HEADER_SIZE + 12 * MUEN_SINFO_RESOURCE_SIZE)] = (uint8_t)rand();
        if (parse(sizeof page, &at) != MUEN_SINFO_OK)
            continue;
        accepted++;
        bool ok = name_ok(parsed.subject_name) && parsed.region_count <= MUEN_SINFO_MAX_RESOURCES;
        for (uint16_t i = 0; i < parsed.region_count; i++) {
            const struct muen_memory_region *a = &parsed.regions[i];
            ok = ok && name_ok(a->name) && a->size != 0 && a->address % 0x1000 == 0 && a->size % 0x1000 == 0 &&
                 a->address + a->size <= MUEN_ADDRESS_SPACE_END && a->address + a->size > a->address;
            for (uint16_t j = 0; j < i; j++) {
                const struct muen_memory_region *b = &parsed.regions[j];
                ok = ok && (a->address >= b->address + b->size || b->address >= a->address + a->size) &&
                     strcmp(a->name, b->name) != 0;
            }
        }
        for (uint16_t i = 0; i < parsed.event_count; i++)
            ok = ok && name_ok(parsed.events[i].name) && parsed.events[i].number <= MUEN_EVENT_MAX;
        if (!ok)
            broken++;
    }
    tap_check(broken == 0 && accepted > 0, "3000 mutated pages: what is accepted is bounded, named and disjoint",
              "%u of %u accepted pages broke a promise", broken, accepted);
}

/* --- what boot requires of the regions (subject.c) -------------------------------------------------------- */

static _Alignas(4096) char cmdline_region[0x2000];

static void subject_checks(void)
{
    uint32_t at;
    const char *region = NULL;
    uint64_t start = 0, size = 0;
    char out[4096];

    honest_page();
    parse(sizeof page, &at);
    tap_check(muen_subject_check_regions(&parsed, &region) == NULL, "an honest page keeps W^X", "refused");
    tap_check(muen_subject_heap(&parsed, &start, &size) == NULL && start == 0x300000 && size == 0x2000000,
              "the heap region's address and size", "%#" PRIx64 " %#" PRIx64, start, size);
    add_memory("jit", MUEN_MEMORY_SUBJECT, MUEN_MEMORY_WRITABLE | MUEN_MEMORY_EXECUTABLE, 0x40000000, 0x1000);
    parse(sizeof page, &at);
    tap_check(muen_subject_check_regions(&parsed, &region) != NULL && strcmp(region, "jit") == 0,
              "a writable and executable region stops the boot, named", "%s", region ? region : "none");

    page_init("heapless");
    parse(sizeof page, &at);
    bool missing = muen_subject_heap(&parsed, &start, &size) != NULL;
    page_init("readonly_heap");
    add_memory("heap", MUEN_MEMORY_SUBJECT_BINARY, 0, 0x300000, 0x1000);
    parse(sizeof page, &at);
    bool readonly = muen_subject_heap(&parsed, &start, &size) != NULL;
    page_init("executable_heap");
    add_memory("heap", MUEN_MEMORY_SUBJECT_BINARY, MUEN_MEMORY_EXECUTABLE, 0x300000, 0x1000);
    parse(sizeof page, &at);
    bool executable = muen_subject_heap(&parsed, &start, &size) != NULL;
    page_init("device_heap");
    add_devmem("heap", 0x300000, 0x1000);
    parse(sizeof page, &at);
    tap_check(missing && readonly && executable && muen_subject_heap(&parsed, &start, &size) != NULL,
              "no heap, a read-only, an executable or a device heap stops the boot", "accepted");

    page_init("no_cmdline");
    parse(sizeof page, &at);
    memset(out, 'x', sizeof out);
    tap_check(muen_subject_cmdline(&parsed, out, sizeof out) == NULL && out[0] == '\0',
              "no cmdline region: no boot arguments", "'%.8s'", out);
    static const char arguments[] = "--count=2 --message=Hi";
    memset(cmdline_region, 'z', sizeof cmdline_region);
    memcpy(cmdline_region, arguments, sizeof arguments);
    parsed_region_add(&parsed, "cmdline", cmdline_region, sizeof cmdline_region, MUEN_MEMORY_SUBJECT, 0);
    tap_check(muen_subject_cmdline(&parsed, out, sizeof out) == NULL && strcmp(out, arguments) == 0,
              "the boot arguments up to their NUL", "'%s'", out);
    cmdline_region[sizeof arguments - 1] = '!';
    cmdline_region[5000] = '\0';
    bool past_out = muen_subject_cmdline(&parsed, out, sizeof out) != NULL && out[0] == '\0';
    memset(cmdline_region, 'z', sizeof cmdline_region);
    parsed.regions[parsed.region_count - 1].size = 0x1000;
    char wide[0x4000];
    tap_check(past_out && muen_subject_cmdline(&parsed, wide, sizeof wide) != NULL && wide[0] == '\0',
              "no NUL within the copy's size or within the region: refused, nothing half-copied", "accepted");
}

/* --- a SHMStream version 2 reader, written from the protocol, not from the writer ----------------------------- */

enum read_result { READ_INACTIVE, READ_INCOMPATIBLE, READ_EPOCH_CHANGED, READ_NO_DATA, READ_OVERRUN, READ_OK };

struct reader {
    uint64_t protocol, epoch, size, elements, rc;
    uint8_t element[256];
};

static uint64_t header_word(const uint8_t *channel, unsigned index)
{
    uint64_t value;
    memcpy(&value, channel + 8 * index, sizeof value);
    return value;
}

enum { H_TRANSPORT, H_EPOCH, H_PROTOCOL, H_SIZE, H_ELEMENTS, H_RESERVED, H_WSC, H_WC };

/* The first half of a read: what a reader has copied before it checks wsc. */
static enum read_result read_begin(struct reader *reader, const uint8_t *channel)
{
    uint64_t epoch = header_word(channel, H_EPOCH);
    if (epoch == MUEN_CHANNEL_NULL_EPOCH) {
        reader->epoch = MUEN_CHANNEL_NULL_EPOCH;
        return READ_INACTIVE;
    }
    if (reader->epoch == MUEN_CHANNEL_NULL_EPOCH || reader->epoch != epoch) {
        if (header_word(channel, H_TRANSPORT) != MUEN_CHANNEL_TRANSPORT ||
            header_word(channel, H_PROTOCOL) != reader->protocol || header_word(channel, H_SIZE) == 0 ||
            header_word(channel, H_SIZE) > sizeof reader->element || header_word(channel, H_ELEMENTS) == 0)
            return READ_INCOMPATIBLE;
        reader->epoch = epoch;
        reader->size = header_word(channel, H_SIZE);
        reader->elements = header_word(channel, H_ELEMENTS);
        reader->rc = 0;
        return READ_EPOCH_CHANGED;
    }
    uint64_t wc = header_word(channel, H_WC);
    if (wc == reader->rc)
        return READ_NO_DATA;
    if (wc - reader->rc > reader->elements)
        return READ_OVERRUN;
    memcpy(reader->element, channel + MUEN_CHANNEL_HEADER_SIZE + (reader->rc % reader->elements) * reader->size,
           reader->size);
    return READ_OK;
}

/* The second half: the element copied is good only if the writer had not started on its slot again. */
static enum read_result read_end(struct reader *reader, const uint8_t *channel)
{
    if (header_word(channel, H_WSC) - reader->rc > reader->elements)
        return READ_OVERRUN;
    if (header_word(channel, H_EPOCH) != reader->epoch)
        return READ_EPOCH_CHANGED;
    reader->rc++;
    return READ_OK;
}

static enum read_result read_one(struct reader *reader, const uint8_t *channel)
{
    enum read_result result = read_begin(reader, channel);
    return result == READ_OK ? read_end(reader, channel) : result;
}

/* Channel memory as Muen maps it: page-aligned. */
static _Alignas(4096) uint8_t channel[0x10000];

#define PROTOCOL UINT64_C(0x1234567890abcdef)

static void channel_setup(void)
{
    struct muen_channel_writer writer;
    memset(channel, 0xa5, sizeof channel);
    tap_check(muen_channel_writer_init(&writer, channel, 64 + 4 * 16, PROTOCOL, 16, 0) == MUEN_CHANNEL_NULL_EPOCH_GIVEN,
              "the null epoch is refused", "accepted");
    tap_check(muen_channel_writer_init(&writer, channel, 64 + 15, PROTOCOL, 16, 7) == MUEN_CHANNEL_TOO_SMALL &&
                  muen_channel_writer_init(&writer, channel, 32, PROTOCOL, 16, 7) == MUEN_CHANNEL_TOO_SMALL,
              "a region without room for one element is refused", "accepted");
    tap_check(muen_channel_writer_init(&writer, channel + 4, 4096, PROTOCOL, 16, 7) == MUEN_CHANNEL_UNALIGNED &&
                  muen_channel_writer_init(&writer, channel, 4096, PROTOCOL, 0, 7) == MUEN_CHANNEL_BAD_ELEMENT,
              "an unaligned region and empty elements are refused", "accepted");
    tap_check(muen_channel_writer_init(&writer, channel, 64 + 4 * 16 + 15, PROTOCOL, 16, 42) == MUEN_CHANNEL_OK,
              "a channel of four elements and a spare 15 bytes", "refused");
    bool zeroed = true;
    for (unsigned i = 0; i < 4 * 16; i++)
        zeroed = zeroed && channel[64 + i] == 0;
    tap_check(header_word(channel, H_TRANSPORT) == MUEN_CHANNEL_TRANSPORT && header_word(channel, H_EPOCH) == 42 &&
                  header_word(channel, H_PROTOCOL) == PROTOCOL && header_word(channel, H_SIZE) == 16 &&
                  header_word(channel, H_ELEMENTS) == 4 && header_word(channel, H_WSC) == 0 &&
                  header_word(channel, H_WC) == 0 && zeroed,
              "the header as SHMStream v2 lays it out, and a cleared data area", "elements %" PRIu64,
              header_word(channel, H_ELEMENTS));
    struct reader wrong = {.protocol = PROTOCOL + 1};
    tap_check(read_one(&wrong, channel) == READ_INCOMPATIBLE, "a reader of another protocol sees it incompatible",
              "it did not");
}

static void fill_element(uint8_t element[16], uint64_t n)
{
    for (unsigned i = 0; i < 16; i++)
        element[i] = (uint8_t)(n * 16 + i);
}

static void channel_wrap_around(void)
{
    struct muen_channel_writer writer;
    struct reader reader = {.protocol = PROTOCOL};
    uint8_t element[16];
    muen_channel_writer_init(&writer, channel, 64 + 4 * 16, PROTOCOL, 16, 9);
    tap_check(read_one(&reader, channel) == READ_EPOCH_CHANGED && reader.elements == 4 && reader.size == 16,
              "the reader synchronises on the epoch", "elements %" PRIu64, reader.elements);
    tap_check(read_one(&reader, channel) == READ_NO_DATA, "nothing to read before a write", "something");

    unsigned good = 0, counters_right = 0;
    for (uint64_t n = 0; n < 1000; n++) {
        fill_element(element, n);
        muen_channel_write(&writer, element);
        if (header_word(channel, H_WC) == n + 1 && header_word(channel, H_WSC) == n + 1)
            counters_right++;
        if (read_one(&reader, channel) == READ_OK && memcmp(reader.element, element, 16) == 0)
            good++;
    }
    tap_check(good == 1000 && reader.rc == 1000, "1000 elements through 4 slots, each read intact in order",
              "%u good, rc %" PRIu64, good, reader.rc);
    tap_check(counters_right == 1000, "wsc and wc equal the count written after every write", "%u", counters_right);

    /* A reader that falls behind by more than the ring sees an overrun, never stale data. */
    for (uint64_t n = 1000; n < 1005; n++) {
        fill_element(element, n);
        muen_channel_write(&writer, element);
    }
    tap_check(read_one(&reader, channel) == READ_OVERRUN, "five writes ahead of a four-slot reader: overrun",
              "not detected");

    /* A reader exactly a ring behind still reads the oldest element. */
    reader.rc = 1001;
    tap_check(read_one(&reader, channel) == READ_OK && reader.element[0] == (uint8_t)(1001 * 16),
              "a reader a whole ring behind reads the oldest element", "%u", reader.element[0]);

    /* Torn read: the writer laps the slot between the reader's copy and its check of wsc. */
    reader.rc = 1002;
    enum read_result first = read_begin(&reader, channel);
    for (uint64_t n = 1005; n < 1008; n++) {
        fill_element(element, n);
        muen_channel_write(&writer, element);
    }
    tap_check(first == READ_OK && read_end(&reader, channel) == READ_OVERRUN,
              "a slot rewritten while the reader copied it is caught by wsc", "not caught");
}

static void channel_epochs(void)
{
    struct muen_channel_writer writer;
    struct reader reader = {.protocol = PROTOCOL};
    uint8_t element[16];
    muen_channel_writer_init(&writer, channel, 64 + 8 * 16, PROTOCOL, 16, 100);
    read_one(&reader, channel);
    for (uint64_t n = 0; n < 3; n++) {
        fill_element(element, n);
        muen_channel_write(&writer, element);
    }
    read_one(&reader, channel);
    muen_channel_writer_init(&writer, channel, 64 + 8 * 16, PROTOCOL, 16, 101);
    tap_check(read_one(&reader, channel) == READ_EPOCH_CHANGED && reader.rc == 0,
              "a restarted writer's new epoch makes the reader start over", "rc %" PRIu64, reader.rc);
    fill_element(element, 77);
    muen_channel_write(&writer, element);
    tap_check(read_one(&reader, channel) == READ_OK && reader.element[0] == (uint8_t)(77 * 16),
              "the first element of the new epoch is read", "%u", reader.element[0]);
    muen_channel_writer_deactivate(&writer);
    tap_check(read_one(&reader, channel) == READ_INACTIVE, "a deactivated channel reads as inactive", "it did not");

    /* The writer trusts only its own counters: a scribbled header does not move where it writes. */
    muen_channel_writer_init(&writer, channel, 64 + 8 * 16, PROTOCOL, 16, 102);
    uint64_t lie = UINT64_C(0xdeadbeef00000003);
    memcpy(channel + 8 * H_WC, &lie, sizeof lie);
    memcpy(channel + 8 * H_ELEMENTS, &lie, sizeof lie);
    fill_element(element, 5);
    muen_channel_write(&writer, element);
    tap_check(memcmp(channel + 64, element, 16) == 0 && header_word(channel, H_WC) == 1,
              "a scribbled wc and element count do not move the writer", "wc %" PRIu64, header_word(channel, H_WC));
}

struct debuglog_reader {
    struct reader reader;
    char text[200000];
    size_t length;
    unsigned messages;
    bool stamps_right;
};

/* Read every message there is; a message's text ends at its first NUL. */
static void debuglog_drain(struct debuglog_reader *log, uint64_t stamp)
{
    for (;;) {
        enum read_result result = read_one(&log->reader, channel);
        if (result == READ_EPOCH_CHANGED)
            continue;
        if (result != READ_OK)
            return;
        struct muen_debuglog_message message;
        memcpy(&message, log->reader.element, sizeof message);
        size_t length = strnlen(message.text, sizeof message.text);
        if (log->length + length < sizeof log->text) {
            memcpy(log->text + log->length, message.text, length);
            log->length += length;
        }
        log->stamps_right = log->stamps_right && message.timestamp == stamp;
        log->messages++;
    }
}

static void debuglog_messages(void)
{
    static struct muen_debuglog log;
    static struct debuglog_reader reader;
    memset(&reader, 0, sizeof reader);
    reader.reader.protocol = MUEN_DEBUGLOG_PROTOCOL;
    reader.stamps_right = true;
    muen_debuglog_init(&log, channel, sizeof channel, 5);
    tap_check(header_word(channel, H_SIZE) == 64 && header_word(channel, H_ELEMENTS) == (sizeof channel - 64) / 64 &&
                  header_word(channel, H_PROTOCOL) == MUEN_DEBUGLOG_PROTOCOL,
              "a 64 KiB debug log channel holds 1023 messages of 64 bytes", "%" PRIu64,
              header_word(channel, H_ELEMENTS));
    debuglog_drain(&reader, 0);

    char long_line[101];
    memset(long_line, 'x', 100);
    long_line[100] = '\n';
    muen_debuglog_write(&log, "hello\r\n", 7, 11);
    debuglog_drain(&reader, 11);
    muen_debuglog_write(&log, long_line, sizeof long_line, 12);
    debuglog_drain(&reader, 12);
    tap_check(reader.messages == 3 && reader.length == 6 + 101 && memcmp(reader.text, "hello\n", 6) == 0 &&
                  memcmp(reader.text + 6, long_line, 101) == 0 && reader.stamps_right,
              "a line per message, 56 bytes at most, carriage returns dropped, stamps kept", "%u messages, %zu bytes",
              reader.messages, reader.length);
    muen_debuglog_write(&log, "no newline", 10, 13);
    debuglog_drain(&reader, 13);
    tap_check(reader.messages == 3, "an unfinished line waits", "sent early");
    muen_debuglog_flush(&log, 13);
    debuglog_drain(&reader, 13);
    tap_check(reader.messages == 4 && memcmp(reader.text + 107, "no newline", 10) == 0,
              "flush sends an unfinished line", "%u messages", reader.messages);

    /* 3000 lines through 1023 slots, read as they come: the ring wraps nearly three times, nothing lost. */
    reader.length = 0;
    reader.messages = 0;
    char line[32], expected[32];
    bool all = true;
    for (unsigned i = 0; i < 3000; i++) {
        int length = snprintf(line, sizeof line, "line %u\n", i);
        muen_debuglog_write(&log, line, (size_t)length, 14);
        if (i % 7 == 6)
            debuglog_drain(&reader, 14);
    }
    debuglog_drain(&reader, 14);
    size_t at = 0;
    for (unsigned i = 0; i < 3000 && all; i++) {
        int length = snprintf(expected, sizeof expected, "line %u\n", i);
        all = at + (size_t)length <= reader.length && memcmp(reader.text + at, expected, (size_t)length) == 0;
        at += (size_t)length;
    }
    tap_check(all && reader.messages == 3000 && at == reader.length, "3000 lines across wrap-around, in order",
              "%u messages, %zu bytes", reader.messages, reader.length);
}

/* --- the binding's own reader (channel_reader.c), fed by the writer and by a hostile writer ------------------- */

static void reader_from_writer(void)
{
    struct muen_channel_writer writer;
    struct muen_channel_reader reader;
    uint8_t element[16], got[16];
    memset(channel, 0, sizeof channel);
    tap_check(muen_channel_reader_init(&reader, channel, 64 + 4 * 16, PROTOCOL, 16) == MUEN_CHANNEL_OK,
              "a reader of four elements", "refused");
    tap_check(muen_channel_read(&reader, got) == MUEN_CHANNEL_READ_NO_DATA && !muen_channel_has_data(&reader),
              "an inactive channel has no data", "it has");
    muen_channel_writer_init(&writer, channel, 64 + 4 * 16, PROTOCOL, 16, 3);
    unsigned good = 0;
    for (uint64_t n = 0; n < 1000; n++) {
        fill_element(element, n);
        muen_channel_write(&writer, element);
        bool waiting = muen_channel_has_data(&reader);
        if (waiting && muen_channel_read(&reader, got) == MUEN_CHANNEL_READ_OK && memcmp(got, element, 16) == 0 &&
            muen_channel_read(&reader, got) == MUEN_CHANNEL_READ_NO_DATA)
            good++;
    }
    tap_check(good == 1000, "1000 elements written and read one by one across wrap-around", "%u", good);

    for (uint64_t n = 1000; n < 1010; n++) {
        fill_element(element, n);
        muen_channel_write(&writer, element);
    }
    enum muen_channel_read_result lapped = muen_channel_read(&reader, got);
    unsigned after = 0;
    for (uint64_t n = 1006; n < 1010; n++) {
        fill_element(element, n);
        if (muen_channel_read(&reader, got) == MUEN_CHANNEL_READ_OK && memcmp(got, element, 16) == 0)
            after++;
    }
    tap_check(lapped == MUEN_CHANNEL_READ_OVERRUN && after == 4,
              "lapped by ten: an overrun, then the four newest elements", "%d then %u", lapped, after);
    muen_channel_writer_init(&writer, channel, 64 + 4 * 16, PROTOCOL, 16, 4);
    fill_element(element, 2000);
    muen_channel_write(&writer, element);
    tap_check(muen_channel_read(&reader, got) == MUEN_CHANNEL_READ_OK && memcmp(got, element, 16) == 0,
              "a new epoch is followed from its first element", "it was not");
}

static void put_header(uint64_t transport, uint64_t epoch, uint64_t protocol, uint64_t size, uint64_t elements,
                       uint64_t wsc, uint64_t wc)
{
    uint64_t words[8] = {transport, epoch, protocol, size, elements, 0, wsc, wc};
    memcpy(channel, words, sizeof words);
}

static void reader_hostile_writer(void)
{
    struct muen_channel_reader reader;
    uint8_t got[16];
    memset(channel, 0x5a, sizeof channel);
    muen_channel_reader_init(&reader, channel, 64 + 4 * 16, PROTOCOL, 16);
    put_header(MUEN_CHANNEL_TRANSPORT, 7, PROTOCOL, 16, 5, 1, 1);
    tap_check(muen_channel_read(&reader, got) == MUEN_CHANNEL_READ_INCOMPATIBLE && !muen_channel_has_data(&reader),
              "an element count past the region is refused", "accepted");
    put_header(MUEN_CHANNEL_TRANSPORT, 7, PROTOCOL, 32, 2, 1, 1);
    tap_check(muen_channel_read(&reader, got) == MUEN_CHANNEL_READ_INCOMPATIBLE, "another element size is refused",
              "accepted");
    put_header(MUEN_CHANNEL_TRANSPORT, 7, PROTOCOL + 1, 16, 4, 1, 1);
    bool protocol = muen_channel_read(&reader, got) == MUEN_CHANNEL_READ_INCOMPATIBLE;
    put_header(MUEN_CHANNEL_TRANSPORT + 1, 7, PROTOCOL, 16, 4, 1, 1);
    bool transport = muen_channel_read(&reader, got) == MUEN_CHANNEL_READ_INCOMPATIBLE;
    put_header(MUEN_CHANNEL_TRANSPORT, 7, PROTOCOL, 16, 0, 1, 1);
    tap_check(protocol && transport && muen_channel_read(&reader, got) == MUEN_CHANNEL_READ_INCOMPATIBLE,
              "another protocol, another transport and zero elements are refused", "accepted");

    /* A good header, then counters that jump about: every read stays inside the region (ASan would say). */
    put_header(MUEN_CHANNEL_TRANSPORT, 8, PROTOCOL, 16, 4, 0, 0);
    muen_channel_read(&reader, got);
    uint64_t state = 0x9e3779b97f4a7c15u;
    unsigned outcomes[4] = {0};
    for (int i = 0; i < 5000; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        uint64_t wc = i % 3 == 0 ? state : reader.rc + state % 9;
        put_header(MUEN_CHANNEL_TRANSPORT, 8, PROTOCOL, 16, 4, wc + (state >> 60), wc);
        outcomes[muen_channel_read(&reader, got)]++;
    }
    tap_check(outcomes[MUEN_CHANNEL_READ_OK] > 0 && outcomes[MUEN_CHANNEL_READ_OVERRUN] > 0 &&
                  outcomes[MUEN_CHANNEL_READ_INCOMPATIBLE] == 0,
              "5000 reads under counters gone wild: in bounds, overruns reported", "ok %u overrun %u", outcomes[0],
              outcomes[2]);
    put_header(MUEN_CHANNEL_TRANSPORT, 8, PROTOCOL, 16, 1000, reader.rc + 900, reader.rc + 900);
    enum muen_channel_read_result far = muen_channel_read(&reader, got);
    tap_check(far == MUEN_CHANNEL_READ_OVERRUN && reader.elements == 4,
              "an element count raised under the same epoch is not believed", "%d with %" PRIu64 " elements", far,
              reader.elements);
}

/* --- the time info page and the TSC arithmetic ------------------------------------------------------------- */

static void put_time_info(uint8_t *at, uint64_t base, uint64_t rate, int64_t timezone)
{
    put_le(at, base, 8);
    put_le(at + 8, rate, 8);
    put_le(at + 16, (uint64_t)timezone, 8);
}

static void time_info_checks(void)
{
    uint8_t info_page[4096] = {0};
    struct muen_time_info info;
    put_time_info(info_page, UINT64_C(1764720000000000), UINT64_C(2100000000), INT64_C(3600000000));
    tap_check(muen_time_info_read(info_page, sizeof info_page, &info) && info.tsc_tick_rate_hz == 2100000000 &&
                  info.timezone_microsecs == 3600000000 && info.tsc_time_base == UINT64_C(1764720000000000),
              "a published time info page", "refused");
    tap_check(!muen_time_info_read(info_page, 23, &info), "a page shorter than its three fields", "accepted");
    put_time_info(info_page, 0, UINT64_C(2100000000), 0);
    tap_check(!muen_time_info_read(info_page, sizeof info_page, &info), "an unpublished page (base 0)", "accepted");
    put_time_info(info_page, 1, MUEN_TSC_RATE_MIN - 1, 0);
    bool slow = muen_time_info_read(info_page, sizeof info_page, &info);
    put_time_info(info_page, 1, MUEN_TSC_RATE_MAX + 1, 0);
    bool fast = muen_time_info_read(info_page, sizeof info_page, &info);
    put_time_info(info_page, 1, MUEN_TSC_RATE_MIN, -MUEN_TIMEZONE_MAX_MICROSECS - 1);
    bool far = muen_time_info_read(info_page, sizeof info_page, &info);
    tap_check(!slow && !fast && !far, "rates outside 1 MHz to 100 GHz and timezones past a day", "accepted");

    tap_check(muen_ticks_to_nsecs(UINT64_C(1500000000), UINT64_C(1000000000)) == UINT64_C(1500000000) &&
                  muen_ticks_to_nsecs(UINT64_C(6000000000), UINT64_C(3000000000)) == UINT64_C(2000000000),
              "whole seconds convert exactly", "%" PRIu64, muen_ticks_to_nsecs(6000000000, 3000000000));
    uint64_t rate = UINT64_C(2999999999);
    tap_check(muen_ticks_to_nsecs(rate - 1, rate) < muen_ticks_to_nsecs(rate, rate),
              "never back at a second's boundary", "%" PRIu64 " then %" PRIu64, muen_ticks_to_nsecs(rate - 1, rate),
              muen_ticks_to_nsecs(rate, rate));
    tap_check(muen_ticks_to_nsecs(UINT64_MAX, MUEN_TSC_RATE_MIN) == UINT64_MAX, "saturates instead of wrapping",
              "wrapped");

    unsigned close = 0;
    uint64_t state = 88172645463325252u;
    for (int i = 0; i < 10000; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        uint64_t ticks = state >> 4;
        uint64_t rate_hz = MUEN_TSC_RATE_MIN + state % (MUEN_TSC_RATE_MAX - MUEN_TSC_RATE_MIN);
        unsigned __int128 exact = (unsigned __int128)ticks * 1000000000u / rate_hz;
        uint64_t got = muen_ticks_to_nsecs(ticks, rate_hz);
        unsigned __int128 diff = exact > got ? exact - got : got - exact;
        if (exact > UINT64_MAX ? got == UINT64_MAX : diff <= 1 + (rate_hz >> 32))
            close++;
    }
    tap_check(close == 10000, "10000 random conversions within rate/2^32 + 1 ns of the exact quotient", "%u", close);

    put_time_info(info_page, UINT64_C(1764720000000000), UINT64_C(2000000000), 0);
    muen_time_info_read(info_page, sizeof info_page, &info);
    tap_check(muen_time_wall_nsecs(&info, UINT64_C(4000000000)) == UINT64_C(1764720000000000000) + 2000000000u,
              "the wall clock is the base plus the TSC's time", "%" PRIu64,
              muen_time_wall_nsecs(&info, UINT64_C(4000000000)));
    info.tsc_time_base = UINT64_MAX / 1000;
    tap_check(muen_time_wall_nsecs(&info, UINT64_C(4000000000)) == UINT64_MAX, "the wall clock saturates", "wrapped");
}

int main(void)
{
    static const struct tap_group groups[] = {
        {"sinfo_honest", sinfo_honest, 12},
        {"sinfo_hostile_header", sinfo_hostile_header, 8},
        {"sinfo_hostile_names", sinfo_hostile_names, 5},
        {"sinfo_hostile_regions", sinfo_hostile_regions, 11},
        {"sinfo_hostile_kinds", sinfo_hostile_kinds, 9},
        {"sinfo_mutations", sinfo_mutations, 1},
        {"subject_checks", subject_checks, 7},
        {"channel_setup", channel_setup, 6},
        {"channel_wrap_around", channel_wrap_around, 7},
        {"channel_epochs", channel_epochs, 4},
        {"debuglog_messages", debuglog_messages, 5},
        {"reader_from_writer", reader_from_writer, 5},
        {"reader_hostile_writer", reader_hostile_writer, 5},
        {"time_info_checks", time_info_checks, 10},
    };
    return tap_run_groups("muen_test", groups, sizeof groups / sizeof groups[0]);
}
