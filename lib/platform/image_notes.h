/* image_notes.h: the ELF notes that make an image self-describing: which ABI it was built for, and its manifest
 * of network and block devices. Written by guest code (startup objects, generated main.c), read by tenders. */
#ifndef MIRAGE_PLATFORM_IMAGE_NOTES_H
#define MIRAGE_PLATFORM_IMAGE_NOTES_H

#include <stdint.h>

/* Every note has the owner name "MIRAGE" (7 bytes with its NUL, padded to 8). */
#define MIRAGE_NOTE_NAME "MIRAGE"
#define MIRAGE_NOTE_NAME_SIZE 7
#define MIRAGE_NOTE_TYPE_ABI 0x4d490001u
#define MIRAGE_NOTE_TYPE_MANIFEST 0x4d490002u

enum mirage_abi_id {
    MIRAGE_ABI_HVT = 1,
    MIRAGE_ABI_SPT = 2,
    MIRAGE_ABI_VIRTIO = 3,
    MIRAGE_ABI_VIRT_ARM64 = 4,
    MIRAGE_ABI_XEN = 5,
    MIRAGE_ABI_MUEN = 6, /* a Muen subject: no host program reads the note, the subject spec writer checks it */
    MIRAGE_ABI_RPI4 = 7,
};

struct mirage_abi_note_desc {
    uint32_t abi;     /* enum mirage_abi_id */
    uint32_t version; /* the ABI's own interface version (HVT_ABI_VERSION, SPT_ABI_VERSION) */
};

#define MIRAGE_MANIFEST_VERSION 1
#define MIRAGE_MANIFEST_MAX_DEVICES 16
#define MIRAGE_MANIFEST_NAME_SIZE 64 /* including the NUL */

enum mirage_device_type {
    MIRAGE_DEVICE_NET = 1,
    MIRAGE_DEVICE_BLOCK = 2,
};

struct mirage_manifest_entry {
    char name[MIRAGE_MANIFEST_NAME_SIZE]; /* NUL-terminated, [a-z0-9_] */
    uint32_t type;                        /* enum mirage_device_type */
    uint32_t reserved;                    /* zero */
};

struct mirage_manifest_desc {
    uint32_t version; /* MIRAGE_MANIFEST_VERSION */
    uint32_t count;   /* entries used, at most MIRAGE_MANIFEST_MAX_DEVICES */
    struct mirage_manifest_entry entries[MIRAGE_MANIFEST_MAX_DEVICES];
};

/* The in-memory layout of a note: header, owner name padded to 4 bytes, then the description. */
struct mirage_note_header {
    uint32_t name_size;
    uint32_t desc_size;
    uint32_t type;
    char name[8];
};

/* An image's ABI note as it lies in memory. */
struct mirage_abi_note {
    struct mirage_note_header header;
    struct mirage_abi_note_desc desc;
};

/* Define the image's ABI note; each ABI's startup code uses it once. The assembler gives sections named .note*
 * the SHT_NOTE type; the ABI's linker script keeps the section in the image's PT_NOTE. */
#define MIRAGE_ABI_NOTE(abi_id, abi_version)                                                                           \
    __attribute__((section(".note.mirage.abi"), aligned(4),                                                            \
                   used)) static const struct mirage_abi_note mirage_abi_note = {                                      \
        .header = {MIRAGE_NOTE_NAME_SIZE, sizeof(struct mirage_abi_note_desc), MIRAGE_NOTE_TYPE_ABI,                   \
                   MIRAGE_NOTE_NAME},                                                                                  \
        .desc = {(abi_id), (abi_version)},                                                                             \
    }

#endif
