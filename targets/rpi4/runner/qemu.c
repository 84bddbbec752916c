/* qemu.c: runner_find_qemu: a QEMU with -M raspi4b: the machine's own qemu-system-aarch64 when it lists the board
 * (QEMU >= 9, Debian 13), else the one in the cached Debian 13 root, run through chroot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "targets/rpi4/runner/runner.h"

/* Whether `qemu -M help` lists raspi4b. */
static bool lists_raspi4b(const char *qemu)
{
    char command[RUNNER_PATH_SIZE + 64];
    char line[256];
    bool listed = false;

    if (strchr(qemu, '\'') != NULL)
        return false;
    snprintf(command, sizeof command, "'%s' -M help 2>/dev/null", qemu);
    FILE *machines = popen(command, "r");
    if (machines == NULL)
        return false;
    while (fgets(line, sizeof line, machines) != NULL) {
        if (strncmp(line, "raspi4b ", 8) == 0)
            listed = true;
    }
    return pclose(machines) == 0 && listed;
}

const char *runner_find_qemu(struct qemu_raspi4b *found)
{
    static char problem[2 * RUNNER_PATH_SIZE];
    char stamp[RUNNER_PATH_SIZE + 32];

    found->root[0] = '\0';
    if (tender_find_program(RUNNER_QEMU, found->program, sizeof found->program) && lists_raspi4b(found->program))
        return NULL;

    const char *root = getenv(RUNNER_FIXTURE_VARIABLE);
    if (root == NULL || *root == '\0')
        root = RUNNER_FIXTURE_DEFAULT;
    if (strlen(root) >= sizeof found->root)
        return "$" RUNNER_FIXTURE_VARIABLE " is too long";
    snprintf(stamp, sizeof stamp, "%s/%s", root, RUNNER_FIXTURE_STAMP);
    if (access(stamp, F_OK) == 0 && tender_find_program("chroot", found->program, sizeof found->program)) {
        snprintf(found->root, sizeof found->root, "%s", root);
        return NULL;
    }
    snprintf(problem, sizeof problem,
             "no QEMU with -M raspi4b (QEMU >= 9): this machine's %s lacks it and there is no Debian 13 root at %s; "
             "make one (as root, about a minute) with build-support/probes/qemu_raspi4b.py --create",
             RUNNER_QEMU, root);
    return problem;
}
