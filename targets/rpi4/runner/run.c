/* run.c: runner_run: QEMU as a child whose console (its stdout) passes through the runner line by line, less the
 * board's exit report, which becomes the runner's exit code. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "targets/rpi4/runner/runner.h"

#define LINE_MAX_BYTES 4096

bool runner_parse_exit_report(const char *line, size_t length, int *code)
{
    size_t prefix = strlen(RUNNER_EXIT_REPORT_PREFIX);
    if (length != prefix + 3 || memcmp(line, RUNNER_EXIT_REPORT_PREFIX, prefix) != 0)
        return false;
    int value = 0;
    for (size_t i = prefix; i < length; i++) {
        if (line[i] < '0' || line[i] > '9')
            return false;
        value = value * 10 + (line[i] - '0');
    }
    if (value > 255)
        return false;
    *code = value;
    return true;
}

/* Pass `line` on unless it is the exit report. A line too long for the buffer goes out in pieces. */
static void forward(const char *line, size_t length, bool complete, int *code, bool *reported)
{
    if (complete && runner_parse_exit_report(line, length, code)) {
        *reported = true;
        return;
    }
    fwrite(line, 1, length, stdout);
    if (complete)
        putchar('\n');
    fflush(stdout);
}

int runner_run(char *const argv[], const char *bind_from, const char *bind_to)
{
    int console[2];
    if (pipe(console) != 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot make the console pipe: %s", strerror(errno));
    fflush(stdout);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot start %s: %s", argv[0], strerror(errno));
    if (child == 0) {
        /* QEMU must not outlive the runner: whoever stops the runner (a test, a supervisor) stops the board. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(TENDER_EXIT_ERROR);
        if (dup2(console[1], STDOUT_FILENO) < 0)
            _exit(TENDER_EXIT_ERROR);
        /* A private mount namespace: the bind mount ends with QEMU and never shows on the host. */
        if (bind_from != NULL && (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
                                  mount(bind_from, bind_to, NULL, MS_BIND, NULL) != 0)) {
            fprintf(stderr, "runner: cannot bind-mount %s into QEMU's root: %s\n", bind_from, strerror(errno));
            _exit(TENDER_EXIT_ERROR);
        }
        close(console[0]);
        close(console[1]);
        execv(argv[0], argv);
        fprintf(stderr, "runner: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(TENDER_EXIT_ERROR);
    }
    close(console[1]);
    /* Ctrl-C reaches QEMU too (same process group); the runner stays to report how it ended. */
    signal(SIGINT, SIG_IGN);

    static char line[LINE_MAX_BYTES];
    size_t used = 0;
    int code = 0;
    bool reported = false;
    for (;;) {
        char chunk[512];
        ssize_t got = read(console[0], chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        for (ssize_t i = 0; i < got; i++) {
            if (chunk[i] == '\n') {
                forward(line, used, true, &code, &reported);
                used = 0;
            } else if (chunk[i] != '\r') {
                if (used == sizeof line) {
                    forward(line, used, false, &code, &reported);
                    used = 0;
                }
                line[used++] = chunk[i];
            }
        }
    }
    if (used > 0)
        forward(line, used, false, &code, &reported);
    close(console[0]);

    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            tender_fail(TENDER_EXIT_ERROR, "cannot wait for QEMU: %s", strerror(errno));
    }
    if (reported)
        return code;
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        fprintf(stderr, "runner: QEMU failed (exit %d) before the board's exit report\n", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        fprintf(stderr, "runner: QEMU was killed by signal %d before the board's exit report\n", WTERMSIG(status));
    else
        fprintf(stderr, "runner: the board ended without an exit report (\"%sNNN\")\n", RUNNER_EXIT_REPORT_PREFIX);
    return TENDER_EXIT_ERROR;
}
