/* fault.c: the report of a CPU exception: one line naming the vector, RIP, CR2 and error code, then the general
 * registers, on the serial console; then QEMU ends with PLATFORM_EXIT_ABORT. Runs at CPL 0 on its own stack. */
#include "targets/virtio/cpl0.h"

#include <stdint.h>

#include "lib/platform/device_model.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/pvh_abi.h"

static const char *const mnemonics[VIRTIO_EXCEPTION_VECTORS] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

/* "0x" and 16 hex digits, NUL-terminated, in `out` (19 bytes). */
static void format_hex(uint64_t value, char out[19])
{
    static const char digits[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 16; i++)
        out[2 + i] = digits[(value >> (60 - 4 * i)) & 0xf];
    out[18] = '\0';
}

static void put_hex(const char *label, uint64_t value)
{
    char hex[19];
    format_hex(value, hex);
    virtio_console_puts(label);
    virtio_console_puts(hex);
}

static void put_decimal(uint64_t value)
{
    char text[21];
    int at = 20;
    text[at] = '\0';
    do {
        text[--at] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0 && at > 0);
    virtio_console_puts(&text[at]);
}

_Noreturn void virtio_fault_report(const struct virtio_trap_frame *frame)
{
    static bool reporting;
    uint64_t cr2;
    __asm__ __volatile__("mov %%cr2, %0" : "=r"(cr2));

    /* A fault while reporting one would loop: end at once. */
    if (reporting)
        virtio_exit_code(PLATFORM_EXIT_ABORT);
    reporting = true;

    virtio_console_puts("\nvirtio: fault: vector ");
    put_decimal(frame->vector);
    virtio_console_puts(" (");
    virtio_console_puts(frame->vector < VIRTIO_EXCEPTION_VECTORS ? mnemonics[frame->vector] : "?");
    put_hex(") at RIP ", frame->rip);
    put_hex(" CR2 ", cr2);
    put_hex(" error ", frame->error);
    virtio_console_puts((frame->cs & 3) == 3 ? " (CPL 3)\n" : " (CPL 0)\n");
    put_hex("  rax ", frame->rax);
    put_hex(" rbx ", frame->rbx);
    put_hex(" rcx ", frame->rcx);
    put_hex(" rdx ", frame->rdx);
    put_hex("\n  rsi ", frame->rsi);
    put_hex(" rdi ", frame->rdi);
    put_hex(" rbp ", frame->rbp);
    put_hex(" rsp ", frame->rsp);
    put_hex("\n  r8  ", frame->r8);
    put_hex(" r9  ", frame->r9);
    put_hex(" r10 ", frame->r10);
    put_hex(" r11 ", frame->r11);
    put_hex("\n  r12 ", frame->r12);
    put_hex(" r13 ", frame->r13);
    put_hex(" r14 ", frame->r14);
    put_hex(" r15 ", frame->r15);
    put_hex("\n  rflags ", frame->rflags);
    put_hex(" cs ", frame->cs);
    put_hex(" ss ", frame->ss);
    virtio_console_puts("\n");
    virtio_exit_code(PLATFORM_EXIT_ABORT);
}
