/* tcp_sack.h: selective acknowledgement (RFC 2018, RFC 6675): the receiver's choice of blocks to report, and the
 * sender's bounded scoreboard with the loss-recovery queries of RFC 6675 (IsLost, pipe, NextSeg). Pure sequence
 * arithmetic: no segments are built or sent here. */
#ifndef MIRAGE_TCPIP_TCP_SACK_H
#define MIRAGE_TCPIP_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/tcpip/tcp_reass.h"
#include "lib/tcpip/tcp_wire.h"

#define TCP_SACK_SCOREBOARD_MAX 16 /* SACKed ranges a sender keeps; beyond, the highest are forgotten (resent) */
#define TCP_SACK_DUPTHRESH 3       /* RFC 6675 2: DupThresh */

/* Receiver: the out-of-order arrivals most recently reported, newest first (RFC 2018 4: the first block holds the
 * newest segment, the next ones repeat the blocks reported most recently). Each is a sequence number inside a
 * reassembly range, so that merged or filled ranges are looked up afresh when blocks are built. */
struct tcp_sack_recent {
    uint32_t count;
    uint32_t seq[TCP_SACK_BLOCKS_MAX];
};

/* An out-of-order segment starting at `seq` was recorded in `reass`: it goes first. */
void tcp_sack_note_arrival(struct tcp_sack_recent *recent, const struct tcp_reass *reass, uint32_t seq);

/* The blocks to report now, at most `max`: the recent ranges newest first, then any other ranges of `reass`
 * lowest first. Returns how many were written to `out`. */
uint32_t tcp_sack_blocks(const struct tcp_sack_recent *recent, const struct tcp_reass *reass,
                         struct tcp_sack_block *out, uint32_t max);

/* Sender: the ranges above SND.UNA the peer reported, sorted, disjoint, not adjacent. */
struct tcp_scoreboard {
    uint32_t count;
    struct tcp_sack_block ranges[TCP_SACK_SCOREBOARD_MAX];
    bool has_lost_below; /* every unSACKed byte below lost_below is lost, whatever lies above it */
    uint32_t lost_below;
};

void tcp_scoreboard_clear(struct tcp_scoreboard *board);

/* Take an ACK's blocks. A block that is empty, or not inside [snd_una, snd_max) (a D-SACK below SND.UNA, RFC 2883,
 * or one for bytes never sent) is ignored. Returns true if some byte was SACKed for the first time. */
bool tcp_scoreboard_update(struct tcp_scoreboard *board, const struct tcp_sack_block *blocks, uint32_t count,
                           uint32_t snd_una, uint32_t snd_max);

/* SND.UNA moved to `snd_una`: forget what lies below it. */
void tcp_scoreboard_advance(struct tcp_scoreboard *board, uint32_t snd_una);

/* Deem every unSACKed byte below `seq` lost (RFC 8985 6's verdict on bytes sent well before a delivered one: the
 * tail loss probe's). Kept until SND.UNA passes it or the board is cleared. */
void tcp_scoreboard_mark_lost_below(struct tcp_scoreboard *board, uint32_t seq);

/* Whether byte `seq` is SACKed. */
bool tcp_scoreboard_is_sacked(const struct tcp_scoreboard *board, uint32_t seq);

/* RFC 6675 IsLost (or below the mark above): DupThresh SACKed ranges, or more than (DupThresh - 1) * mss SACKed bytes,
 * lie above the unSACKed byte `seq`. */
bool tcp_scoreboard_is_lost(const struct tcp_scoreboard *board, uint32_t seq, uint32_t mss);

/* RFC 6675 SetPipe: the bytes of [snd_una, snd_max) still in the network: unSACKed bytes not deemed lost, plus
 * those retransmitted in this recovery (below `high_rxt`, the end of the highest retransmission). */
uint32_t tcp_scoreboard_pipe(const struct tcp_scoreboard *board, uint32_t snd_una, uint32_t snd_max, uint32_t high_rxt,
                             uint32_t mss);

/* RFC 6675 NextSeg for old data: the first unSACKed bytes at or above `high_rxt` and below the highest SACKed one
 * that are lost (rule 1), or, with `rule_3`, that are merely unSACKed. At most `mss` bytes, within one hole.
 * Returns false when there are none. */
bool tcp_scoreboard_next_hole(const struct tcp_scoreboard *board, uint32_t snd_una, uint32_t high_rxt, uint32_t mss,
                              bool rule_3, uint32_t *seq, uint32_t *len);

/* For sending again after a timeout: if `seq` is SACKed, the end of its range (else `seq`); and in `*limit` how many
 * bytes from there are unSACKed before the next range (UINT32_MAX when no range follows). */
uint32_t tcp_scoreboard_skip(const struct tcp_scoreboard *board, uint32_t seq, uint32_t *limit);

#endif
