/* console.c: the console as Muen debug log messages on the subject's debuglog channel (debuglog.h). */
#include "lib/platform/platform.h"
#include "lib/platform/x86_cpu.h"
#include "targets/muen/bindings.h"
#include "targets/muen/debuglog.h"
#include "targets/muen/muen_abi.h"

static struct muen_debuglog log;
static bool ready;

bool muen_console_init(const struct muen_sinfo *sinfo)
{
    const struct muen_memory_region *channel = muen_sinfo_region(sinfo, MUEN_NAME_CONSOLE);
    if (channel == NULL || channel->device || channel->kind != MUEN_MEMORY_SUBJECT_CHANNEL ||
        (channel->flags & MUEN_MEMORY_WRITABLE) == 0)
        return false;
    /* A new epoch per boot tells the reader to start over; the TSC at boot differs from the last boot's, and the
     * low bit makes it non-null. */
    uint64_t epoch = x86_read_tsc() | 1u;
    ready = muen_debuglog_init(&log, (void *)(uintptr_t)channel->address, channel->size, epoch) == MUEN_CHANNEL_OK;
    return ready;
}

void muen_console_flush(void)
{
    if (ready)
        muen_debuglog_flush(&log, x86_read_tsc());
}

void platform_console_write(const char *text, size_t len)
{
    if (ready)
        muen_debuglog_write(&log, text, len, x86_read_tsc());
}
