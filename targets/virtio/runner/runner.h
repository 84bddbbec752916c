/* runner.h: what the virtio runner's files tell each other: its options, the board the image is for, the QEMU
 * command it builds, the probes and the run. Host code (hosted C11, Linux).
 *
 * One runner boots both ABIs whose devices are virtio-mmio transports: virtio (x86_64, QEMU microvm or pc) and
 * virt_arm64 (aarch64, QEMU virt); the image's ELF machine says which (runner_check_image). */
#ifndef MIRAGE_TARGETS_VIRTIO_RUNNER_H
#define MIRAGE_TARGETS_VIRTIO_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "targets/tender/tender.h"
#include "targets/virt_arm64/virt_abi.h"
#include "targets/virtio/pvh_abi.h"

#define RUNNER_MAX_QEMU_ARGS 128

enum runner_machine { RUNNER_MICROVM, RUNNER_PC };
enum runner_accel { RUNNER_ACCEL_AUTO, RUNNER_ACCEL_KVM, RUNNER_ACCEL_TCG };
/* The ABI of the image, and so the QEMU that boots it: set by runner_check_image. */
enum runner_board { RUNNER_BOARD_X86_64, RUNNER_BOARD_VIRT_ARM64 };

/* The QEMU program for `board`, and the Debian package that has it. */
const char *runner_qemu_name(enum runner_board board);
const char *runner_qemu_package(enum runner_board board);

struct runner_options {
    enum runner_board board;
    enum runner_machine machine;
    enum runner_accel accel;
    bool print_command;
    bool allow_host_services;  /* --allow-host-services: user networking may expose host files and run commands */
    struct tender_args tender; /* --mem, --net, --block, the image and the escaped boot arguments */
};

/* Parse `runner [--machine=..] [--accel=..] [--print-command] [tender options] IMAGE [BOOT ARGS]`; on a bad argument
 * prints one line and exits TENDER_EXIT_ERROR. */
void runner_parse_args(int argc, char **argv, struct runner_options *out);

/* Read the image's ELF machine to pick `options->board`, then its notes (refusing images for another ABI, like a
 * tender), and check that every manifest device has an argument and every argument a manifest device. Fills
 * `*manifest`. */
void runner_check_image(struct runner_options *options, struct mirage_manifest_desc *manifest);

/* NULL when KVM can create a VM here, else why not. */
const char *runner_kvm_problem(void);

/* Check the host resources QEMU will open, as a tender does before it runs a guest: every block file opens
 * read-write and is a nonzero multiple of 512 bytes, every tap interface exists and attaches; and refuse user
 * networking options that expose host files or commands unless `options->allow_host_services`. On a problem prints
 * one line naming the device, the option and the fix, and exits TENDER_EXIT_ERROR. */
void runner_check_host_resources(const struct runner_options *options, const struct mirage_manifest_desc *manifest);

/* Refuse (one line, TENDER_EXIT_ERROR) user networking OPTIONS for net device `device` that QEMU would read as
 * another netdev's id or type, and unless `allow_host_services`, those that serve host files or run host commands. */
void runner_check_user_net(const char *device, const char *options, bool allow_host_services);

/* The -sandbox argument for this QEMU (seccomp; spawn allowed only with `allow_spawn`) in `out`, or NULL with why
 * this QEMU or kernel cannot have it in `*why`. Reads whether QEMU links libseccomp, or where
 * its executable cannot tell, runs `qemu -sandbox ... -version` once. */
const char *runner_sandbox_argument(const char *qemu, bool allow_spawn, char *out, size_t size, const char **why);

struct qemu_command {
    char *argv[RUNNER_MAX_QEMU_ARGS + 1]; /* NULL-terminated; the strings are allocated and never freed */
    int argc;
};

/* The QEMU command line for the image, its boot arguments and its devices in manifest order (pvh_abi.h), under
 * `sandbox` (a -sandbox argument, or NULL). Without the exit report channel: runner_run adds it. */
void runner_build_command(const struct runner_options *options, bool use_kvm, const char *sandbox,
                          const struct mirage_manifest_desc *manifest, struct qemu_command *out);

/* Add the exit report channel, written to the pipe end `fd` QEMU inherits: on x86_64 the isa-debugcon port
 * (pvh_abi.h), on virt_arm64 the semihosting console (virt_abi.h). */
void runner_add_exit_report(enum runner_board board, struct qemu_command *command, int fd);

/* Print the command as one shell line, with a shell comment saying what a run by the runner adds and, when
 * `sandbox_problem` is not NULL, why -sandbox is left out. */
void runner_print_command(enum runner_board board, const struct qemu_command *command, const char *sandbox_problem);

/* What the guest wrote on the exit report channel: its first bytes and how many there were in all. */
struct exit_report {
    char bytes[VIRTIO_EXIT_REPORT_SIZE];
    uint64_t length; /* all bytes received; only the first VIRTIO_EXIT_REPORT_SIZE are kept */
};

/* Read the report pipe `fd` until QEMU `child` has exited and the pipe is drained, keeping a bounded prefix; fills
 * `*report` and QEMU's wait status. */
void runner_read_exit_report(int fd, pid_t child, struct exit_report *report, int *wait_status);

/* The exit code for a QEMU that ended with `wait_status` after the guest wrote `report`: the guest's code when
 * exactly one well-formed report agrees with QEMU's status; else prints one line saying what QEMU or the guest did
 * and returns TENDER_EXIT_ERROR (QEMU failed, or the guest never reported) or TENDER_EXIT_ABORT (the guest broke the
 * exit protocol). */
int runner_exit_code(enum runner_board board, const struct exit_report *report, int wait_status);

/* Run QEMU, with the exit report channel, our stdin, stdout and stderr; return runner_exit_code's answer. */
int runner_run(enum runner_board board, struct qemu_command *command);

#endif
