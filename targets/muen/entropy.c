/* entropy.c: entropy from RDRAND, without asking CPUID first: in a Muen native subject CPUID always exits to the
 * kernel, and a native subject's exits are the policy's to handle (Muen's examples send them to a system panic).
 * Muen targets recent Intel CPUs, which have RDRAND; on one without it the instruction faults (a crash the policy
 * handles). A DRNG that keeps failing makes every request fail, said once on the console, and an image with a
 * random device then stops at that device's connect. */
#include <stdbool.h>

#include "lib/platform/platform.h"
#include "lib/platform/x86_cpu.h"

platform_result_t platform_entropy(void *buf, size_t len)
{
    static const char failing[] = "muen: RDRAND keeps failing: no entropy, so a random device cannot connect\n";
    static bool told;

    if (len == 0 || x86_rdrand_fill(buf, len))
        return PLATFORM_OK;
    if (!told) {
        platform_console_write(failing, sizeof failing - 1);
        told = true;
    }
    return PLATFORM_UNSPECIFIED;
}
