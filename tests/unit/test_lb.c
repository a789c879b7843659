/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/lb: each algorithm's distribution against its weights, Maglev's
 * balance and disruption bounds, backups, avoid, slow start (a fake clock),
 * RCU publication under concurrent picks, backends added and deleted at run
 * time, and ns per pick (printed, not asserted; docs/lb.md records them).
 *
 * The test thread is an online urcu-qsbr reader throughout, like a worker;
 * the reader threads of the concurrency tests register themselves. EAL runs
 * without hugepages (rte_malloc from a plain heap).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setaffinity_np */
#endif
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <urcu-qsbr.h>

#include "sl_lb.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define PICKS 100000

static const enum sl_lb_algo all_algos[] = {
	SL_LB_ROUNDROBIN, SL_LB_LEASTCONN, SL_LB_RANDOM2, SL_LB_MAGLEV, SL_LB_HASH,
};

/* The test's own PRNG (xorshift64*), independent of lib/lb's. */
static uint64_t trng = 0x9e3779b97f4a7c15ull;

static uint64_t
trand(void)
{
	trng ^= trng >> 12;
	trng ^= trng << 25;
	trng ^= trng >> 27;
	return trng * 0x2545f4914f6cdd1dull;
}

/* No libm. */
static double
dabs(double x)
{
	return x < 0 ? -x : x;
}

static double
dmax(double a, double b)
{
	return a > b ? a : b;
}

static double
dmin(double a, double b)
{
	return a < b ? a : b;
}

/* Slow start's clock. */
static uint64_t fake_tsc;

static uint64_t
fake_clock(void)
{
	return __atomic_load_n(&fake_tsc, __ATOMIC_RELAXED);
}

/*
 * One pool (index 0) of @p n backends b0..b<n-1> with weights @p w, those
 * flagged in @p backup backups (NULL: none), plus an empty second pool so
 * that indexes of other pools are exercised.
 */
static struct sl_lb *
make_lb(enum sl_lb_algo a, const uint32_t *w, const bool *backup, unsigned int n,
	uint32_t maglev_size, uint32_t slow_start_ms)
{
	struct sl_config *conf = calloc(1, sizeof(*conf));
	struct sl_lb *lb;
	unsigned int i;

	assert_non_null(conf);
	conf->n_pools = 2;
	snprintf(conf->pools[0].name, SL_NAME_MAX, "p0");
	conf->pools[0].algorithm = a;
	conf->pools[0].maglev_size = maglev_size;
	conf->pools[0].slow_start_ms = slow_start_ms;
	snprintf(conf->pools[1].name, SL_NAME_MAX, "other");
	conf->n_backends = (uint16_t)n;
	for (i = 0; i < n; i++) {
		struct sl_conf_backend *b = &conf->backends[i];

		snprintf(b->name, SL_NAME_MAX, "b%u", i);
		b->pool = 0;
		b->addr = 0x0a010000 + i;
		b->port = 8080;
		b->weight = w[i];
		b->backup = backup != NULL && backup[i];
	}
	lb = sl_lb_create(conf);
	free(conf);
	assert_non_null(lb);
	lb->clock = fake_clock;
	return lb;
}

static void
worker(struct sl_lb_worker *lw, const struct sl_lb *lb, uint64_t seed)
{
	assert_int_equal(sl_lb_worker_init(lw, lb, SOCKET_ID_ANY), 0);
	lw->rng = seed;
	lw->rot = 0;
}

static bool
keyed(enum sl_lb_algo a)
{
	return a == SL_LB_MAGLEV || a == SL_LB_HASH;
}

static int
pick(struct sl_lb *lb, struct sl_lb_worker *lw, int avoid)
{
	return sl_lb_pick(&lb->pools[0], lw, trand(), avoid);
}

/* Largest |observed share / weight share - 1| over the backends. */
static double
max_rel_err(const uint64_t *count, const uint32_t *w, unsigned int n)
{
	uint64_t total = 0, wsum = 0;
	double worst = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		total += count[i];
		wsum += w[i];
	}
	for (i = 0; i < n; i++) {
		double exp = (double)w[i] / (double)wsum;
		double obs = (double)count[i] / (double)total;

		worst = dmax(worst, dabs(obs / exp - 1));
	}
	return worst;
}

/*
 * PICKS requests, each completing after a duration uniform in 1..2D-1 steps
 * (one request per step), so about D are in flight and leastconn and random2
 * see the counts they balance on. Returns the picks per backend in @p count.
 */
#define SIM_D 500
static uint16_t wheel[2 * SIM_D][2 * SIM_D];
static uint16_t wheel_n[2 * SIM_D];

static void
simulate(struct sl_lb *lb, struct sl_lb_worker *lw, uint64_t *count)
{
	unsigned int t, i;

	memset(wheel_n, 0, sizeof(wheel_n));
	for (t = 0; t < PICKS; t++) {
		unsigned int slot = t % (2 * SIM_D), end;
		int k = pick(lb, lw, -1);

		for (i = 0; i < wheel_n[slot]; i++)
			sl_lb_backend_release(&lb->backends[wheel[slot][i]]);
		wheel_n[slot] = 0;
		assert_true(k >= 0);
		count[k]++;
		sl_lb_backend_acquire(&lb->backends[k]);
		end = (t + 1 + (unsigned int)(trand() % (2 * SIM_D - 1))) % (2 * SIM_D);
		wheel[end][wheel_n[end]++] = (uint16_t)k;
	}
	for (t = 0; t < 2 * SIM_D; t++)
		for (i = 0; i < wheel_n[t]; i++)
			sl_lb_backend_release(&lb->backends[wheel[t][i]]);
	for (i = 0; i < lb->n_backends; i++)
		assert_int_equal(lb->backends[i].inflight, 0);
}

/* Distribution */

static void
check_distribution(enum sl_lb_algo a, const uint32_t *w, unsigned int n)
{
	uint64_t count[SL_BACKENDS_MAX] = { 0 };
	struct sl_lb_worker lw;
	struct sl_lb *lb = make_lb(a, w, NULL, n, 0, 0);
	double err;
	unsigned int i;

	worker(&lw, lb, 42);
	if (a == SL_LB_LEASTCONN || a == SL_LB_RANDOM2) {
		simulate(lb, &lw, count);
	} else {
		for (i = 0; i < PICKS; i++) {
			int k = pick(lb, &lw, -1);

			assert_true(k >= 0 && k < (int)n);
			count[k]++;
		}
	}
	err = max_rel_err(count, w, n);
	printf("  %-10s weights", sl_conf_lb_algo_name(a));
	for (i = 0; i < n; i++)
		printf("%s%u", i ? ":" : " ", w[i]);
	printf(": worst share error %.2f%%\n", 100 * err);
	assert_true(err <= 0.02);
	sl_lb_worker_fini(&lw);
	sl_lb_destroy(lb);
}

static void
test_distribution(void **state)
{
	static const uint32_t w1[] = { 1, 2, 3, 4 }, w2[] = { 1, 1, 5 };
	unsigned int i;

	(void)state;
	for (i = 0; i < DIM(all_algos); i++) {
		check_distribution(all_algos[i], w1, DIM(w1));
		check_distribution(all_algos[i], w2, DIM(w2));
	}
}

/* Smooth round robin is exact: each window of sum(w) picks follows the weights. */
static void
test_roundrobin_exact(void **state)
{
	static const uint32_t w[] = { 5, 1, 1 };
	static const int expect[] = { 0, 0, 1, 0, 2, 0, 0 };
	struct sl_lb_worker lw;
	struct sl_lb *lb = make_lb(SL_LB_ROUNDROBIN, w, NULL, DIM(w), 0, 0);
	unsigned int r, i;

	(void)state;
	worker(&lw, lb, 1);
	for (r = 0; r < 3; r++)
		for (i = 0; i < DIM(expect); i++)
			assert_int_equal(pick(lb, &lw, -1), expect[i]);
	sl_lb_worker_fini(&lw);
	sl_lb_destroy(lb);
}

/* Equal counts: leastconn spreads over the ties (rotating start), never piles. */
static void
test_leastconn_ties(void **state)
{
	static const uint32_t w[] = { 1, 1, 1, 1 };
	struct sl_lb_worker lw;
	struct sl_lb *lb = make_lb(SL_LB_LEASTCONN, w, NULL, DIM(w), 0, 0);
	unsigned int seen = 0, i;

	(void)state;
	worker(&lw, lb, 1);
	for (i = 0; i < 4; i++)
		seen |= 1u << pick(lb, &lw, -1);
	assert_int_equal(seen, 0xf);
	/* Counts decide: with 3 in flight on b0..b2, b3 it is. */
	for (i = 0; i < 3; i++)
		sl_lb_backend_acquire(&lb->backends[i]);
	for (i = 0; i < 10; i++)
		assert_int_equal(pick(lb, &lw, -1), 3);
	for (i = 0; i < 3; i++)
		sl_lb_backend_release(&lb->backends[i]);
	sl_lb_worker_fini(&lw);
	sl_lb_destroy(lb);

	/* Weighted: b1 (weight 3) with 1 in flight, (1 + 1) / 3, beats an idle b0, 1 / 1. */
	{
		static const uint32_t w2[] = { 1, 3 };

		lb = make_lb(SL_LB_LEASTCONN, w2, NULL, DIM(w2), 0, 0);
		worker(&lw, lb, 1);
		sl_lb_backend_acquire(&lb->backends[1]);
		assert_int_equal(pick(lb, &lw, -1), 1);
		/* (2 + 1) / 3 = 1 / 1: a tie, either will do; (3 + 1) / 3 loses. */
		sl_lb_backend_acquire(&lb->backends[1]);
		sl_lb_backend_acquire(&lb->backends[1]);
		assert_int_equal(pick(lb, &lw, -1), 0);
		sl_lb_worker_fini(&lw);
		sl_lb_destroy(lb);
	}
}

/* Maglev */

static uint32_t entries[SL_BACKENDS_MAX];

static void
test_maglev_balance(void **state)
{
	static uint32_t w[1000];
	const unsigned int n = DIM(w);
	uint32_t size, lo = UINT32_MAX, hi = 0, i;
	double mean;
	struct sl_lb *lb;

	(void)state;
	for (i = 0; i < n; i++)
		w[i] = 1;
	lb = make_lb(SL_LB_MAGLEV, w, NULL, n, 65537, 0);
	sl_lb_maglev_counts(lb, 0, entries, &size);
	assert_int_equal(size, 65537);
	mean = (double)size / n;
	for (i = 0; i < n; i++) {
		lo = RTE_MIN(lo, entries[i]);
		hi = RTE_MAX(hi, entries[i]);
		/* The paper's bound: floor(M/N) or ceil(M/N) entries each. */
		assert_true(entries[i] == size / n || entries[i] == size / n + 1);
		assert_true(dabs(entries[i] / mean - 1) <= 0.01);
	}
	printf("  M=65537 N=1000: entries %u..%u (M/N = %.3f, worst %.2f%%)\n", lo, hi, mean,
	       100 * dmax(mean - lo, hi - mean) / mean);
	sl_lb_destroy(lb);
}

/* Weighted: some c with |entries_i - c * w_i| < 1 for all i (lb_maglev.c). */
static void
test_maglev_weighted_table(void **state)
{
	static uint32_t w[100];
	double lo = -1e300, hi = 1e300;
	uint32_t size, i, sum = 0;
	struct sl_lb *lb;

	(void)state;
	for (i = 0; i < DIM(w); i++)
		w[i] = 1 + (uint32_t)(trand() % 10);
	lb = make_lb(SL_LB_MAGLEV, w, NULL, DIM(w), 65537, 0);
	sl_lb_maglev_counts(lb, 0, entries, &size);
	for (i = 0; i < DIM(w); i++) {
		lo = dmax(lo, (entries[i] - 1.0) / w[i]);
		hi = dmin(hi, (entries[i] + 1.0) / w[i]);
		sum += entries[i];
	}
	assert_int_equal(sum, size);
	assert_true(lo < hi);
	sl_lb_destroy(lb);
}

/* Removing one of N remaps at most 1/N + 1% of keys. */
static void
check_disruption(unsigned int n)
{
	static uint32_t w[100];
	static uint64_t keys[PICKS];
	static int before[PICKS];
	struct sl_lb_worker lw;
	unsigned int i, moved = 0, own = 0;
	const int gone = 3;
	struct sl_lb *lb;
	double frac;

	for (i = 0; i < n; i++)
		w[i] = 1;
	lb = make_lb(SL_LB_MAGLEV, w, NULL, n, 65537, 0);
	worker(&lw, lb, 1);
	for (i = 0; i < PICKS; i++) {
		keys[i] = trand();
		before[i] = sl_lb_pick(&lb->pools[0], &lw, keys[i], -1);
	}
	assert_int_equal(sl_lb_del_backend(lb, gone), 0);
	for (i = 0; i < PICKS; i++) {
		int k = sl_lb_pick(&lb->pools[0], &lw, keys[i], -1);

		assert_int_not_equal(k, gone);
		moved += k != before[i];
		own += before[i] == gone;
	}
	frac = (double)moved / PICKS;
	printf("  N=%u: removing one moved %.3f%% of keys (its own %.3f%%, bound %.3f%%)\n", n,
	       100 * frac, 100.0 * own / PICKS, 100 * (1.0 / n + 0.01));
	assert_true(frac <= 1.0 / n + 0.01);
	sl_lb_worker_fini(&lw);
	sl_lb_destroy(lb);
}

static void
test_maglev_disruption(void **state)
{
	(void)state;
	check_disruption(10);
	check_disruption(100);
}

/* A table is full, of the size asked, and every backend appears in it. */
static void
test_maglev_sizes(void **state)
{
	static const uint32_t sizes[] = { 101, 1009, 65537, 1000003 };
	static const uint32_t w[] = { 1, 1 };
	uint32_t size, i;

	(void)state;
	for (i = 0; i < DIM(sizes); i++) {
		struct sl_lb *lb = make_lb(SL_LB_HASH, w, NULL, DIM(w), sizes[i], 0);
		const struct sl_lb_maglev *t = lb->pools[0].maglev;
		uint32_t e;

		sl_lb_maglev_counts(lb, 0, entries, &size);
		assert_int_equal(size, sizes[i]);
		assert_int_equal(entries[0] + entries[1], sizes[i]);
		assert_true(entries[0] == sizes[i] / 2 || entries[0] == sizes[i] / 2 + 1);
		for (e = 0; e < t->size; e++)
			assert_true(t->entry[e] < 2);
		sl_lb_destroy(lb);
	}
	/* Pools without a table say so. */
	{
		struct sl_lb *lb = make_lb(SL_LB_ROUNDROBIN, w, NULL, DIM(w), 0, 0);

		sl_lb_maglev_counts(lb, 0, NULL, &size);
		assert_int_equal(size, 0);
		sl_lb_maglev_counts(lb, 77, NULL, &size);
		assert_int_equal(size, 0);
		sl_lb_destroy(lb);
	}
}

/* The same key keeps its backend; the table depends on names, not slots. */
static void
test_maglev_consistent(void **state)
{
	static const uint32_t w[] = { 1, 2, 3, 4, 5 };
	struct sl_lb_worker lw;
	struct sl_lb *a = make_lb(SL_LB_MAGLEV, w, NULL, DIM(w), 0, 0);
	struct sl_lb *b = make_lb(SL_LB_HASH, w, NULL, DIM(w), 0, 0);
	unsigned int i;

	(void)state;
	worker(&lw, a, 1);
	assert_int_equal(a->pools[0].maglev->size, SL_MAGLEV_SIZE_DEFAULT);
	assert_memory_equal(a->pools[0].maglev->entry, b->pools[0].maglev->entry,
			    sizeof(uint16_t) * SL_MAGLEV_SIZE_DEFAULT);
	for (i = 0; i < 1000; i++) {
		uint64_t key = sl_lb_hash_bytes(&i, sizeof(i));

		assert_int_equal(sl_lb_pick(&a->pools[0], &lw, key, -1),
				 sl_lb_pick(&a->pools[0], &lw, key, -1));
		assert_int_equal(sl_lb_pick(&a->pools[0], &lw, key, -1),
				 a->pools[0].maglev->entry[key % SL_MAGLEV_SIZE_DEFAULT]);
	}
	sl_lb_worker_fini(&lw);
	sl_lb_destroy(a);
	sl_lb_destroy(b);
}

/* Backups, avoid */

static void
test_backup(void **state)
{
	static const uint32_t w[] = { 1, 2, 3, 1, 1 };
	static const bool backup[] = { false, false, false, true, true };
	unsigned int a, i, r;

	(void)state;
	for (a = 0; a < DIM(all_algos); a++) {
		struct sl_lb *lb = make_lb(all_algos[a], w, backup, DIM(w), 0, 0);
		struct sl_lb_worker lw;
		unsigned int seen;

		worker(&lw, lb, 7);
		for (i = 0; i < 1000; i++)
			assert_true(pick(lb, &lw, -1) < 3);
		/* All primaries down or drained: backups only, both of them. */
		assert_int_equal(sl_lb_set_state(lb, 0, SL_BACKEND_DOWN), 0);
		assert_int_equal(sl_lb_set_state(lb, 1, SL_BACKEND_DRAIN), 0);
		assert_int_equal(sl_lb_set_state(lb, 2, SL_BACKEND_DOWN), 0);
		for (seen = 0, i = 0; i < 1000; i++) {
			int k = pick(lb, &lw, -1);

			assert_true(k == 3 || k == 4);
			seen |= 1u << k;
		}
		assert_int_equal(seen, 0x18);
		/* The same without a rebuild: a worker marked them down. */
		assert_int_equal(sl_lb_set_state(lb, 1, SL_BACKEND_UP), 0);
		for (i = 0; i < 1000; i++)
			assert_int_equal(pick(lb, &lw, -1), 1);
		__atomic_store_n(&lb->backends[1].state, SL_BACKEND_DOWN, __ATOMIC_RELAXED);
		for (i = 0; i < 1000; i++) {
			int k = pick(lb, &lw, -1);

			assert_true(k == 3 || k == 4);
		}
		/* Weight 0 is not usable either. */
		__atomic_store_n(&lb->backends[1].state, SL_BACKEND_UP, __ATOMIC_RELAXED);
		assert_int_equal(sl_lb_set_weight(lb, 1, 0), 0);
		for (i = 0; i < 1000; i++) {
			int k = pick(lb, &lw, -1);

			assert_true(k == 3 || k == 4);
		}
		/* Nothing usable at all. */
		for (r = 3; r < 5; r++)
			assert_int_equal(sl_lb_set_state(lb, (uint16_t)r, SL_BACKEND_DOWN), 0);
		assert_int_equal(pick(lb, &lw, -1), -1);
		assert_int_equal(pick(lb, &lw, 3), -1);
		sl_lb_worker_fini(&lw);
		sl_lb_destroy(lb);
	}
}

static void
test_avoid(void **state)
{
	static const uint32_t w[] = { 1, 2, 3, 4 };
	unsigned int a, i;

	(void)state;
	for (a = 0; a < DIM(all_algos); a++) {
		struct sl_lb *lb = make_lb(all_algos[a], w, NULL, DIM(w), 0, 0);
		struct sl_lb_worker lw;

		worker(&lw, lb, 9);
		for (i = 0; i < 4000; i++) {
			int avoid = (int)(i % 4), k = pick(lb, &lw, avoid);

			assert_true(k >= 0 && k < 4);
			assert_int_not_equal(k, avoid);
		}
		/* For keyed ones, the retry of a key is the same backend each time. */
		if (keyed(all_algos[a])) {
			uint64_t key = trand();
			int k = sl_lb_pick(&lb->pools[0], &lw, key, -1);
			int k2 = sl_lb_pick(&lb->pools[0], &lw, key, k);

			assert_int_not_equal(k2, k);
			assert_int_equal(sl_lb_pick(&lb->pools[0], &lw, key, k), k2);
		}
		/* The avoided one is all there is: it is still picked. */
		for (i = 1; i < 4; i++)
			assert_int_equal(sl_lb_set_state(lb, (uint16_t)i, SL_BACKEND_DOWN), 0);
		for (i = 0; i < 100; i++)
			assert_int_equal(pick(lb, &lw, 0), 0);
		sl_lb_worker_fini(&lw);
		sl_lb_destroy(lb);
	}
}

/* Slow start */

static unsigned int
rr_share_of(struct sl_lb *lb, struct sl_lb_worker *lw, int k, unsigned int picks)
{
	unsigned int i, n = 0;

	for (i = 0; i < picks; i++)
		n += pick(lb, lw, -1) == k;
	return n;
}

static void
test_slow_start(void **state)
{
	static const uint32_t w[] = { 10, 10 };
	struct sl_lb_worker lw;
	struct sl_lb *lb;
	uint64_t ss, t0 = 1000000000000ull;
	unsigned int n;

	(void)state;
	lb = make_lb(SL_LB_ROUNDROBIN, w, NULL, DIM(w), 0, 2000);
	ss = lb->pools[0].slow_start_tsc;
	assert_true(ss == 2 * lb->tsc_hz);
	worker(&lw, lb, 3);
	fake_tsc = t0;
	/* At start no ramp: backends are up since before the gateway. */
	n = rr_share_of(lb, &lw, 1, 2000);
	assert_int_equal(n, 1000);
	assert_int_equal(sl_lb_set_state(lb, 1, SL_BACKEND_DOWN), 0);
	assert_int_equal(rr_share_of(lb, &lw, 1, 100), 0);
	assert_int_equal(sl_lb_set_state(lb, 1, SL_BACKEND_UP), 0);
	/* Just up: weight 1 against 10. */
	n = rr_share_of(lb, &lw, 1, 1100);
	assert_in_range(n, 99, 101);
	/* Half way: 1 + 9 / 2 = 5 (integer), 5 against 10. */
	fake_tsc = t0 + ss / 2;
	n = rr_share_of(lb, &lw, 1, 1500);
	assert_in_range(n, 499, 501);
	/* Just before the end: 1 + 9 * (ss - 1) / ss = 9. */
	fake_tsc = t0 + ss - 1;
	n = rr_share_of(lb, &lw, 1, 1900);
	assert_in_range(n, 899, 901);
	fake_tsc = t0 + ss;
	n = rr_share_of(lb, &lw, 1, 2000);
	assert_in_range(n, 999, 1001);
	/* Weight 0 -> 10 ramps too; so does a backend added at run time. */
	assert_int_equal(sl_lb_set_weight(lb, 1, 0), 0);
	assert_int_equal(sl_lb_set_weight(lb, 1, 10), 0);
	n = rr_share_of(lb, &lw, 1, 1100);
	assert_in_range(n, 99, 101);
	sl_lb_worker_fini(&lw);
	sl_lb_destroy(lb);

	/* leastconn: with nothing in flight, 1/1 loses to 1/10 until the ramp ends. */
	lb = make_lb(SL_LB_LEASTCONN, w, NULL, DIM(w), 0, 2000);
	worker(&lw, lb, 3);
	assert_int_equal(sl_lb_set_state(lb, 1, SL_BACKEND_DOWN), 0);
	assert_int_equal(sl_lb_set_state(lb, 1, SL_BACKEND_UP), 0);
	sl_lb_backend_acquire(&lb->backends[0]);
	/* b0: (1 + 1) / 10 = 0.2, b1: 1 / 1 = 1. */
	assert_int_equal(pick(lb, &lw, -1), 0);
	fake_tsc += ss;
	/* b1: 1 / 10 = 0.1 now. */
	assert_int_equal(pick(lb, &lw, -1), 1);
	sl_lb_backend_release(&lb->backends[0]);
	sl_lb_worker_fini(&lw);
	sl_lb_destroy(lb);

	/* random2 draws by effective weight: about 1 in 11 just after. */
	lb = make_lb(SL_LB_RANDOM2, w, NULL, DIM(w), 0, 2000);
	worker(&lw, lb, 3);
	assert_int_equal(sl_lb_set_state(lb, 1, SL_BACKEND_DOWN), 0);
	assert_int_equal(sl_lb_set_state(lb, 1, SL_BACKEND_UP), 0);
	n = rr_share_of(lb, &lw, 1, 22000);
	assert_in_range(n, 1700, 2300);
	sl_lb_worker_fini(&lw);
	sl_lb_destroy(lb);

	/* maglev ignores it: the table and the picks stay as they were. */
	lb = make_lb(SL_LB_MAGLEV, w, NULL, DIM(w), 0, 2000);
	worker(&lw, lb, 3);
	assert_int_equal(sl_lb_set_state(lb, 1, SL_BACKEND_DOWN), 0);
	assert_int_equal(sl_lb_set_state(lb, 1, SL_BACKEND_UP), 0);
	{
		uint32_t size;

		sl_lb_maglev_counts(lb, 0, entries, &size);
		assert_true(entries[1] == size / 2 || entries[1] == size / 2 + 1);
	}
	sl_lb_worker_fini(&lw);
	sl_lb_destroy(lb);
}

/* Runtime changes */

static void
test_runtime_api(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct sl_lb *lb = make_lb(SL_LB_ROUNDROBIN, w, NULL, DIM(w), 0, 0);
	uint16_t idx[SL_BACKENDS_MAX];

	(void)state;
	assert_int_equal(sl_lb_set_state(lb, 3, SL_BACKEND_UP), -EINVAL);
	assert_int_equal(sl_lb_set_state(lb, 0, (enum sl_backend_state)7), -EINVAL);
	assert_int_equal(sl_lb_set_weight(lb, 0, SL_LB_WEIGHT_MAX + 1), -ERANGE);
	assert_int_equal(sl_lb_set_weight(lb, 9, 1), -EINVAL);
	assert_int_equal(sl_lb_set_weight(lb, 0, SL_LB_WEIGHT_MAX), 0);
	assert_int_equal(lb->pools[0].members->w_max, SL_LB_WEIGHT_MAX);
	assert_int_equal(sl_lb_rebuild(lb, 0), 0);
	assert_int_equal(sl_lb_rebuild(lb, 2), -EINVAL);
	assert_int_equal(sl_lb_del_backend(lb, 5), -EINVAL);
	assert_int_equal(sl_lb_add_backend(lb, "b1", 0, 1, 80, 1, false), -EEXIST);
	assert_int_equal(sl_lb_add_backend(lb, "Bad", 0, 1, 80, 1, false), -EINVAL);
	assert_int_equal(sl_lb_add_backend(lb, "", 0, 1, 80, 1, false), -EINVAL);
	assert_int_equal(sl_lb_add_backend(lb, "ok", 2, 1, 80, 1, false), -EINVAL);
	assert_int_equal(sl_lb_add_backend(lb, "ok", 0, 1, 80, SL_LB_WEIGHT_MAX + 1, false),
			 -EINVAL);
	assert_int_equal(sl_lb_pool_copy(lb, 0, idx), 3);
	/* Into the other pool, a backup: members keep primaries first. */
	assert_int_equal(sl_lb_add_backend(lb, "bk", 0, 1, 80, 1, true), 3);
	assert_int_equal(sl_lb_add_backend(lb, "x", 1, 1, 80, 1, false), 4);
	assert_int_equal(sl_lb_add_backend(lb, "b3", 0, 1, 80, 1, false), 5);
	assert_int_equal(sl_lb_pool_copy(lb, 0, idx), 5);
	assert_int_equal(idx[3], 5);
	assert_int_equal(idx[4], 3);
	assert_int_equal(lb->pools[0].members->n_primary, 4);
	assert_int_equal(sl_lb_pool_copy(lb, 1, idx), 1);
	assert_int_equal(idx[0], 4);
	assert_int_equal(lb->n_backends, 6);
	assert_string_equal(lb->backends[5].name, "b3");
	assert_int_equal(lb->backends[5].gen, 1);
	sl_lb_destroy(lb);

	/* A maglev pool stays at 100 x its backends or more. */
	lb = make_lb(SL_LB_MAGLEV, w, NULL, 1, 101, 0);
	assert_int_equal(sl_lb_add_backend(lb, "two", 0, 1, 80, 1, false), -E2BIG);
	assert_int_equal(sl_lb_add_backend(lb, "two", 1, 1, 80, 1, false), 1);
	sl_lb_destroy(lb);
}

/*
 * The backends @p picks picks return, as a bit mask. Each pick stays in
 * flight until the end, so leastconn moves on from the heaviest backend.
 */
static unsigned int
seen_mask(struct sl_lb *lb, struct sl_lb_worker *lw, unsigned int picks)
{
	static int got[10000];
	unsigned int i, seen = 0;

	assert_true(picks <= DIM(got));
	for (i = 0; i < picks; i++) {
		got[i] = pick(lb, lw, -1);
		assert_true(got[i] >= 0);
		seen |= 1u << got[i];
		sl_lb_backend_acquire(&lb->backends[got[i]]);
	}
	for (i = 0; i < picks; i++)
		sl_lb_backend_release(&lb->backends[got[i]]);
	return seen;
}

static void
test_add_del(void **state)
{
	static const uint32_t w[] = { 1, 2, 3 };
	unsigned int a, i;

	(void)state;
	for (a = 0; a < DIM(all_algos); a++) {
		struct sl_lb *lb = make_lb(all_algos[a], w, NULL, DIM(w), 0, 0);
		struct sl_lb_worker lw;
		unsigned int seen = 0;
		int k, k2;

		worker(&lw, lb, 11);
		k = sl_lb_add_backend(lb, "new", 0, rte_cpu_to_be_32(0x0a0100ff), 81, 3, false);
		assert_int_equal(k, 3);
		fake_tsc += 1;
		seen = seen_mask(lb, &lw, 2000);
		assert_int_equal(seen, 0xf);
		/* Deleted: never picked again, from the moment the call returns. */
		assert_int_equal(sl_lb_del_backend(lb, 1), 0);
		assert_int_equal(sl_lb_del_backend(lb, 1), -EINVAL);
		assert_int_equal(sl_lb_set_state(lb, 1, SL_BACKEND_UP), -EINVAL);
		for (i = 0; i < 10000; i++)
			assert_int_not_equal(pick(lb, &lw, -1), 1);
		/* A slot with a request in flight is not reused... */
		sl_lb_backend_acquire(&lb->backends[2]);
		assert_int_equal(sl_lb_del_backend(lb, 2), 0);
		for (i = 0; i < 10000; i++) {
			k = pick(lb, &lw, -1);
			assert_true(k == 0 || k == 3);
		}
		k = sl_lb_add_backend(lb, "after", 0, rte_cpu_to_be_32(0x0a010100), 82, 1, false);
		assert_int_equal(k, 1); /* slot 1 is free: nothing in flight */
		assert_int_equal(lb->backends[1].gen, 1);
		k2 = sl_lb_add_backend(lb, "later", 0, rte_cpu_to_be_32(0x0a010101), 83, 1, false);
		assert_int_equal(k2, 4); /* slot 2 still has its request */
		/* ...until it completes. */
		sl_lb_backend_release(&lb->backends[2]);
		k = sl_lb_add_backend(lb, "reuse", 0, rte_cpu_to_be_32(0x0a010102), 84, 1, false);
		assert_int_equal(k, 2);
		assert_int_equal(lb->backends[2].gen, 1);
		assert_string_equal(lb->backends[2].name, "reuse");
		/* A deleted name can be given again. */
		assert_int_equal(sl_lb_del_backend(lb, 0), 0);
		k = sl_lb_add_backend(lb, "b0", 0, rte_cpu_to_be_32(0x0a010000), 8080, 1, false);
		assert_int_equal(k, 0);
		seen = seen_mask(lb, &lw, 4000);
		assert_int_equal(seen, 0x1f);
		sl_lb_worker_fini(&lw);
		sl_lb_destroy(lb);
	}
}

/* Concurrency: a reader thread picking while the control thread publishes */

struct reader {
	struct sl_lb *lb;
	struct sl_lb_worker lw;
	uint16_t pool;
	uint16_t lo, hi;	/* valid picks are lo..hi-1 (or -1 when allowed) */
	bool allow_none;
	bool stop;		/* atomic */
	uint64_t picks, bad, dead_picks;
	const uint32_t *dead_at;	/* epoch at which a slot was deleted (0: live) */
	const uint32_t *epoch;
	uint64_t rng;
};

/* A thread's own xorshift64*: trand() is the main thread's. */
static uint64_t
rrand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static void *
reader_main(void *arg)
{
	struct reader *r = arg;

	rcu_register_thread();
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		uint32_t e = r->epoch != NULL ? __atomic_load_n(r->epoch, __ATOMIC_ACQUIRE) : 0;
		int k = sl_lb_pick(&r->lb->pools[r->pool], &r->lw, rrand(&r->rng), -1);

		__atomic_store_n(&r->picks, r->picks + 1, __ATOMIC_RELAXED);
		if (k < 0 ? !r->allow_none : (k < r->lo || k >= r->hi))
			r->bad++;
		else if (k >= 0 && r->dead_at != NULL) {
			uint32_t d = __atomic_load_n(&r->dead_at[k], __ATOMIC_RELAXED);

			if (d != 0 && d <= e)
				r->dead_picks++;
		}
		if (k >= 0) {
			sl_lb_backend_acquire(&r->lb->backends[k]);
			sl_lb_backend_release(&r->lb->backends[k]);
		}
		rcu_quiescent_state();
	}
	rcu_unregister_thread();
	return NULL;
}

/*
 * EAL pinned the main thread to lcore 0 and threads inherit that: put @p th
 * on CPU @p cpu (modulo the CPUs there are) so that it really runs alongside.
 */
static void
place(pthread_t th, unsigned int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (unsigned int)(n > 0 ? n : 1), &set);
	pthread_setaffinity_np(th, sizeof(set), &set);
}

/* Let the reader pick @p n times against what was just published. */
static void
wait_picks(struct reader *r, uint64_t n)
{
	uint64_t from = __atomic_load_n(&r->picks, __ATOMIC_RELAXED);

	while (__atomic_load_n(&r->picks, __ATOMIC_RELAXED) < from + n)
		rte_pause();
}

static void
test_rcu_rebuild(void **state)
{
	static const uint32_t w[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	unsigned int a, i;

	(void)state;
	for (a = 0; a < DIM(all_algos); a++) {
		struct sl_lb *lb = make_lb(all_algos[a], w, NULL, DIM(w), 0, 0);
		struct reader r = { .lb = lb, .pool = 0, .lo = 0, .hi = DIM(w), .rng = 5 };
		pthread_t th;

		worker(&r.lw, lb, 5);
		assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
		place(th, 1);
		for (i = 0; i < 100; i++) {
			wait_picks(&r, 100);
			assert_int_equal(sl_lb_rebuild(lb, 0), 0);
			assert_int_equal(sl_lb_set_weight(lb, (uint16_t)(i % DIM(w)),
							  1 + (i * 7) % 10), 0);
			assert_int_equal(sl_lb_set_state(lb, (uint16_t)(i % DIM(w)),
							 i % 2 ? SL_BACKEND_UP : SL_BACKEND_DOWN),
					 0);
		}
		__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
		assert_int_equal(pthread_join(th, NULL), 0);
		printf("  %-10s 300 publications under %" PRIu64 " concurrent picks, %" PRIu64
		       " invalid\n",
		       sl_conf_lb_algo_name(all_algos[a]), r.picks, r.bad);
		assert_true(r.picks > 0);
		assert_int_equal(r.bad, 0);
		sl_lb_worker_fini(&r.lw);
		sl_lb_destroy(lb);
	}
}

/*
 * Backends deleted one by one while a reader picks: a pick that starts after
 * sl_lb_del_backend() returned never gives the deleted backend.
 */
static void
test_rcu_del(void **state)
{
	static uint32_t w[64];
	static uint32_t dead_at[SL_BACKENDS_MAX];
	unsigned int a, i;

	(void)state;
	for (i = 0; i < DIM(w); i++)
		w[i] = 1 + i % 4;
	for (a = 0; a < DIM(all_algos); a++) {
		struct sl_lb *lb = make_lb(all_algos[a], w, NULL, DIM(w), 0, 0);
		uint32_t epoch = 0;
		struct reader r = { .lb = lb, .pool = 0, .lo = 0, .hi = DIM(w), .rng = 6,
				    .dead_at = dead_at, .epoch = &epoch };
		pthread_t th;

		memset(dead_at, 0, sizeof(dead_at));
		worker(&r.lw, lb, 6);
		assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
		place(th, 1);
		for (i = 0; i < DIM(w) - 1; i++) {
			assert_int_equal(sl_lb_del_backend(lb, (uint16_t)i), 0);
			__atomic_store_n(&dead_at[i], epoch + 1, __ATOMIC_RELAXED);
			__atomic_store_n(&epoch, epoch + 1, __ATOMIC_RELEASE);
			wait_picks(&r, 200);
		}
		__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
		assert_int_equal(pthread_join(th, NULL), 0);
		printf("  %-10s 63 deletions under %" PRIu64 " picks: %" PRIu64
		       " of a deleted one, %" PRIu64 " invalid\n",
		       sl_conf_lb_algo_name(all_algos[a]), r.picks, r.dead_picks, r.bad);
		assert_int_equal(r.dead_picks, 0);
		assert_int_equal(r.bad, 0);
		sl_lb_worker_fini(&r.lw);
		sl_lb_destroy(lb);
	}
}

/* The key hash */

static void
test_hash_bytes(void **state)
{
	static const char text[] = "GET /index.html?user=1234567890&session=abcdefghijklmnop"
				   "qrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	static uint64_t seen[sizeof(text)];
	unsigned int i, j, bits = 0, trials = 0;

	(void)state;
	/* Every prefix length (0..16, 17..48, and past 48) hashes differently. */
	for (i = 0; i < sizeof(text); i++) {
		seen[i] = sl_lb_hash_bytes(text, i);
		assert_true(seen[i] == sl_lb_hash_seed(text, i, 0));
		assert_true(seen[i] != sl_lb_hash_seed(text, i, 1));
		for (j = 0; j < i; j++)
			assert_true(seen[j] != seen[i]);
	}
	/* Avalanche: one flipped input bit flips about half the output bits. */
	for (i = 0; i < sizeof(text) - 1; i += 7) {
		char buf[sizeof(text)];
		unsigned int bit;

		for (bit = 0; bit < 8; bit++) {
			memcpy(buf, text, sizeof(text));
			buf[i] ^= (char)(1 << bit);
			bits += (unsigned int)__builtin_popcountll(
				sl_lb_hash_bytes(buf, sizeof(text) - 1) ^
				sl_lb_hash_bytes(text, sizeof(text) - 1));
			trials++;
		}
	}
	assert_in_range(bits * 100 / trials, 29 * 100 / 1, 35 * 100 / 1);
	/* The IPv4 source key the proxy hashes: 4 bytes, spread over a table. */
	{
		uint32_t addr, counts[101] = { 0 };

		for (addr = 0x0a000000; addr < 0x0a000000 + 101 * 1000; addr++)
			counts[sl_lb_hash_bytes(&addr, sizeof(addr)) % 101]++;
		for (i = 0; i < 101; i++)
			assert_in_range(counts[i], 850, 1150);
	}
}

int
main(void)
{
	char *argv[] = { "test_lb", "--no-huge", "--no-pci", "--no-shconf", "-l", "0",
			 "-m", "128", "--log-level=*:error", NULL };
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_bytes),
		cmocka_unit_test(test_distribution),
		cmocka_unit_test(test_roundrobin_exact),
		cmocka_unit_test(test_leastconn_ties),
		cmocka_unit_test(test_maglev_balance),
		cmocka_unit_test(test_maglev_weighted_table),
		cmocka_unit_test(test_maglev_disruption),
		cmocka_unit_test(test_maglev_sizes),
		cmocka_unit_test(test_maglev_consistent),
		cmocka_unit_test(test_backup),
		cmocka_unit_test(test_avoid),
		cmocka_unit_test(test_slow_start),
		cmocka_unit_test(test_runtime_api),
		cmocka_unit_test(test_add_del),
		cmocka_unit_test(test_rcu_rebuild),
		cmocka_unit_test(test_rcu_del),
	};
	int rc;

	if (rte_eal_init((int)DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rcu_register_thread();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rcu_unregister_thread();
	rte_eal_cleanup();
	return rc;
}
