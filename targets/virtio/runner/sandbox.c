/* sandbox.c: runner_sandbox_argument: QEMU's -sandbox (a seccomp filter QEMU installs on itself) where this QEMU
 * and kernel have it. Probed on every run, because QEMU can be upgraded or rebuilt between runs. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "targets/virtio/runner/runner.h"

extern char **environ;

/* Whether `qemu -sandbox ARGUMENT -version` exits 0: QEMU parses -sandbox, and refuses it when built without
 * seccomp or when it does not know one of the options, before it reaches -version. About 10 ms. */
static bool qemu_accepts(const char *qemu, const char *argument)
{
    posix_spawn_file_actions_t actions;
    char *const argv[] = {(char *)qemu, "-sandbox", (char *)argument, "-version", NULL};
    pid_t child;
    int status;

    if (posix_spawn_file_actions_init(&actions) != 0)
        return false;
    bool ready = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) == 0 &&
                 posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) == 0 &&
                 posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) == 0;
    int spawned = ready ? posix_spawn(&child, qemu, &actions, NULL, argv, environ) : -1;
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        return false;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            return false;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

const char *runner_sandbox_argument(bool allow_spawn, char *out, size_t size, const char **why)
{
    char qemu[4096];

    /* EINVAL: the kernel has no seccomp, and QEMU would fail to install its filter at start. */
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
        *why = "this kernel has no seccomp";
        return NULL;
    }
    if (!runner_find_qemu(qemu, sizeof qemu)) {
        *why = RUNNER_QEMU " is not on PATH";
        return NULL;
    }
    /* spawn=deny stops QEMU from forking or running programs; smb= and guestfwd=cmd: need both. */
    int length = snprintf(out, size, "on,obsolete=deny,elevateprivileges=deny,spawn=%s,resourcecontrol=deny",
                          allow_spawn ? "allow" : "deny");
    if (length < 0 || (size_t)length >= size) {
        *why = "the -sandbox argument does not fit its buffer";
        return NULL;
    }
    if (!qemu_accepts(qemu, out)) {
        *why = "this QEMU refuses -sandbox (built without seccomp, or older than its options)";
        return NULL;
    }
    *why = NULL;
    return out;
}
