/* parsers_check.c: the device tree reader the aarch64 boards share (lib/platform/aarch64/device_tree.c) and
 * targets/rpi4/boot_args.c on the build host, against device trees laid out as QEMU and the firmware lay them out
 * and against truncated, overlapping and unterminated ones, and boot command lines with the firmware's words,
 * escapes and bad wall clocks. Prints one TAP line per check; exits with the failure count. Built by Pants as a
 * host program and run by tests/rpi4/parsers_test.py. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/platform/aarch64/device_tree.h"
#include "lib/testing/tap.h"
#include "targets/rpi4/boot_args.h"

/* One TAP line per check (lib/testing/tap.h): a check's name says what failed. */
static void check(int ok, const char *what)
{
    tap_check(ok != 0, what, "%s", "failed");
}

struct blob {
    uint8_t bytes[1024];
    uint32_t size;
};

static void put32(struct blob *blob, uint32_t value)
{
    blob->bytes[blob->size++] = (uint8_t)(value >> 24);
    blob->bytes[blob->size++] = (uint8_t)(value >> 16);
    blob->bytes[blob->size++] = (uint8_t)(value >> 8);
    blob->bytes[blob->size++] = (uint8_t)value;
}

static void put_padded(struct blob *blob, const void *bytes, uint32_t size)
{
    memcpy(blob->bytes + blob->size, bytes, size);
    blob->size += size;
    while (blob->size % 4 != 0)
        blob->bytes[blob->size++] = 0;
}

static void set32(struct blob *blob, uint32_t offset, uint32_t value)
{
    blob->bytes[offset] = (uint8_t)(value >> 24);
    blob->bytes[offset + 1] = (uint8_t)(value >> 16);
    blob->bytes[offset + 2] = (uint8_t)(value >> 8);
    blob->bytes[offset + 3] = (uint8_t)value;
}

/* A tree "/ { #size-cells = <1>; memory { [reg = <0 base size>;] }; <chosen_name> { bootargs = <bootargs>; }; }"
 * with strings "#size-cells\0bootargs\0reg". `bootargs_length` may cut the value's NUL off; `memory_size` 0 leaves
 * the reg out. */
static void make_tree(struct blob *blob, const char *chosen_name, const char *bootargs, uint32_t bootargs_length,
                      uint32_t memory_base, uint32_t memory_size)
{
    static const char strings[] = "#size-cells\0bootargs\0reg";
    memset(blob, 0, sizeof *blob);
    blob->size = 40;
    put32(blob, 1);
    put_padded(blob, "", 1);
    put32(blob, 3);
    put32(blob, 4);
    put32(blob, 0);
    put32(blob, 1);
    put32(blob, 1);
    put_padded(blob, "memory", 7);
    if (memory_size != 0) {
        put32(blob, 3);
        put32(blob, 12);
        put32(blob, 21);
        put32(blob, 0);
        put32(blob, memory_base);
        put32(blob, memory_size);
    }
    put32(blob, 2);
    put32(blob, 1);
    put_padded(blob, chosen_name, (uint32_t)strlen(chosen_name) + 1);
    put32(blob, 4); /* a NOP, as a tree edited in place has */
    put32(blob, 3);
    put32(blob, bootargs_length);
    put32(blob, 12);
    put_padded(blob, bootargs, bootargs_length);
    put32(blob, 2);
    put32(blob, 2);
    put32(blob, 9);
    uint32_t structure_size = blob->size - 40;
    uint32_t strings_offset = blob->size;
    put_padded(blob, strings, sizeof strings);
    set32(blob, 0, 0xd00dfeed);
    set32(blob, 4, blob->size);
    set32(blob, 8, 40);
    set32(blob, 12, strings_offset);
    set32(blob, 16, 40);
    set32(blob, 20, 17);
    set32(blob, 24, 16);
    set32(blob, 32, (uint32_t)sizeof strings);
    set32(blob, 36, structure_size);
}

static void device_tree_checks(void)
{
    struct blob blob;
    struct device_tree_boot boot;
    static const char line[] = "--count=2 rpi4.wall_clock=5";

    make_tree(&blob, "chosen", line, sizeof line, 0, 0);
    check(device_tree_read(blob.bytes, blob.size, &boot) == NULL && boot.bootargs != NULL &&
              strcmp(boot.bootargs, line) == 0 && boot.memory_size == 0,
          "/chosen/bootargs is found past a sibling node and a NOP");
    make_tree(&blob, "chosen", line, sizeof line, 0x40000000u, 0x8000000u);
    check(device_tree_read(blob.bytes, blob.size, &boot) == NULL && boot.memory_base == 0x40000000u &&
              boot.memory_size == 0x8000000u && boot.bootargs != NULL && strcmp(boot.bootargs, line) == 0,
          "/memory's reg is read with the root's cell counts, and the boot arguments after it");
    make_tree(&blob, "chosen", line, sizeof line, 0xffffffffu, 0x8000000u);
    set32(&blob, 40 + 4 + 4 + 16 + 4 + 8 + 12, 0xffffffffu); /* the base's high cell */
    check(device_tree_read(blob.bytes, blob.size, &boot) != NULL,
          "a /memory range that runs past the end of the address space is refused");
    make_tree(&blob, "chosen", line, sizeof line, 0, 0);
    check(device_tree_read(blob.bytes, blob.size - 1, &boot) != NULL,
          "a tree longer than the bytes available is refused");
    make_tree(&blob, "chosen2", line, sizeof line, 0, 0);
    check(device_tree_read(blob.bytes, blob.size, &boot) == NULL && boot.bootargs == NULL,
          "bootargs of another node is not the command line");
    make_tree(&blob, "chosen", line, sizeof line - 1, 0, 0);
    check(device_tree_read(blob.bytes, blob.size, &boot) != NULL, "a bootargs value without its NUL is refused");
    make_tree(&blob, "chosen", line, sizeof line, 0, 0);
    blob.bytes[0] = 0;
    check(device_tree_read(blob.bytes, blob.size, &boot) != NULL, "a blob without the magic is refused");
    make_tree(&blob, "chosen", line, sizeof line, 0, 0);
    set32(&blob, 36, 0xfffffff0u);
    check(device_tree_read(blob.bytes, blob.size, &boot) != NULL,
          "a structure block past the end (offset + size overflowing 32 bits) is refused");
    make_tree(&blob, "chosen", line, sizeof line, 0, 0);
    set32(&blob, 40 + 4 + 4 + 4, 0x7fffffffu);
    check(device_tree_read(blob.bytes, blob.size, &boot) != NULL,
          "a property longer than the structure block is refused");
    make_tree(&blob, "chosen", line, sizeof line, 0, 0);
    set32(&blob, 40 + 4 + 4 + 4 + 4, 1000);
    check(device_tree_read(blob.bytes, blob.size, &boot) != NULL,
          "a property name outside the strings block is refused");
    make_tree(&blob, "chosen", line, sizeof line, 0, 0);
    check(device_tree_read(blob.bytes, 39, &boot) != NULL && device_tree_read(NULL, 0, &boot) != NULL,
          "fewer bytes than a header, or none, are refused");
}

static void boot_args_checks(void)
{
    char out[64];
    struct rpi4_boot_args args;

    check(rpi4_boot_args_split("coherent_pool=1M 8250.nr_uarts=1  --count=2 rpi4.wall_clock=1700000000 "
                               "--message=a\\ b",
                               out, sizeof out, &args) == RPI4_BOOT_ARGS_OK &&
              strcmp(out, "--count=2 --message=a\\ b") == 0 && args.ignored == 2 && args.wall_clock_given &&
              args.wall_clock_ns == UINT64_C(1700000000000000000),
          "the unikernel's words stay with their escapes, the firmware's go, the wall clock is taken");
    check(rpi4_boot_args_split("", out, sizeof out, &args) == RPI4_BOOT_ARGS_OK && out[0] == '\0' &&
              !args.wall_clock_given,
          "an empty command line gives no words and no wall clock");
    check(rpi4_boot_args_split("rpi4.wall_clock=12x", out, sizeof out, &args) == RPI4_BOOT_ARGS_BAD_WALL_CLOCK &&
              rpi4_boot_args_split("rpi4.wall_clock=", out, sizeof out, &args) == RPI4_BOOT_ARGS_BAD_WALL_CLOCK,
          "a wall clock that is not digits is refused");
    check(rpi4_boot_args_split("rpi4.wall_clock=18446744074", out, sizeof out, &args) == RPI4_BOOT_ARGS_BAD_WALL_CLOCK,
          "a wall clock past 2^64 nanoseconds is refused");
    check(rpi4_boot_args_split("--a=0123456789012345678901234567890123456789 --b=012345678901234567890", out,
                               sizeof out, &args) == RPI4_BOOT_ARGS_TOO_LONG,
          "words that do not fit are refused, not cut");
    check(rpi4_boot_args_split("--x=\\", out, sizeof out, &args) == RPI4_BOOT_ARGS_OK && strcmp(out, "--x=\\") == 0,
          "a trailing backslash stays in its word");
}

int main(void)
{
    device_tree_checks();
    boot_args_checks();
    tap_plan(tap_count());
    return tap_exit_status();
}
