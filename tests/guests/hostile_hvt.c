/* hostile_hvt.c: an hvt guest that attacks its own code, as the `action` key says: reach CPL 0 through its own
 * int3 gate and write to its text with CR0.WP cleared, or have the tender write a hypercall's result into its text;
 * or just wait `ms` milliseconds, so that a test can look at the running tender. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/console.h"
#include "devices/sleep.h"
#include "lib/runtime/mirage.h"
#include "targets/hvt/hvt_abi.h"

#define GDT_KERNEL_CODE 0x08
#define GATE_INTERRUPT_DPL3 0xee00

/* The image's bounds, from targets/hvt/hvt.ld. */
extern const uint8_t __image_start[];
extern const uint8_t __image_end[];

/* Entered from CPL 3 by `int3` once the gate points here, at CPL 0 with %rdi = an address in the text: clear
 * CR0.WP, so that CPL 0 writes ignore the page tables' read-only bit, and write the byte at %rdi back unchanged.
 * Only the host's mapping of guest memory can stop that write. */
void hostile_cpl0_write_text(void);
__asm__(".text\n"
        ".globl hostile_cpl0_write_text\n"
        ".type hostile_cpl0_write_text, @function\n"
        "hostile_cpl0_write_text:\n"
        "    movq %cr0, %rax\n"
        "    andq $~0x10000, %rax\n"
        "    movq %rax, %cr0\n"
        "    movb (%rdi), %al\n"
        "    movb %al, (%rdi)\n"
        "    iretq\n"
        ".size hostile_cpl0_write_text, . - hostile_cpl0_write_text\n");

/* A function that never runs: the target of the writes into the text. */
static __attribute__((noinline, used)) int hostile_victim(int value)
{
    return value * 3 + 1;
}

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint16_t type;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
};

static void say(struct console *console, const char *text)
{
    console_write(console, text, strlen(text));
}

static uint64_t gate_target(const struct idt_gate *gate)
{
    return gate->offset_low | (uint64_t)gate->offset_middle << 16 | (uint64_t)gate->offset_high << 32;
}

/* The IDT is in the image's writable data (start.S), 16-byte aligned, and its only present gate is the hypercall
 * one: find it by its selector, type and a target inside the image. */
static struct idt_gate *find_hypercall_gate(void)
{
    uint64_t start = (uintptr_t)__image_start, end = (uintptr_t)__image_end;

    for (uint64_t at = start; at + sizeof(struct idt_gate) <= end; at += sizeof(struct idt_gate)) {
        struct idt_gate *gate = (struct idt_gate *)(uintptr_t)at;
        uint64_t target = gate_target(gate);
        if (gate->selector == GDT_KERNEL_CODE && gate->type == GATE_INTERRUPT_DPL3 && gate->reserved == 0 &&
            target >= start && target < end)
            return gate;
    }
    return NULL;
}

static void point_gate(struct idt_gate *gate, uint64_t target)
{
    gate->offset_low = (uint16_t)target;
    gate->offset_middle = (uint16_t)(target >> 16);
    gate->offset_high = (uint32_t)(target >> 32);
}

static int write_text(struct console *console)
{
    uint8_t *target = (uint8_t *)(uintptr_t)&hostile_victim;
    struct idt_gate *gate = find_hypercall_gate();
    char line[160];

    if (gate == NULL) {
        say(console, "hostile: no hypercall gate found\n");
        return 1;
    }
    snprintf(line, sizeof(line), "hostile: writing its own text at %#llx from CPL 0\n",
             (unsigned long long)(uintptr_t)target);
    say(console, line);
    uint64_t hypercall_gate = gate_target(gate);
    point_gate(gate, (uintptr_t)&hostile_cpl0_write_text);
    __asm__ volatile("int3" : : "D"(target) : "rax", "memory");
    point_gate(gate, hypercall_gate); /* hypercalls again, for the console */
    snprintf(line, sizeof(line), "hostile: wrote its own text at %#llx\n", (unsigned long long)(uintptr_t)target);
    say(console, line);
    return 0;
}

static int hypercall_into_text(struct console *console)
{
    uint64_t target = (uintptr_t)&hostile_victim;
    char line[160];

    snprintf(line, sizeof(line), "hostile: asking for WALLTIME at %#llx, in its text\n", (unsigned long long)target);
    say(console, line);
    /* The hypercall as targets/hvt/hypercall.h makes it: int3 into the gate, which does the outl at CPL 0. */
    __asm__ volatile("int3"
                     :
                     : "a"((uint32_t)target), "d"((uint16_t)(HVT_HYPERCALL_PIO_BASE + HVT_HYPERCALL_WALLTIME))
                     : "memory");
    snprintf(line, sizeof(line), "hostile: the tender wrote into its text at %#llx\n", (unsigned long long)target);
    say(console, line);
    return 0;
}

int hostile_hvt_start(struct console *console, struct sleep *time)
{
    const char *action = mirage_key_string("action");

    if (strcmp(action, "write_text") == 0)
        return write_text(console);
    if (strcmp(action, "hypercall_into_text") == 0)
        return hypercall_into_text(console);
    if (strcmp(action, "wait") == 0) {
        say(console, "hostile: waiting\n");
        if (sleep_ns(time, (uint64_t)mirage_key_int("ms") * UINT64_C(1000000)) != 0)
            return 1;
        say(console, "hostile: waited\n");
        return 0;
    }
    say(console, "hostile: unknown action\n");
    return 2;
}
