/* loader_check.h: one image through the tenders' checked ELF loader as hvt or spt would load it, with the promises
 * the tenders rely on afterwards checked; shared by the fuzzer (build-support/fuzz/loader_fuzz_target.c) and the
 * corpus replay (loader_test.c). */
#ifndef MIRAGE_TARGETS_TENDER_TESTS_LOADER_CHECK_H
#define MIRAGE_TARGETS_TENDER_TESTS_LOADER_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "targets/tender/tender.h"

/* Small, so that an image can fill it: the segment checks meet both ends of guest memory. */
#define LOADER_CHECK_MEMORY_SIZE (4u << 20)

struct loader_check_result {
    int accepted;
    struct tender_image image;     /* when accepted */
    char error[TENDER_ERROR_SIZE]; /* when refused */
};

/* Load `data` for `abi` (MIRAGE_ABI_HVT or MIRAGE_ABI_SPT, at its load address and ABI version) into
 * `guest_memory` (LOADER_CHECK_MEMORY_SIZE bytes). Calls abort() if the loader reads outside the image, accepts
 * an image that breaks a promise (segments inside guest memory, W^X, an executable entry, a sane manifest), or
 * refuses one without a one-line reason. */
void loader_check(const uint8_t *data, size_t size, uint32_t abi, uint8_t *guest_memory,
                  struct loader_check_result *out);

#endif
