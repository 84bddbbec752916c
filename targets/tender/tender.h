/* tender.h: what the hvt and spt tenders share: argument parsing, checked ELF loading, the image's notes, and
 * attaching the manifest's devices to host resources; and what the QEMU runners (virtio, rpi4) use of it, with
 * finding a host program and printing a command line. Host code (hosted C11, Linux). */
#ifndef MIRAGE_TARGETS_TENDER_H
#define MIRAGE_TARGETS_TENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/boot_devices.h"
#include "lib/platform/device_model.h"
#include "lib/platform/image_notes.h"

/* Exit codes of a tender that did not run the guest to its end (the guest's own exit code passes through). */
#define TENDER_EXIT_ERROR 125                 /* bad arguments, bad image, missing device, host failure */
#define TENDER_EXIT_ABORT PLATFORM_EXIT_ABORT /* the guest called platform_abort() or broke the hypercall rules */

#define TENDER_MAX_SEGMENTS 8
#define TENDER_DEFAULT_MEM_MIB 32

struct tender_device_arg {
    char name[MIRAGE_MANIFEST_NAME_SIZE];
    uint32_t type;        /* enum mirage_device_type */
    const char *resource; /* net: a tap interface name; block: a file path */
};

struct tender_args {
    uint64_t mem_size; /* bytes, from --mem=<MiB> */
    const char *image; /* the image path */
    struct tender_device_arg devices[MIRAGE_MANIFEST_MAX_DEVICES];
    uint32_t device_count;
    char cmdline[PLATFORM_CMDLINE_SIZE]; /* the boot arguments after the image, joined by single spaces */
};

/* Parse `tender [--mem=MiB] [--net:NAME=TAP]... [--block:NAME=FILE]... IMAGE [BOOT ARGS...]`. On a bad argument
 * prints one line naming it and the usage, and exits TENDER_EXIT_ERROR. */
void tender_parse_args(int argc, char **argv, const char *tender_name, struct tender_args *out);

struct tender_segment {
    uint64_t address;  /* guest address (p_paddr == p_vaddr) */
    uint64_t mem_size; /* bytes in memory */
    uint32_t flags;    /* PF_R | PF_W | PF_X */
};

struct tender_image {
    uint64_t entry;
    uint64_t end; /* first guest address after the highest segment, page aligned */
    struct tender_segment segments[TENDER_MAX_SEGMENTS];
    uint32_t segment_count;
    struct mirage_abi_note_desc abi;
    struct mirage_manifest_desc manifest; /* count 0 when the image has no manifest note */
};

/* Read the ELF image at `path`, check every header, offset and size against the file and against guest memory
 * [min_address, mem_size), refuse W+X segments and images for another ABI (`want_abi`) or ABI version, and copy
 * the PT_LOAD segments to `guest_base + address` (zeroing .bss). On error prints one line that names the image
 * and the problem, and exits TENDER_EXIT_ERROR. */
void tender_load_elf(const char *path, uint8_t *guest_base, uint64_t min_address, uint64_t mem_size, uint32_t want_abi,
                     uint32_t want_version, struct tender_image *out);

/* The longest refusal tender_check_and_load_elf writes, with its NUL. */
#define TENDER_ERROR_SIZE 512

/* Where tender_check_and_load_elf reads an image from: the file for tender_load_elf, a buffer for the fuzzer.
 * `read` is only asked for ranges inside [0, size); it fills all `len` bytes at `offset` and returns 0, or
 * writes why not (naming `what`) into `error` (TENDER_ERROR_SIZE bytes) and returns -1. */
struct tender_image_source {
    uint64_t size; /* bytes in the image */
    int (*read)(void *context, void *buffer, uint64_t len, uint64_t offset, const char *what, char *error);
    void *context;
};

/* tender_load_elf's checks and copy without its I/O and its exit: returns 0 with `out` filled, or -1 with the
 * refusal in `error`, the line tender_load_elf prints after "<image>: ". */
int tender_check_and_load_elf(const struct tender_image_source *source, uint8_t *guest_base, uint64_t min_address,
                              uint64_t mem_size, uint32_t want_abi, uint32_t want_version, struct tender_image *out,
                              char error[TENDER_ERROR_SIZE]);

/* The --net/--block argument for device `name`, or NULL. */
const struct tender_device_arg *tender_find_device_arg(const struct tender_args *args, const char *name);

/* Check the --net/--block arguments against the manifest: each names a manifest device of its type, and each
 * manifest device has one. Refuses with one line naming the device and the fix (`net_resource` says what a net
 * argument takes, e.g. "TAP"), exiting TENDER_EXIT_ERROR. */
void tender_check_device_args(const struct mirage_manifest_desc *manifest, const struct tender_args *args,
                              const char *net_resource);

/* Open the host resource for every manifest entry from the --net/--block arguments: tap interfaces (O_NONBLOCK,
 * IFF_TAP | IFF_NO_PI) and block files (O_RDWR, size a multiple of 512). Refuses with one line naming the device
 * when a manifest device has no argument, or an argument names no manifest device or the wrong type. Fills
 * `out` (host_fd set, handles = table indexes). A nonzero `tap_header_size` opens the taps with IFF_VNET_HDR
 * and a virtio-net header of that size in front of every frame (hvt's tender); 0 opens plain taps. */
void tender_attach_devices(const struct mirage_manifest_desc *manifest, const struct tender_args *args,
                           struct mirage_boot_devices *out, uint32_t tap_header_size);

/* Print "<tender>: <message>" as one line to stderr and exit with `status`. */
_Noreturn void tender_fail(int status, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Set the tender's name used as the prefix of tender_fail messages (argv[0]'s basename by default). */
void tender_set_name(const char *name);

/* Whether the executable `program` is in a directory of $PATH, or of the usual ones where $PATH is unset or empty
 * (a Pants sandbox), and where: its path in `found` (`size` bytes; a longer one is passed over). */
bool tender_find_program(const char *program, char *found, size_t size);

/* Print `word` on stdout as one shell word: as it is when it has only plain characters, else in single quotes, so a
 * command line printed word by word can be pasted into a shell. */
void tender_print_shell_word(const char *word);

#endif
