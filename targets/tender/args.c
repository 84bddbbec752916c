/* args.c: the tenders' command line: memory size, the host resources for manifest devices, the image, and the
 * boot arguments passed through to the guest. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/tender/tender.h"

/* Beyond 1 TiB something is wrong with the argument rather than with the unikernel. */
#define TENDER_MIN_MEM_MIB 2
#define TENDER_MAX_MEM_MIB (UINT64_C(1) << 20)

#define TENDER_USAGE_FORMAT "usage: %s [--mem=MiB] [--net:NAME=TAP]... [--block:NAME=FILE]... IMAGE [BOOT ARGS...]"

static const char *usage_name;

static _Noreturn void fail_usage(const char *what, const char *argument, const char *why)
{
    char usage[256];

    snprintf(usage, sizeof(usage), TENDER_USAGE_FORMAT, usage_name);
    /* At most 64 characters of the argument: the line should stay readable when the argument is huge. */
    tender_fail(TENDER_EXIT_ERROR, "%s '%.64s%s': %s; %s", what, argument, strlen(argument) > 64 ? "..." : "", why,
                usage);
}

static _Noreturn void print_help(void)
{
    printf(TENDER_USAGE_FORMAT "\n\n", usage_name);
    printf("Run a unikernel IMAGE; every argument after IMAGE is a boot argument for the unikernel.\n\n"
           "  --mem=MiB            guest memory in MiB (default %d)\n"
           "  --net:NAME=TAP       attach the image's network device NAME to the existing tap interface TAP\n"
           "  --block:NAME=FILE    attach the image's block device NAME to FILE (a multiple of 512 bytes)\n"
           "  --help               print this help\n\n"
           "The image's manifest lists the devices it needs; each one must be attached.\n"
           "Exit status: the unikernel's own, or %d (the tender refused to run it) or %d (the unikernel "
           "aborted).\n",
           TENDER_DEFAULT_MEM_MIB, TENDER_EXIT_ERROR, TENDER_EXIT_ABORT);
    exit(0);
}

static uint64_t parse_mem(const char *argument, const char *value)
{
    uint64_t mib = 0;

    if (*value == '\0')
        fail_usage("bad option", argument, "--mem takes a whole number of MiB, e.g. --mem=64");
    for (const char *c = value; *c != '\0'; c++) {
        if (*c < '0' || *c > '9')
            fail_usage("bad option", argument, "--mem takes a whole number of MiB, e.g. --mem=64");
        mib = mib * 10 + (uint64_t)(*c - '0');
        if (mib > TENDER_MAX_MEM_MIB)
            break;
    }
    if (mib < TENDER_MIN_MEM_MIB || mib > TENDER_MAX_MEM_MIB)
        fail_usage("bad option", argument, "--mem must be between 2 and 1048576 MiB");
    return mib << 20;
}

/* `spec` is what follows "--net:" or "--block:", i.e. "NAME=RESOURCE". */
static void add_device(struct tender_args *out, const char *argument, const char *spec, uint32_t type)
{
    const char *equals = strchr(spec, '=');

    if (equals == NULL || equals[1] == '\0')
        fail_usage("bad option", argument,
                   type == MIRAGE_DEVICE_NET ? "expected --net:NAME=TAP" : "expected --block:NAME=FILE");
    size_t name_len = (size_t)(equals - spec);
    if (!mirage_device_name_valid(spec, name_len))
        fail_usage("bad option", argument, "a device name is 1 to 63 characters of [a-z0-9_]");
    for (uint32_t i = 0; i < out->device_count; i++) {
        if (strlen(out->devices[i].name) == name_len && memcmp(out->devices[i].name, spec, name_len) == 0)
            fail_usage("bad option", argument, "this device is already attached by an earlier option");
    }
    if (out->device_count == MIRAGE_MANIFEST_MAX_DEVICES)
        fail_usage("bad option", argument, "more than 16 devices");

    struct tender_device_arg *device = &out->devices[out->device_count++];
    memcpy(device->name, spec, name_len);
    device->name[name_len] = '\0';
    device->type = type;
    device->resource = equals + 1;
}

/* The guest splits its command line on unescaped spaces (lib/platform/main.c), so each argument goes in with its
 * spaces and backslashes escaped by a backslash: the unikernel sees exactly the arguments given here. */
static void join_boot_args(struct tender_args *out, int count, char **args)
{
    size_t used = 0;
    const size_t limit = sizeof(out->cmdline) - 1; /* room for the NUL */

    for (int i = 0; i < count; i++) {
        if (args[i][0] == '\0')
            fail_usage("bad boot argument", "''", "an empty boot argument cannot be passed to the guest");
        if (i > 0) {
            if (used == limit)
                fail_usage("bad boot argument", args[i], "the boot arguments are longer than 8191 bytes");
            out->cmdline[used++] = ' ';
        }
        for (const char *c = args[i]; *c != '\0'; c++) {
            size_t needed = (*c == ' ' || *c == '\\') ? 2u : 1u;
            if (limit - used < needed)
                fail_usage("bad boot argument", args[i], "the boot arguments are longer than 8191 bytes");
            if (needed == 2u)
                out->cmdline[used++] = '\\';
            out->cmdline[used++] = *c;
        }
    }
    out->cmdline[used] = '\0';
}

void tender_parse_args(int argc, char **argv, const char *tender_name, struct tender_args *out)
{
    int index = 1;

    usage_name = tender_name;
    memset(out, 0, sizeof(*out));
    out->mem_size = (uint64_t)TENDER_DEFAULT_MEM_MIB << 20;

    for (; index < argc; index++) {
        const char *argument = argv[index];
        if (strcmp(argument, "--") == 0) {
            index++;
            break;
        }
        if (argument[0] != '-')
            break;
        if (strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0)
            print_help();
        else if (strncmp(argument, "--mem=", 6) == 0)
            out->mem_size = parse_mem(argument, argument + 6);
        else if (strncmp(argument, "--net:", 6) == 0)
            add_device(out, argument, argument + 6, MIRAGE_DEVICE_NET);
        else if (strncmp(argument, "--block:", 8) == 0)
            add_device(out, argument, argument + 8, MIRAGE_DEVICE_BLOCK);
        else
            fail_usage("unknown option", argument, "options go before the image");
    }
    if (index >= argc) {
        char usage[256];
        snprintf(usage, sizeof(usage), TENDER_USAGE_FORMAT, usage_name);
        tender_fail(TENDER_EXIT_ERROR, "no image given; %s", usage);
    }
    out->image = argv[index];
    join_boot_args(out, argc - index - 1, argv + index + 1);
}
