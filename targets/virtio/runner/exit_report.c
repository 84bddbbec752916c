/* exit_report.c: the guest's exit report (pvh_abi.h, virt_abi.h), read from QEMU's isa-debugcon or semihosting
 * console pipe while QEMU runs and then checked against QEMU's exit status. The guest is not trusted: it may write
 * nothing, too much, or garbage. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "targets/virtio/runner/runner.h"

/* How often to ask whether QEMU has exited while the pipe stays open: only when something QEMU started (smbd under
 * --allow-host-services) holds the pipe past QEMU's exit; normally QEMU's exit closes it and wakes the poll. */
#define REPORT_POLL_MS 100

static void keep(struct exit_report *report, const char *bytes, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (report->length < sizeof report->bytes)
            report->bytes[report->length] = bytes[i];
        if (report->length < UINT64_MAX)
            report->length++;
    }
}

/* Read what is there without waiting; false at end of file or when nothing is left. */
static bool read_some(int fd, struct exit_report *report)
{
    char buffer[4096];
    ssize_t count = read(fd, buffer, sizeof buffer);
    if (count > 0) {
        keep(report, buffer, (size_t)count);
        return true;
    }
    if (count < 0 && errno == EINTR)
        return true;
    return false;
}

static bool wait_child(pid_t child, int *wait_status, bool block)
{
    for (;;) {
        pid_t done = waitpid(child, wait_status, block ? 0 : WNOHANG);
        if (done == child)
            return true;
        if (done == 0)
            return false;
        if (errno != EINTR)
            tender_fail(TENDER_EXIT_ERROR, "cannot wait for QEMU: %s", strerror(errno));
    }
}

void runner_read_exit_report(int fd, pid_t child, struct exit_report *report, int *wait_status)
{
    memset(report, 0, sizeof *report);
    /* Non-blocking, so a read after poll never waits and the drain after QEMU's exit ends. */
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot set up the exit report pipe: %s", strerror(errno));

    bool exited = false;
    for (;;) {
        struct pollfd pipe_end = {.fd = fd, .events = POLLIN};
        int ready = poll(&pipe_end, 1, REPORT_POLL_MS);
        if (ready < 0 && errno != EINTR)
            tender_fail(TENDER_EXIT_ERROR, "cannot wait for the exit report: %s", strerror(errno));
        if (ready > 0) {
            /* POLLHUP with nothing left to read: every writer is gone, so QEMU has exited. */
            if (!read_some(fd, report) && (pipe_end.revents & (POLLHUP | POLLERR)) != 0)
                break;
            continue;
        }
        if (ready == 0 && wait_child(child, wait_status, false)) {
            exited = true;
            break;
        }
    }
    if (!exited)
        wait_child(child, wait_status, true);
    /* What QEMU wrote before it exited is in the pipe even if something else still holds it open. */
    while (read_some(fd, report)) {
    }
}

/* The code in a report that is exactly "exit NNN\n" with NNN from 000 to 255, else -1. */
static int parse_report(const struct exit_report *report)
{
    const size_t prefix = sizeof VIRTIO_EXIT_REPORT_PREFIX - 1;
    int code = 0;

    if (report->length != VIRTIO_EXIT_REPORT_SIZE || memcmp(report->bytes, VIRTIO_EXIT_REPORT_PREFIX, prefix) != 0 ||
        report->bytes[VIRTIO_EXIT_REPORT_SIZE - 1] != '\n')
        return -1;
    for (size_t i = prefix; i < VIRTIO_EXIT_REPORT_SIZE - 1; i++) {
        if (report->bytes[i] < '0' || report->bytes[i] > '9')
            return -1;
        code = code * 10 + (report->bytes[i] - '0');
    }
    return code <= VIRTIO_EXIT_CODE_MAX ? code : -1;
}

/* QEMU's exit status when the guest writes `code` to isa-debug-exit: (code << 1) | 1, of which exit() keeps 8 bits. */
static int debug_exit_status(uint32_t code)
{
    return (int)(((code << 1) | 1u) & 0xffu);
}

_Static_assert(VIRTIO_EXIT_REPORT_SIZE == VIRT_EXIT_REPORT_SIZE, "both boards report \"exit NNN\\n\"");

/* virt_arm64 (virt_abi.h): the report arrives on the semihosting console, and SYS_EXIT ends QEMU with the code. */
static int virt_arm64_exit_code(const struct exit_report *report, int status)
{
    if (report->length > 0) {
        int code = parse_report(report);
        if (code < 0)
            tender_fail(TENDER_EXIT_ABORT,
                        "the guest broke the exit protocol: it wrote %llu bytes on the semihosting console, not one "
                        "\"exit NNN\" line (QEMU exited with status %d)",
                        (unsigned long long)report->length, status);
        if (status != code)
            tender_fail(TENDER_EXIT_ABORT,
                        "the guest reported exit code %d but QEMU exited with status %d: it did not end through "
                        "semihosting SYS_EXIT",
                        code, status);
        return code;
    }
    if (status == 0)
        tender_fail(TENDER_EXIT_ERROR, "QEMU ended without the guest's exit code (it powered off through PSCI: "
                                       "semihosting was off, or the guest lacks the exit path)");
    tender_fail(TENDER_EXIT_ERROR,
                "QEMU exited with status %d and the guest reported no exit code (QEMU failed, its message is above, "
                "or the guest ended it without its exit path)",
                status);
}

int runner_exit_code(enum runner_board board, const struct exit_report *report, int wait_status)
{
    if (WIFSIGNALED(wait_status))
        tender_fail(TENDER_EXIT_ERROR, "%s was killed by signal %d (%s)", runner_qemu_name(board),
                    WTERMSIG(wait_status), strsignal(WTERMSIG(wait_status)));
    int status = WEXITSTATUS(wait_status);
    if (board == RUNNER_BOARD_VIRT_ARM64)
        return virt_arm64_exit_code(report, status);

    if (report->length > 0) {
        int code = parse_report(report);
        if (code < 0)
            tender_fail(TENDER_EXIT_ABORT,
                        "the guest broke the exit protocol: it wrote %llu bytes on port 0x%x, not "
                        "one \"exit NNN\" line (QEMU exited with status %d)",
                        (unsigned long long)report->length, VIRTIO_EXIT_REPORT_PORT, status);
        if (status != debug_exit_status((uint32_t)code))
            tender_fail(TENDER_EXIT_ABORT,
                        "the guest reported exit code %d but QEMU exited with status %d, not "
                        "(%d << 1) | 1 = %d: it did not end through isa-debug-exit",
                        code, status, code, debug_exit_status((uint32_t)code));
        return code;
    }
    if (status == 0)
        tender_fail(TENDER_EXIT_ERROR, "QEMU ended without the guest's exit code (a reset or triple fault, or the "
                                       "guest lacks the exit device)");
    if (status == debug_exit_status(VIRTIO_EXIT_NO_START_INFO))
        tender_fail(TENDER_EXIT_ERROR, "the guest stopped at boot: QEMU gave it no PVH start info");
    if (status == debug_exit_status(VIRTIO_EXIT_NO_LONG_MODE))
        tender_fail(TENDER_EXIT_ERROR, "the guest stopped at boot: this CPU (--accel, -cpu) has no long mode");
    if (status == 1)
        tender_fail(TENDER_EXIT_ERROR, "QEMU failed (exit status 1, its message is above) before the guest reported "
                                       "an exit code");
    tender_fail(TENDER_EXIT_ERROR,
                "QEMU exited with status %d and the guest reported no exit code (QEMU failed, or "
                "the guest ended it without its exit path)",
                status);
}
