/* debuglog.h: console text as Muen debug log messages over a memory channel (channel.h).
 *
 * The debug log protocol (the protocol word MUEN_DEBUGLOG_PROTOCOL) sends 64-byte elements: a u64 timestamp,
 * then 56 bytes of text padded with NUL. A message ends at a newline or when its 56 bytes are full; the reader
 * (Muen's debug server) prints each one as a line, or joins them where no newline ended one. Carriage returns and
 * NUL bytes are dropped, since the reader treats NUL as padding. */
#ifndef MIRAGE_TARGETS_MUEN_DEBUGLOG_H
#define MIRAGE_TARGETS_MUEN_DEBUGLOG_H

#include <stddef.h>
#include <stdint.h>

#include "targets/muen/channel.h"

#define MUEN_DEBUGLOG_PROTOCOL UINT64_C(0xf00789094b6f70cf)
#define MUEN_DEBUGLOG_TEXT_SIZE 56u

struct muen_debuglog_message {
    uint64_t timestamp;
    char text[MUEN_DEBUGLOG_TEXT_SIZE];
};

_Static_assert(sizeof(struct muen_debuglog_message) == 64, "a debug log element is 64 bytes");

struct muen_debuglog {
    struct muen_channel_writer writer;
    struct muen_debuglog_message pending;
    size_t used;
};

/* Start a debug log on the channel region; the channel's own result. */
enum muen_channel_result muen_debuglog_init(struct muen_debuglog *log, void *region, uint64_t region_size,
                                            uint64_t epoch);

/* Append `len` bytes of text; every message completed is sent, stamped with `timestamp`. */
void muen_debuglog_write(struct muen_debuglog *log, const char *text, size_t len, uint64_t timestamp);

/* Send the text of an unfinished message now (before the subject stops). */
void muen_debuglog_flush(struct muen_debuglog *log, uint64_t timestamp);

#endif
