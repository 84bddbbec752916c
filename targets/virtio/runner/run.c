/* run.c: runner_run: QEMU as a child with our standard streams and the exit report pipe, and its end turned into
 * the guest's exit code. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "targets/virtio/runner/runner.h"

int runner_run(enum runner_board board, struct qemu_command *command)
{
    const char *qemu = runner_qemu_name(board);
    char program[4096];
    int report[2];

    if (!tender_find_program(qemu, program, sizeof program))
        tender_fail(TENDER_EXIT_ERROR, "%s is not on PATH: install QEMU (the Debian package %s)", qemu,
                    runner_qemu_package(board));
    /* Both ends close on exec; the child clears that on the write end alone, so QEMU inherits only it. */
    if (pipe2(report, O_CLOEXEC) != 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot make the exit report pipe: %s", strerror(errno));
    runner_add_exit_report(board, command, report[1]);

    fflush(stdout);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot start %s: %s", qemu, strerror(errno));
    if (child == 0) {
        /* QEMU must not outlive the runner: whoever stops the runner (a test, a supervisor) stops the guest. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(TENDER_EXIT_ERROR);
        if (fcntl(report[1], F_SETFD, 0) != 0) {
            fprintf(stderr, "runner: cannot pass the exit report pipe to %s: %s\n", qemu, strerror(errno));
            _exit(TENDER_EXIT_ERROR);
        }
        execv(program, command->argv);
        fprintf(stderr, "runner: cannot run %s: %s\n", qemu, strerror(errno));
        _exit(TENDER_EXIT_ERROR);
    }
    /* Only QEMU may hold the write end, so the pipe reaches end of file when QEMU exits. */
    if (close(report[1]) != 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot close the exit report pipe: %s", strerror(errno));
    /* Ctrl-C reaches QEMU too (same process group); the runner stays to report how it ended. */
    signal(SIGINT, SIG_IGN);

    static struct exit_report guest_report;
    int wait_status;
    runner_read_exit_report(report[0], child, &guest_report, &wait_status);
    return runner_exit_code(board, &guest_report, wait_status);
}
