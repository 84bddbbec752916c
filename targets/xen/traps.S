/* traps.S: the handler of Xen's upcall vector, which only clears vCPU 0's upcall flag so Xen does not inject it
 * again (yield.c reads the event channel bits itself); at CPL 0 on the one stack. The exception stubs are the shared
 * ones (lib/platform/x86_64/traps.S). */
#include "targets/xen/bindings.h"

    .section .text.xen_traps, "ax", @progbits

    /* The callback vector is injected directly, not through the local APIC: no EOI. */
    .globl xen_upcall
    .type xen_upcall, @function
xen_upcall:
    movb $0, xen_shared_info_page(%rip)
    iretq
    .size xen_upcall, . - xen_upcall

    .section .note.GNU-stack, "", @progbits
