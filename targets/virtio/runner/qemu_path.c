/* qemu_path.c: runner_find_qemu: where a QEMU program is, from $PATH or the usual directories; and which QEMU
 * program boots each board. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "targets/virtio/runner/runner.h"

const char *runner_qemu_name(enum runner_board board)
{
    return board == RUNNER_BOARD_VIRT_ARM64 ? "qemu-system-aarch64" : "qemu-system-x86_64";
}

const char *runner_qemu_package(enum runner_board board)
{
    return board == RUNNER_BOARD_VIRT_ARM64 ? "qemu-system-arm" : "qemu-system-x86";
}

bool runner_find_qemu(const char *qemu, char *found, size_t size)
{
    /* A Pants sandbox runs us with an empty $PATH. */
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path != '\0') {
        size_t length = strcspn(path, ":");
        if (length > 0 && length + strlen(qemu) + 2 <= size) {
            snprintf(found, size, "%.*s/%s", (int)length, path, qemu);
            if (access(found, X_OK) == 0)
                return true;
        }
        path += length;
        if (*path == ':')
            path++;
    }
    return false;
}
