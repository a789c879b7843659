/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Weighted least connections: the usable backend with the smallest
 * (inflight + 1) / weight, where inflight counts the requests every worker
 * has in flight on it (sl_lb_backend_acquire/release). The + 1 is the
 * request being placed: it makes an idle weight-3 backend (1/3) beat an idle
 * weight-1 one (1/1), where inflight / weight would call them equal; it is
 * HAProxy's and nginx's criterion too. Compared by cross-multiplication,
 * (a + 1) * w_b < (b + 1) * w_a, with no division.
 *
 * Among equals the first found wins, and each worker starts its scan one
 * member further on each pick: workers picking at the same instant from the
 * same counts spread over the tied backends instead of all landing on the
 * first. Weights are the effective ones (slow start). The scan is O(members),
 * like nginx's least_conn. Backups only when no primary is usable.
 */
#include "lb_priv.h"

static int
lc_pick_among(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, const uint16_t *idx,
	      uint16_t n, int avoid, uint64_t now)
{
	const struct sl_lb_backend *bs = pool->lb->backends;
	uint64_t best_l = 0, best_w = 1;
	uint16_t i, j;
	int best = -1;

	if (n == 0)
		return -1;
	j = (uint16_t)(lw->rot % n);
	for (i = 0; i < n; i++, j = (uint16_t)(j + 1 == n ? 0 : j + 1)) {
		uint16_t k = idx[j];
		uint64_t l, w;

		if (!lb_ok(bs, k, avoid))
			continue;
		w = lb_weight(pool, &bs[k], now);
		l = (uint64_t)__atomic_load_n(&bs[k].inflight, __ATOMIC_RELAXED) + 1;
		if (best < 0 || l * best_w < best_l * w) {
			best = k;
			best_l = l;
			best_w = w;
		}
	}
	return best;
}

static int
lc_pick(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, uint64_t key, int avoid)
{
	const struct sl_lb_members *m = sl_lb_pool_members(pool);
	uint64_t now = lb_now(pool);
	int b;

	(void)key;
	lw->rot++;
	b = lc_pick_among(pool, lw, m->idx, m->n_primary, avoid, now);
	if (b < 0)
		b = lc_pick_among(pool, lw, m->idx + m->n_primary,
				  (uint16_t)(m->n - m->n_primary), avoid, now);
	if (b < 0 && avoid >= 0)
		b = lc_pick(pool, lw, key, -1);
	return b;
}

const struct sl_lb_ops sl_lb_leastconn = {
	.name = "leastconn",
	.pick = lc_pick,
};
