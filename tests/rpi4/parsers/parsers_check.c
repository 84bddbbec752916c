/* parsers_check.c: targets/rpi4/device_tree.c and boot_args.c on the build host, against device trees laid out as
 * QEMU and the firmware lay them out and against truncated, overlapping and unterminated ones, and boot command
 * lines with the firmware's words, escapes and bad wall clocks. Prints one TAP line per check; exits with the
 * failure count. Built by Pants as a host program and run by tests/rpi4/parsers_test.py. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "targets/rpi4/boot_args.h"
#include "targets/rpi4/device_tree.h"

static int checks, failures;

static void check(int ok, const char *what)
{
    checks++;
    if (!ok)
        failures++;
    printf("%s %d - %s\n", ok ? "ok" : "not ok", checks, what);
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

/* A tree "/ { #size-cells; memory { }; <chosen_name> { bootargs = <bootargs>; }; }" with strings
 * "#size-cells\0bootargs\0". `bootargs_length` may cut the value's NUL off. */
static void make_tree(struct blob *blob, const char *chosen_name, const char *bootargs, uint32_t bootargs_length)
{
    static const char strings[] = "#size-cells\0bootargs";
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
    const char *bootargs = NULL;
    static const char line[] = "--count=2 rpi4.wall_clock=5";

    make_tree(&blob, "chosen", line, sizeof line);
    check(rpi4_device_tree_bootargs(blob.bytes, blob.size, &bootargs) == RPI4_DEVICE_TREE_FOUND &&
              strcmp(bootargs, line) == 0,
          "/chosen/bootargs is found past a sibling node and a NOP");
    check(rpi4_device_tree_bootargs(blob.bytes, blob.size - 1, &bootargs) == RPI4_DEVICE_TREE_INVALID,
          "a tree longer than the bytes available is refused");
    make_tree(&blob, "chosen2", line, sizeof line);
    check(rpi4_device_tree_bootargs(blob.bytes, blob.size, &bootargs) == RPI4_DEVICE_TREE_NO_BOOTARGS,
          "bootargs of another node is not the command line");
    make_tree(&blob, "chosen", line, sizeof line - 1);
    check(rpi4_device_tree_bootargs(blob.bytes, blob.size, &bootargs) == RPI4_DEVICE_TREE_INVALID,
          "a bootargs value without its NUL is refused");
    make_tree(&blob, "chosen", line, sizeof line);
    blob.bytes[0] = 0;
    check(rpi4_device_tree_bootargs(blob.bytes, blob.size, &bootargs) == RPI4_DEVICE_TREE_INVALID,
          "a blob without the magic is refused");
    make_tree(&blob, "chosen", line, sizeof line);
    set32(&blob, 36, 0xfffffff0u);
    check(rpi4_device_tree_bootargs(blob.bytes, blob.size, &bootargs) == RPI4_DEVICE_TREE_INVALID,
          "a structure block past the end (offset + size overflowing 32 bits) is refused");
    make_tree(&blob, "chosen", line, sizeof line);
    set32(&blob, 40 + 4 + 4 + 4, 0x7fffffffu);
    check(rpi4_device_tree_bootargs(blob.bytes, blob.size, &bootargs) == RPI4_DEVICE_TREE_INVALID,
          "a property longer than the structure block is refused");
    make_tree(&blob, "chosen", line, sizeof line);
    set32(&blob, 40 + 4 + 4 + 4 + 4, 1000);
    check(rpi4_device_tree_bootargs(blob.bytes, blob.size, &bootargs) == RPI4_DEVICE_TREE_INVALID,
          "a property name outside the strings block is refused");
    make_tree(&blob, "chosen", line, sizeof line);
    check(rpi4_device_tree_bootargs(blob.bytes, 39, &bootargs) == RPI4_DEVICE_TREE_INVALID &&
              rpi4_device_tree_bootargs(NULL, 0, &bootargs) == RPI4_DEVICE_TREE_INVALID,
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
    printf("1..%d\n", checks);
    return failures;
}
