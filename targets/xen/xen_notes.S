/* xen_notes.S: the ELF notes Xen's domain builder reads from a PVH kernel (xen/include/public/elfnote.h): the
 * 32-bit entry point, and the guest's name, interface version and loader. No HYPERCALL_PAGE note: that note is
 * for PV guests; a PVH guest installs its hypercall page itself through Xen's MSR (boot.c). */
#include "targets/xen/xen_public.h"

    /* A note's header; its description follows up to the matching note_end. */
    .macro note_begin type, label
    .balign 4
    .long 4                 /* name size: "Xen" and its NUL */
    .long \label\()_end - \label\()_start
    .long \type
    .asciz "Xen"
    .balign 4
\label\()_start:
    .endm

    .macro note_end label
\label\()_end:
    .balign 4
    .endm

    .section .note.Xen, "a", @note
    note_begin XEN_ELFNOTE_PHYS32_ENTRY, entry
    .long xen_pvh_start
    note_end entry
    note_begin XEN_ELFNOTE_GUEST_OS, guest_os
    .asciz "Mirage"
    note_end guest_os
    note_begin XEN_ELFNOTE_XEN_VERSION, xen_version
    .asciz "xen-3.0"
    note_end xen_version
    note_begin XEN_ELFNOTE_LOADER, loader
    .asciz "generic"
    note_end loader

    .section .note.GNU-stack, "", @progbits
