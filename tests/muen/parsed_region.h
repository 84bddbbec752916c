/* parsed_region.h: a memory region added to a parsed subject info directly, as muen_sinfo_parse would have put it
 * there, for the host tests (muen_test.c, net_test.c) of what consumes the parser's result. */
#ifndef MIRAGE_TESTS_MUEN_PARSED_REGION_H
#define MIRAGE_TESTS_MUEN_PARSED_REGION_H

#include <stdint.h>
#include <stdio.h>

#include "targets/muen/sinfo.h"

/* Append a region of `kind` and `flags` at `address` (host memory the test owns) to `sinfo`; the test keeps the
 * count below MUEN_SINFO_MAX_RESOURCES. */
static inline void parsed_region_add(struct muen_sinfo *sinfo, const char *name, void *address, uint64_t size,
                                     uint8_t kind, uint8_t flags)
{
    struct muen_memory_region *region = &sinfo->regions[sinfo->region_count++];
    snprintf(region->name, sizeof region->name, "%s", name);
    region->address = (uint64_t)(uintptr_t)address;
    region->size = size;
    region->kind = kind;
    region->flags = flags;
}

#endif
