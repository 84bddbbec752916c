/* run.c: runner_run: QEMU as a child with our standard streams, and its exit status turned into the guest's. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "targets/virtio/runner/runner.h"

/* The executable `program` in a directory of $PATH (or of the usual directories when $PATH is empty, as in a
 * Pants sandbox), in `found`; false when there is none. */
static bool find_on_path(const char *program, char *found, size_t size)
{
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
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

int runner_run(const struct qemu_command *command)
{
    char program[4096];
    if (!find_on_path(command->argv[0], program, sizeof program))
        tender_fail(TENDER_EXIT_ERROR, "%s is not on PATH: install QEMU (the Debian package qemu-system-x86)",
                    command->argv[0]);
    fflush(stdout);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot start %s: %s", command->argv[0], strerror(errno));
    if (child == 0) {
        /* QEMU must not outlive the runner: whoever stops the runner (a test, a supervisor) stops the guest. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(TENDER_EXIT_ERROR);
        execv(program, command->argv);
        fprintf(stderr, "runner: cannot run %s: %s\n", command->argv[0], strerror(errno));
        _exit(TENDER_EXIT_ERROR);
    }
    /* Ctrl-C reaches QEMU too (same process group); the runner stays to report how it ended. */
    signal(SIGINT, SIG_IGN);

    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            tender_fail(TENDER_EXIT_ERROR, "cannot wait for %s: %s", command->argv[0], strerror(errno));
    }
    if (WIFSIGNALED(status))
        tender_fail(TENDER_EXIT_ERROR, "%s was killed by signal %d (%s)", command->argv[0], WTERMSIG(status),
                    strsignal(WTERMSIG(status)));
    int code = WEXITSTATUS(status);
    if (code & 1)
        return code >> 1; /* isa-debug-exit: (guest code << 1) | 1 */
    if (code == 0)
        tender_fail(TENDER_EXIT_ERROR, "QEMU ended without the guest's exit code (a reset or triple fault, or the "
                                       "guest lacks the exit device)");
    tender_fail(TENDER_EXIT_ERROR, "QEMU failed with status %d (see its message above)", code);
}
