/* elf_file.c: tender_load_elf: opens the image file and runs the checked loader (elf_load.c) over it, turning a
 * refusal into the tender's one-line error and exit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets/tender/tender.h"

/* The source's read over an open file: pread until all bytes came, retrying interrupted reads. */
static int read_image_file(void *context, void *buffer, uint64_t len, uint64_t offset, const char *what, char *error)
{
    const int fd = *(const int *)context;
    uint8_t *cursor = buffer;

    while (len > 0) {
        ssize_t got = pread(fd, cursor, len, (off_t)offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(error, TENDER_ERROR_SIZE, "cannot read %s: %s", what, strerror(errno));
            return -1;
        }
        if (got == 0) {
            snprintf(error, TENDER_ERROR_SIZE, "%s ends early: the file shrank while loading", what);
            return -1;
        }
        cursor += got;
        offset += (uint64_t)got;
        len -= (uint64_t)got;
    }
    return 0;
}

void tender_load_elf(const char *path, uint8_t *guest_base, uint64_t min_address, uint64_t mem_size, uint32_t want_abi,
                     uint32_t want_version, struct tender_image *out)
{
    char error[TENDER_ERROR_SIZE];
    struct stat status;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        tender_fail(TENDER_EXIT_ERROR, "%s: cannot open the image: %s", path, strerror(errno));
    if (fstat(fd, &status) != 0)
        tender_fail(TENDER_EXIT_ERROR, "%s: cannot stat the image: %s", path, strerror(errno));
    if (!S_ISREG(status.st_mode))
        tender_fail(TENDER_EXIT_ERROR, "%s: not a regular file", path);

    const struct tender_image_source source = {
        .size = (uint64_t)status.st_size, .read = read_image_file, .context = &fd};
    if (tender_check_and_load_elf(&source, guest_base, min_address, mem_size, want_abi, want_version, out, error) != 0)
        tender_fail(TENDER_EXIT_ERROR, "%s: %s", path, error);
    close(fd);
}
