/* shared_info.c: Xen's shared info page (event channel bitmaps, each vCPU's pvclock, the wall clock), placed by
 * XENMEM_add_to_physmap over a page of the image's own .bss. */
#include <stdint.h>

#include "targets/xen/bindings.h"
#include "targets/xen/hypercall.h"

/* Global for traps.S, whose upcall handler clears vcpu_info[0].evtchn_upcall_pending at its offset 0. */
__attribute__((aligned(XEN_PAGE_SIZE))) uint8_t xen_shared_info_page[XEN_PAGE_SIZE];
static volatile struct xen_shared_info *mapped;

_Static_assert(sizeof(struct xen_shared_info) <= XEN_PAGE_SIZE, "shared info fits its page");

const char *xen_shared_info_init(void)
{
    struct xen_add_to_physmap add = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = (uint64_t)(uintptr_t)xen_shared_info_page / XEN_PAGE_SIZE,
    };
    if (xen_memory_op(XENMEM_add_to_physmap, &add) != 0)
        return "xen: XENMEM_add_to_physmap refused to map the shared info page";
    mapped = (volatile struct xen_shared_info *)(void *)xen_shared_info_page;
    return 0;
}

volatile struct xen_shared_info *xen_shared_info(void)
{
    return mapped;
}
