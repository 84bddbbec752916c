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

/* What the Linux arm64 image header of a kernel8.img holds at 0x38 (targets/rpi4/start.S). */
#define IMAGE_MAGIC_OFFSET 0x38
#define IMAGE_MAGIC "ARM\x64"
#define SD_CARD_SIZE_MIN (256u * 1024u)

static char workdir[RUNNER_PATH_SIZE];
static char kernel_copy[RUNNER_PATH_SIZE + 32];
static char device_tree[RUNNER_PATH_SIZE + 32];
static char disk_mount_point[RUNNER_PATH_SIZE + 32];

static void remove_workdir(void)
{
    if (workdir[0] == '\0')
        return;
    unlink(kernel_copy);
    unlink(device_tree);
    if (disk_mount_point[0] != '\0')
        unlink(disk_mount_point);
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

/* The disk for the SD card: at most one block device, no network device; the file must be writable and a power of
 * two of at least 256 KiB (QEMU's SD card model refuses other sizes, and below 256 KiB it reports a capacity that
 * is not the file's). NULL without one. */
static const char *sd_card_file(const struct tender_args *args)
{
    const char *disk = NULL;
    struct stat status;

    for (uint32_t i = 0; i < args->device_count; i++) {
        if (args->devices[i].type != MIRAGE_DEVICE_BLOCK)
            tender_fail(TENDER_EXIT_ERROR, "--net:%s: the rpi4 board has no network device (no GENET Ethernet driver)",
                        args->devices[i].name);
        if (disk != NULL)
            tender_fail(TENDER_EXIT_ERROR, "--block:%s: the rpi4 board has one block device, the SD card",
                        args->devices[i].name);
        disk = args->devices[i].resource;
    }
    if (disk == NULL)
        return NULL;
    if (stat(disk, &status) != 0 || !S_ISREG(status.st_mode) || access(disk, R_OK | W_OK) != 0)
        tender_fail(TENDER_EXIT_ERROR, "%s: not a readable and writable file", disk);
    uint64_t size = (uint64_t)status.st_size;
    if (size < SD_CARD_SIZE_MIN || (size & (size - 1)) != 0)
        tender_fail(TENDER_EXIT_ERROR, "%s: %llu bytes; QEMU's SD card takes a power of two of at least 256 KiB", disk,
                    (unsigned long long)size);
    return disk;
}

/* `path` as a QEMU option value: a comma is written twice. */
static void qemu_option_value(const char *prefix, const char *path, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "%s", prefix);
    for (const char *c = path; *c != '\0'; c++) {
        if (used + 3 > size)
            tender_fail(TENDER_EXIT_ERROR, "the disk path is too long");
        if (*c == ',')
            out[used++] = ',';
        out[used++] = *c;
    }
    out[used] = '\0';
}

int main(int argc, char **argv)
{
    static struct tender_args args;
    static struct qemu_raspi4b qemu;
    static char cmdline[PLATFORM_CMDLINE_SIZE + 64];
    static char kernel[RUNNER_PATH_SIZE];
    bool print_command = false;

    tender_set_name("runner");
    /* --print-command may come anywhere among the options before the image; the rest are the tenders' options. */
    for (int i = 1; i < argc && strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--print-command") == 0) {
            print_command = true;
            memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof argv[0]);
            argc--;
            break;
        }
    }
    tender_parse_args(argc, argv, "runner", &args);
    const char *disk = sd_card_file(&args);
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

    /* The disk is bind-mounted into the root for QEMU alone (runner_run), so its writes land in the file itself. */
    static char drive[2 * RUNNER_PATH_SIZE + 64];
    if (disk != NULL) {
        if (qemu.root[0] != '\0') {
            snprintf(disk_mount_point, sizeof disk_mount_point, "%s/sd.img", workdir);
            FILE *placeholder = fopen(disk_mount_point, "wb");
            if (placeholder == NULL || fclose(placeholder) != 0)
                tender_fail(TENDER_EXIT_ERROR, "cannot create %s: %s", disk_mount_point, strerror(errno));
            char inside_disk[RUNNER_PATH_SIZE + 32];
            snprintf(inside_disk, sizeof inside_disk, "%s/sd.img", inside);
            qemu_option_value("if=sd,format=raw,file=", inside_disk, drive, sizeof drive);
        } else {
            qemu_option_value("if=sd,format=raw,file=", disk, drive, sizeof drive);
        }
    }
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
    if (disk != NULL) {
        qemu_argv[at++] = "-drive";
        qemu_argv[at++] = drive;
    }
    qemu_argv[at] = NULL;

    if (print_command) {
        for (int i = 0; i < at; i++) {
            if (i > 0)
                putchar(' ');
            tender_print_shell_word(qemu_argv[i]);
        }
        printf("  # the board ends with a reset; its last console line says the exit code (\"%sNNN\")%s\n",
               RUNNER_EXIT_REPORT_PREFIX,
               disk != NULL && qemu.root[0] != '\0' ? "; bind-mount the disk on sd.img in the root first" : "");
        return 0;
    }
    return runner_run(qemu_argv, disk_mount_point[0] != '\0' ? disk : NULL, disk_mount_point);
}
