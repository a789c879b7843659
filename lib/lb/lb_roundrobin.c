/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Smooth weighted round robin (the nginx upstream algorithm): every pick adds
 * each usable backend's weight to its current weight, takes the largest and
 * subtracts the total from it. Over any window of sum(weights) picks each
 * backend is chosen exactly weight times, and picks of one backend are spread
 * out instead of bunched (5,1,1 gives a a b a c a a, not a a a a a b c).
 * State is per worker: each worker alone follows the weights exactly, and so
 * does their sum. Weights are the effective ones (slow start ramps them).
 *
 * Backups are considered only when no primary backend is usable.
 */
#include "lb_priv.h"

static int
rr_pick_among(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, const uint16_t *idx,
	      uint16_t n, int avoid, uint64_t now)
{
	const struct sl_lb_backend *bs = pool->lb->backends;
	int64_t total = 0;
	int best = -1;
	uint16_t i;

	for (i = 0; i < n; i++) {
		uint16_t k = idx[i];
		int32_t w;

		if (!lb_ok(bs, k, avoid))
			continue;
		w = (int32_t)lb_weight(pool, &bs[k], now);
		lw->cw[k] += w;
		total += w;
		if (best < 0 || lw->cw[k] > lw->cw[best])
			best = k;
	}
	if (best >= 0)
		lw->cw[best] -= (int32_t)total;
	return best;
}

static int
rr_pick(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, uint64_t key, int avoid)
{
	const struct sl_lb_members *m = sl_lb_pool_members(pool);
	uint64_t now = lb_now(pool);
	int b;

	(void)key;
	b = rr_pick_among(pool, lw, m->idx, m->n_primary, avoid, now);
	if (b < 0)
		b = rr_pick_among(pool, lw, m->idx + m->n_primary,
				  (uint16_t)(m->n - m->n_primary), avoid, now);
	if (b < 0 && avoid >= 0)	/* the avoided one is all there is */
		b = rr_pick(pool, lw, key, -1);
	return b;
}

const struct sl_lb_ops sl_lb_roundrobin = {
	.name = "roundrobin",
	.pick = rr_pick,
};
