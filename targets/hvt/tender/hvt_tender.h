/* hvt_tender.h: what the hvt tender's files share: the VM, the guest's low-memory layout, and the hypercall
 * handlers' context. Host code (hosted C11, Linux, KVM). */
#ifndef MIRAGE_TARGETS_HVT_TENDER_H
#define MIRAGE_TARGETS_HVT_TENDER_H

#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/boot_devices.h"
#include "targets/hvt/hvt_abi.h"
#include "targets/tender/tender.h"

/* Guest-physical layout below the image (HVT_GUEST_LOAD_ADDRESS). Page 0 stays unmapped so that a NULL
 * dereference in the guest faults. */
#define HVT_GDT_ADDRESS 0x1000u
#define HVT_BOOT_INFO_ADDRESS 0x2000u
#define HVT_CMDLINE_ADDRESS 0x3000u      /* PLATFORM_CMDLINE_SIZE bytes */
#define HVT_PAGE_TABLES_ADDRESS 0x10000u /* up to HVT_GUEST_LOAD_ADDRESS */

/* Every frame on a tap carries a virtio-net header in front (struct virtio_net_hdr, without num_buffers). */
#define HVT_TAP_HEADER_SIZE 10u
/* The tap's offloads NET_RECEIVE_OFFLOAD turns on, what the guest's stack takes: checksums vouched for instead of
 * computed, and whole TCP segments over IPv4 (no TSO6: the guest speaks IPv4 only; no ECN, no UFO). The seccomp
 * filter allows exactly this request. */
#define HVT_TAP_OFFLOADS (TUN_F_CSUM | TUN_F_TSO4)

/* Hypercall arguments are 32-bit guest-physical addresses, so memory ends at 4 GiB. */
#define HVT_MAX_MEM_SIZE (4ull << 30)
/* Memory the guest needs above its image for a heap and the boot stack (its stack reserve is 512 KiB). */
#define HVT_MIN_FREE_MEMORY (1ull << 20)

/* Guest-physical [start, end), page aligned. */
struct hvt_range {
    uint64_t start;
    uint64_t end;
};

struct hvt_vm {
    int kvm_fd;
    int vm_fd;
    int vcpu_fd;
    struct kvm_run *run; /* the vCPU's shared run area */
    uint8_t *mem;        /* guest-physical 0 in the tender's address space */
    uint64_t mem_size;
    /* The image's read-only segments, mapped read-only in the tender too (guest_protect.c). */
    struct hvt_range read_only[TENDER_MAX_SEGMENTS];
    uint32_t read_only_count;
};

/* What hypercall handlers work on: guest memory and the attached devices with their host descriptors (the copy
 * in the guest's boot info has host_fd = -1). */
struct hvt_guest {
    struct hvt_vm vm;
    struct mirage_boot_devices devices;
};

/* kvm.c: open /dev/kvm, create the VM and its memory (one slot at guest-physical 0), then the single vCPU. */
void hvt_vm_create(struct hvt_vm *vm, uint64_t mem_size);
void hvt_vcpu_create(struct hvt_vm *vm);
/* The vCPU's TSC frequency in Hz. */
uint64_t hvt_vcpu_tsc_freq(const struct hvt_vm *vm);

/* guest_protect.c: map the image's non-writable segments (text, read-only data) read-only in the tender, so that
 * KVM refuses a guest's write there even from CPL 0 with CR0.WP clear or its page tables changed; records them in
 * vm->read_only. Refuses an image whose read-only and writable segments share a page. */
void hvt_guest_protect_image(struct hvt_vm *vm, const char *image_path, const struct tender_image *image);

/* boot_info.c: write struct hvt_boot_info and the command line into low guest memory; returns its address. */
uint64_t hvt_boot_info_write(const struct hvt_vm *vm, const struct tender_image *image, const char *cmdline,
                             const struct mirage_boot_devices *devices, uint64_t tsc_freq);

/* cpu_setup.c: page tables, GDT and registers for entering the image in 64-bit mode. */
void hvt_cpu_setup(const struct hvt_vm *vm, const struct tender_image *image, uint64_t boot_info_address);

/* guest_memory.c: the one check every guest-supplied address goes through. Returns the host address of guest
 * range [address, address + len), or stops the tender (TENDER_EXIT_ABORT) with one line naming `hypercall`. */
void *hvt_guest_range(const struct hvt_vm *vm, uint64_t address, uint64_t len, const char *hypercall);
/* The same for a range the tender will write into: also stops the tender if it overlaps the read-only image. */
void *hvt_guest_writable_range(const struct hvt_vm *vm, uint64_t address, uint64_t len, const char *hypercall);
/* Whether guest-physical `address` lies in the image's read-only segments. */
int hvt_guest_is_read_only(const struct hvt_vm *vm, uint64_t address);
/* Copy a hypercall's argument struct in from, or its results out to (a writable range), checked guest memory. */
void hvt_guest_read(const struct hvt_vm *vm, uint64_t address, void *out, size_t size, const char *hypercall);
void hvt_guest_write(const struct hvt_vm *vm, uint64_t address, const void *in, size_t size, const char *hypercall);

/* hypercalls.c: handle hypercall `number` whose argument struct is at `argument`; HALT does not return. */
void hvt_hypercall_dispatch(struct hvt_guest *guest, uint32_t number, uint64_t argument);

/* net.c and block.c: the device hypercalls. */
void hvt_hypercall_poll(struct hvt_guest *guest, uint64_t argument);
void hvt_hypercall_net_exchange(struct hvt_guest *guest, uint64_t argument);
void hvt_hypercall_net_receive_offload(struct hvt_guest *guest, uint64_t argument);
void hvt_hypercall_block_write(struct hvt_guest *guest, uint64_t argument);
void hvt_hypercall_block_read(struct hvt_guest *guest, uint64_t argument);

/* sandbox.c: confine the process with seccomp to running the vCPU and what the hypercall handlers do. */
void hvt_install_seccomp(const struct hvt_guest *guest);

/* run.c: run the vCPU until the guest halts (exits with its status) or breaks (reports it and exits). */
_Noreturn void hvt_run(struct hvt_guest *guest);

#endif
