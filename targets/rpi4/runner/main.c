/* main.c: the rpi4 runner: boot an rpi4 image's kernel8.img in QEMU's raspi4b board (the machine's QEMU >= 9, or
 * the cached Debian 13 root's) with the boot arguments, and pass its exit code on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "targets/rpi4/runner/runner.h"

#define USAGE "usage: runner [--print-command] IMAGE [BOOT ARGS...]"
/* What the Linux arm64 image header of a kernel8.img holds at 0x38 (targets/rpi4/start.S). */
#define IMAGE_MAGIC_OFFSET 0x38
#define IMAGE_MAGIC "ARM\x64"

static char workdir[RUNNER_PATH_SIZE];
static char kernel_copy[RUNNER_PATH_SIZE + 32];
static char device_tree[RUNNER_PATH_SIZE + 32];

static void remove_workdir(void)
{
    if (workdir[0] == '\0')
        return;
    unlink(kernel_copy);
    unlink(device_tree);
    rmdir(workdir);
}

/* Copy the kernel into the directory QEMU will read it from, checking its header on the way. */
static void copy_kernel(const char *from, const char *to)
{
    static unsigned char bytes[64 * 1024 * 1024];
    FILE *in = fopen(from, "rb");
    if (in == NULL)
        tender_fail(TENDER_EXIT_ERROR, "cannot open %s: %s (package the image first: it is written beside the ELF)",
                    from, strerror(errno));
    size_t size = fread(bytes, 1, sizeof bytes, in);
    bool whole = feof(in) && !ferror(in);
    fclose(in);
    if (!whole)
        tender_fail(TENDER_EXIT_ERROR, "cannot read %s whole (at most 64 MiB)", from);
    if (size < IMAGE_MAGIC_OFFSET + 4 || memcmp(bytes + IMAGE_MAGIC_OFFSET, IMAGE_MAGIC, 4) != 0)
        tender_fail(TENDER_EXIT_ERROR, "%s is not an rpi4 kernel8.img (no arm64 image header)", from);
    FILE *out = fopen(to, "wb");
    if (out == NULL || fwrite(bytes, 1, size, out) != size || fclose(out) != 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot write %s: %s", to, strerror(errno));
}

static void print_shell_word(const char *word)
{
    if (*word != '\0' &&
        strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@") == strlen(word)) {
        fputs(word, stdout);
        return;
    }
    putchar('\'');
    for (const char *c = word; *c != '\0'; c++) {
        if (*c == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*c);
    }
    putchar('\'');
}

int main(int argc, char **argv)
{
    static struct tender_args args;
    static struct qemu_raspi4b qemu;
    static char cmdline[PLATFORM_CMDLINE_SIZE + 64];
    static char kernel[RUNNER_PATH_SIZE];
    bool print_command = false;

    tender_set_name("runner");
    if (argc > 1 && strcmp(argv[1], "--print-command") == 0) {
        print_command = true;
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    tender_parse_args(argc, argv, "runner", &args);
    if (args.device_count > 0)
        tender_fail(TENDER_EXIT_ERROR, "%s: the rpi4 board attaches no devices (no GENET Ethernet or SD driver yet)",
                    args.devices[0].name);
    if (snprintf(kernel, sizeof kernel, "%s.boot/kernel8.img", args.image) >= (int)sizeof kernel)
        tender_fail(TENDER_EXIT_ERROR, "the image path is too long");

    const char *problem = runner_find_qemu(&qemu);
    if (problem != NULL)
        tender_fail(TENDER_EXIT_ERROR, "%s", problem);

    /* QEMU chrooted in the root reads its files from inside it. */
    if (snprintf(workdir, sizeof workdir, "%s/tmp/mirage-rpi4-XXXXXX", qemu.root) >= (int)sizeof workdir ||
        mkdtemp(workdir) == NULL)
        tender_fail(TENDER_EXIT_ERROR, "cannot make a directory under %s/tmp: %s", qemu.root, strerror(errno));
    if (!print_command)
        atexit(remove_workdir);
    const char *inside = workdir + strlen(qemu.root);
    snprintf(kernel_copy, sizeof kernel_copy, "%s/kernel8.img", workdir);
    snprintf(device_tree, sizeof device_tree, "%s/board.dtb", workdir);
    copy_kernel(kernel, kernel_copy);
    problem = runner_write_device_tree(device_tree);
    if (problem != NULL)
        tender_fail(TENDER_EXIT_ERROR, "%s", problem);

    /* The Pi has no clock that survives power-off: the board takes the host's time from its command line unless
     * the boot arguments set it. */
    if (strstr(args.cmdline, "rpi4.wall_clock=") == NULL)
        snprintf(cmdline, sizeof cmdline, "rpi4.wall_clock=%lld %s", (long long)time(NULL), args.cmdline);
    else
        snprintf(cmdline, sizeof cmdline, "%s", args.cmdline);

    char kernel_inside[RUNNER_PATH_SIZE + 32], device_tree_inside[RUNNER_PATH_SIZE + 32];
    snprintf(kernel_inside, sizeof kernel_inside, "%s/kernel8.img", inside);
    snprintf(device_tree_inside, sizeof device_tree_inside, "%s/board.dtb", inside);
    char *qemu_argv[RUNNER_MAX_QEMU_ARGS];
    int at = 0;
    qemu_argv[at++] = qemu.program;
    if (qemu.root[0] != '\0') {
        qemu_argv[at++] = qemu.root;
        qemu_argv[at++] = "/usr/bin/" RUNNER_QEMU;
    }
    char *fixed[] = {"-M",         "raspi4b", "-display",    "none", "-monitor",         "none",    "-serial", "stdio",
                     "-no-reboot", "-kernel", kernel_inside, "-dtb", device_tree_inside, "-append", cmdline};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        qemu_argv[at++] = fixed[i];
    qemu_argv[at] = NULL;

    if (print_command) {
        for (int i = 0; i < at; i++) {
            if (i > 0)
                putchar(' ');
            print_shell_word(qemu_argv[i]);
        }
        printf("  # the board ends with a reset; its last console line says the exit code (\"%sNNN\")\n",
               RUNNER_EXIT_REPORT_PREFIX);
        return 0;
    }
    return runner_run(qemu_argv);
}
