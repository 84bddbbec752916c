/* hostile_spt_block.c: an spt guest that skips its own platform code and makes raw system calls on its disk's file
 * descriptor, or scans the tender's memory for the tender's arguments and environment, as the `action` key says. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/block.h"
#include "devices/console.h"
#include "lib/platform/boot_devices.h"
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "lib/runtime/mirage.h"

/* The device table (lib/platform/device_table.h) is linked into every freestanding image: code in the image can
 * look a device up in it, and so learn the host's file descriptor, whatever the platform interface hides. */

#define PAGE_SIZE UINT64_C(0x1000)
#define SYS_PREAD64 17
#define SYS_PWRITE64 18

static int64_t raw_syscall4(int64_t number, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    register uint64_t r10 __asm__("r10") = d;
    int64_t result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return result;
}

/* The strings the test puts in the tender's environment (MIRAGE_SECRET=...) and in its disk path, XORed with
 * MARKER_KEY so that the image (and so guest memory) never holds them in the clear. */
#define MARKER_KEY 0x5a
#define MARKER_SIZE 24
static const uint8_t environment_marker[MARKER_SIZE] = {
    /* "hostile-env-marker-7c1f9" */
    'h' ^ MARKER_KEY, 'o' ^ MARKER_KEY, 's' ^ MARKER_KEY, 't' ^ MARKER_KEY, 'i' ^ MARKER_KEY, 'l' ^ MARKER_KEY,
    'e' ^ MARKER_KEY, '-' ^ MARKER_KEY, 'e' ^ MARKER_KEY, 'n' ^ MARKER_KEY, 'v' ^ MARKER_KEY, '-' ^ MARKER_KEY,
    'm' ^ MARKER_KEY, 'a' ^ MARKER_KEY, 'r' ^ MARKER_KEY, 'k' ^ MARKER_KEY, 'e' ^ MARKER_KEY, 'r' ^ MARKER_KEY,
    '-' ^ MARKER_KEY, '7' ^ MARKER_KEY, 'c' ^ MARKER_KEY, '1' ^ MARKER_KEY, 'f' ^ MARKER_KEY, '9' ^ MARKER_KEY,
};
static const uint8_t argument_marker[MARKER_SIZE] = {
    /* "hostile-arg-marker-39ad2" */
    'h' ^ MARKER_KEY, 'o' ^ MARKER_KEY, 's' ^ MARKER_KEY, 't' ^ MARKER_KEY, 'i' ^ MARKER_KEY, 'l' ^ MARKER_KEY,
    'e' ^ MARKER_KEY, '-' ^ MARKER_KEY, 'a' ^ MARKER_KEY, 'r' ^ MARKER_KEY, 'g' ^ MARKER_KEY, '-' ^ MARKER_KEY,
    'm' ^ MARKER_KEY, 'a' ^ MARKER_KEY, 'r' ^ MARKER_KEY, 'k' ^ MARKER_KEY, 'e' ^ MARKER_KEY, 'r' ^ MARKER_KEY,
    '-' ^ MARKER_KEY, '3' ^ MARKER_KEY, '9' ^ MARKER_KEY, 'a' ^ MARKER_KEY, 'd' ^ MARKER_KEY, '2' ^ MARKER_KEY,
};

/* Where the tender's own memory is when it runs without address randomisation (the test runs it so, as an
 * attacker who defeated ASLR would see it): its heap just above 0x555555554000; the static-PIE tender, the vDSO
 * and the stack, whose top holds argv's, envp's and the auxiliary vector's strings, in the last 256 MiB below
 * 0x7ffffffff000. */
static const struct {
    uint64_t start;
    uint64_t end;
} scan_windows[] = {
    {UINT64_C(0x555555554000), UINT64_C(0x555555554000) + (UINT64_C(64) << 20)},
    {UINT64_C(0x7ffff0000000), UINT64_C(0x7ffffffff000)},
};

static uint8_t block_buffer[2 * 512];

static void say(struct console *console, const char *text)
{
    console_write(console, text, strlen(text));
}

/* Whether the page at `address` is readable: pwrite64 from it to block 0 copies it or fails with EFAULT, and
 * neither faults the guest. The disk is the test's scratch file. */
static int page_is_readable(int64_t fd, uint64_t block_size, uint64_t address)
{
    return raw_syscall4(SYS_PWRITE64, (uint64_t)fd, address, block_size, 0) == (int64_t)block_size;
}

static int matches_at(const uint8_t *at, const uint8_t *marker)
{
    for (size_t i = 0; i < MARKER_SIZE; i++) {
        if ((uint8_t)(at[i] ^ MARKER_KEY) != marker[i])
            return 0;
    }
    return 1;
}

/* The first address in readable [start, end) where `marker` starts, or 0. */
static uint64_t search(uint64_t start, uint64_t end, const uint8_t *marker)
{
    for (uint64_t at = start; at + MARKER_SIZE <= end; at++) {
        if (matches_at((const uint8_t *)(uintptr_t)at, marker))
            return at;
    }
    return 0;
}

static void report(struct console *console, const char *marker, uint64_t found_at)
{
    char line[160];

    if (found_at != 0)
        snprintf(line, sizeof(line), "hostile: %s marker found at %#llx\n", marker, (unsigned long long)found_at);
    else
        snprintf(line, sizeof(line), "hostile: %s marker not found\n", marker);
    say(console, line);
}

/* Search every run of readable pages in the windows for both markers; print the runs and what was found. */
static int scan(struct console *console, int64_t fd, uint64_t block_size)
{
    uint64_t found_environment = 0, found_argument = 0, readable_pages = 0;
    char line[160];

    for (size_t w = 0; w < sizeof(scan_windows) / sizeof(scan_windows[0]); w++) {
        uint64_t run_start = 0;
        for (uint64_t page = scan_windows[w].start; page <= scan_windows[w].end; page += PAGE_SIZE) {
            int readable = page < scan_windows[w].end && page_is_readable(fd, block_size, page);
            if (readable) {
                readable_pages++;
                if (run_start == 0)
                    run_start = page;
                continue;
            }
            if (run_start != 0) {
                snprintf(line, sizeof(line), "hostile: readable [%#llx, %#llx)\n", (unsigned long long)run_start,
                         (unsigned long long)page);
                say(console, line);
                if (found_environment == 0)
                    found_environment = search(run_start, page, environment_marker);
                if (found_argument == 0)
                    found_argument = search(run_start, page, argument_marker);
                run_start = 0;
            }
        }
    }
    snprintf(line, sizeof(line), "hostile: scanned %llu readable pages of the tender\n",
             (unsigned long long)readable_pages);
    say(console, line);
    report(console, "environment", found_environment);
    report(console, "argument", found_argument);
    return 0;
}

/* One raw system call on the disk's descriptor; the tender's filter should kill the process before it returns. */
static int raw_transfer(struct console *console, const char *what, int64_t number, int64_t fd, uint64_t length,
                        uint64_t offset)
{
    char line[160];

    snprintf(line, sizeof(line), "hostile: %s: %s of %llu bytes at offset %llu\n", what,
             number == SYS_PWRITE64 ? "pwrite64" : "pread64", (unsigned long long)length, (unsigned long long)offset);
    say(console, line);
    int64_t result = raw_syscall4(number, (uint64_t)fd, (uintptr_t)block_buffer, length, offset);
    snprintf(line, sizeof(line), "hostile: %s returned %lld\n", what, (long long)result);
    say(console, line);
    return 0;
}

int hostile_spt_block_start(struct console *console, struct block *storage)
{
    const char *action = mirage_key_string("action");
    platform_handle_t handle;
    const struct mirage_boot_device *disk = platform_device_find("storage", MIRAGE_DEVICE_BLOCK, &handle);
    uint64_t capacity = storage->capacity, block = storage->block_size;

    if (disk == NULL || block == 0 || block > sizeof(block_buffer) / 2) {
        say(console, "hostile: no usable disk 'storage'\n");
        return 1;
    }
    memset(block_buffer, 'H', sizeof(block_buffer));
    if (strcmp(action, "scan") == 0)
        return scan(console, disk->host_fd, block);
    if (strcmp(action, "write_last_block") == 0)
        return raw_transfer(console, action, SYS_PWRITE64, disk->host_fd, block, capacity - block);
    if (strcmp(action, "write_far_past_end") == 0)
        return raw_transfer(console, action, SYS_PWRITE64, disk->host_fd, block, UINT64_C(16) << 30);
    if (strcmp(action, "write_at_end") == 0)
        return raw_transfer(console, action, SYS_PWRITE64, disk->host_fd, block, capacity);
    if (strcmp(action, "write_unaligned") == 0)
        return raw_transfer(console, action, SYS_PWRITE64, disk->host_fd, block, capacity - block - block / 2);
    if (strcmp(action, "write_oversized") == 0)
        return raw_transfer(console, action, SYS_PWRITE64, disk->host_fd, 2 * block, capacity - block);
    if (strcmp(action, "write_short") == 0)
        return raw_transfer(console, action, SYS_PWRITE64, disk->host_fd, block / 2, 0);
    if (strcmp(action, "read_past_end") == 0)
        return raw_transfer(console, action, SYS_PREAD64, disk->host_fd, block, capacity);
    say(console, "hostile: unknown action\n");
    return 2;
}
