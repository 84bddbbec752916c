/* qemu_command.c: the QEMU command line for a virtio or virt_arm64 image: the machine, the sandbox, the exit
 * devices, the serial console, the kernel and its boot arguments, and one virtio device per manifest entry at the
 * place pvh_abi.h or virt_abi.h gives it (and on virt_arm64 the virtio-rng device, its entropy). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/virtio/pvh_abi.h"
#include "targets/virtio/runner/runner.h"

static void add(struct qemu_command *command, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void add(struct qemu_command *command, const char *format, ...)
{
    va_list args;
    char *text = NULL;

    if (command->argc == RUNNER_MAX_QEMU_ARGS)
        tender_fail(TENDER_EXIT_ERROR, "the QEMU command line has more than %d arguments", RUNNER_MAX_QEMU_ARGS);
    va_start(args, format);
    int length = vasprintf(&text, format, args);
    va_end(args);
    if (length < 0)
        tender_fail(TENDER_EXIT_ERROR, "out of memory building the QEMU command line");
    command->argv[command->argc++] = text;
    command->argv[command->argc] = NULL;
}

/* QEMU's option syntax ends a value at a comma; a literal comma is written twice. */
static char *option_value(const char *value)
{
    size_t commas = 0;
    for (const char *c = value; *c != '\0'; c++)
        commas += *c == ',';
    char *escaped = malloc(strlen(value) + commas + 1);
    if (escaped == NULL)
        tender_fail(TENDER_EXIT_ERROR, "out of memory building the QEMU command line");
    char *out = escaped;
    for (const char *c = value; *c != '\0'; c++) {
        *out++ = *c;
        if (*c == ',')
            *out++ = ',';
    }
    *out = '\0';
    return escaped;
}

/* Manifest entry `index` goes on virtio-mmio transport `index` (microvm only: runner_check_image refuses devices on
 * pc, whose guest has no virtio-pci driver). */
static void add_device(struct qemu_command *command, const char *kind, const char *backend, uint32_t index)
{
    add(command, "virtio-%s-device,%s,bus=virtio-mmio-bus.%u", kind, backend, index);
}

/* The options after "user:" and the tap name were checked by runner_check_host_resources. */
static void add_net(struct qemu_command *command, uint32_t index, const struct tender_device_arg *arg)
{
    const char *resource = arg->resource;

    add(command, "-netdev");
    if (strncmp(resource, "user:", 5) == 0)
        add(command, "user,id=net%u%s%s", index, resource[5] != '\0' ? "," : "", resource + 5);
    else {
        const char *tap = strncmp(resource, "tap:", 4) == 0 ? resource + 4 : resource;
        add(command, "tap,id=net%u,ifname=%s,script=no,downscript=no", index, option_value(tap));
    }
    char backend[32];
    snprintf(backend, sizeof backend, "netdev=net%u", index);
    add(command, "-device");
    add_device(command, "net", backend, index);
}

/* -blockdev with the file driver named, not -drive file=: QEMU reads a -drive file name as a protocol or a JSON
 * description when it starts with one ("nbd:...", "json:{...}"), and the file driver takes its filename as it is. */
static void add_block(struct qemu_command *command, uint32_t index, const char *file)
{
    add(command, "-blockdev");
    add(command, "driver=raw,node-name=blk%u,file.driver=file,file.filename=%s", index, option_value(file));
    char backend[32];
    snprintf(backend, sizeof backend, "drive=blk%u", index);
    add(command, "-device");
    add_device(command, "blk", backend, index);
}

/* microvm: the PIT and RTC for clock calibration and the wall clock without kvmclock, and our command line exactly
 * as given (QEMU would otherwise append virtio_mmio.device=... for Linux); or pc. */
static void add_x86_64_machine(struct qemu_command *out, enum runner_machine machine, bool use_kvm)
{
    add(out, "-M");
    add(out, machine == RUNNER_MICROVM ? "microvm,pit=on,rtc=on,isa-serial=on,auto-kernel-cmdline=off" : "pc");
    if (machine == RUNNER_MICROVM) {
        /* Modern (version 2) virtio-mmio transports, the only ones the drivers accept; microvm defaults to legacy. */
        add(out, "-global");
        add(out, "virtio-mmio.force-legacy=false");
    }
    add(out, "-accel");
    add(out, use_kvm ? "kvm" : "tcg");
    add(out, "-cpu");
    /* IA32_ARCH_CAPABILITIES off: KVM on PVM (nested, as on our CI machines) refuses QEMU's write of that MSR. */
    add(out, use_kvm ? "host,-arch-capabilities" : "max");
}

/* One device per manifest entry, entry i on transport i. */
static void add_devices(struct qemu_command *out, const struct tender_args *args,
                        const struct mirage_manifest_desc *manifest)
{
    for (uint32_t i = 0; i < manifest->count && i < MIRAGE_MANIFEST_MAX_DEVICES; i++) {
        const struct tender_device_arg *arg = NULL;
        for (uint32_t j = 0; j < args->device_count && arg == NULL; j++) {
            if (strcmp(args->devices[j].name, manifest->entries[i].name) == 0)
                arg = &args->devices[j];
        }
        if (arg == NULL) /* runner_check_image refused this already */
            tender_fail(TENDER_EXIT_ERROR, "no argument for device '%.63s'", manifest->entries[i].name);
        if (manifest->entries[i].type == MIRAGE_DEVICE_NET)
            add_net(out, i, arg);
        else
            add_block(out, i, arg->resource);
    }
}

/* QEMU virt with a Cortex-A72 under TCG: a GICv2 where virt_abi.h says, modern virtio-mmio transports, and
 * semihosting for the exit (its console joins the exit report channel when the runner runs QEMU). */
static void add_virt_arm64_machine(struct qemu_command *out)
{
    add(out, "-M");
    add(out, "virt,gic-version=2");
    add(out, "-global");
    add(out, "virtio-mmio.force-legacy=false");
    add(out, "-accel");
    add(out, "tcg");
    add(out, "-cpu");
    add(out, "cortex-a72");
}

void runner_build_command(const struct runner_options *options, bool use_kvm, const char *sandbox,
                          const struct mirage_manifest_desc *manifest, struct qemu_command *out)
{
    const struct tender_args *args = &options->tender;
    bool arm64 = options->board == RUNNER_BOARD_VIRT_ARM64;

    memset(out, 0, sizeof(*out));
    add(out, "%s", runner_qemu_name(options->board));
    if (arm64)
        add_virt_arm64_machine(out);
    else
        add_x86_64_machine(out, options->machine, use_kvm);
    add(out, "-m");
    add(out, "%lluM", (unsigned long long)(args->mem_size >> 20));
    add(out, "-nodefaults");
    add(out, "-no-user-config");
    add(out, "-nographic");
    add(out, "-serial");
    add(out, "stdio");
    add(out, "-no-reboot");
    if (sandbox != NULL) {
        add(out, "-sandbox");
        add(out, "%s", sandbox);
    }
    if (arm64) {
        add(out, "-device");
        add(out, "virtio-rng-device,bus=virtio-mmio-bus.%u", VIRT_RNG_TRANSPORT);
    } else {
        add(out, "-device");
        add(out, "isa-debug-exit,iobase=0x%x,iosize=4", VIRTIO_EXIT_PORT);
    }
    add(out, "-kernel");
    add(out, "%s", args->image);
    if (args->cmdline[0] != '\0') {
        add(out, "-append");
        add(out, "%s", args->cmdline);
    }
    add_devices(out, args, manifest);
}

void runner_add_exit_report(enum runner_board board, struct qemu_command *command, int fd)
{
    /* QEMU inherits `fd` and opens it again through /proc (its /dev/fdset/ refuses a pipe for a file chardev). The
     * chardev is write-only: the guest cannot read anything back through it. */
    add(command, "-chardev");
    add(command, "file,id=exitreport,path=/proc/self/fd/%d", fd);
    if (board == RUNNER_BOARD_VIRT_ARM64) {
        add(command, "-semihosting-config");
        add(command, "enable=on,target=native,chardev=exitreport");
        return;
    }
    add(command, "-device");
    add(command, "isa-debugcon,iobase=0x%x,chardev=exitreport", VIRTIO_EXIT_REPORT_PORT);
}

void runner_print_command(enum runner_board board, const struct qemu_command *command, const char *sandbox_problem)
{
    for (int i = 0; i < command->argc; i++) {
        if (i > 0)
            putchar(' ');
        tender_print_shell_word(command->argv[i]);
    }
    /* A comment on the same line, so the line still pastes into a shell as one command. */
    if (board == RUNNER_BOARD_VIRT_ARM64)
        printf("  # the runner adds semihosting (-semihosting-config enable=on,target=native) with its console as the "
               "exit report channel; without semihosting the guest powers off with status 0 on exit");
    else
        printf("  # the runner adds an exit report channel (isa-debugcon on port 0x%x); without it QEMU exits (code "
               "<< 1) | 1, and 1 also when QEMU fails",
               VIRTIO_EXIT_REPORT_PORT);
    if (sandbox_problem != NULL)
        printf("; -sandbox left out: %s", sandbox_problem);
    putchar('\n');
}
