/* console.c: the spt console: the tender's standard output (fd 1). */
#include "lib/platform/platform.h"
#include "targets/spt/syscall.h"

void platform_console_write(const char *text, size_t len)
{
    while (len > 0) {
        int64_t written = spt_syscall3(SPT_SYS_WRITE, 1, (uintptr_t)text, len);
        if (written == -SPT_EINTR)
            continue;
        if (written <= 0)
            return; /* best effort: a closed or full output loses the text, not the unikernel */
        text += written;
        len -= (size_t)written;
    }
}
