/* board.h: the interface between an aarch64 board (targets/virt_arm64, targets/rpi4) and the aarch64 code they
 * share (this folder): what each shared file provides, and the little each board supplies, which is all that
 * differs between boards (addresses, interrupt numbers, clock rates, memory layout, how the machine ends). */
#ifndef MIRAGE_LIB_PLATFORM_AARCH64_BOARD_H
#define MIRAGE_LIB_PLATFORM_AARCH64_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Supplied by the board ---- */

/* The board's name, which starts every line the shared code prints ("rpi4: fault: ..."). */
extern const char aarch64_board_name[];
/* End the machine with `code` (0 to 255), reporting it the board's way; called once, perhaps after a fault. */
_Noreturn void aarch64_board_exit(uint32_t code);
/* From the board's linker script or start.S: the image's segments, and the unmapped guard page below the boot
 * stack ([__stack_guard, __stack_bottom)). */
extern const unsigned char __image_start[], __rodata_start[], __data_start[], __image_end[];
extern const unsigned char __stack_guard[], __stack_bottom[];

/* ---- vectors.S and fault.c: every exception is a fault, reported on a stack of its own ---- */

/* What vectors.S saves of the interrupted code; `kind` is the vector's index (0-15), `sp` the stack pointer that
 * code used (SP_EL0 for vectors 0-3, SP_EL1 otherwise). */
struct aarch64_fault_frame {
    uint64_t x[31];
    uint64_t sp;
    uint64_t kind;
    uint64_t reserved;
};
_Static_assert(sizeof(struct aarch64_fault_frame) == 272, "vectors.S saves a frame of this size");

/* The vectors VBAR_EL1 takes (start.S installs them). */
extern const unsigned char aarch64_vectors[];
/* Called by vectors.S on the fault stack: prints the vector, ESR, FAR, ELR, SPSR and the registers, names a fault
 * in the guard page as a stack overflow, and ends the machine with PLATFORM_EXIT_ABORT. */
_Noreturn void aarch64_fault_report(const struct aarch64_fault_frame *frame);
/* Read the 32-bit device register at `address` into `*value`, or return false when reading it raises a
 * synchronous exception (no device answers there); from EL1 on SP_EL1. */
bool aarch64_probe_read32(uint64_t address, uint32_t *value);

/* ---- exit.c ---- */

/* End the machine with `code`; a code above 255 becomes PLATFORM_EXIT_ABORT. */
_Noreturn void aarch64_exit(uint32_t code);
/* Print "<board>: <message>" on a line of its own and end the machine with PLATFORM_EXIT_ABORT. */
_Noreturn void aarch64_fail(const char *message);

/* ---- pl011.c: the console on a PL011 UART, polled ---- */

/* Program the UART at `base` for `baud` 8N1 from its `clock_hz` reference clock and make it the console. Until
 * then console output is dropped. */
void pl011_init(uint64_t base, uint32_t clock_hz, uint32_t baud);
void pl011_puts(const char *text);
/* Whether the last byte written ended a line (or none was written), so a report starts a line of its own. */
bool pl011_at_line_start(void);

/* ---- generic_timer.c: the monotonic clock and sleeping, on the generic timer ---- */

enum aarch64_timer {
    AARCH64_TIMER_PHYSICAL, /* CNTPCT_EL0 and the EL1 physical timer (EL2 must grant them, CNTHCTL_EL2) */
    AARCH64_TIMER_VIRTUAL,  /* CNTVCT_EL0 and the EL1 virtual timer */
};
/* Start the monotonic clock on `timer` at CNTFRQ_EL0 Hz. Returns NULL or what is wrong. */
const char *aarch64_timer_init(enum aarch64_timer timer);
/* Wait in `wfi` with the timer armed for `deadline` (monotonic nanoseconds): returns at the deadline, or earlier
 * when another enabled interrupt (or none at all) ends `wfi`; the caller looks at the clock again. The timer's
 * interrupt must be enabled at the GIC (gicv2.c) to wake the core; PSTATE.I stays masked, so it is never taken. */
void aarch64_timer_sleep_until(uint64_t deadline);

/* ---- wall_clock.c ---- */

/* The wall clock is `nsecs_at_boot` (since the epoch, when the monotonic clock read 0) plus the monotonic clock. */
void aarch64_wall_clock_set(uint64_t nsecs_at_boot);

/* ---- gicv2.c: a GICv2 (or GIC-400) set up only to wake `wfi` ---- */

/* Enable the distributor at `distributor` and the CPU interface at `cpu_interface`, all priorities through. */
void gicv2_init(uint64_t distributor, uint64_t cpu_interface);
/* Let interrupt `intid` (a PPI, or an SPI routed to CPU 0) end `wfi`. */
void gicv2_enable(uint32_t intid);

/* ---- mmu.c: the identity map, W^X, and the MMU and caches turned on over it ---- */

/* What a board's physical address space holds below 4 GiB, each range 2 MiB-aligned (end exclusive): RAM, mapped
 * as normal memory that never executes (the image inside it gets its segments' permissions), and devices. */
struct aarch64_memory_map {
    uint64_t ram_start, ram_end;
    uint64_t device_start, device_end;
};
/* Map `map` and the image (text read-only and executable, read-only data, everything writable never executable,
 * SCTLR_EL1.WXN on, the guard page unmapped) and turn the MMU and caches on. Returns NULL or what is wrong. */
const char *aarch64_mmu_init(const struct aarch64_memory_map *map);

#endif
