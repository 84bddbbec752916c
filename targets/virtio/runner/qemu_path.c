/* qemu_path.c: runner_find_qemu: where qemu-system-x86_64 is, from $PATH or the usual directories. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "targets/virtio/runner/runner.h"

bool runner_find_qemu(char *found, size_t size)
{
    /* A Pants sandbox runs us with an empty $PATH. */
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path != '\0') {
        size_t length = strcspn(path, ":");
        if (length > 0 && length + strlen(RUNNER_QEMU) + 2 <= size) {
            snprintf(found, size, "%.*s/%s", (int)length, path, RUNNER_QEMU);
            if (access(found, X_OK) == 0)
                return true;
        }
        path += length;
        if (*path == ':')
            path++;
    }
    return false;
}
