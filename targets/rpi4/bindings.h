/* bindings.h: what the rpi4 board's files tell each other; the shared aarch64 code's interface is
 * lib/platform/aarch64/board.h, the rest goes through lib/platform/platform.h. */
#ifndef MIRAGE_TARGETS_RPI4_BINDINGS_H
#define MIRAGE_TARGETS_RPI4_BINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The line that ends every run on the console, "rpi4: exit NNN" (three digits): how a runner that sees only the
 * serial port (QEMU's raspi4b ends with status 0 on a reset) learns the unikernel's exit code. */
#define RPI4_EXIT_REPORT_PREFIX "rpi4: exit "

/* Called by start.S at EL1, MMU off, on the boot stack, with the device tree's address (0 without one). */
_Noreturn void rpi4_boot(uint64_t device_tree);

/* console.c: the PL011 on GPIO 14/15, made the console. */
void rpi4_console_init(void);

/* timer.c: the generic timer's physical counter as the monotonic clock, its interrupt let through the GIC-400 to
 * wake wfi. Returns NULL or what is wrong. */
const char *rpi4_timer_init(void);

/* sdhci.c: the SD card in the EMMC2 slot, in 512-byte blocks: start it (NULL, or why not) and move whole blocks
 * (offset and size multiples of 512, checked by lib/platform before). */
#define RPI4_SD_BLOCK_SIZE 512u
const char *rpi4_sd_start(uint64_t *capacity);
bool rpi4_sd_read(uint64_t offset, uint8_t *buf, size_t size);
bool rpi4_sd_write(uint64_t offset, const uint8_t *buf, size_t size);

/* devices.c: refuse an image whose manifest names devices this board cannot attach. */
void rpi4_devices_init(void);

#endif
