/* hypercall_page.S: the page Xen fills with hypercall stubs when boot.c writes its address to Xen's MSR. It sits in
 * the text segment (read and execute: Xen writes it through guest-physical memory, not the guest's page tables),
 * page-aligned as Xen requires, and starts as int3 so a call before Xen filled it ends in the fault report. */
#include "targets/xen/xen_public.h"

    .section .text.xen_hypercall_page, "ax", @progbits
    .balign XEN_PAGE_SIZE
    .globl xen_hypercall_page
    .type xen_hypercall_page, @object
xen_hypercall_page:
    .fill XEN_PAGE_SIZE, 1, XEN_HYPERCALL_PAGE_POISON
    .size xen_hypercall_page, XEN_PAGE_SIZE

    .section .note.GNU-stack, "", @progbits
