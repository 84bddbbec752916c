/* manifest.h: the checks of the manifest format (lib/platform/image_notes.h) that guests and hosts share: valid
 * names, and a whole manifest as a note describes it. Header-only, so every program that reads images (tenders,
 * the runner, the loader fuzzer) applies the same rules by including it. */
#ifndef MIRAGE_PLATFORM_MANIFEST_H
#define MIRAGE_PLATFORM_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/platform/image_notes.h"

/* Whether `name` (of `len` bytes, no NUL needed) is a valid manifest name: 1 to 63 characters of [a-z0-9_]. */
static inline bool mirage_device_name_valid(const char *name, size_t len)
{
    if (len == 0 || len >= MIRAGE_MANIFEST_NAME_SIZE)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* What can be wrong with a manifest, for mirage_manifest_check. */
enum mirage_manifest_fault {
    MIRAGE_MANIFEST_VALID = 0,
    MIRAGE_MANIFEST_BAD_VERSION, /* not MIRAGE_MANIFEST_VERSION */
    MIRAGE_MANIFEST_TOO_MANY,    /* count above MIRAGE_MANIFEST_MAX_DEVICES */
    MIRAGE_MANIFEST_TRUNCATED,   /* the description is shorter than its count of entries */
    MIRAGE_MANIFEST_BAD_NAME,    /* an entry's name is empty, unterminated or outside [a-z0-9_] */
    MIRAGE_MANIFEST_BAD_TYPE,    /* an entry is neither a net nor a block device */
    MIRAGE_MANIFEST_NAME_TWICE,  /* two entries have the same name */
};

/* Check a manifest whose description (the note's) has `desc_size` bytes: its version, count and size, and every
 * entry's name and type, no name twice. Sets `*entry` to the index of the entry at fault (for the entry faults). */
static inline enum mirage_manifest_fault mirage_manifest_check(const struct mirage_manifest_desc *manifest,
                                                               uint64_t desc_size, uint32_t *entry)
{
    if (desc_size < offsetof(struct mirage_manifest_desc, entries))
        return MIRAGE_MANIFEST_TRUNCATED;
    if (manifest->version != MIRAGE_MANIFEST_VERSION)
        return MIRAGE_MANIFEST_BAD_VERSION;
    if (manifest->count > MIRAGE_MANIFEST_MAX_DEVICES)
        return MIRAGE_MANIFEST_TOO_MANY;
    if (desc_size - offsetof(struct mirage_manifest_desc, entries) <
        (uint64_t)manifest->count * sizeof(struct mirage_manifest_entry))
        return MIRAGE_MANIFEST_TRUNCATED;
    for (uint32_t i = 0; i < manifest->count; i++) {
        const struct mirage_manifest_entry *checked = &manifest->entries[i];
        const char *end = memchr(checked->name, '\0', sizeof checked->name);
        *entry = i;
        if (end == NULL || !mirage_device_name_valid(checked->name, (size_t)(end - checked->name)))
            return MIRAGE_MANIFEST_BAD_NAME;
        if (checked->type != MIRAGE_DEVICE_NET && checked->type != MIRAGE_DEVICE_BLOCK)
            return MIRAGE_MANIFEST_BAD_TYPE;
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(manifest->entries[j].name, checked->name) == 0)
                return MIRAGE_MANIFEST_NAME_TWICE;
        }
    }
    return MIRAGE_MANIFEST_VALID;
}

#endif
