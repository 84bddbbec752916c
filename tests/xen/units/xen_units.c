/* xen_units.c: the xen ABI's pure parts on the build host, as TAP: the console ring's producer against an honest
 * and a lying backend (wrap-around, a full ring, impossible consumer indices), the event channel bitmaps, the
 * pvclock arithmetic, and the PVH start info reader against hostile start infos. Built by Pants as a host program
 * (tests/xen/units) and run by tests/xen/units_test.py; under ASan and UBSan by hand, from the repository root:
 *   gcc -std=c11 -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=undefined -I. \
 *       -o /tmp/xen_units tests/xen/units/xen_units.c targets/xen/console_ring.c targets/xen/evtchn.c \
 *       lib/platform/pvh_start_info.c lib/testing/tap.c && /tmp/xen_units */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/platform/pvclock.h"
#include "lib/platform/pvh_start_info.h"
#include "lib/testing/tap.h"
#include "targets/xen/console_ring.h"
#include "targets/xen/evtchn.h"

#define RING 2048u

/* --- console ring -------------------------------------------------------------------------------------------- */

/* What the backend would read: `count` bytes from its consumer index, then it consumes them. */
static void backend_consume(struct xencons_interface *page, char *out, size_t count)
{
    for (size_t i = 0; i < count; i++)
        out[i] = page->out[(page->out_cons + i) & (RING - 1)];
    page->out_cons += (XENCONS_RING_IDX)count;
}

static void ring_checks(void)
{
    static struct xencons_interface page;
    struct xen_console_ring ring;
    char text[RING + 100], seen[RING + 100];

    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + i % 26);

    memset(&page, 0, sizeof page);
    xen_console_ring_init(&ring, &page);
    size_t written = xen_console_ring_write(&ring, "hello", 5);
    tap_check(written == 5 && page.out_prod == 5 && memcmp(page.out, "hello", 5) == 0, "a write lands and is published",
              "wrote %zu, out_prod %u", written, page.out_prod);
    tap_check(!xen_console_ring_drained(&ring), "unconsumed output is not drained", "%s", "");
    backend_consume(&page, seen, 5);
    tap_check(xen_console_ring_drained(&ring), "consumed output is drained", "%s", "");

    /* A full ring takes exactly its size, then nothing, until the backend consumes. */
    written = xen_console_ring_write(&ring, text, sizeof text);
    tap_check(written == RING, "a long write fills the ring and stops", "wrote %zu", written);
    tap_check(xen_console_ring_write(&ring, text, 10) == 0, "a full ring takes nothing", "%s", "");
    backend_consume(&page, seen, 100);
    written = xen_console_ring_write(&ring, text + RING, 100);
    tap_check(written == 100, "consumed room is reused", "wrote %zu", written);
    backend_consume(&page, seen, RING);
    tap_check(memcmp(seen, text + 100, RING - 100) == 0 && memcmp(seen + RING - 100, text + RING, 100) == 0,
              "bytes come out in order across the ring's end", "%s", "");

    /* Indices that wrap past 2^32. */
    memset(&page, 0, sizeof page);
    page.out_prod = page.out_cons = UINT32_MAX - 3;
    xen_console_ring_init(&ring, &page);
    written = xen_console_ring_write(&ring, "0123456789", 10);
    tap_check(written == 10 && page.out_prod == 6, "the producer index wraps modulo 2^32", "out_prod %u",
              page.out_prod);
    backend_consume(&page, seen, 10);
    tap_check(memcmp(seen, "0123456789", 10) == 0 && xen_console_ring_drained(&ring),
              "bytes written across the index wrap read back", "%s", "");

    /* A consumer index ahead of the producer: impossible, so the ring is broken for good. */
    memset(&page, 0, sizeof page);
    xen_console_ring_init(&ring, &page);
    (void)xen_console_ring_write(&ring, "abc", 3);
    page.out_cons = 10;
    tap_check(xen_console_ring_write(&ring, "x", 1) == 0 && ring.broken, "a consumer ahead of the producer breaks it",
              "%s", "");
    page.out_cons = 3;
    tap_check(xen_console_ring_write(&ring, "x", 1) == 0 && xen_console_ring_drained(&ring),
              "a broken ring stays broken and counts as drained", "%s", "");

    /* A consumer more than the ring's size behind: would make the producer overwrite unread bytes. */
    memset(&page, 0, sizeof page);
    xen_console_ring_init(&ring, &page);
    (void)xen_console_ring_write(&ring, "abc", 3);
    page.out_cons = (XENCONS_RING_IDX)(3 - RING - 1);
    tap_check(xen_console_ring_write(&ring, "x", 1) == 0 && ring.broken, "a consumer too far behind breaks it", "%s",
              "");

    /* The backend rewrites out_prod: the guest keeps its own index. */
    memset(&page, 0, sizeof page);
    xen_console_ring_init(&ring, &page);
    (void)xen_console_ring_write(&ring, "abc", 3);
    page.out_prod = 1000;
    (void)xen_console_ring_write(&ring, "def", 3);
    tap_check(page.out_prod == 6 && memcmp(page.out, "abcdef", 6) == 0, "a forged out_prod is ignored", "out_prod %u",
              page.out_prod);
    tap_check(xen_console_ring_write(&ring, "", 0) == 0 && page.out_prod == 6, "an empty write writes nothing", "%s",
              "");
}
#define RING_CHECKS 14

/* --- event channels ------------------------------------------------------------------------------------------ */

static void evtchn_checks(void)
{
    /* Guard words on both sides: an invalid port must touch neither. */
    static uint64_t memory[66];
    uint64_t *bitmap = &memory[1];

    tap_check(xen_evtchn_port_valid(0) && xen_evtchn_port_valid(4095), "ports 0 and 4095 are valid", "%s", "");
    tap_check(!xen_evtchn_port_valid(4096) && !xen_evtchn_port_valid(UINT64_MAX) &&
                  !xen_evtchn_port_valid(UINT64_C(1) << 32),
              "ports past the 2-level ABI are not", "%s", "");
    tap_check(xen_evtchn_set(bitmap, 4095) && bitmap[63] == UINT64_C(1) << 63, "port 4095 is word 63's top bit",
              "word 63 = %#llx", (unsigned long long)bitmap[63]);
    tap_check(xen_evtchn_set(bitmap, 65) && bitmap[1] == 2, "port 65 is word 1's bit 1", "%s", "");
    tap_check(xen_evtchn_test_and_clear(bitmap, 65) && bitmap[1] == 0, "test and clear returns a set bit and clears it",
              "%s", "");
    tap_check(!xen_evtchn_test_and_clear(bitmap, 65), "test and clear of a clear bit returns false", "%s", "");
    bitmap[0] = UINT64_MAX;
    tap_check(xen_evtchn_test_and_clear(bitmap, 5) && bitmap[0] == (UINT64_MAX & ~(UINT64_C(1) << 5)),
              "clearing one port leaves its neighbours", "%s", "");
    tap_check(!xen_evtchn_set(bitmap, 4096) && !xen_evtchn_test_and_clear(bitmap, UINT64_MAX) && memory[0] == 0 &&
                  memory[65] == 0,
              "invalid ports touch nothing", "%s", "");
}
#define EVTCHN_CHECKS 8

/* --- pvclock ------------------------------------------------------------------------------------------------- */

static void pvclock_checks(void)
{
    tap_check(pvclock_scale_delta(1000, 0x80000000u, 0) == 500, "mul 2^31 halves", "%s", "");
    tap_check(pvclock_scale_delta(1000, 0x80000000u, 1) == 1000, "shift 1 doubles first", "%s", "");
    tap_check(pvclock_scale_delta(1000, 0x80000000u, -2) == 125, "shift -2 quarters first", "%s", "");
    /* A 3 GHz TSC: Xen's mul for 1/3 ns per tick with shift 0 is about 2^32 / 3. */
    uint64_t ns = pvclock_scale_delta(UINT64_C(3000000000), 0x55555555u, 0);
    tap_check(ns >= 999999999u && ns <= 1000000000u, "3e9 ticks at 3 GHz are a second", "%llu", (unsigned long long)ns);
    const uint64_t widest = (uint64_t)(((unsigned __int128)UINT64_MAX * UINT32_MAX) >> 32);
    tap_check(pvclock_scale_delta(UINT64_MAX, UINT32_MAX, 0) == widest && widest > UINT64_C(0xfffffffe00000000),
              "the product is 96 bits wide, not truncated to 64", "%s", "");
    tap_check(pvclock_scale_delta(UINT64_C(1) << 62, UINT32_MAX, 4) == widest, "a left shift that overflows saturates",
              "%s", "");
    tap_check(pvclock_scale_delta(12345, UINT32_MAX, 127) == widest &&
                  pvclock_scale_delta(12345, UINT32_MAX, -128) == 0 && pvclock_scale_delta(0, UINT32_MAX, 127) == 0,
              "shifts past 63 saturate rather than shift by more than the width", "%s", "");

    volatile struct pvclock_vcpu_time_info record = {
        .version = 2, .tsc_timestamp = 1000, .system_time = 5000, .tsc_to_system_mul = 0x80000000u, .tsc_shift = 0};
    struct pvclock_vcpu_time_info snapshot;
    tap_check(pvclock_snapshot(&record, &snapshot) && snapshot.system_time == 5000 && snapshot.tsc_timestamp == 1000,
              "an even version gives a snapshot", "%s", "");
    tap_check(pvclock_nsecs(&snapshot, 3000) == 6000, "system time advances by the scaled delta", "%llu",
              (unsigned long long)pvclock_nsecs(&snapshot, 3000));
    tap_check(pvclock_nsecs(&snapshot, 10) == 5000, "a TSC behind the record counts as no time", "%s", "");
    record.version = 3;
    tap_check(!pvclock_snapshot(&record, &snapshot), "an odd version (an update in progress) gives none", "%s", "");
}
#define PVCLOCK_CHECKS 11

/* --- PVH start info ------------------------------------------------------------------------------------------ */

#define GUEST_SIZE (UINT64_C(4) << 20)
#define INFO_AT 0x1000u
#define MAP_AT 0x2000u
#define CMDLINE_AT 0x3000u
#define IMAGE_END 0x100000u
#define HEAP_MIN 0x10000u

static uint8_t *guest;

static struct pvh_start_info *info(void)
{
    return (struct pvh_start_info *)(void *)(guest + INFO_AT);
}

static struct pvh_memmap_entry *map(void)
{
    return (struct pvh_memmap_entry *)(void *)(guest + MAP_AT);
}

/* An honest start info: RAM below 640 KiB and from 1 MiB to the end, a reserved hole, a command line. */
static void honest(void)
{
    memset(guest, 0, GUEST_SIZE);
    *info() = (struct pvh_start_info){.magic = PVH_START_INFO_MAGIC,
                                      .version = 1,
                                      .cmdline_paddr = CMDLINE_AT,
                                      .memmap_paddr = MAP_AT,
                                      .memmap_entries = 3};
    map()[0] = (struct pvh_memmap_entry){.addr = 0, .size = 0xa0000, .type = PVH_MEMMAP_TYPE_RAM};
    map()[1] = (struct pvh_memmap_entry){.addr = 0xa0000, .size = 0x60000, .type = 2};
    map()[2] = (struct pvh_memmap_entry){.addr = 0x100000, .size = GUEST_SIZE - 0x100000, .type = PVH_MEMMAP_TYPE_RAM};
    strcpy((char *)guest + CMDLINE_AT, "--count=2 --message=hi");
}

static const char *read_info(struct pvh_boot *boot, uint64_t at)
{
    const struct pvh_memory memory = {.base = (uintptr_t)guest, .size = GUEST_SIZE};
    return pvh_start_info_read(&memory, at, IMAGE_END + 0x20000, HEAP_MIN, boot);
}

static void start_info_checks(void)
{
    static struct pvh_boot boot;
    guest = calloc(1, GUEST_SIZE);
    if (guest == NULL) {
        fprintf(stderr, "xen_units: no memory for the fake guest\n");
        exit(2);
    }

    honest();
    const char *problem = read_info(&boot, INFO_AT);
    tap_check(problem == NULL && strcmp(boot.cmdline, "--count=2 --message=hi") == 0, "an honest start info reads",
              "%s", problem ? problem : boot.cmdline);
    tap_check(boot.heap_start == IMAGE_END + 0x20000 && boot.heap_end == GUEST_SIZE && boot.ram_top == GUEST_SIZE,
              "the heap is the RAM above the image", "heap %#llx-%#llx", (unsigned long long)boot.heap_start,
              (unsigned long long)boot.heap_end);

    honest();
    info()->magic = 0;
    tap_check(read_info(&boot, INFO_AT) != NULL, "a wrong magic is refused", "%s", "");
    tap_check(read_info(&boot, 0) != NULL && read_info(&boot, GUEST_SIZE - 8) != NULL &&
                  read_info(&boot, UINT64_MAX - 4) != NULL,
              "a start info at 0, across the end or wrapping is refused", "%s", "");

    honest();
    info()->version = 0;
    tap_check(read_info(&boot, INFO_AT) != NULL, "version 0 (no memory map) is refused", "%s", "");

    honest();
    info()->memmap_entries = 0;
    tap_check(read_info(&boot, INFO_AT) != NULL, "an empty memory map is refused", "%s", "");
    info()->memmap_entries = PVH_MEMMAP_MAX_ENTRIES + 1;
    tap_check(read_info(&boot, INFO_AT) != NULL, "a memory map longer than 128 entries is refused", "%s", "");
    info()->memmap_entries = UINT32_MAX;
    tap_check(read_info(&boot, INFO_AT) != NULL, "a count of 2^32 - 1 entries is refused unread", "%s", "");
    info()->memmap_entries = 3;
    info()->memmap_paddr = GUEST_SIZE - 24;
    tap_check(read_info(&boot, INFO_AT) != NULL, "a memory map running off the end is refused", "%s", "");
    info()->memmap_paddr = UINT64_MAX - 16;
    tap_check(read_info(&boot, INFO_AT) != NULL, "a memory map address that wraps is refused", "%s", "");

    honest();
    map()[2].size = UINT64_MAX; /* addr + size wraps: skipped, leaving too little heap */
    tap_check(read_info(&boot, INFO_AT) != NULL && boot.heap_end - boot.heap_start < HEAP_MIN,
              "a RAM entry whose end wraps is skipped", "heap %#llx-%#llx", (unsigned long long)boot.heap_start,
              (unsigned long long)boot.heap_end);

    honest();
    map()[2].size = UINT64_C(1) << 40; /* RAM past what the view maps: clipped to it */
    problem = read_info(&boot, INFO_AT);
    tap_check(problem == NULL && boot.heap_end == GUEST_SIZE && boot.ram_top == GUEST_SIZE,
              "RAM beyond the mapped memory is clipped", "%s", problem ? problem : "");

    honest();
    map()[2].type = 2;
    tap_check(read_info(&boot, INFO_AT) != NULL, "no RAM above the image is refused (no heap)", "%s", "");

    honest();
    info()->cmdline_paddr = 0;
    problem = read_info(&boot, INFO_AT);
    tap_check(problem == NULL && boot.cmdline[0] == '\0', "no command line reads as empty", "%s", "");

    honest();
    info()->cmdline_paddr = GUEST_SIZE - 4;
    memcpy(guest + GUEST_SIZE - 4, "abcd", 4); /* no NUL before the end of memory */
    problem = read_info(&boot, INFO_AT);
    tap_check(problem != NULL && boot.cmdline[0] == '\0', "a command line running off the end is refused", "%s",
              problem ? problem : "accepted");

    honest();
    memset(guest + CMDLINE_AT, 'x', PLATFORM_CMDLINE_SIZE);
    problem = read_info(&boot, INFO_AT);
    tap_check(problem != NULL && boot.cmdline[0] == '\0', "a command line of 8192 bytes without NUL is refused", "%s",
              problem ? problem : "accepted");
    guest[CMDLINE_AT + PLATFORM_CMDLINE_SIZE - 1] = '\0';
    problem = read_info(&boot, INFO_AT);
    tap_check(problem == NULL && strlen(boot.cmdline) == PLATFORM_CMDLINE_SIZE - 1,
              "a command line of 8191 bytes reads whole", "%s", problem ? problem : "");

    honest();
    map()[0] = (struct pvh_memmap_entry){.addr = 0x200000, .size = 0x200000, .type = PVH_MEMMAP_TYPE_RAM};
    map()[2] = (struct pvh_memmap_entry){.addr = 0x100000, .size = 0x80000, .type = PVH_MEMMAP_TYPE_RAM};
    problem = read_info(&boot, INFO_AT);
    tap_check(problem == NULL && boot.heap_start == 0x200000 && boot.heap_end == 0x400000,
              "the largest RAM region above the image is the heap", "heap %#llx-%#llx",
              (unsigned long long)boot.heap_start, (unsigned long long)boot.heap_end);
    free(guest);
}
#define START_INFO_CHECKS 18

int main(void)
{
    static const struct tap_group groups[] = {
        {"console ring", ring_checks, RING_CHECKS},
        {"event channels", evtchn_checks, EVTCHN_CHECKS},
        {"pvclock", pvclock_checks, PVCLOCK_CHECKS},
        {"start info", start_info_checks, START_INFO_CHECKS},
    };
    return tap_run_groups("xen_units", groups, sizeof groups / sizeof groups[0]);
}
