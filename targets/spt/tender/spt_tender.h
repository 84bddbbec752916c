/* spt_tender.h: the steps of the spt tender (targets/spt/tender), in the order main.c runs them. */
#ifndef MIRAGE_TARGETS_SPT_TENDER_H
#define MIRAGE_TARGETS_SPT_TENDER_H

#include <stddef.h>
#include <stdint.h>

#include "targets/spt/spt_abi.h"
#include "targets/tender/tender.h"

/* Where things go in guest memory after the image; see the picture in spt_abi.h. */
struct spt_layout {
    uint64_t mem_size;
    uint64_t boot_info;  /* the struct spt_boot_info, at the image's end */
    uint64_t cmdline;    /* right after it */
    uint64_t boot_end;   /* page aligned end of boot info and command line */
    uint64_t heap_start; /* == boot_end */
    uint64_t heap_size;
    uint64_t guard_page; /* no access: a stack overflow faults here instead of corrupting the heap */
    uint64_t stack_top;  /* == mem_size */
};

/* Map guest memory [SPT_GUEST_LOAD_ADDRESS, mem_size) read-write at the same host addresses, never over an
 * existing mapping. */
void spt_map_guest_memory(uint64_t mem_size);

/* Place boot info, heap, guard page and stack after `image`; refuses when guest memory is too small. */
void spt_plan_layout(const char *image_path, const struct tender_image *image, uint64_t mem_size, size_t cmdline_len,
                     struct spt_layout *out);

/* Give every page of guest memory its final protection: segments per their ELF flags, boot info read-only, the
 * guard page and gaps between segments no access. */
void spt_protect_guest_memory(const char *image_path, const struct tender_image *image,
                              const struct spt_layout *layout);

/* Fill the boot info (except its device table, which tender_attach_devices wrote) and copy the command line. */
void spt_write_boot_info(const struct spt_layout *layout, const char *cmdline);

/* Confine the process to the system calls of spt_abi.h, on exactly the devices' file descriptors and within their
 * bounds (one whole block of the disk per call, one frame per tap write). */
void spt_install_seccomp(const struct mirage_boot_devices *devices);

/* Zero the strings of the tender's arguments (`argv`), environment (`envp`, main's own) and the auxiliary vector's
 * AT_EXECFN, and the pointers to them: nothing the operator passed the tender stays readable by the guest. */
void spt_scrub_host_strings(char **argv, char **envp);

/* Switch to the guest stack and jump to `entry` with %rdi = the boot info and every other register but %rcx zero,
 * so that no tender value (a pointer, a copied string) reaches the guest. Makes no system call. */
_Noreturn void spt_launch(uint64_t entry, const struct spt_layout *layout);

#endif
