/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Power of two choices (Mitzenmacher, "The Power of Two Choices in
 * Randomized Load Balancing", 2001): draw two usable backends at random,
 * each with probability proportional to its (effective) weight, and take the
 * one with the lower inflight / weight (compared as a_in * w_b < b_in * w_a;
 * a tie goes to the first draw, so with nothing in flight the pick is a plain
 * weighted random one). Two samples are enough to keep the worst load
 * within O(log log n) of the mean, without the herd a global least-loaded
 * choice causes when every worker sees the same counts.
 *
 * Weighted draws in O(1): rejection sampling. Draw a primary member
 * uniformly and accept it with probability w / w_max (w_max: the largest
 * configured weight of the pool's primaries, in the member snapshot); the
 * accepted draws are distributed as w / sum(w). One 64-bit wyrand number
 * gives both the member (high half, Lemire's multiply-shift) and the
 * acceptance test (low half). After LB_R2_TRIES rejections in a row (many
 * primaries unusable, or weights very skewed) the pick falls back to one
 * linear scan with the same semantics, which also handles the backups
 * (used only when no primary is usable). The PRNG state is per worker.
 */
#include "lb_priv.h"

#define LB_R2_TRIES 16

/* One weighted draw among the primaries; -1 after LB_R2_TRIES rejections. */
static int
r2_draw(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, const struct sl_lb_members *m,
	int avoid, int other, uint64_t now, uint32_t *wout)
{
	const struct sl_lb_backend *bs = pool->lb->backends;
	unsigned int t;

	if (m->n_primary == 0)
		return -1;
	for (t = 0; t < LB_R2_TRIES; t++) {
		uint64_t r = lb_rand(&lw->rng);
		uint16_t k = m->idx[lb_range32((uint32_t)(r >> 32), m->n_primary)];
		uint32_t w;

		if (k == other || !lb_ok(bs, k, avoid))
			continue;
		w = lb_weight(pool, &bs[k], now);
		if (lb_range32((uint32_t)r, m->w_max) >= w)
			continue;
		*wout = w;
		return k;
	}
	return -1;
}

/* The lower inflight / weight of two candidates; @p a on a tie. */
static int
r2_better(const struct sl_lb_backend *bs, int a, uint32_t wa, int b, uint32_t wb)
{
	uint64_t la, lbb;

	if (b < 0)
		return a;
	la = __atomic_load_n(&bs[a].inflight, __ATOMIC_RELAXED);
	lbb = __atomic_load_n(&bs[b].inflight, __ATOMIC_RELAXED);
	return lbb * wa < la * wb ? b : a;
}

/* Both draws by a linear scan over idx[0..n). */
static int
r2_scan(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, const uint16_t *idx, uint16_t n,
	int avoid, uint64_t now)
{
	const struct sl_lb_backend *bs = pool->lb->backends;
	uint64_t total = 0, r1, r2, acc = 0;
	int a = -1, b = -1;
	uint32_t wa = 0, wb = 0;
	uint16_t i;

	for (i = 0; i < n; i++)
		if (lb_ok(bs, idx[i], avoid))
			total += lb_weight(pool, &bs[idx[i]], now);
	if (total == 0)
		return -1;
	r1 = lb_rand(&lw->rng) % total;
	r2 = lb_rand(&lw->rng) % total;
	for (i = 0; i < n && (a < 0 || b < 0); i++) {
		uint16_t k = idx[i];
		uint32_t w;

		if (!lb_ok(bs, k, avoid))
			continue;
		w = lb_weight(pool, &bs[k], now);
		acc += w;
		if (a < 0 && r1 < acc) {
			a = k;
			wa = w;
		}
		if (b < 0 && r2 < acc) {
			b = k;
			wb = w;
		}
	}
	return r2_better(bs, a, wa, b == a ? -1 : b, wb);
}

static int
r2_pick(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, uint64_t key, int avoid)
{
	const struct sl_lb_members *m = sl_lb_pool_members(pool);
	const struct sl_lb_backend *bs = pool->lb->backends;
	uint64_t now = lb_now(pool);
	uint32_t wa = 0, wb = 0;
	int a, b;

	(void)key;
	a = r2_draw(pool, lw, m, avoid, -1, now, &wa);
	if (a >= 0) {
		/* A second, different one when there is one (else a alone). */
		b = r2_draw(pool, lw, m, avoid, a, now, &wb);
		return r2_better(bs, a, wa, b, wb);
	}
	a = r2_scan(pool, lw, m->idx, m->n_primary, avoid, now);
	if (a < 0)
		a = r2_scan(pool, lw, m->idx + m->n_primary, (uint16_t)(m->n - m->n_primary),
			    avoid, now);
	if (a < 0 && avoid >= 0)
		a = r2_pick(pool, lw, key, -1);
	return a;
}

const struct sl_lb_ops sl_lb_random2 = {
	.name = "random2",
	.pick = r2_pick,
};
