/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software
 * Network Load Balancer", NSDI'16, section 3.4 "Consistent Hashing").
 *
 * The lookup table has M entries, M prime. Each backend i gets a permutation
 * of 0..M-1 from two hashes of its name (3.4, "Pseudocode 1"):
 *
 *   offset_i = h1(name_i) mod M
 *   skip_i   = h2(name_i) mod (M - 1) + 1
 *   permutation_i[j] = (offset_i + j * skip_i) mod M
 *
 * skip_i is in 1..M-1, coprime with the prime M, so j -> permutation_i[j] is
 * a bijection: every backend's list visits every entry exactly once. The
 * table is populated in rounds: in each round every backend in turn takes
 * the next entry of its own permutation that is still empty (next_i walks
 * permutation_i; it is computed incrementally, pos_i += skip_i mod M, so no
 * M x N permutation matrix is stored), until all M entries are taken. A
 * lookup is entry[key mod M].
 *
 * Balance: unweighted, every backend takes one entry per round and the last
 * round stops when the table is full, so each gets floor(M/N) or ceil(M/N)
 * entries (the paper: "the number of entries ... differ by at most 1").
 * With M >= 100 N that is within 1/100 of M/N.
 * Disruption: the paper shows (3.4, Fig. 10 and Table 1 discussion) that
 * removing a backend moves mostly that backend's own entries; a few others
 * move because permutations compete for slots in a different order. The
 * tests measure it: at most 1/N + 1% of keys move when 1 of N goes.
 *
 * Weights. The paper leaves weights to "taking more turns"; we use the
 * standard variant (the one Envoy's MaglevTable implements): in round r,
 * backend i takes a turn only when r * w_i >= t_i, and each turn adds w_max
 * to t_i (t_i starts at w_max). So after R full rounds backend i has taken
 * floor(R * w_i / w_max) turns: exactly proportional to its weight up to one
 * entry, the heaviest backend one per round. Equal weights give back the
 * paper's round robin exactly. The cost is R = M * w_max / sum(w) rounds of N
 * checks: M * w_max / mean(w) steps, on the control thread.
 *
 * Which backends go in: the usable primaries (UP, weight > 0) at build time;
 * none usable: the usable backups; none of those either: every primary with a
 * weight (so keys still land somewhere sensible while states flap). A
 * backend that turns unusable after the build (a worker's passive check) is
 * skipped at pick time by probing the next entries: that moves only its own
 * keys, to backends spread over the table like the entries around them. The
 * control thread rebuilds on sl_lb_set_state/set_weight/add/del/rebuild.
 * Slow start does not apply: a table is not rebuilt as a ramp progresses.
 *
 * h1 and h2 are sl_lb_hash_seed() with two fixed seeds: the table depends on
 * backend names and weights only, never on their order in the file or their
 * slot index, so two gateways (or one restarted) build the same table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "lb_priv.h"

#define MAGLEV_SEED1 UINT64_C(0x5a17c3b1e0d2f486)
#define MAGLEV_SEED2 UINT64_C(0x9e3779b97f4a7c15)
#define MAGLEV_EMPTY UINT16_MAX
/* Entries looked at past the key's before falling back to lb_pick_by_key(). */
#define MAGLEV_PROBES 64

_Static_assert(SL_BACKENDS_MAX < MAGLEV_EMPTY, "a backend index fits an entry");

struct mg_cand {
	uint32_t pos;	 /* next entry of its permutation to try */
	uint32_t skip;
	uint32_t w;
	uint64_t target; /* takes a turn in round r when r * w >= target */
	uint16_t k;	 /* backend index */
};

static bool
mg_eligible(const struct sl_lb_backend *b, int pass)
{
	uint32_t w = __atomic_load_n(&b->weight, __ATOMIC_RELAXED);

	if (w == 0 || !__atomic_load_n(&b->used, __ATOMIC_RELAXED))
		return false;
	switch (pass) {
	case 0:
		return !b->backup && sl_lb_backend_usable(b);
	case 1:
		return b->backup && sl_lb_backend_usable(b);
	default:
		return !b->backup;
	}
}

int
lb_maglev_build(const struct sl_lb *lb, const struct sl_lb_pool *pool,
		const struct sl_lb_members *m, struct sl_lb_maglev **out)
{
	const uint32_t M = pool->maglev_size;
	struct sl_lb_maglev *t;
	struct mg_cand *c = NULL;
	uint32_t w_max = 0, filled = 0;
	uint16_t n = 0, i;
	uint64_t r;
	int pass;

	t = rte_malloc("sl_lb_maglev", sizeof(*t) + sizeof(t->entry[0]) * M, RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return -ENOMEM;
	t->size = M;
	t->n = 0;
	memset(t->entry, 0xff, sizeof(t->entry[0]) * M);
	if (m->n != 0) {
		c = calloc(m->n, sizeof(*c));
		if (c == NULL) {
			rte_free(t);
			return -ENOMEM;
		}
	}
	for (pass = 0; pass < 3 && n == 0; pass++) {
		for (i = 0; i < m->n; i++) {
			const struct sl_lb_backend *b = &lb->backends[m->idx[i]];
			size_t len = strnlen(b->name, sizeof(b->name));

			if (!mg_eligible(b, pass))
				continue;
			c[n].k = m->idx[i];
			c[n].pos = (uint32_t)(sl_lb_hash_seed(b->name, len, MAGLEV_SEED1) % M);
			c[n].skip = (uint32_t)(sl_lb_hash_seed(b->name, len, MAGLEV_SEED2) % (M - 1)) + 1;
			c[n].w = __atomic_load_n(&b->weight, __ATOMIC_RELAXED);
			w_max = RTE_MAX(w_max, c[n].w);
			n++;
		}
	}
	for (i = 0; i < n; i++)
		c[i].target = w_max;
	for (r = 1; n != 0 && filled < M; r++) {
		for (i = 0; i < n && filled < M; i++) {
			uint32_t e;

			if (r * c[i].w < c[i].target)
				continue;
			c[i].target += w_max;
			do {
				e = c[i].pos;
				c[i].pos += c[i].skip;
				if (c[i].pos >= M)
					c[i].pos -= M;
			} while (t->entry[e] != MAGLEV_EMPTY);
			t->entry[e] = c[i].k;
			filled++;
		}
	}
	t->n = n;
	free(c);
	*out = t;
	return 0;
}

int
lb_maglev_pick(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, uint64_t key, int avoid)
{
	const struct sl_lb_maglev *t = __atomic_load_n(&pool->maglev, __ATOMIC_CONSUME);
	const struct sl_lb_backend *bs = pool->lb->backends;
	uint32_t e, p;
	int k;

	(void)lw;
	if (t != NULL && t->n != 0) {
		e = (uint32_t)(key % t->size);
		for (p = 0; p < MAGLEV_PROBES; p++) {
			if (lb_ok(bs, t->entry[e], avoid))
				return t->entry[e];
			if (++e == t->size)
				e = 0;
		}
	}
	k = lb_pick_by_key(pool, key, avoid);
	if (k < 0 && avoid >= 0)
		k = lb_maglev_pick(pool, lw, key, -1);
	return k;
}

const struct sl_lb_ops sl_lb_maglev = {
	.name = "maglev",
	.pick = lb_maglev_pick,
	.build = lb_maglev_build,
};
