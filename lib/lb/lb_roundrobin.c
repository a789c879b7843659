/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Smooth weighted round robin (the nginx upstream algorithm): every pick adds
 * each usable backend's weight to its current weight, takes the largest and
 * subtracts the total from it. Over any window of sum(weights) picks each
 * backend is chosen exactly weight times, and picks of one backend are spread
 * out instead of bunched (5,1,1 gives a a b a c a a, not a a a a a b c).
 * State is per worker: each worker alone follows the weights exactly, and so
 * does their sum.
 *
 * Backups are considered only when no primary backend is usable.
 */
#include "sl_lb.h"

static int
rr_pick_among(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, bool backup, int avoid)
{
	const struct sl_lb_backend *bs = pool->lb->backends;
	int64_t total = 0;
	int best = -1;
	uint16_t i;

	for (i = 0; i < pool->n; i++) {
		uint16_t k = pool->members[i];

		if (bs[k].backup != backup || !sl_lb_backend_usable(&bs[k]) || k == avoid)
			continue;
		lw->cw[k] += (int32_t)bs[k].weight;
		total += bs[k].weight;
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
	int b = rr_pick_among(pool, lw, false, avoid);

	if (b < 0)
		b = rr_pick_among(pool, lw, true, avoid);
	if (b < 0 && avoid >= 0)	/* the avoided one is all there is */
		b = rr_pick_among(pool, lw, false, -1);
	return b;
}

const struct sl_lb_ops sl_lb_roundrobin = {
	.name = "roundrobin",
	.pick = rr_pick,
};
