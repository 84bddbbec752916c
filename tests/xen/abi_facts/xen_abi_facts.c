/* xen_abi_facts.c: compares, as TAP, every constant and layout of Xen's interface that the xen ABI restates with
 * Xen's own public headers (abi_facts.h), so a wrong hypercall or field number fails here rather than on a Xen host
 * this project cannot test on. */
#include <stdio.h>
#include <string.h>

#include "lib/testing/tap.h"
#include "tests/xen/abi_facts/abi_facts.h"

int main(void)
{
    if (xen_fact_count != our_fact_count) {
        fprintf(stderr, "xen_abi_facts: the two sides list %zu and %zu facts\n", xen_fact_count, our_fact_count);
        return 1;
    }
    tap_plan((unsigned)xen_fact_count);
    for (size_t i = 0; i < xen_fact_count; i++)
        tap_check(strcmp(xen_facts[i].label, our_facts[i].label) == 0 && xen_facts[i].value == our_facts[i].value,
                  xen_facts[i].label, "Xen says %#llx, we say %#llx", (unsigned long long)xen_facts[i].value,
                  (unsigned long long)our_facts[i].value);
    return tap_exit_status();
}
