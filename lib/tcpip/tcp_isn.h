/* tcp_isn.h: keyed hashes of the 4-tuple, SipHash-2-4 under a secret drawn from the random device: initial
 * sequence numbers per RFC 6528, per-connection timestamp offsets, and the connection table's hash. */
#ifndef MIRAGE_TCPIP_TCP_ISN_H
#define MIRAGE_TCPIP_TCP_ISN_H

#include <stddef.h>
#include <stdint.h>

#define TCP_ISN_KEY_SIZE 16

/* SipHash-2-4 of `len` bytes under `key` (Aumasson and Bernstein, 2012). */
uint64_t tcp_siphash24(const uint8_t key[TCP_ISN_KEY_SIZE], const uint8_t *data, size_t len);

/* ISN = M + F(4-tuple, key): M a clock ticking every 4 microseconds, F the keyed hash (RFC 6528 3). Addresses and
 * ports in host byte order. */
uint32_t tcp_isn(const uint8_t key[TCP_ISN_KEY_SIZE], uint32_t local_address, uint16_t local_port,
                 uint32_t remote_address, uint16_t remote_port, uint64_t now_ns);

/* The offset added to the millisecond clock in this connection's timestamps, so that TSval reveals neither the
 * uptime nor a relation between connections (RFC 7323 7.1). */
uint32_t tcp_ts_offset(const uint8_t key[TCP_ISN_KEY_SIZE], uint32_t local_address, uint16_t local_port,
                       uint32_t remote_address, uint16_t remote_port);

/* Where a connection goes in the 4-tuple hash table: keyed, so that a peer cannot choose ports that collide. */
uint32_t tcp_tuple_hash(const uint8_t key[TCP_ISN_KEY_SIZE], uint32_t local_address, uint16_t local_port,
                        uint32_t remote_address, uint16_t remote_port);

#endif
