/* abi_facts.h: the constants and layouts of Xen's interface that targets/xen and lib/platform restate, as one list
 * of facts FACT(label, Xen's expression, ours). xen_side.c evaluates the second column against Xen's own public
 * headers (Debian's libxen-dev), our_side.c the third against ours: the two cannot share a translation unit, since
 * ours reuse Xen's names. */
#ifndef MIRAGE_TESTS_XEN_ABI_FACTS_H
#define MIRAGE_TESTS_XEN_ABI_FACTS_H

#include <stddef.h>
#include <stdint.h>

/* clang-format off */
#define ABI_FACTS                                                                                                      \
    FACT("XEN_ELFNOTE_PHYS32_ENTRY", XEN_ELFNOTE_PHYS32_ENTRY, XEN_ELFNOTE_PHYS32_ENTRY)                                \
    FACT("XEN_ELFNOTE_GUEST_OS", XEN_ELFNOTE_GUEST_OS, XEN_ELFNOTE_GUEST_OS)                                            \
    FACT("XEN_ELFNOTE_XEN_VERSION", XEN_ELFNOTE_XEN_VERSION, XEN_ELFNOTE_XEN_VERSION)                                   \
    FACT("XEN_ELFNOTE_LOADER", XEN_ELFNOTE_LOADER, XEN_ELFNOTE_LOADER)                                                  \
    FACT("XEN_CPUID_FIRST_LEAF", XEN_CPUID_FIRST_LEAF, XEN_CPUID_FIRST_LEAF)                                            \
    FACT("XEN_CPUID_SIGNATURE_EBX", XEN_CPUID_SIGNATURE_EBX, XEN_CPUID_SIGNATURE_EBX)                                   \
    FACT("XEN_CPUID_SIGNATURE_ECX", XEN_CPUID_SIGNATURE_ECX, XEN_CPUID_SIGNATURE_ECX)                                   \
    FACT("XEN_CPUID_SIGNATURE_EDX", XEN_CPUID_SIGNATURE_EDX, XEN_CPUID_SIGNATURE_EDX)                                   \
    FACT("__HYPERVISOR_memory_op", __HYPERVISOR_memory_op, __HYPERVISOR_memory_op)                                      \
    FACT("__HYPERVISOR_set_timer_op", __HYPERVISOR_set_timer_op, __HYPERVISOR_set_timer_op)                             \
    FACT("__HYPERVISOR_vcpu_op", __HYPERVISOR_vcpu_op, __HYPERVISOR_vcpu_op)                                            \
    FACT("__HYPERVISOR_sched_op", __HYPERVISOR_sched_op, __HYPERVISOR_sched_op)                                         \
    FACT("__HYPERVISOR_event_channel_op", __HYPERVISOR_event_channel_op, __HYPERVISOR_event_channel_op)                 \
    FACT("__HYPERVISOR_hvm_op", __HYPERVISOR_hvm_op, __HYPERVISOR_hvm_op)                                               \
    FACT("DOMID_SELF", DOMID_SELF, DOMID_SELF)                                                                          \
    FACT("SCHEDOP_yield", SCHEDOP_yield, SCHEDOP_yield)                                                                 \
    FACT("SCHEDOP_shutdown", SCHEDOP_shutdown, SCHEDOP_shutdown)                                                        \
    FACT("SHUTDOWN_poweroff", SHUTDOWN_poweroff, SHUTDOWN_poweroff)                                                     \
    FACT("SHUTDOWN_crash", SHUTDOWN_crash, SHUTDOWN_crash)                                                              \
    FACT("VCPUOP_set_singleshot_timer", VCPUOP_set_singleshot_timer, VCPUOP_set_singleshot_timer)                       \
    FACT("XENMEM_add_to_physmap", XENMEM_add_to_physmap, XENMEM_add_to_physmap)                                         \
    FACT("XENMAPSPACE_shared_info", XENMAPSPACE_shared_info, XENMAPSPACE_shared_info)                                   \
    FACT("HVMOP_set_param", HVMOP_set_param, HVMOP_set_param)                                                           \
    FACT("HVMOP_get_param", HVMOP_get_param, HVMOP_get_param)                                                           \
    FACT("HVM_PARAM_CALLBACK_IRQ", HVM_PARAM_CALLBACK_IRQ, HVM_PARAM_CALLBACK_IRQ)                                      \
    FACT("HVM_PARAM_CONSOLE_PFN", HVM_PARAM_CONSOLE_PFN, HVM_PARAM_CONSOLE_PFN)                                         \
    FACT("HVM_PARAM_CONSOLE_EVTCHN", HVM_PARAM_CONSOLE_EVTCHN, HVM_PARAM_CONSOLE_EVTCHN)                                \
    FACT("callback type vector << 56", (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56, HVM_PARAM_CALLBACK_TYPE_VECTOR)  \
    FACT("EVTCHNOP_bind_virq", EVTCHNOP_bind_virq, EVTCHNOP_bind_virq)                                                  \
    FACT("EVTCHNOP_send", EVTCHNOP_send, EVTCHNOP_send)                                                                 \
    FACT("VIRQ_TIMER", VIRQ_TIMER, VIRQ_TIMER)                                                                          \
    FACT("2-level ports", EVTCHN_2L_NR_CHANNELS, XEN_EVTCHN_2L_PORTS)                                                   \
    FACT("XEN_LEGACY_MAX_VCPUS", XEN_LEGACY_MAX_VCPUS, XEN_LEGACY_MAX_VCPUS)                                            \
    FACT("sizeof xen_add_to_physmap", sizeof(struct xen_add_to_physmap), sizeof(struct xen_add_to_physmap))             \
    FACT("xen_add_to_physmap.gpfn", offsetof(struct xen_add_to_physmap, gpfn), offsetof(struct xen_add_to_physmap, gpfn)) \
    FACT("sizeof xen_hvm_param", sizeof(struct xen_hvm_param), sizeof(struct xen_hvm_param))                            \
    FACT("xen_hvm_param.index", offsetof(struct xen_hvm_param, index), offsetof(struct xen_hvm_param, index))           \
    FACT("xen_hvm_param.value", offsetof(struct xen_hvm_param, value), offsetof(struct xen_hvm_param, value))           \
    FACT("evtchn_bind_virq.port", offsetof(struct evtchn_bind_virq, port), offsetof(struct evtchn_bind_virq, port))     \
    FACT("sizeof vcpu_set_singleshot_timer", sizeof(struct vcpu_set_singleshot_timer),                                  \
         sizeof(struct vcpu_set_singleshot_timer))                                                                      \
    FACT("sizeof vcpu_info", sizeof(struct vcpu_info), sizeof(struct xen_vcpu_info))                                    \
    FACT("vcpu_info.evtchn_upcall_mask", offsetof(struct vcpu_info, evtchn_upcall_mask),                                \
         offsetof(struct xen_vcpu_info, evtchn_upcall_mask))                                                            \
    FACT("vcpu_info.evtchn_pending_sel", offsetof(struct vcpu_info, evtchn_pending_sel),                                \
         offsetof(struct xen_vcpu_info, evtchn_pending_sel))                                                            \
    FACT("vcpu_info.time", offsetof(struct vcpu_info, time), offsetof(struct xen_vcpu_info, time))                      \
    FACT("sizeof vcpu_time_info", sizeof(struct vcpu_time_info), sizeof(struct pvclock_vcpu_time_info))                \
    FACT("vcpu_time_info.tsc_timestamp", offsetof(struct vcpu_time_info, tsc_timestamp),                                \
         offsetof(struct pvclock_vcpu_time_info, tsc_timestamp))                                                        \
    FACT("vcpu_time_info.system_time", offsetof(struct vcpu_time_info, system_time),                                    \
         offsetof(struct pvclock_vcpu_time_info, system_time))                                                          \
    FACT("vcpu_time_info.tsc_to_system_mul", offsetof(struct vcpu_time_info, tsc_to_system_mul),                        \
         offsetof(struct pvclock_vcpu_time_info, tsc_to_system_mul))                                                    \
    FACT("vcpu_time_info.tsc_shift", offsetof(struct vcpu_time_info, tsc_shift),                                        \
         offsetof(struct pvclock_vcpu_time_info, tsc_shift))                                                            \
    FACT("shared_info.evtchn_pending", offsetof(struct shared_info, evtchn_pending),                                    \
         offsetof(struct xen_shared_info, evtchn_pending))                                                              \
    FACT("shared_info.evtchn_mask", offsetof(struct shared_info, evtchn_mask),                                          \
         offsetof(struct xen_shared_info, evtchn_mask))                                                                 \
    FACT("shared_info.wc_version", offsetof(struct shared_info, wc_version),                                            \
         offsetof(struct xen_shared_info, wc_version))                                                                  \
    FACT("shared_info.wc_sec", offsetof(struct shared_info, wc_sec), offsetof(struct xen_shared_info, wc_sec))          \
    FACT("shared_info.wc_nsec", offsetof(struct shared_info, wc_nsec), offsetof(struct xen_shared_info, wc_nsec))       \
    FACT("shared_info.wc_sec_hi", offsetof(struct shared_info, wc_sec_hi), offsetof(struct xen_shared_info, wc_sec_hi)) \
    FACT("xencons_interface.out", offsetof(struct xencons_interface, out), offsetof(struct xencons_interface, out))     \
    FACT("xencons_interface.out_cons", offsetof(struct xencons_interface, out_cons),                                    \
         offsetof(struct xencons_interface, out_cons))                                                                  \
    FACT("xencons_interface.out_prod", offsetof(struct xencons_interface, out_prod),                                    \
         offsetof(struct xencons_interface, out_prod))                                                                  \
    FACT("sizeof xencons out", sizeof(((struct xencons_interface *)0)->out),                                            \
         sizeof(((struct xencons_interface *)0)->out))                                                                  \
    FACT("hvm_start_info magic", XEN_HVM_START_MAGIC_VALUE, PVH_START_INFO_MAGIC)                                       \
    FACT("sizeof hvm_start_info", sizeof(struct hvm_start_info), sizeof(struct pvh_start_info))                         \
    FACT("hvm_start_info.cmdline_paddr", offsetof(struct hvm_start_info, cmdline_paddr),                                \
         offsetof(struct pvh_start_info, cmdline_paddr))                                                                \
    FACT("hvm_start_info.memmap_paddr", offsetof(struct hvm_start_info, memmap_paddr),                                  \
         offsetof(struct pvh_start_info, memmap_paddr))                                                                 \
    FACT("hvm_start_info.memmap_entries", offsetof(struct hvm_start_info, memmap_entries),                              \
         offsetof(struct pvh_start_info, memmap_entries))                                                               \
    FACT("sizeof hvm_memmap_table_entry", sizeof(struct hvm_memmap_table_entry), sizeof(struct pvh_memmap_entry))       \
    FACT("hvm_memmap_table_entry.type", offsetof(struct hvm_memmap_table_entry, type),                                  \
         offsetof(struct pvh_memmap_entry, type))                                                                       \
    FACT("XEN_HVM_MEMMAP_TYPE_RAM", XEN_HVM_MEMMAP_TYPE_RAM, PVH_MEMMAP_TYPE_RAM)
/* clang-format on */

struct abi_fact {
    const char *label;
    uint64_t value;
};

extern const struct abi_fact xen_facts[], our_facts[];
extern const size_t xen_fact_count, our_fact_count;

#endif
