/* tcp_isn.c: SipHash-2-4 and the keyed hashes of the 4-tuple built on it: ISNs (RFC 6528), timestamp offsets, and
 * the connection table's hash. */
#include "lib/tcpip/tcp_isn.h"

#include "lib/tcpip/wire.h"

static uint64_t rotl(uint64_t x, unsigned bits)
{
    return (x << bits) | (x >> (64 - bits));
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < 8; i++)
        value |= (uint64_t)p[i] << (8 * i);
    return value;
}

struct sip_state {
    uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip_state *s)
{
    s->v0 += s->v1;
    s->v1 = rotl(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = rotl(s->v2, 32);
}

static void sip_compress(struct sip_state *s, uint64_t word)
{
    s->v3 ^= word;
    sip_round(s);
    sip_round(s);
    s->v0 ^= word;
}

uint64_t tcp_siphash24(const uint8_t key[TCP_ISN_KEY_SIZE], const uint8_t *data, size_t len)
{
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    struct sip_state s = {
        .v0 = k0 ^ UINT64_C(0x736f6d6570736575),
        .v1 = k1 ^ UINT64_C(0x646f72616e646f6d),
        .v2 = k0 ^ UINT64_C(0x6c7967656e657261),
        .v3 = k1 ^ UINT64_C(0x7465646279746573),
    };
    size_t whole = len - len % 8;
    for (size_t at = 0; at < whole; at += 8)
        sip_compress(&s, load_le64(data + at));
    /* The last word: the remaining bytes, and the message length's low byte on top. */
    uint64_t last = (uint64_t)(len & 0xff) << 56;
    for (size_t i = 0; i < len % 8; i++)
        last |= (uint64_t)data[whole + i] << (8 * i);
    sip_compress(&s, last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; i++)
        sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* The 4-tuple as hashed, behind a domain byte that keeps the ISN and timestamp hashes apart. */
static uint64_t tuple_hash(const uint8_t key[TCP_ISN_KEY_SIZE], uint8_t domain, uint32_t local_address,
                           uint16_t local_port, uint32_t remote_address, uint16_t remote_port)
{
    uint8_t tuple[13];
    wire_put32(tuple, local_address);
    wire_put16(tuple + 4, local_port);
    wire_put32(tuple + 6, remote_address);
    wire_put16(tuple + 10, remote_port);
    tuple[12] = domain;
    return tcp_siphash24(key, tuple, sizeof(tuple));
}

uint32_t tcp_isn(const uint8_t key[TCP_ISN_KEY_SIZE], uint32_t local_address, uint16_t local_port,
                 uint32_t remote_address, uint16_t remote_port, uint64_t now_ns)
{
    uint32_t clock = (uint32_t)(now_ns / 4000);
    return clock + (uint32_t)tuple_hash(key, 0, local_address, local_port, remote_address, remote_port);
}

uint32_t tcp_ts_offset(const uint8_t key[TCP_ISN_KEY_SIZE], uint32_t local_address, uint16_t local_port,
                       uint32_t remote_address, uint16_t remote_port)
{
    return (uint32_t)tuple_hash(key, 1, local_address, local_port, remote_address, remote_port);
}

uint32_t tcp_tuple_hash(const uint8_t key[TCP_ISN_KEY_SIZE], uint32_t local_address, uint16_t local_port,
                        uint32_t remote_address, uint16_t remote_port)
{
    return (uint32_t)tuple_hash(key, 2, local_address, local_port, remote_address, remote_port);
}
