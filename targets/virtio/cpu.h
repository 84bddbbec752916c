/* cpu.h: the layout the startup assembly and the C files agree on: segment selectors, vectors, stacks, tables. */
#ifndef MIRAGE_TARGETS_VIRTIO_CPU_H
#define MIRAGE_TARGETS_VIRTIO_CPU_H

#define VIRTIO_PAGE_SIZE 0x1000
#define VIRTIO_LARGE_PAGE_SIZE 0x200000

#include "lib/platform/x86_gdt.h"

/* RFLAGS for the unikernel at CPL 3: IOPL 0 and IF = 0 (interrupts are taken only in the gate's hlt). */
#define VIRTIO_USER_RFLAGS 0x0002

#define VIRTIO_TIMER_VECTOR 0x40
/* The virtio-mmio devices' interrupts, all on one vector (interrupts.c). */
#define VIRTIO_DEVICE_VECTOR 0x41
/* CPL 3 asks CPL 0 for what it may not do with `int3` (the one software interrupt KVM on PVM delivers from CPL 3;
 * `int $0x80` and others raise #UD there), %ecx saying what: port I/O with %dx the port and %al / %eax the value
 * (port_io.h), waiting for an interrupt (timer.c), or switching to the final page tables (paging.c). */
#define VIRTIO_GATE_VECTOR 3
#define VIRTIO_GATE_OUTB 0
#define VIRTIO_GATE_INB 1
#define VIRTIO_GATE_OUTL 2
#define VIRTIO_GATE_HALT 3
#define VIRTIO_GATE_LOAD_PAGE_TABLES 4
#define VIRTIO_SPURIOUS_VECTOR 0xff

/* The page tables, one page-aligned block (paging.c). start.S builds the boot's map (PML4, PDPT and, without 1 GiB
 * pages, four page directories); paging.c builds the final one beside it (PML4, PDPT, four directories of 2 MiB
 * pages, and 4 KiB page tables for the first VIRTIO_SMALL_PAGE_TABLES * 2 MiB) and switches to
 * it: tables in use are never written from CPL 3 (KVM on PVM, with shadow paging, faults such writes). */
#define VIRTIO_PT_DIRECTORIES 4
#define VIRTIO_PT_BOOT_PML4 0x0000
#define VIRTIO_PT_BOOT_PDPT 0x1000
#define VIRTIO_PT_BOOT_PD 0x2000
#define VIRTIO_PT_PML4 0x6000
#define VIRTIO_PT_PDPT 0x7000
#define VIRTIO_PT_PD 0x8000
#define VIRTIO_PT_SMALL 0xc000
#define VIRTIO_SMALL_PAGE_TABLES 16

/* The stacks, one page-aligned block (cpu_tables.c), each above an unmapped guard page. */
#define VIRTIO_STACK_GUARD VIRTIO_PAGE_SIZE
#define VIRTIO_BOOT_STACK_SIZE 0x40000     /* the unikernel's stack, at CPL 0 during boot then CPL 3 */
#define VIRTIO_INTERRUPT_STACK_SIZE 0x4000 /* TSS.rsp0: the int3 gate and the timer interrupt */
#define VIRTIO_EXCEPTION_STACK_SIZE 0x4000 /* IST1: exceptions, so a blown stack still gets its report */
#define VIRTIO_BOOT_STACK_TOP (VIRTIO_STACK_GUARD + VIRTIO_BOOT_STACK_SIZE)
#define VIRTIO_INTERRUPT_STACK_TOP (VIRTIO_BOOT_STACK_TOP + VIRTIO_STACK_GUARD + VIRTIO_INTERRUPT_STACK_SIZE)
#define VIRTIO_EXCEPTION_STACK_TOP (VIRTIO_INTERRUPT_STACK_TOP + VIRTIO_STACK_GUARD + VIRTIO_EXCEPTION_STACK_SIZE)

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* CPL 0 code is marked one way: its file includes targets/virtio/cpl0.h first. */

extern uint8_t virtio_page_tables[];
extern uint8_t virtio_stacks[];

#endif

#endif
