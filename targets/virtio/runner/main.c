/* main.c: the virtio runner: check a virtio or virt_arm64 image and its devices, then boot it in QEMU and pass its
 * exit code on. */
#include <stdio.h>

#include "targets/virtio/runner/runner.h"

int main(int argc, char **argv)
{
    static struct runner_options options;
    static struct mirage_manifest_desc manifest;
    static struct qemu_command command;

    tender_set_name("runner");
    runner_parse_args(argc, argv, &options);
    runner_check_image(&options, &manifest);

    bool use_kvm = options.accel == RUNNER_ACCEL_KVM;
    /* An aarch64 guest on this x86_64 host runs under TCG only. */
    if (options.board == RUNNER_BOARD_VIRT_ARM64) {
        if (use_kvm)
            tender_fail(TENDER_EXIT_ERROR,
                        "--accel=kvm: %s is an aarch64 image, which KVM on this host cannot run "
                        "(use --accel=tcg or --accel=auto)",
                        options.tender.image);
    } else if (options.accel == RUNNER_ACCEL_AUTO)
        use_kvm = runner_kvm_problem() == NULL;
    else if (use_kvm && runner_kvm_problem() != NULL)
        tender_fail(TENDER_EXIT_ERROR, "--accel=kvm: %s (use --accel=tcg or --accel=auto)", runner_kvm_problem());

    runner_check_host_resources(&options, &manifest);

    char sandbox_buffer[128];
    const char *sandbox_problem = NULL;
    const char *sandbox = runner_sandbox_argument(runner_qemu_name(options.board), options.allow_host_services,
                                                  sandbox_buffer, sizeof sandbox_buffer, &sandbox_problem);
    runner_build_command(&options, use_kvm, sandbox, &manifest, &command);
    if (options.print_command) {
        runner_print_command(options.board, &command, sandbox_problem);
        return 0;
    }
    if (sandbox == NULL)
        fprintf(stderr, "runner: note: running QEMU without -sandbox: %s\n", sandbox_problem);
    return runner_run(options.board, &command);
}
