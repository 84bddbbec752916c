/* xen_side.c: abi_facts.h's facts as Xen's own public headers state them (Debian's libxen-dev). */
/* A current interface (the newest Debian 12's Xen 4.17 headers know; newer ones accept it): older ones name the
 * pre-3.0.2 hypercalls sched_op and event_channel_op. Xen's headers also expect the fixed-width types declared. */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>

#include <xen/arch-x86/cpuid.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/elfnote.h>
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/io/console.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "tests/xen/abi_facts/abi_facts.h"

#define FACT(label, xen, ours) {label, (uint64_t)(xen)},
const struct abi_fact xen_facts[] = {ABI_FACTS};
const size_t xen_fact_count = sizeof xen_facts / sizeof xen_facts[0];
