/* entropy.c: spt entropy: the host kernel's getrandom (flags 0: blocks only until the pool is first seeded). */
#include "lib/platform/platform.h"
#include "targets/spt/syscall.h"

platform_result_t platform_entropy(void *buf, size_t len)
{
    uintptr_t cursor = (uintptr_t)buf;

    while (len > 0) {
        int64_t got = spt_syscall3(SPT_SYS_GETRANDOM, cursor, len, 0);
        if (got == -SPT_EINTR)
            continue;
        if (got <= 0)
            return PLATFORM_UNSPECIFIED;
        cursor += (uint64_t)got;
        len -= (size_t)got;
    }
    return PLATFORM_OK;
}
