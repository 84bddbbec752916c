/* bindings.h: what the rpi4 board's files tell each other; the rest goes through lib/platform/platform.h. */
#ifndef MIRAGE_TARGETS_RPI4_BINDINGS_H
#define MIRAGE_TARGETS_RPI4_BINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The line that ends every run on the console, "rpi4: exit NNN" (three digits): how a runner that sees only the
 * serial port (QEMU's raspi4b ends with status 0 on a reset) learns the unikernel's exit code. */
#define RPI4_EXIT_REPORT_PREFIX "rpi4: exit "

/* What vectors.S saves of the interrupted code; `kind` is the vector's index (0-15). */
struct rpi4_fault_frame {
    uint64_t x[31];
    uint64_t sp;
    uint64_t kind;
    uint64_t reserved;
};
_Static_assert(sizeof(struct rpi4_fault_frame) == 272, "vectors.S saves a frame of this size");

/* Called by start.S at EL1, MMU off, on the boot stack, with the device tree's address (0 without one). */
_Noreturn void rpi4_boot(uint64_t device_tree);
/* Called by vectors.S on the fault stack; prints the report and ends the board. */
_Noreturn void rpi4_fault_report(const struct rpi4_fault_frame *frame);

/* vectors.S: read the 32-bit device register at `address` into `*value`, or return false when reading it raises
 * an exception (no device answers there). */
bool rpi4_probe_read32(uint64_t address, uint32_t *value);

/* console.c: the PL011 on GPIO 14/15. */
void rpi4_console_init(void);
void rpi4_console_puts(const char *text);
bool rpi4_console_at_line_start(void);
void rpi4_console_put_hex(uint64_t value);
void rpi4_console_put_decimal(uint64_t value);

/* paging.c: identity-map RAM and the peripherals with W^X permissions and turn the MMU and caches on. */
void rpi4_paging_init(void);

/* timer.c: the generic timer's frequency, the GIC-400 setup that lets its interrupt wake wfi, and sleeping. */
const char *rpi4_timer_init(void);
void rpi4_timer_sleep_until(uint64_t deadline_ns);

/* boot_args.c: the board's own boot words taken out of the device tree's command line. */
void rpi4_wall_clock_set(uint64_t nsecs_at_boot, bool given);

/* sdhci.c: the SD card in the EMMC2 slot, in 512-byte blocks: start it (NULL, or why not) and move whole blocks
 * (offset and size multiples of 512, checked by lib/platform before). */
#define RPI4_SD_BLOCK_SIZE 512u
const char *rpi4_sd_start(uint64_t *capacity);
bool rpi4_sd_read(uint64_t offset, uint8_t *buf, size_t size);
bool rpi4_sd_write(uint64_t offset, const uint8_t *buf, size_t size);

/* devices.c: refuse an image whose manifest names devices this board cannot attach. */
void rpi4_devices_init(void);

/* exit.c */
_Noreturn void rpi4_exit_code(uint32_t code);
_Noreturn void rpi4_fail(const char *message);

#endif
