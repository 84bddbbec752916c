/* xen_public.h: the parts of Xen's public interface (xen/include/public) this ABI uses, for x86_64 guests, with
 * the layouts checked against the offsets Xen's headers give. Written from the interface's documentation. */
#ifndef MIRAGE_TARGETS_XEN_XEN_PUBLIC_H
#define MIRAGE_TARGETS_XEN_XEN_PUBLIC_H

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/pvclock.h"
#endif

/* ELF notes (elfnote.h), in the image's PT_NOTE under the owner name "Xen". */
#define XEN_ELFNOTE_GUEST_OS 6
#define XEN_ELFNOTE_XEN_VERSION 5
#define XEN_ELFNOTE_LOADER 8
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* CPUID leaves from 0x40000000 in steps of 0x100 (Xen may sit behind another hypervisor's leaves): the signature
 * "XenVMMXenVMM" in ebx, ecx, edx, then base + 2 gives the MSR that installs the hypercall page. */
#define XEN_CPUID_FIRST_LEAF 0x40000000u
#define XEN_CPUID_LAST_LEAF 0x40010000u
#define XEN_CPUID_SIGNATURE_EBX 0x566e6558u /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4du /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566eu /* "nVMM" */

/* Hypercall numbers (xen.h): each is a 32-byte stub in the hypercall page. */
#define XEN_HYPERCALL_STUB_SIZE 32
/* What the hypercall page holds until Xen fills it: int3. */
#define XEN_HYPERCALL_PAGE_POISON 0xcc
#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_set_timer_op 15
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_vcpu_op 24
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_hvm_op 34

#define DOMID_SELF 0x7ff0u

/* sched.h */
#define SCHEDOP_yield 0
#define SCHEDOP_block 1
#define SCHEDOP_shutdown 2
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_crash 3

/* vcpu.h */
#define VCPUOP_set_singleshot_timer 8

/* memory.h */
#define XENMEM_add_to_physmap 7
#define XENMAPSPACE_shared_info 0

/* hvm_op.h and hvm/params.h */
#define HVMOP_set_param 0
#define HVMOP_get_param 1
#define HVM_PARAM_CALLBACK_IRQ 0
#define HVM_PARAM_CONSOLE_PFN 17
#define HVM_PARAM_CONSOLE_EVTCHN 18
/* HVM_PARAM_CALLBACK_IRQ's value for "deliver event channel upcalls as this vector" (type 2 in bits 63:56). */
#define HVM_PARAM_CALLBACK_TYPE_VECTOR (UINT64_C(2) << 56)

/* event_channel.h */
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_send 4
#define VIRQ_TIMER 0
/* The 2-level event channel ABI: 64 words of 64 bits. */
#define XEN_EVTCHN_2L_PORTS 4096u

#define XEN_PAGE_SIZE 4096u
#define XEN_LEGACY_MAX_VCPUS 32

#ifndef __ASSEMBLER__

struct xen_add_to_physmap {
    uint16_t domid;
    uint16_t size;
    uint32_t space;
    uint64_t idx;
    uint64_t gpfn;
};
_Static_assert(sizeof(struct xen_add_to_physmap) == 24 && offsetof(struct xen_add_to_physmap, gpfn) == 16, "Xen");

struct xen_hvm_param {
    uint16_t domid;
    uint32_t index;
    uint64_t value;
};
_Static_assert(sizeof(struct xen_hvm_param) == 16 && offsetof(struct xen_hvm_param, value) == 8, "Xen's layout");

struct evtchn_bind_virq {
    uint32_t virq;
    uint32_t vcpu;
    uint32_t port; /* out */
};

struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;
    uint32_t flags; /* 0: a deadline already past fires at once */
};
_Static_assert(sizeof(struct vcpu_set_singleshot_timer) == 16, "Xen's layout");

struct sched_shutdown {
    uint32_t reason;
};

/* x86_64's struct vcpu_info: 64 bytes. */
struct xen_vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    uint64_t evtchn_pending_sel;
    uint64_t cr2, pad; /* struct arch_vcpu_info */
    struct pvclock_vcpu_time_info time;
};
_Static_assert(sizeof(struct xen_vcpu_info) == 64 && offsetof(struct xen_vcpu_info, time) == 32, "Xen's layout");

/* struct shared_info, up to the wall clock (the arch part after it is not used). */
struct xen_shared_info {
    struct xen_vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint64_t evtchn_pending[64];
    uint64_t evtchn_mask[64];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;
};
_Static_assert(offsetof(struct xen_shared_info, evtchn_pending) == 2048 &&
                   offsetof(struct xen_shared_info, evtchn_mask) == 2560 &&
                   offsetof(struct xen_shared_info, wc_version) == 3072 &&
                   offsetof(struct xen_shared_info, wc_sec_hi) == 3084,
               "Xen's layout");

/* io/console.h: the console page. */
typedef uint32_t XENCONS_RING_IDX;
struct xencons_interface {
    char in[1024];
    char out[2048];
    XENCONS_RING_IDX in_cons, in_prod;
    XENCONS_RING_IDX out_cons, out_prod;
};
_Static_assert(offsetof(struct xencons_interface, out) == 1024 &&
                   offsetof(struct xencons_interface, out_cons) == 3080 &&
                   offsetof(struct xencons_interface, out_prod) == 3084,
               "Xen's layout");

#endif

#endif
