/* subject.h: what boot requires of the regions sinfo describes (W^X, the heap, the boot arguments), apart from the
 * boot itself so that host tests can feed it hostile pages. Each returns NULL when satisfied, else the problem. */
#ifndef MIRAGE_TARGETS_MUEN_SUBJECT_H
#define MIRAGE_TARGETS_MUEN_SUBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "targets/muen/sinfo.h"

/* No region writable and executable at once; `*region` names the first that is. */
const char *muen_subject_check_regions(const struct muen_sinfo *sinfo, const char **region);

/* The heap region (MUEN_NAME_HEAP): present, memory, writable, not executable. */
const char *muen_subject_heap(const struct muen_sinfo *sinfo, uint64_t *start, uint64_t *size);

/* The boot arguments: the NUL-terminated text at the start of the cmdline region (MUEN_NAME_CMDLINE), read once,
 * into `out` (`out_size` bytes, not 0); empty without that region; a problem when no NUL comes within `out_size`
 * bytes or the region. */
const char *muen_subject_cmdline(const struct muen_sinfo *sinfo, char *out, size_t out_size);

#endif
