/* bindings.h: what the virtio ABI's startup files tell each other; the rest goes through lib/platform/platform.h. */
#ifndef MIRAGE_TARGETS_VIRTIO_BINDINGS_H
#define MIRAGE_TARGETS_VIRTIO_BINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "targets/virtio/cpu.h"

/* Called by start.S at CPL 0 with the physical address of the PVH start info; returns to drop to CPL 3. */
void virtio_boot_cpl0(uint32_t start_info_paddr);
/* Called by start.S at CPL 3 on the boot stack; never returns. */
_Noreturn void virtio_start(void);

/* start_info.c: copy the command line and pick the heap from the PVH start info. Returns NULL or a message. */
const char *virtio_start_info_read(uint32_t start_info_paddr);
const char *virtio_cmdline(void);
uintptr_t virtio_heap_start(void);
size_t virtio_heap_size(void);
uint64_t virtio_ram_top(void); /* the end of the highest RAM region below 4 GiB */

/* paging.c: replace the boot's identity map with per-segment permissions, at CPL 3. Returns NULL or a message. */
const char *virtio_paging_init(void);
bool virtio_cpu_has_nx(void);

/* cpu_tables.c: load the final GDT, TSS and IDT; whether `address` is a stack guard page. */
void virtio_cpu_tables_init(void);
bool virtio_is_guard_page(uintptr_t address);

/* kvmclock.c: register kvmclock with KVM where CPUID offers it (at CPL 0); whether it is the clock source, its
 * reading (nanoseconds since KVM's origin), and KVM's wall clock at that origin. */
void virtio_kvmclock_init_cpl0(void);
bool virtio_kvmclock_active(void);
uint64_t virtio_kvmclock_read(void);
uint64_t virtio_kvmclock_wall(void);

/* clock.c: find the clock source: kvmclock, else the TSC calibrated against the PIT. */
const char *virtio_clock_init(void);
/* wall_clock.c: fix the wall clock at the monotonic clock's 0, from kvmclock or the CMOS RTC. */
void virtio_wall_clock_init(void);
/* kvmclock's wall clock (nanoseconds since the epoch at monotonic 0), or 0 without kvmclock. */
uint64_t virtio_kvmclock_wall_at_boot(void);
/* Busy-wait about `nsecs` on the PIT; the TSC ticks in exactly `nsecs`, or 0 without a working PIT. */
uint64_t virtio_pit_measure_tsc(uint64_t nsecs);

/* timer_cpl0.c and timer.c: the local APIC's one-shot timer; sleeping with it is virtio_board_sleep_until. */
void virtio_timer_init_cpl0(void);
const char *virtio_timer_init(void);

/* console.c / exit.c, also used at CPL 0 by the fault report. */
void virtio_console_puts(const char *text);
_Noreturn void virtio_exit_code(uint32_t code);
_Noreturn void virtio_fail(const char *message);

#endif
