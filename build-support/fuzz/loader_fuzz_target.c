/* loader_fuzz_target.c: libFuzzer entry point for the tenders' ELF loader and manifest parser: each input is an
 * image, loaded by tender_check_and_load_elf into a fake guest memory as hvt and as spt would, with the answer's
 * promises checked by loader_check (targets/tender/tests/loader_check.c). */
#include <stdint.h>
#include <stdlib.h>

#include "targets/tender/tests/loader_check.h"

static uint8_t *guest_memory;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    guest_memory = malloc(LOADER_CHECK_MEMORY_SIZE);
    if (guest_memory == NULL)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct loader_check_result result;

    loader_check(data, size, MIRAGE_ABI_HVT, guest_memory, &result);
    loader_check(data, size, MIRAGE_ABI_SPT, guest_memory, &result);
    return 0;
}
