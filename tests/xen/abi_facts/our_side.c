/* our_side.c: abi_facts.h's facts as targets/xen and lib/platform state them. */
#include "lib/platform/pvclock.h"
#include "lib/platform/pvh_start_info.h"
#include "targets/xen/xen_public.h"
#include "tests/xen/abi_facts/abi_facts.h"

#define FACT(label, xen, ours) {label, (uint64_t)(ours)},
const struct abi_fact our_facts[] = {ABI_FACTS};
const size_t our_fact_count = sizeof our_facts / sizeof our_facts[0];
