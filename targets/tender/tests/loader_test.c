/* loader_test.c: replays images through the tenders' checked ELF loader without libFuzzer: for every file named on
 * the command line, one line per ABI (hvt, spt) saying what the loader made of it. loader_check() aborts where the
 * loader breaks a promise, so a fuzzer's crasher fails here too. Used by tests/tender_loader. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/tender/tests/loader_check.h"

/* Images in the corpus are a few KiB; the fuzzer writes inputs of at most 64 KiB. */
#define MAX_IMAGE_SIZE (16u << 20)

static int read_whole_file(const char *path, uint8_t **data, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "loader_test: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *buffer = malloc(MAX_IMAGE_SIZE);
    size_t got = buffer == NULL ? 0 : fread(buffer, 1, MAX_IMAGE_SIZE, file);
    int failed = buffer == NULL || ferror(file) || !feof(file);
    fclose(file);
    if (failed) {
        fprintf(stderr, "loader_test: cannot read %s whole (at most %u bytes)\n", path, MAX_IMAGE_SIZE);
        free(buffer);
        return -1;
    }
    *data = buffer;
    *size = got;
    return 0;
}

static void print_result(const char *path, const char *abi, const struct loader_check_result *result)
{
    if (!result->accepted) {
        printf("%s %s: refused: %s\n", path, abi, result->error);
        return;
    }
    const struct tender_image *image = &result->image;
    printf("%s %s: accepted: entry %#llx end %#llx segments", path, abi, (unsigned long long)image->entry,
           (unsigned long long)image->end);
    for (uint32_t i = 0; i < image->segment_count; i++) {
        const struct tender_segment *segment = &image->segments[i];
        printf(" %#llx+%#llx:%c%c%c", (unsigned long long)segment->address, (unsigned long long)segment->mem_size,
               segment->flags & PF_R ? 'r' : '-', segment->flags & PF_W ? 'w' : '-', segment->flags & PF_X ? 'x' : '-');
    }
    printf(" devices");
    for (uint32_t i = 0; i < image->manifest.count; i++) {
        const struct mirage_manifest_entry *entry = &image->manifest.entries[i];
        printf(" %s:%s", entry->name, entry->type == MIRAGE_DEVICE_NET ? "net" : "block");
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    static struct loader_check_result result;

    if (argc < 2) {
        fprintf(stderr, "usage: loader_test IMAGE...\n");
        return 2;
    }
    uint8_t *guest_memory = malloc(LOADER_CHECK_MEMORY_SIZE);
    if (guest_memory == NULL) {
        fprintf(stderr, "loader_test: out of memory for the guest memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        uint8_t *data;
        size_t size;
        if (read_whole_file(argv[i], &data, &size) != 0)
            return 1;
        loader_check(data, size, MIRAGE_ABI_HVT, guest_memory, &result);
        print_result(argv[i], "hvt", &result);
        loader_check(data, size, MIRAGE_ABI_SPT, guest_memory, &result);
        print_result(argv[i], "spt", &result);
        free(data);
    }
    free(guest_memory);
    return fflush(stdout) == 0 ? 0 : 1;
}
