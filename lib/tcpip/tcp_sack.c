/* tcp_sack.c: SACK blocks for the receiver (RFC 2018 4) and the sender's scoreboard with RFC 6675's queries. */
#include "lib/tcpip/tcp_sack.h"

#include <string.h>

#include "lib/tcpip/tcp_seq.h"

/* The index of the reassembly range holding `seq`, or -1. */
static int32_t range_holding(const struct tcp_reass *reass, uint32_t seq)
{
    for (uint32_t i = 0; i < reass->count; i++)
        if (seq_geq(seq, reass->ranges[i].start) && seq_lt(seq, reass->ranges[i].end))
            return (int32_t)i;
    return -1;
}

void tcp_sack_note_arrival(struct tcp_sack_recent *recent, const struct tcp_reass *reass, uint32_t seq)
{
    int32_t newest = range_holding(reass, seq);
    struct tcp_sack_recent kept = {.count = 0};
    if (newest >= 0)
        kept.seq[kept.count++] = seq;
    /* The older entries that still name a range of their own (merged or filled ones go). */
    for (uint32_t i = 0; i < recent->count && kept.count < TCP_SACK_BLOCKS_MAX; i++) {
        int32_t range = range_holding(reass, recent->seq[i]);
        bool seen = false;
        for (uint32_t k = 0; k < kept.count && !seen; k++)
            seen = range_holding(reass, kept.seq[k]) == range;
        if (range >= 0 && !seen)
            kept.seq[kept.count++] = recent->seq[i];
    }
    *recent = kept;
}

uint32_t tcp_sack_blocks(const struct tcp_sack_recent *recent, const struct tcp_reass *reass,
                         struct tcp_sack_block *out, uint32_t max)
{
    bool used[TCP_REASS_RANGES] = {false};
    uint32_t count = 0;
    for (uint32_t i = 0; i < recent->count && count < max; i++) {
        int32_t range = range_holding(reass, recent->seq[i]);
        if (range < 0 || used[range])
            continue;
        used[range] = true;
        out[count].start = reass->ranges[range].start;
        out[count].end = reass->ranges[range].end;
        count++;
    }
    for (uint32_t i = 0; i < reass->count && count < max; i++) {
        if (used[i])
            continue;
        used[i] = true;
        out[count].start = reass->ranges[i].start;
        out[count].end = reass->ranges[i].end;
        count++;
    }
    return count;
}

void tcp_scoreboard_clear(struct tcp_scoreboard *board)
{
    board->count = 0;
    board->has_lost_below = false;
}

static void remove_range(struct tcp_scoreboard *board, uint32_t index)
{
    memmove(&board->ranges[index], &board->ranges[index + 1], (board->count - index - 1) * sizeof(board->ranges[0]));
    board->count--;
}

/* Merge [start, end) in; returns true if it covered a byte not SACKed before. */
static bool add_range(struct tcp_scoreboard *board, uint32_t start, uint32_t end)
{
    uint32_t at = 0;
    while (at < board->count && seq_lt(board->ranges[at].end, start))
        at++;
    if (at < board->count && seq_leq(board->ranges[at].start, end)) {
        struct tcp_sack_block *range = &board->ranges[at];
        bool grew = seq_lt(start, range->start) || seq_gt(end, range->end);
        /* A block spanning a gap between two known ranges also covers new bytes. */
        if (at + 1 < board->count && seq_geq(end, board->ranges[at + 1].start))
            grew = true;
        if (seq_lt(start, range->start))
            range->start = start;
        if (seq_gt(end, range->end))
            range->end = end;
        while (at + 1 < board->count && seq_leq(board->ranges[at + 1].start, range->end)) {
            range->end = seq_max(range->end, board->ranges[at + 1].end);
            remove_range(board, at + 1);
        }
        return grew;
    }
    if (board->count == TCP_SACK_SCOREBOARD_MAX) {
        /* Full: forget the highest range (its bytes are only sent again needlessly), unless this one is higher. */
        if (at == board->count)
            return false;
        board->count--;
    }
    memmove(&board->ranges[at + 1], &board->ranges[at], (board->count - at) * sizeof(board->ranges[0]));
    board->ranges[at].start = start;
    board->ranges[at].end = end;
    board->count++;
    return true;
}

bool tcp_scoreboard_update(struct tcp_scoreboard *board, const struct tcp_sack_block *blocks, uint32_t count,
                           uint32_t snd_una, uint32_t snd_max)
{
    bool news = false;
    for (uint32_t i = 0; i < count && i < TCP_SACK_BLOCKS_MAX; i++) {
        uint32_t start = blocks[i].start, end = blocks[i].end;
        /* Measured from SND.UNA, so that the checks hold across wrap-around and against hostile values. */
        uint32_t flight = snd_max - snd_una;
        if (start - snd_una >= flight || end - snd_una > flight || !seq_lt(start, end))
            continue;
        news = add_range(board, start, end) || news;
    }
    return news;
}

void tcp_scoreboard_advance(struct tcp_scoreboard *board, uint32_t snd_una)
{
    while (board->count > 0 && seq_leq(board->ranges[0].end, snd_una))
        remove_range(board, 0);
    if (board->count > 0 && seq_lt(board->ranges[0].start, snd_una))
        board->ranges[0].start = snd_una;
    if (board->has_lost_below && seq_leq(board->lost_below, snd_una))
        board->has_lost_below = false;
}

void tcp_scoreboard_mark_lost_below(struct tcp_scoreboard *board, uint32_t seq)
{
    if (!board->has_lost_below || seq_gt(seq, board->lost_below))
        board->lost_below = seq;
    board->has_lost_below = true;
}

bool tcp_scoreboard_is_sacked(const struct tcp_scoreboard *board, uint32_t seq)
{
    for (uint32_t i = 0; i < board->count; i++)
        if (seq_leq(board->ranges[i].start, seq) && seq_lt(seq, board->ranges[i].end))
            return true;
    return false;
}

bool tcp_scoreboard_is_lost(const struct tcp_scoreboard *board, uint32_t seq, uint32_t mss)
{
    if (board->has_lost_below && seq_lt(seq, board->lost_below))
        return true;
    uint32_t ranges = 0, bytes = 0;
    for (uint32_t i = board->count; i > 0; i--) {
        const struct tcp_sack_block *range = &board->ranges[i - 1];
        if (seq_leq(range->end, seq))
            break;
        ranges++;
        bytes += seq_gt(range->start, seq) ? range->end - range->start : range->end - seq - 1;
    }
    return ranges >= TCP_SACK_DUPTHRESH || bytes > (TCP_SACK_DUPTHRESH - 1) * mss;
}

/* The unSACKed bytes of [start, end) below `high_rxt`. */
static uint32_t below(uint32_t start, uint32_t end, uint32_t high_rxt)
{
    if (seq_leq(high_rxt, start))
        return 0;
    return (seq_lt(high_rxt, end) ? high_rxt : end) - start;
}

uint32_t tcp_scoreboard_pipe(const struct tcp_scoreboard *board, uint32_t snd_una, uint32_t snd_max, uint32_t high_rxt,
                             uint32_t mss)
{
    /* IsLost is the same for every byte of a hole (the ranges above it are the same), so the walk is per hole. */
    uint32_t pipe = 0, hole_start = snd_una;
    for (uint32_t i = 0; i <= board->count; i++) {
        uint32_t hole_end = i < board->count ? board->ranges[i].start : snd_max;
        if (seq_lt(hole_start, hole_end)) {
            if (!tcp_scoreboard_is_lost(board, hole_start, mss))
                pipe += hole_end - hole_start;
            pipe += below(hole_start, hole_end, high_rxt);
        }
        if (i < board->count)
            hole_start = board->ranges[i].end;
    }
    return pipe;
}

bool tcp_scoreboard_next_hole(const struct tcp_scoreboard *board, uint32_t snd_una, uint32_t high_rxt, uint32_t mss,
                              bool rule_3, uint32_t *seq, uint32_t *len)
{
    uint32_t hole_start = snd_una;
    for (uint32_t i = 0; i < board->count; i++) {
        uint32_t hole_end = board->ranges[i].start;
        uint32_t from = seq_gt(high_rxt, hole_start) ? high_rxt : hole_start;
        if (seq_lt(from, hole_end)) {
            if (!rule_3 && !tcp_scoreboard_is_lost(board, hole_start, mss))
                return false; /* no hole above a hole that is not lost is lost either */
            *seq = from;
            *len = hole_end - from < mss ? hole_end - from : mss;
            return true;
        }
        hole_start = board->ranges[i].end;
    }
    return false;
}

uint32_t tcp_scoreboard_skip(const struct tcp_scoreboard *board, uint32_t seq, uint32_t *limit)
{
    *limit = UINT32_MAX;
    for (uint32_t i = 0; i < board->count; i++) {
        const struct tcp_sack_block *range = &board->ranges[i];
        if (seq_lt(seq, range->start)) {
            *limit = range->start - seq;
            return seq;
        }
        if (seq_lt(seq, range->end)) {
            seq = range->end;
            *limit = i + 1 < board->count ? board->ranges[i + 1].start - seq : UINT32_MAX;
            return seq;
        }
    }
    return seq;
}
