/* runner.h: what the virtio runner's files tell each other: its options, the QEMU command it builds, the probes
 * and the run. Host code (hosted C11, Linux). */
#ifndef MIRAGE_TARGETS_VIRTIO_RUNNER_H
#define MIRAGE_TARGETS_VIRTIO_RUNNER_H

#include <stdbool.h>

#include "targets/tender/tender.h"

#define RUNNER_QEMU "qemu-system-x86_64"
#define RUNNER_MAX_QEMU_ARGS 128

enum runner_machine { RUNNER_MICROVM, RUNNER_PC };
enum runner_accel { RUNNER_ACCEL_AUTO, RUNNER_ACCEL_KVM, RUNNER_ACCEL_TCG };

struct runner_options {
    enum runner_machine machine;
    enum runner_accel accel;
    bool print_command;
    struct tender_args tender; /* --mem, --net, --block, the image and the escaped boot arguments */
};

/* Parse `runner [--machine=..] [--accel=..] [--print-command] [tender options] IMAGE [BOOT ARGS]`; on a bad argument
 * prints one line and exits TENDER_EXIT_ERROR. */
void runner_parse_args(int argc, char **argv, struct runner_options *out);

/* Read the image's notes (refusing images for another ABI, like a tender) and check that every manifest device has
 * an argument and every argument a manifest device. Fills `*manifest`. */
void runner_check_image(const struct runner_options *options, struct mirage_manifest_desc *manifest);

/* NULL when KVM can create a VM here, else why not. */
const char *runner_kvm_problem(void);

struct qemu_command {
    char *argv[RUNNER_MAX_QEMU_ARGS + 1]; /* NULL-terminated; the strings are allocated and never freed */
    int argc;
};

/* The QEMU command line for the image, its boot arguments and its devices in manifest order (pvh_abi.h). */
void runner_build_command(const struct runner_options *options, bool use_kvm,
                          const struct mirage_manifest_desc *manifest, struct qemu_command *out);

/* Print the command as one shell line. */
void runner_print_command(const struct qemu_command *command);

/* Run QEMU with our stdin, stdout and stderr; return the guest's exit code (QEMU's status s odd -> s >> 1), or
 * print one line and return TENDER_EXIT_ERROR. */
int runner_run(const struct qemu_command *command);

#endif
