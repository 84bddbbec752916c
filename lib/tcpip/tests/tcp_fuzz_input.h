/* tcp_fuzz_input.h: one fuzzer input run through a fresh TCP core (listening on port 80, one connect under way)
 * with an application that accepts, reads, writes, shuts down and closes as the input says. Shared by the
 * libFuzzer target (build-support/fuzz/tcp_fuzz_target.c) and `tcp_test --corpus`.
 *
 * An input is a sequence of records, each an opcode byte and its operands:
 *   op & 7 == 0  raw segment from 10.0.0.2: 2-byte length, then the bytes; op & 0x80 fills in a right checksum.
 *   op & 7 == 1  crafted segment from 10.0.0.2, port 5000 + (op >> 3 & 3), to port 80 (or, with op & 0x40, from
 *                port 81 to the connecting flow's port): flags, 2-byte seq and ack offsets from the connection's
 *                RCV.NXT and SND.UNA (from 1000 and 0 without one), 2-byte window, option bits (MSS, window
 *                scale, timestamps), payload length, payload.
 *   op & 7 == 2  time passes: 2-byte count of milliseconds; timers run.
 *   op & 7 == 3  the application acts on flow (op >> 3 & 7): an action byte (read, write, shutdown, close,
 *                connect) and its size byte.
 *   op & 7 == 4  a crafted segment as for 1, then a SACK byte: bit 3 offers SACK-permitted, bits 0-2 a count of
 *                blocks (at most 3 are written, beside timestamps), each a 2-byte start and end offset from SND.UNA.
 *   other        ignored.
 * Afterwards every flow is closed and simulated time runs until every connection is gone. The core is offered
 * transmit offload (segments of up to 8 KiB handed down whole, every third refused), so new data also goes that
 * way. */
#ifndef MIRAGE_TCPIP_TESTS_TCP_FUZZ_INPUT_H
#define MIRAGE_TCPIP_TESTS_TCP_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Run one input; false (with the reason in `why`) when the core broke an invariant: a sent segment that does not
 * parse or lies about its addresses, a state out of bounds, a callback for a closed flow, or connections left
 * after every flow was closed and every timer ran out. */
bool tcp_fuzz_run(const uint8_t *data, size_t len, char *why, size_t why_size);

#endif
