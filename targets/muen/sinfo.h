/* sinfo.h: the Muen subject information page (sinfo), read as hostile input into a checked, private copy.
 *
 * Muen's toolchain (mugensinfo) writes one sinfo page per subject and maps it read-only at MUEN_SINFO_ADDRESS
 * (Muen's policy expander, Subject_Info_Virtual_Addr). Its layout is the one Muen's published subject info
 * interface gives for version 5 of the magic ("muinfo", 0, 5), the format of Muen commit 6a3f7fd932d on:
 *
 *   header, 80 bytes: magic u64 @0, tsc_khz u32 @8, subject name @12 (65 bytes), padding @77, resource_count u16
 *   @78; then up to 255 resources of 128 bytes from @80, each: kind u32 @0, name @4 (65 bytes), padding @69,
 *   data @72 (56 bytes) whose layout depends on the kind.
 *
 *   a name, 65 bytes: length u8, then 63 bytes of characters, then a terminating NUL byte.
 *   memory data: memory kind u8 @0, content kind u8 @1, flags u8 @2 (bit 0 writable, bit 1 executable), pattern
 *     u16 @3, address u64 @8, size u64 @16, SHA-256 of the content @24.
 *   event and vector data: the number, u8 @0.
 *   device data: sid u16 @0, vendor u16 @2, device u16 @4, class u16 @6, IRTE start u16 @8, IRQ start u8 @10,
 *     IR count u8 @11, flags u8 @12, reset method u8 @13.
 *   device memory data: sid u16 @0, flags u8 @2, BAR configuration @3 (13 bytes), address u64 @16, size u64 @24.
 *   device I/O port data: sid u16 @0, BAR index u8 @2, address u16 @4, size u16 @6.
 *
 * Nothing here trusts the page: counts are bounded by the page's size and by 255, every name must be 1 to 63
 * characters with no NUL inside and NULs after, every mapped region must be page-aligned, non-empty, inside the
 * 47-bit lower half of the address space and apart from every other, and names are unique per kind, so a look-up
 * by name has one answer. The parser reads each field of the page once. */
#ifndef MIRAGE_TARGETS_MUEN_SINFO_H
#define MIRAGE_TARGETS_MUEN_SINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MUEN_SINFO_ADDRESS UINT64_C(0xe00000000)
#define MUEN_SINFO_REGION_SIZE 0x8000u
#define MUEN_SINFO_MAGIC UINT64_C(0x05006f666e69756d)
#define MUEN_SINFO_HEADER_SIZE 80u
#define MUEN_SINFO_RESOURCE_SIZE 128u
#define MUEN_SINFO_MAX_RESOURCES 255u
#define MUEN_SINFO_NAME_MAX 63u
#define MUEN_PAGE_SIZE UINT64_C(0x1000)
/* The lower half of a 4-level paging address space: what a subject can map. */
#define MUEN_ADDRESS_SPACE_END (UINT64_C(1) << 47)
/* Muen's event numbers (the vmcall group) are 0 to 63. */
#define MUEN_EVENT_MAX 63u

#define MUEN_MEMORY_WRITABLE 0x1u
#define MUEN_MEMORY_EXECUTABLE 0x2u

enum muen_resource_kind {
    MUEN_RESOURCE_NONE = 0,
    MUEN_RESOURCE_MEMORY = 1,
    MUEN_RESOURCE_EVENT = 2,
    MUEN_RESOURCE_VECTOR = 3,
    MUEN_RESOURCE_DEVICE = 4,
    MUEN_RESOURCE_DEVICE_MEMORY = 5,
    MUEN_RESOURCE_DEVICE_PORT = 6,
};

/* The memory kinds of the published layout, in order; the parser refuses a kind past the last. */
enum muen_memory_kind {
    MUEN_MEMORY_SUBJECT = 0,
    MUEN_MEMORY_SUBJECT_INFO,
    MUEN_MEMORY_SUBJECT_BINARY,
    MUEN_MEMORY_SUBJECT_ZEROPAGE,
    MUEN_MEMORY_SUBJECT_INITRD,
    MUEN_MEMORY_SUBJECT_CHANNEL,
    MUEN_MEMORY_SUBJECT_STATE,
    MUEN_MEMORY_SUBJECT_TIMED_EVENT,
    MUEN_MEMORY_SUBJECT_INTERRUPTS,
    MUEN_MEMORY_SUBJECT_SCHEDULING_INFO,
    MUEN_MEMORY_SUBJECT_BIOS,
    MUEN_MEMORY_SUBJECT_ACPI_RSDP,
    MUEN_MEMORY_SUBJECT_ACPI_XSDT,
    MUEN_MEMORY_SUBJECT_ACPI_FADT,
    MUEN_MEMORY_SUBJECT_ACPI_DSDT,
    MUEN_MEMORY_SUBJECT_DEVICE,
    MUEN_MEMORY_SUBJECT_SOLO5_BOOT_INFO,
    MUEN_MEMORY_SUBJECT_CRASH_AUDIT,
    MUEN_MEMORY_SUBJECT_DEVICETREE,
    MUEN_MEMORY_KERNEL_INTERFACE,
    MUEN_MEMORY_KIND_COUNT,
};

/* What the parser says of a page: MUEN_SINFO_OK or the first fault it found. */
enum muen_sinfo_result {
    MUEN_SINFO_OK = 0,
    MUEN_SINFO_TOO_SMALL,      /* the page cannot hold the header or its count of resources */
    MUEN_SINFO_BAD_MAGIC,      /* not version 5 of the subject info */
    MUEN_SINFO_BAD_COUNT,      /* more than 255 resources */
    MUEN_SINFO_BAD_NAME,       /* a name empty, longer than 63, with a NUL inside or not NUL-terminated */
    MUEN_SINFO_BAD_KIND,       /* an unknown resource, memory or content kind, or unknown flags */
    MUEN_SINFO_BAD_REGION,     /* a region empty, unaligned, wrapping or outside the address space */
    MUEN_SINFO_OVERLAP,        /* two mapped regions share an address */
    MUEN_SINFO_DUPLICATE_NAME, /* two resources of one kind share a name */
    MUEN_SINFO_BAD_NUMBER,     /* an event number above 63 */
    MUEN_SINFO_BAD_PORT,       /* an I/O port range past port 65535 or empty */
};

struct muen_memory_region {
    char name[MUEN_SINFO_NAME_MAX + 1];
    uint64_t address;
    uint64_t size;
    uint8_t kind;    /* enum muen_memory_kind */
    uint8_t content; /* 0 uninitialised, 1 fill, 2 file */
    uint8_t flags;   /* MUEN_MEMORY_WRITABLE, MUEN_MEMORY_EXECUTABLE */
    bool device;     /* a device's MMIO region (a DEVMEM resource), not memory */
};

struct muen_numbered_resource {
    char name[MUEN_SINFO_NAME_MAX + 1];
    uint8_t number;
};

struct muen_device {
    char name[MUEN_SINFO_NAME_MAX + 1];
    uint16_t sid;
    uint16_t vendor_id;
    uint16_t device_id;
    uint8_t irq_start;
    uint8_t ir_count;
};

struct muen_port_range {
    char name[MUEN_SINFO_NAME_MAX + 1];
    uint16_t address;
    uint16_t size;
};

/* The checked copy of a page. Large (about 60 KiB): keep it static. */
struct muen_sinfo {
    char subject_name[MUEN_SINFO_NAME_MAX + 1];
    uint32_t tsc_khz;
    uint16_t region_count, event_count, vector_count, device_count, port_count;
    struct muen_memory_region regions[MUEN_SINFO_MAX_RESOURCES];
    struct muen_numbered_resource events[MUEN_SINFO_MAX_RESOURCES];
    struct muen_numbered_resource vectors[MUEN_SINFO_MAX_RESOURCES];
    struct muen_device devices[MUEN_SINFO_MAX_RESOURCES];
    struct muen_port_range ports[MUEN_SINFO_MAX_RESOURCES];
};

/* Check the `size` bytes at `page` and copy what they describe into `*out`. On a fault, `*resource` is the index of
 * the resource at fault (MUEN_SINFO_MAX_RESOURCES for the header) and `*out` must not be used. */
enum muen_sinfo_result muen_sinfo_parse(const uint8_t *page, size_t size, struct muen_sinfo *out, uint32_t *resource);

/* One line's worth of text for a result. */
const char *muen_sinfo_result_text(enum muen_sinfo_result result);

/* The memory or device memory region called `name`, or NULL. */
const struct muen_memory_region *muen_sinfo_region(const struct muen_sinfo *sinfo, const char *name);

/* The number of the event called `name` in `*number`, or false when there is none. */
bool muen_sinfo_event(const struct muen_sinfo *sinfo, const char *name, uint8_t *number);

#endif
