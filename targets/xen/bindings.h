/* bindings.h: what the xen ABI's startup files tell each other; the rest goes through lib/platform/platform.h. */
#ifndef MIRAGE_TARGETS_XEN_BINDINGS_H
#define MIRAGE_TARGETS_XEN_BINDINGS_H

#include "targets/xen/xen_public.h"

/* The boot's page tables (start.S): PML4, PDPT and four page directories, mapping 4 GiB. */
#define XEN_BOOT_PML4 0x0000
#define XEN_BOOT_PDPT 0x1000
#define XEN_BOOT_PD 0x2000
#define XEN_BOOT_PAGE_TABLES_SIZE 0x6000
#define XEN_BOOT_STACK_SIZE 0x40000
/* Event channel upcalls arrive as this vector (HVM_PARAM_CALLBACK_IRQ), taken only while yield.c blocks. */
#define XEN_UPCALL_VECTOR 0x40

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern uint8_t xen_boot_page_tables[];
extern uint8_t xen_boot_stack[];

/* Called by start.S on the boot stack with the start info's physical address; never returns. */
_Noreturn void xen_start(uint32_t start_info_paddr);

/* cpu_tables.c: the IDT (exceptions, the upcall vector). */
void xen_cpu_tables_init(void);

/* paging.c: replace the boot's map with per-segment permissions. Returns NULL or a message. */
const char *xen_paging_init(void);

/* shared_info.c: map Xen's shared info page; the page, once mapped (NULL before). */
const char *xen_shared_info_init(void);
volatile struct xen_shared_info *xen_shared_info(void);

/* console.c: find the console ring; until then (and if it fails) output is dropped. */
const char *xen_console_init(void);
void xen_console_puts(const char *text);
/* Wait (bounded) until the console daemon took everything written. */
void xen_console_flush(void);

/* clock.c: the monotonic clock from the pvclock in shared info, and Xen's system time at monotonic 0. */
const char *xen_clock_init(void);
uint64_t xen_system_time_at_boot(void);

/* yield.c: bind the timer's event channel and the upcall vector. */
const char *xen_yield_init(void);

/* exit.c */
_Noreturn void xen_crash(void);
_Noreturn void xen_fail(const char *message);

/* entropy.c: whether the CPU has RDRAND or RDSEED; says so on the console when it has neither. */
void xen_entropy_init(void);
/* devices.c: the (empty) device table. */
void xen_devices_init(void);
#endif

#endif
