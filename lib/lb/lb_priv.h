/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the algorithms: effective weights (slow start), the
 * PRNG, the 64x64->128 mixer, Maglev table build and pick (maglev and hash).
 */
#ifndef LB_PRIV_H
#define LB_PRIV_H

#include "sl_lb.h"

/* 64x64 -> 128 multiply, folded: the mixing step of wyhash and wyrand. */
static inline uint64_t
lb_mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* wyrand (Wang Yi, public domain): one add and one mum per 64 random bits. */
static inline uint64_t
lb_rand(uint64_t *s)
{
	*s += UINT64_C(0xa0761d6478bd642f);
	return lb_mum(*s, *s ^ UINT64_C(0xe7037ed1a0b428db));
}

/* x * n / 2^32 for a 32-bit x: uniform in [0, n) without a division (Lemire). */
static inline uint32_t
lb_range32(uint32_t x, uint32_t n)
{
	return (uint32_t)(((uint64_t)x * n) >> 32);
}

/* The clock slow start reads, only when the pool has slow start. */
static inline uint64_t
lb_now(const struct sl_lb_pool *pool)
{
	return pool->slow_start_tsc != 0 ? pool->lb->clock() : 0;
}

/*
 * The weight a backend gets now. With slow start, for slow_start_tsc after
 * it turned usable (up_since_tsc) it ramps linearly from 1 to its weight:
 * 1 + (w - 1) * elapsed / slow_start. (w - 1) * elapsed stays below 2^64 for
 * w <= 1000 and an hour of a 5 GHz TSC (1.8e16).
 */
static inline uint32_t
lb_weight(const struct sl_lb_pool *pool, const struct sl_lb_backend *b, uint64_t now)
{
	uint32_t w = __atomic_load_n(&b->weight, __ATOMIC_RELAXED);
	uint64_t since;
	int64_t el;

	if (pool->slow_start_tsc == 0 || w <= 1)
		return w;
	since = __atomic_load_n(&b->up_since_tsc, __ATOMIC_RELAXED);
	if (since == 0)
		return w;
	el = (int64_t)(now - since);
	if (el < 0)	/* another core's TSC a little behind */
		el = 0;
	if ((uint64_t)el >= pool->slow_start_tsc)
		return w;
	return 1 + (uint32_t)((uint64_t)(w - 1) * (uint64_t)el / pool->slow_start_tsc);
}

/* Usable and not the one to avoid. */
static inline bool
lb_ok(const struct sl_lb_backend *bs, uint16_t k, int avoid)
{
	return (int)k != avoid && sl_lb_backend_usable(&bs[k]);
}

/*
 * A pick by @p key among the usable primaries, else the usable backups,
 * weighted by configured weight: for maglev and hash when their table has
 * nothing usable near the key. The same key gives the same backend while the
 * set does not change. -1 when none is usable.
 */
int lb_pick_by_key(const struct sl_lb_pool *pool, uint64_t key, int avoid);

/* Maglev (lb_maglev.c): the build op and the pick, shared with lb_hash.c. */
int lb_maglev_build(const struct sl_lb *lb, const struct sl_lb_pool *pool,
		    const struct sl_lb_members *m, struct sl_lb_maglev **out);
int lb_maglev_pick(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, uint64_t key,
		   int avoid);

#endif /* LB_PRIV_H */
