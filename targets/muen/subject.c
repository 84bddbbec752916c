/* subject.c: the checks boot makes of the regions the subject info page describes (subject.h). */
#include "targets/muen/subject.h"

#include "targets/muen/muen_abi.h"

const char *muen_subject_check_regions(const struct muen_sinfo *sinfo, const char **region)
{
    const uint8_t both = MUEN_MEMORY_WRITABLE | MUEN_MEMORY_EXECUTABLE;
    for (uint16_t i = 0; i < sinfo->region_count; i++) {
        if ((sinfo->regions[i].flags & both) == both) {
            *region = sinfo->regions[i].name;
            return "a region is mapped writable and executable: ";
        }
    }
    return NULL;
}

const char *muen_subject_heap(const struct muen_sinfo *sinfo, uint64_t *start, uint64_t *size)
{
    const struct muen_memory_region *heap = muen_sinfo_region(sinfo, MUEN_NAME_HEAP);
    if (heap == NULL || heap->device)
        return "no memory region named " MUEN_NAME_HEAP " in the subject info";
    if ((heap->flags & MUEN_MEMORY_WRITABLE) == 0 || (heap->flags & MUEN_MEMORY_EXECUTABLE) != 0)
        return "the " MUEN_NAME_HEAP " region must be writable and not executable";
    *start = heap->address;
    *size = heap->size;
    return NULL;
}

const char *muen_subject_cmdline(const struct muen_sinfo *sinfo, char *out, size_t out_size)
{
    const struct muen_memory_region *region = muen_sinfo_region(sinfo, MUEN_NAME_CMDLINE);
    out[0] = '\0';
    if (region == NULL || region->device)
        return NULL;
    /* The integrator's bytes, which the system could change under us: each read once, into our copy. */
    const volatile char *text = (const volatile char *)(uintptr_t)region->address;
    uint64_t limit = region->size < out_size ? region->size : out_size;
    for (uint64_t i = 0; i < limit; i++) {
        out[i] = text[i];
        if (out[i] == '\0')
            return NULL;
    }
    out[0] = '\0';
    return "the boot arguments in region " MUEN_NAME_CMDLINE " have no NUL within the region or 8192 bytes";
}
