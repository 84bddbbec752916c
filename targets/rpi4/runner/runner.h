/* runner.h: what the rpi4 runner's files tell each other: where QEMU's raspi4b is, the device tree it boots with,
 * and the run. Host code (hosted C11, Linux). */
#ifndef MIRAGE_TARGETS_RPI4_RUNNER_H
#define MIRAGE_TARGETS_RPI4_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "targets/tender/tender.h"

#define RUNNER_QEMU "qemu-system-aarch64"
#define RUNNER_PATH_SIZE 4096
#define RUNNER_MAX_QEMU_ARGS 32
/* The cached Debian 13 root with QEMU 10 (build-support/probes/qemu_raspi4b.py makes it), or $MIRAGE_QEMU_ROOT. */
#define RUNNER_FIXTURE_VARIABLE "MIRAGE_QEMU_ROOT"
#define RUNNER_FIXTURE_DEFAULT "/var/cache/mirage-pants/qemu-raspi4b-trixie"
#define RUNNER_FIXTURE_STAMP ".mirage-complete"
/* The board's last console line (targets/rpi4/bindings.h): "rpi4: exit NNN". */
#define RUNNER_EXIT_REPORT_PREFIX "rpi4: exit "

/* How to start a QEMU that has -M raspi4b: the machine's own, or the one chrooted in the cached root. */
struct qemu_raspi4b {
    char program[RUNNER_PATH_SIZE]; /* qemu-system-aarch64, or chroot */
    char root[RUNNER_PATH_SIZE];    /* the chroot's directory, or "" for the machine's own QEMU */
};

/* Find it; NULL, or why there is none (one line). */
const char *runner_find_qemu(struct qemu_raspi4b *found);

/* Write a device tree for QEMU to put the boot arguments in (/chosen/bootargs) and the memory size in (/memory)
 * into `path`. NULL, or why it could not. */
const char *runner_write_device_tree(const char *path);

/* Run `argv`, copying its output to ours except the board's exit report line, and return the guest's exit code
 * from that report, or TENDER_EXIT_ERROR (with a line saying why) when QEMU failed or the report is missing. With
 * `bind_from`, QEMU runs in a mount namespace of its own where that file is bind-mounted on `bind_to`. */
int runner_run(char *const argv[], const char *bind_from, const char *bind_to);

/* Whether `line` (without its newline) is an exit report; sets `*code`. Pure, for the runner's tests. */
bool runner_parse_exit_report(const char *line, size_t length, int *code);

#endif
