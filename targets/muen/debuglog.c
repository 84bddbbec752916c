/* debuglog.c: console text cut into Muen debug log messages (debuglog.h). */
#include "targets/muen/debuglog.h"

#include <string.h>

enum muen_channel_result muen_debuglog_init(struct muen_debuglog *log, void *region, uint64_t region_size,
                                            uint64_t epoch)
{
    memset(&log->pending, 0, sizeof log->pending);
    log->used = 0;
    return muen_channel_writer_init(&log->writer, region, region_size, MUEN_DEBUGLOG_PROTOCOL,
                                    sizeof(struct muen_debuglog_message), epoch);
}

void muen_debuglog_flush(struct muen_debuglog *log, uint64_t timestamp)
{
    if (log->used == 0)
        return;
    log->pending.timestamp = timestamp;
    muen_channel_write(&log->writer, &log->pending);
    memset(&log->pending, 0, sizeof log->pending);
    log->used = 0;
}

void muen_debuglog_write(struct muen_debuglog *log, const char *text, size_t len, uint64_t timestamp)
{
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\0' || c == '\r')
            continue;
        log->pending.text[log->used++] = c;
        if (c == '\n' || log->used == MUEN_DEBUGLOG_TEXT_SIZE)
            muen_debuglog_flush(log, timestamp);
    }
}
