/* program_path.c: tender_find_program: where a host program the tenders and runners start (QEMU, chroot) is. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "targets/tender/tender.h"

/* A Pants sandbox runs us with an empty $PATH. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

bool tender_find_program(const char *program, char *found, size_t size)
{
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0')
        path = DEFAULT_PATH;
    while (*path != '\0') {
        size_t length = strcspn(path, ":");
        if (length > 0 && length + strlen(program) + 2 <= size) {
            snprintf(found, size, "%.*s/%s", (int)length, path, program);
            if (access(found, X_OK) == 0)
                return true;
        }
        path += length;
        if (*path == ':')
            path++;
    }
    return false;
}
