/* bindings.h: what the virt_arm64 ABI's startup files tell each other; the rest goes through
 * lib/platform/platform.h, and the virtio drivers' own interface is targets/virtio/virtio.h. */
#ifndef MIRAGE_TARGETS_VIRT_ARM64_BINDINGS_H
#define MIRAGE_TARGETS_VIRT_ARM64_BINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The registers vectors.S saves on the exception stack, in this order. */
struct virt_trap_frame {
    uint64_t x[31];
    uint64_t sp_el0;
};

/* Called by start.S on the boot stack with the MMU off; never returns. */
_Noreturn void virt_boot(void);
/* Called by vectors.S on the exception stack; prints the report and ends the guest. */
_Noreturn void virt_fault_report(const struct virt_trap_frame *frame, uint64_t vector);

/* mmu.c: identity-map devices, RAM and the image (W^X per segment, the stack's guard page unmapped) and turn the
 * MMU and caches on. Returns NULL or a message. */
const char *virt_mmu_init(void);

/* device_tree.c: read the boot arguments and the RAM's extent from the device tree QEMU put at VIRT_RAM_BASE.
 * Returns NULL or a message. */
const char *virt_device_tree_read(void);
const char *virt_cmdline(void);
uint64_t virt_ram_end(void);

/* clock.c: the generic timer's counter as nanoseconds, and the wall clock from the PL031 RTC at boot; the counter
 * now, and its value when the monotonic clock reads `nsecs`. */
const char *virt_clock_init(void);
uint64_t virt_counter_read(void);
uint64_t virt_counter_at(uint64_t nsecs);

/* gic.c and timer.c: the GIC set up so that the virtual timer and routed virtio lines wake `wfi` (interrupts stay
 * masked at the CPU: nothing is taken, and nothing needs an acknowledgement at the GIC); sleeping until a deadline. */
void virt_gic_init(void);
void virt_gic_enable(uint32_t intid);
void virt_timer_sleep_until(uint64_t deadline);

/* interrupts.c: acknowledge, at each routed virtio device, the interrupt that woke the CPU, so its line drops. */
void virt_interrupts_acknowledge(void);

/* entropy.c: find the virtio-rng device the runner attaches (virt_abi.h); without it platform_entropy fails. */
void virt_entropy_init(void);

/* console.c / exit.c, also used by the fault report. */
void virt_console_puts(const char *text);
_Noreturn void virt_exit_code(uint32_t code);
_Noreturn void virt_fail(const char *message);

#endif
