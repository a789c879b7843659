/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyed hashing: SipHash-2-4 (Aumasson & Bernstein, 2012) for the
 * connection table, RFC 6528 initial sequence numbers and RFC 4987 SYN
 * cookies. All keyed by the instance's 128-bit secret.
 */
#include <string.h>

#include "tcp_priv.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND						\
	do {							\
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0;		\
		v0 = ROTL(v0, 32);				\
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;		\
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;		\
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2;		\
		v2 = ROTL(v2, 32);				\
	} while (0)

/* SipHash-2-4 of len bytes; the reference algorithm, little-endian words. */
uint64_t
tcp_siphash(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56;
	size_t i, left = len & 7;
	uint64_t m;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, in + i, 8);
		m = rte_le_to_cpu_64(m);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	m = 0;
	for (size_t j = 0; j < left; j++)
		m |= (uint64_t)in[i + j] << (8 * j);
	b |= m;
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * RFC 6528 section 3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a 4-microsecond timer, F a keyed PRF (SipHash here). M comes
 * from the caller's TSC: hz / 250000 cycles per 4 us.
 */
uint32_t
tcp_isn(struct sl_tcp *t, const struct tcp_key *k)
{
	uint64_t per4us = t->p.tsc_hz / 250000;
	uint32_t m = (uint32_t)(t->now_tsc / (per4us ? per4us : 1));

	return m + (uint32_t)tcp_siphash(t->k0, t->k1, k, sizeof(*k));
}

/*
 * SYN cookies (RFC 4987 section 3.6). The cookie is our ISS:
 *   bits 31..27  T, the time in 64 s units (mod 32)
 *   bits 26..24  index of the MSS in cookie_mss[]
 *   bits 23..0   SipHash(key', 4-tuple, peer ISN, T, index)
 * The ACK completing the handshake carries cookie + 1 and peer ISN + 1; it
 * validates when the hash matches and T is at most 2 units old (64..192 s).
 * Window scale and SACK are recovered from the timestamp echo
 * (tcp_output.c) or are off, as in Linux.
 */
static const uint16_t cookie_mss[8] = { 536, 1200, 1300, 1400, 1440, 1460, 4312, 8960 };

static uint32_t
cookie_hash(struct sl_tcp *t, const struct tcp_key *k, uint32_t peer_isn, uint32_t tv,
	    uint32_t idx)
{
	struct {
		struct tcp_key k;
		uint32_t isn, tv, idx;
	} in;

	memset(&in, 0, sizeof(in));
	in.k = *k;
	in.isn = peer_isn;
	in.tv = tv;
	in.idx = idx;
	/* A second key derived from the first keeps cookies apart from ISNs. */
	return (uint32_t)tcp_siphash(t->k1, t->k0 ^ 0x636f6f6b6965ULL, &in, sizeof(in)) &
	       0xffffff;
}

static uint32_t
cookie_time(const struct sl_tcp *t)
{
	return (uint32_t)(t->tick / 64000) & 0x1f;
}

uint32_t
tcp_cookie_make(struct sl_tcp *t, const struct tcp_key *k, uint32_t peer_isn, uint16_t mss,
		uint16_t *mss_used)
{
	uint32_t idx = 0, tv = cookie_time(t);

	for (uint32_t i = 0; i < RTE_DIM(cookie_mss); i++)
		if (cookie_mss[i] <= mss)
			idx = i;
	*mss_used = cookie_mss[idx];
	return (tv << 27) | (idx << 24) | cookie_hash(t, k, peer_isn, tv, idx);
}

int
tcp_cookie_check(struct sl_tcp *t, const struct tcp_key *k, uint32_t peer_isn, uint32_t cookie,
		 uint16_t *mss)
{
	uint32_t tv = cookie >> 27, idx = (cookie >> 24) & 7;
	uint32_t age = (cookie_time(t) - tv) & 0x1f;

	if (age > 2)
		return -ETIMEDOUT;
	if (cookie_hash(t, k, peer_isn, tv, idx) != (cookie & 0xffffff))
		return -EINVAL;
	*mss = cookie_mss[idx];
	return 0;
}
