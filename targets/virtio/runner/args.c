/* args.c: the runner's own options (--machine, --accel, --print-command, --allow-host-services); the rest are the
 * tenders' options, parsed by targets/tender (so --net:NAME=.. holds "tap:TAP", "user:OPTIONS" or a bare tap name). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/virtio/runner/runner.h"

#define RUNNER_USAGE                                                                                                   \
    "usage: runner [--machine=microvm|pc] [--accel=kvm|tcg|auto] [--print-command] [--allow-host-services] "           \
    "[--mem=MiB] [--net:NAME=tap:TAP|user:OPTIONS]... [--block:NAME=FILE]... IMAGE [BOOT ARGS...]"

static _Noreturn void print_help(void)
{
    printf(RUNNER_USAGE
           "\n\n"
           "Boot a virtio (x86_64) or virt_arm64 (aarch64, QEMU virt under TCG) unikernel IMAGE in QEMU; every\n"
           "argument after IMAGE is a boot argument for it.\n\n"
           "  --machine=microvm|pc   QEMU machine (default microvm: no firmware, virtio-mmio devices; pc boots\n"
           "                         through its BIOS and takes only images without net or block devices)\n"
           "  --accel=kvm|tcg|auto   accelerator (default auto: KVM where it can create a VM, else TCG)\n"
           "  --print-command        print the QEMU command line instead of running it\n"
           "  --allow-host-services  let user networking serve host files or run host commands (tftp=, smb=,\n"
           "                         guestfwd=), and let QEMU start programs for them; refused without it\n"
           "  --mem=MiB              guest memory in MiB (default %d)\n"
           "  --net:NAME=tap:TAP     attach network device NAME to the existing tap interface TAP\n"
           "  --net:NAME=user:OPTS   ... to QEMU user networking, e.g. user:hostfwd=udp:127.0.0.1:5353-:53\n"
           "  --block:NAME=FILE      attach block device NAME to FILE (raw, a nonzero multiple of 512 bytes)\n\n"
           "QEMU runs under -sandbox (seccomp) where it supports it.\n"
           "Exit status: the unikernel's own (0 to 255), or %d (the runner or QEMU failed) or %d (the unikernel "
           "aborted, faulted or broke the exit protocol).\n",
           TENDER_DEFAULT_MEM_MIB, TENDER_EXIT_ERROR, TENDER_EXIT_ABORT);
    exit(0);
}

static _Noreturn void fail_option(const char *argument, const char *why)
{
    tender_fail(TENDER_EXIT_ERROR, "bad option '%.64s': %s; %s", argument, why, RUNNER_USAGE);
}

void runner_parse_args(int argc, char **argv, struct runner_options *out)
{
    /* What tender_parse_args sees: argv without the runner's own options. */
    static char *tender_argv[1024];
    int tender_argc = 0, index = 1;

    memset(out, 0, sizeof(*out));
    if (argc > (int)(sizeof tender_argv / sizeof tender_argv[0]) - 1)
        tender_fail(TENDER_EXIT_ERROR, "more than %zu arguments", sizeof tender_argv / sizeof tender_argv[0] - 1);
    tender_argv[tender_argc++] = argv[0];
    for (; index < argc && argv[index][0] == '-' && strcmp(argv[index], "--") != 0; index++) {
        const char *argument = argv[index];
        if (strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0)
            print_help();
        else if (strcmp(argument, "--print-command") == 0)
            out->print_command = true;
        else if (strcmp(argument, "--allow-host-services") == 0)
            out->allow_host_services = true;
        else if (strncmp(argument, "--machine=", 10) == 0) {
            if (strcmp(argument + 10, "microvm") == 0)
                out->machine = RUNNER_MICROVM;
            else if (strcmp(argument + 10, "pc") == 0)
                out->machine = RUNNER_PC;
            else
                fail_option(argument, "--machine is microvm or pc");
        } else if (strncmp(argument, "--accel=", 8) == 0) {
            if (strcmp(argument + 8, "kvm") == 0)
                out->accel = RUNNER_ACCEL_KVM;
            else if (strcmp(argument + 8, "tcg") == 0)
                out->accel = RUNNER_ACCEL_TCG;
            else if (strcmp(argument + 8, "auto") == 0)
                out->accel = RUNNER_ACCEL_AUTO;
            else
                fail_option(argument, "--accel is kvm, tcg or auto");
        } else
            tender_argv[tender_argc++] = argv[index];
    }
    for (; index < argc; index++)
        tender_argv[tender_argc++] = argv[index];
    tender_argv[tender_argc] = NULL;
    tender_parse_args(tender_argc, tender_argv, "runner", &out->tender);
}
