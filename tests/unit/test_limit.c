/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/limit unit tests.
 *
 *  - GCRA against a reference model written here, plainly: 128-bit integer
 *    ticks that never wrap, max(), no sentinels, no fixed-point tables.
 *    Random sequences (seeds, costs, gaps, takes, both actions, rates from
 *    1/h to 10 GiB/s, clocks that wrap the library's 64-bit ticks) must give
 *    exactly the same results and the same delay, retry, remaining and
 *    reset values.
 *  - The documented boundaries: burst + 1 at once for a new key; allowed =
 *    burst + 1 + rate x duration over a long run; pacing grants the same.
 *  - The table: overflow state when full, expiry and node reuse, lookup,
 *    walk, flush, states that idled past the tick range.
 *  - Threads: two hammering one key at a frozen clock take exactly the
 *    budget; two on their own keys with a third expiring get, key by key,
 *    exactly what the reference gives for the same clock readings, and no
 *    live key is ever missing; connection counts stay exact.
 *  (ns per decision, 1 and 2 threads: tests/bench/bench_limit.c.)
 *
 * The clock is always simulated (a value passed in): nothing sleeps for a
 * result, nothing asserts a time. The EAL runs without hugepages, PCI or
 * shared files (rte_ring and rte_malloc need it); the test thread is the
 * main lcore, a registered urcu-qsbr reader, online like a worker.
 *
 * Environment: LIMIT_TEST=glob runs only the matching tests, LIMIT_SKIP=glob
 * skips them.
 */
#include <errno.h>
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

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include <urcu-qsbr.h>

#include "sl_limit.h"
#include "ut_heap.h"

typedef unsigned __int128 u128;

#define GHZ UINT64_C(1000000000) /* a simulated 1 GHz TSC: a cycle is a nanosecond */
#define T0  UINT64_C(1000000)

static struct sl_limit *lim;
static struct sl_limit_conn *cn;

/* Let removed nodes come back: a grace period needs this (online) thread offline. */
static void
quiesce(void)
{
	rcu_thread_offline();
	rcu_barrier();
	rcu_thread_online();
}

static struct sl_limit_stats
stats(void)
{
	struct sl_limit_stats s;

	sl_limit_stats(lim, &s);
	return s;
}

static struct sl_limit_conn_stats
conn_stats(void)
{
	struct sl_limit_conn_stats s;

	sl_limit_conn_stats(cn, &s);
	return s;
}

static size_t heap_mark;


static int
setup(void **state)
{
	(void)state;
	heap_mark = ut_heap_used();
	return 0;
}

/* Per test: the tables destroyed, every byte they took from the DPDK heap given back. */
static int
teardown(void **state)
{
	(void)state;
	sl_limit_destroy(lim);
	lim = NULL;
	sl_limit_conn_destroy(cn);
	cn = NULL;
	if (ut_heap_used() != heap_mark) {
		print_error("DPDK heap: %zu bytes before, %zu after\n", heap_mark, ut_heap_used());
		return -1;
	}
	return 0;
}

static struct sl_limit *
make(uint64_t units, uint64_t period, uint64_t burst, enum sl_limit_action action,
     uint32_t max_keys, bool shared)
{
	struct sl_limit_params p = {
		.name = "t",
		.units = units,
		.period_tsc = period,
		.burst = burst,
		.action = action,
		.max_keys = max_keys,
		.shared_key = shared,
	};
	struct sl_limit *l = sl_limit_create(&p, SOCKET_ID_ANY);

	assert_non_null(l);
	return l;
}

static uint64_t rnd_state;

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * UINT64_C(2685821657736338717);
}

/* 0..n-1 (n >= 1). */
static uint64_t
rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* ------------------------------------------------------------------ */
/* The reference model                                                  */

/*
 * GCRA as docs/limits.md states it, in ticks of 1/256 cycle held in 128
 * bits (a clock that starts below 2^64 cycles never wraps them): T(c) =
 * ceil(c x period x 256 / units), H = (burst + 1) x T(1), tau = burst x T(1),
 * and "no TAT" is a TAT of 0 (every clock here is above 0).
 */
struct ref {
	u128 num, den;
	u128 t1, tau, horizon;
	uint64_t limit, take_max;
	bool delay;
	u128 tat;
};

static u128
ref_cost(const struct ref *r, uint64_t c)
{
	return ((u128)c * r->num + r->den - 1) / r->den;
}

static uint64_t
ref_up(u128 ticks)
{
	return (uint64_t)((ticks + 255) / 256);
}

static void
ref_init(struct ref *r, uint64_t units, uint64_t period, uint64_t burst, bool delay)
{
	memset(r, 0, sizeof(*r));
	r->num = (u128)period * 256;
	r->den = units;
	r->t1 = ref_cost(r, 1);
	r->limit = burst + 1;
	r->horizon = r->t1 * r->limit;
	r->tau = r->t1 * burst;
	r->delay = delay;
	/* The most a full budget grants: the largest g with T(g) <= H. */
	r->take_max = (uint64_t)(r->horizon * r->den / r->num);
	assert_true(ref_cost(r, r->take_max) <= r->horizon);
	assert_true(ref_cost(r, r->take_max + 1) > r->horizon);
}

static void
ref_fill(const struct ref *r, u128 ahead, struct sl_limit_verdict *v)
{
	v->limit = r->limit;
	v->reset_tsc = ref_up(ahead);
	v->remaining = ahead < r->horizon ? (uint64_t)((r->horizon - ahead) / r->t1) : 0;
}

static int
ref_decide(struct ref *r, uint64_t cost, uint64_t now_tsc, struct sl_limit_verdict *v)
{
	u128 now = (u128)now_tsc * 256, tat, ahead, c;

	if (cost == 0)
		return -EINVAL;
	if (cost > r->limit)
		return -E2BIG;
	tat = r->tat > now ? r->tat : now;
	ahead = tat - now;
	c = ref_cost(r, cost);
	if (r->delay) {
		if (ahead > r->tau) {
			ref_fill(r, ahead, v);
			v->delay_tsc = 0;
			v->retry_after_tsc = ref_up(ahead - r->tau);
			return SL_LIMIT_REJECTED;
		}
		r->tat = tat + c;
		ref_fill(r, ahead + c, v);
		v->delay_tsc = ref_up(ahead);
		v->retry_after_tsc = 0;
		return ahead != 0 ? SL_LIMIT_DELAYED : SL_LIMIT_ALLOWED;
	}
	if (ahead + c > r->horizon) {
		ref_fill(r, ahead, v);
		v->delay_tsc = 0;
		v->retry_after_tsc = ref_up(ahead + c - r->horizon);
		return SL_LIMIT_REJECTED;
	}
	r->tat = tat + c;
	ref_fill(r, ahead + c, v);
	v->delay_tsc = 0;
	v->retry_after_tsc = 0;
	return SL_LIMIT_ALLOWED;
}

/* The largest g <= want with T(g) <= avail, by its definition (bisection). */
static uint64_t
ref_fit(const struct ref *r, u128 avail, uint64_t want)
{
	uint64_t lo = 0, hi = want;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;

		if (ref_cost(r, mid) <= avail)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static int
ref_take(struct ref *r, uint64_t want, uint64_t min, uint64_t now_tsc, uint64_t *granted,
	 uint64_t *wait)
{
	u128 now = (u128)now_tsc * 256, tat, ahead, avail;
	uint64_t m = min == 0 ? 1 : min, g;

	if (m > want)
		m = want;
	if (want != 0 && m > r->take_max)
		return -E2BIG;
	*granted = 0;
	*wait = 0;
	if (want == 0)
		return 0;
	tat = r->tat > now ? r->tat : now;
	ahead = tat - now;
	avail = ahead < r->horizon ? r->horizon - ahead : 0;
	g = ref_fit(r, avail, want);
	if (g < m) {
		*wait = ref_up(ahead + ref_cost(r, m) - r->horizon);
		return 0;
	}
	r->tat = tat + ref_cost(r, g);
	*granted = g;
	if (g < want) {
		uint64_t next = want - g < m ? want - g : m;

		*wait = ref_up(r->tat - now + ref_cost(r, next) - r->horizon);
	}
	return 0;
}

static void
assert_verdict_equal(const struct sl_limit_verdict *a, const struct sl_limit_verdict *b)
{
	assert_int_equal(a->delay_tsc, b->delay_tsc);
	assert_int_equal(a->retry_after_tsc, b->retry_after_tsc);
	assert_int_equal(a->remaining, b->remaining);
	assert_int_equal(a->reset_tsc, b->reset_tsc);
	assert_int_equal(a->limit, b->limit);
}

/* ------------------------------------------------------------------ */
/* Create                                                               */

static void
test_create_args(void **state)
{
	struct sl_limit_params p = { .units = 100, .period_tsc = GHZ, .max_keys = 16 };
	struct sl_limit_stats s;

	(void)state;
	rte_errno = 0;
	assert_null(sl_limit_create(NULL, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
#define BAD(field, value)                                        \
	do {                                                     \
		struct sl_limit_params q = p;                    \
		q.field = value;                                 \
		rte_errno = 0;                                   \
		assert_null(sl_limit_create(&q, SOCKET_ID_ANY)); \
		assert_int_equal(rte_errno, EINVAL);             \
	} while (0)
	BAD(units, 0);
	BAD(period_tsc, 0);
	BAD(period_tsc, UINT64_C(1) << 56);
	BAD(max_keys, 0);
	BAD(max_keys, SL_LIMIT_MAX_KEYS + 1);
	BAD(action, (enum sl_limit_action)7);
	/* 257 units per cycle: T is below a tick. */
	BAD(units, UINT64_C(257) * GHZ);
	/* The horizon: (burst + 1) x T(1) <= 2^61 ticks. At 100/s on 1 GHz, T = 2^8 x 10^7. */
	BAD(burst, (UINT64_C(1) << 61) / (UINT64_C(256) * 10000000));
	BAD(burst, UINT64_MAX);
#undef BAD
	p.burst = (UINT64_C(1) << 61) / (UINT64_C(256) * 10000000) - 1;
	lim = sl_limit_create(&p, SOCKET_ID_ANY);
	assert_non_null(lim);
	sl_limit_destroy(lim);
	p.burst = 0;
	/* 256 per cycle: T is one tick, the fastest rate. */
	p.units = 256 * GHZ;
	lim = sl_limit_create(&p, SOCKET_ID_ANY);
	assert_non_null(lim);
	sl_limit_destroy(lim);
	sl_limit_destroy(NULL);

	/* shared_key: no table, max_keys unused. */
	p.units = 100;
	p.shared_key = true;
	p.max_keys = 0;
	lim = sl_limit_create(&p, SOCKET_ID_ANY);
	assert_non_null(lim);
	sl_limit_stats(lim, &s);
	assert_int_equal(s.capacity, 0);
	sl_limit_destroy(lim);

	p.shared_key = false;
	p.max_keys = 1000;
	p.name = "a-name-longer-than-thirty-one-characters";
	lim = sl_limit_create(&p, SOCKET_ID_ANY);
	assert_non_null(lim);
	assert_string_equal(sl_limit_name(lim), "a-name-longer-than-thirty-one-c");
	sl_limit_stats(lim, &s);
	assert_int_equal(s.capacity, 1000);
	assert_int_equal(s.free_nodes, 1000);
	assert_int_equal(s.entries, 0);
	/* 1000 nodes of 128 bytes and 1024 buckets of 16, at least. */
	assert_true(s.memory_bytes >= 1000 * 128 + 1024 * 16);
	print_message("    1000 keys: %" PRIu64 " bytes\n", s.memory_bytes);
	/* (burst + 1) x T: 10 ms at 100/s, burst 0. */
	assert_int_equal(sl_limit_window_tsc(lim), 10000000);
}

static void
test_params_from_conf(void **state)
{
	struct sl_conf_limit c = {
		.name = "api",
		.key = SL_LIMIT_KEY_HEADER,
		.kind = SL_LIMIT_RATE,
		.rate = { .count = 100, .period_s = 60 },
		.burst = 20,
		.action = SL_LIMIT_DELAY,
		.max_keys = 4096,
		.status = 429,
	};
	struct sl_limit_params p;

	(void)state;
	assert_int_equal(sl_limit_params_from_conf(&p, &c, 3 * GHZ), 0);
	assert_string_equal(p.name, "api");
	assert_int_equal(p.units, 100);
	assert_int_equal(p.period_tsc, 180 * GHZ);
	assert_int_equal(p.burst, 20);
	assert_int_equal(p.action, SL_LIMIT_DELAY);
	assert_int_equal(p.max_keys, 4096);
	assert_false(p.shared_key);
	lim = sl_limit_create(&p, SOCKET_ID_ANY);
	assert_non_null(lim);
	sl_limit_destroy(lim);
	lim = NULL;

	/* Bandwidth is paced by take (REJECT steps); vip and connection keep no table. */
	c.kind = SL_LIMIT_BANDWIDTH;
	c.key = SL_LIMIT_KEY_CONNECTION;
	c.rate = (struct sl_conf_rate){ .count = 10737418240, .period_s = 1 };
	c.burst = 65536;
	assert_int_equal(sl_limit_params_from_conf(&p, &c, 3 * GHZ), 0);
	assert_int_equal(p.action, SL_LIMIT_REJECT);
	assert_true(p.shared_key);
	assert_int_equal(p.units, 10737418240);
	assert_int_equal(p.period_tsc, 3 * GHZ);
	lim = sl_limit_create(&p, SOCKET_ID_ANY);
	assert_non_null(lim);
	c.key = SL_LIMIT_KEY_VIP;
	assert_int_equal(sl_limit_params_from_conf(&p, &c, 3 * GHZ), 0);
	assert_true(p.shared_key);
	c.rate.period_s = 3600;
	assert_int_equal(sl_limit_params_from_conf(&p, &c, UINT64_MAX / 1000), -ERANGE);
}

/* ------------------------------------------------------------------ */
/* The reference model on random sequences                              */

struct rcase {
	const char *what;
	uint64_t units, period, burst;
};

static const struct rcase rcases[] = {
	{ "100/s burst 0", 100, GHZ, 0 },
	{ "100/s burst 10", 100, GHZ, 10 },
	{ "7/s burst 3 (T not a whole tick)", 7, GHZ, 3 },
	{ "1/h on 3 GHz burst 5", 1, UINT64_C(3600) * 3 * GHZ, 5 },
	{ "10 GiB/s on 3 GHz burst 64 KiB", UINT64_C(10737418240), 3 * GHZ, 65536 },
	{ "1 MiB/s on 2.9 GHz burst 1448", 1048576, UINT64_C(2900000000), 1448 },
	{ "3 per cycle burst 2", 3, 1, 2 },
	{ "256 per cycle (one tick) burst 1000", 256, 1, 1000 },
	{ "1e6/s burst 1e6", 1000000, GHZ, 1000000 },
};

/* Clock starts: small, just before the library's ticks wrap (2^56 cycles), far beyond. */
static const uint64_t starts[] = {
	T0,
	(UINT64_C(1) << 56) - UINT64_C(3) * 3600 * 3 * GHZ,
	(UINT64_C(1) << 57) + 12345,
	UINT64_C(0x0fedcba987654321),
};

#define RM_KEYS	 3
#define RM_STEPS 4000

/* The keys of the table runs: an address, a value longer than the 32 bytes kept, empty. */
static const char *const rm_keys[RM_KEYS] = {
	"\x0a\x00\x00\x01",
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0",
	"",
};

static size_t
rm_key_len(unsigned int k)
{
	return k == 0 ? 4 : strlen(rm_keys[k]);
}

/* A gap drawn to hit every regime: same instant, within T, about T, within H, idle, long idle. */
static uint64_t
rm_gap(const struct rcase *c)
{
	uint64_t t = c->period / c->units, h = (c->burst + 1) * (c->period / c->units) + 1;

	if (t == 0)
		t = 1;
	switch (rnd_below(10)) {
	case 0:
	case 1:
		return 0;
	case 2:
	case 3:
		return rnd_below(t + 1);
	case 4:
		return t - rnd_below(3) + rnd_below(3);
	case 5:
	case 6:
		return rnd_below(h + 1) / 4;
	case 7:
		return rnd_below(2 * h + 1);
	case 8:
		return h * (1 + rnd_below(8));
	default:
		return rnd_below(2) ? 1 : rnd_below(UINT64_C(1) << 40);
	}
}

static uint64_t
rm_cost(const struct ref *r)
{
	switch (rnd_below(50)) {
	case 0:
		return 0;
	case 1:
		return r->limit + 1;
	case 2:
	case 3:
		return r->limit;
	case 4:
	case 5:
	case 6:
	case 7:
	case 8:
		return 1 + rnd_below(r->limit);
	default:
		return 1;
	}
}

static void
rm_run(const struct rcase *c, enum sl_limit_action action, unsigned int seed, bool shared)
{
	struct ref ref[RM_KEYS];
	uint64_t now = starts[seed % RTE_DIM(starts)], steps[3] = { 0 };
	unsigned int i, k, nkeys = shared ? 1 : RM_KEYS;

	rnd_state = UINT64_C(0x9e3779b97f4a7c15) * (seed + 1) + c->units;
	lim = make(c->units, c->period, c->burst, action, 64, shared);
	for (k = 0; k < nkeys; k++)
		ref_init(&ref[k], c->units, c->period, c->burst, action == SL_LIMIT_DELAY);
	for (i = 0; i < RM_STEPS; i++) {
		k = (unsigned int)rnd_below(nkeys);
		now += rm_gap(c);
		if (rnd_below(6) == 0) {
			uint64_t want = rnd_below(8) == 0 ? 0 : 1 + rnd_below(2 * ref[k].take_max);
			uint64_t min = rnd_below(30) == 0 ? ref[k].take_max + 1 :
							    rnd_below(ref[k].limit + 1);
			uint64_t g1 = 7, w1 = 7, g2 = 7, w2 = 7;
			int rc1 = sl_limit_take(lim, rm_keys[k], rm_key_len(k), want, min, now, &g1,
						&w1);
			int rc2 = ref_take(&ref[k], want, min, now, &g2, &w2);

			assert_int_equal(rc1, rc2);
			if (rc1 == 0) {
				assert_int_equal(g1, g2);
				assert_int_equal(w1, w2);
			}
			steps[2]++;
		} else {
			struct sl_limit_verdict v1, v2;
			uint64_t cost = rm_cost(&ref[k]);
			int rc1 = sl_limit_decide(lim, rm_keys[k], rm_key_len(k), cost, now, &v1);
			int rc2 = ref_decide(&ref[k], cost, now, &v2);

			if (rc1 != rc2)
				print_error("%s, %s, seed %u, step %u: cost %" PRIu64
					    ": got %d, reference %d\n",
					    c->what, action == SL_LIMIT_DELAY ? "delay" : "reject",
					    seed, i, cost, rc1, rc2);
			assert_int_equal(rc1, rc2);
			if (rc1 >= 0)
				assert_verdict_equal(&v1, &v2);
			steps[rc1 == SL_LIMIT_REJECTED]++;
		}
	}
	/* Every regime was met. */
	assert_true(steps[0] > 0);
	assert_true(steps[1] > 0);
	assert_true(steps[2] > 0);
	sl_limit_destroy(lim);
	lim = NULL;
}

static void
test_reference_random(void **state)
{
	unsigned int i, seed;

	(void)state;
	for (i = 0; i < RTE_DIM(rcases); i++)
		for (seed = 0; seed < 8; seed++) {
			rm_run(&rcases[i], SL_LIMIT_REJECT, seed, seed % 2 == 1);
			rm_run(&rcases[i], SL_LIMIT_DELAY, seed, seed % 2 == 0);
		}
}

/* The model's own promise: a retry at retry_after conforms, one cycle earlier does not. */
static void
test_reference_retry_exact(void **state)
{
	unsigned int i, n = 0, a;

	(void)state;
	for (a = 0; a < 2; a++) {
		for (i = 0; i < RTE_DIM(rcases); i++) {
			struct ref r, r2;
			struct sl_limit_verdict v, v2;
			uint64_t now = T0, cost, s;

			ref_init(&r, rcases[i].units, rcases[i].period, rcases[i].burst, a == 1);
			rnd_state = i + 1;
			for (s = 0; s < 2000; s++) {
				now += rm_gap(&rcases[i]);
				cost = 1 + rnd_below(r.limit);
				if (ref_decide(&r, cost, now, &v) != SL_LIMIT_REJECTED)
					continue;
				assert_true(v.retry_after_tsc >= 1);
				r2 = r;
				assert_int_not_equal(ref_decide(&r2, cost, now + v.retry_after_tsc,
								&v2),
						     SL_LIMIT_REJECTED);
				r2 = r;
				assert_int_equal(ref_decide(&r2, cost, now + v.retry_after_tsc - 1,
							    &v2),
						 SL_LIMIT_REJECTED);
				n++;
			}
		}
	}
	assert_true(n > 100);
}

/* ------------------------------------------------------------------ */
/* Boundaries                                                           */

/* A new key: exactly burst + 1 unit requests at once, then one every T. */
static void
test_burst_at_once(void **state)
{
	static const uint64_t bursts[] = { 0, 1, 5, 100, 1000 };
	static const uint64_t rates[] = { 100, 7 };
	struct sl_limit_verdict v;
	unsigned int b, r, a;
	uint64_t i;

	(void)state;
	for (r = 0; r < RTE_DIM(rates); r++) {
		for (b = 0; b < RTE_DIM(bursts); b++) {
			for (a = 0; a < 2; a++) {
				enum sl_limit_action act = a ? SL_LIMIT_DELAY : SL_LIMIT_REJECT;
				/* T(1) in ticks: ceil(10^9 x 256 / rate). */
				uint64_t t1 = (GHZ * 256 + rates[r] - 1) / rates[r];

				lim = make(rates[r], GHZ, bursts[b], act, 16, false);
				for (i = 0; i <= bursts[b]; i++) {
					int rc = sl_limit_decide(lim, "k", 1, 1, T0, &v);

					assert_int_equal(rc, i == 0 || !a ? SL_LIMIT_ALLOWED :
									    SL_LIMIT_DELAYED);
					assert_int_equal(v.limit, bursts[b] + 1);
					assert_int_equal(v.remaining, bursts[b] - i);
					assert_int_equal(v.reset_tsc, ((i + 1) * t1 + 255) / 256);
					/* DELAY: the i-th waits i x T(1). */
					assert_int_equal(v.delay_tsc, a ? (i * t1 + 255) / 256 : 0);
				}
				assert_int_equal(sl_limit_decide(lim, "k", 1, 1, T0, &v),
						 SL_LIMIT_REJECTED);
				assert_int_equal(v.remaining, 0);
				/* One T(1) until one more conforms (DELAY: until the queue has room). */
				assert_int_equal(v.retry_after_tsc, (t1 + 255) / 256);
				/* Another key is not touched. */
				assert_int_equal(sl_limit_decide(lim, "j", 1, 1, T0, &v),
						 SL_LIMIT_ALLOWED);
				sl_limit_destroy(lim);
				lim = NULL;
			}
		}
	}
	/* 100/s: T = 10 ms exactly. */
	lim = make(100, GHZ, 3, SL_LIMIT_REJECT, 16, false);
	for (i = 0; i < 4; i++)
		assert_int_equal(sl_limit_decide(lim, "k", 1, 1, T0, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(sl_limit_decide(lim, "k", 1, 1, T0, &v), SL_LIMIT_REJECTED);
	assert_int_equal(v.retry_after_tsc, 10000000);
	assert_int_equal(v.reset_tsc, 40000000);
	assert_int_equal(sl_limit_decide(lim, "k", 1, 1, T0 + 9999999, &v), SL_LIMIT_REJECTED);
	assert_int_equal(v.retry_after_tsc, 1);
	assert_int_equal(sl_limit_decide(lim, "k", 1, 1, T0 + 10000000, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(v.remaining, 0);
	/* A cost that could never conform, and no cost. */
	assert_int_equal(sl_limit_decide(lim, "k", 1, 5, T0, &v), -E2BIG);
	assert_int_equal(sl_limit_decide(lim, "k", 1, 0, T0, &v), -EINVAL);
	assert_int_equal(sl_limit_decide(lim, "k", SL_LIMIT_KEY_MAX + 1, 1, T0, &v), -EINVAL);
	assert_int_equal(stats().errors, 3);
	assert_int_equal(stats().decisions, 7);
}

/* Offered above the rate for a long run: allowed = burst + 1 + rate x duration. */
static void
test_long_run(void **state)
{
	const uint64_t duration = 10 * GHZ, burst = 20, step = 1000000; /* 1000/s offered */
	uint64_t now, allowed[2] = { 0, 0 }, granted = 0, g, w;
	struct sl_limit_verdict v;
	unsigned int a;
	int rc;

	(void)state;
	for (a = 0; a < 2; a++) {
		lim = make(100, GHZ, burst, a ? SL_LIMIT_DELAY : SL_LIMIT_REJECT, 16, false);
		for (now = T0; now <= T0 + duration; now += step) {
			rc = sl_limit_decide(lim, "k", 1, 1, now, &v);
			assert_true(rc >= 0);
			allowed[a] += rc != SL_LIMIT_REJECTED;
		}
		assert_int_equal(allowed[a], burst + 1 + 100 * 10);
		assert_int_equal(stats().allowed, allowed[a]);
		assert_int_equal(stats().decisions, duration / step + 1);
		if (a)
			assert_int_equal(stats().delayed, allowed[a] - 1);
		sl_limit_destroy(lim);
		lim = NULL;
	}

	/* Pacing 1 MB/s (T = 1000 cycles), 64 KiB ahead, a sender offering 1448 bytes every 100 us. */
	lim = make(1000000, GHZ, 65536, SL_LIMIT_REJECT, 16, true);
	for (now = T0; now <= T0 + GHZ; now += 100000) {
		assert_int_equal(sl_limit_take(lim, NULL, 0, 1448, 1, now, &g, &w), 0);
		granted += g;
		/* Past the burst, each call gets what 100 us earned (100 bytes), and waits 1 us for more. */
		if (now > T0 + GHZ / 10)
			assert_int_equal(w, 1000);
	}
	assert_int_equal(granted, 65537 + 1000000);
}

/* Pacing: partial grants, min, waits that are exact to the cycle. */
static void
test_take(void **state)
{
	uint64_t g, w;

	(void)state;
	/* 1 MB/s: T = 1000 cycles a byte; burst 9999: a new key sends 10000 bytes at once. */
	lim = make(1000000, GHZ, 9999, SL_LIMIT_REJECT, 16, false);
	assert_int_equal(sl_limit_take(lim, "c", 1, 4000, 0, T0, &g, &w), 0);
	assert_int_equal(g, 4000);
	assert_int_equal(w, 0);
	assert_int_equal(sl_limit_take(lim, "c", 1, 8000, 1, T0, &g, &w), 0);
	assert_int_equal(g, 6000);
	/* The next byte: after 1000 cycles. */
	assert_int_equal(w, 1000);
	/* Nothing yet; a min of 1448 waits for 1448 bytes. */
	assert_int_equal(sl_limit_take(lim, "c", 1, 8000, 1448, T0 + 999, &g, &w), 0);
	assert_int_equal(g, 0);
	assert_int_equal(w, 1448000 - 999);
	assert_int_equal(sl_limit_take(lim, "c", 1, 8000, 1448, T0 + 1447999, &g, &w), 0);
	assert_int_equal(g, 0);
	assert_int_equal(w, 1);
	assert_int_equal(sl_limit_take(lim, "c", 1, 8000, 1448, T0 + 1448000, &g, &w), 0);
	assert_int_equal(g, 1448);
	assert_int_equal(w, 1448000);
	/* want below min: min is want. */
	assert_int_equal(sl_limit_take(lim, "c", 1, 10, 1448, T0 + 1458000, &g, &w), 0);
	assert_int_equal(g, 10);
	assert_int_equal(w, 0);
	/* want 0: nothing, not counted. */
	assert_int_equal(sl_limit_take(lim, "c", 1, 0, 0, T0, &g, &w), 0);
	assert_int_equal(g, 0);
	assert_int_equal(w, 0);
	/* A min above what a full budget grants can never be granted. */
	assert_int_equal(sl_limit_take(lim, "c", 1, 20000, 10001, T0, &g, &w), -E2BIG);
	assert_int_equal(stats().decisions, 6);
	assert_int_equal(stats().allowed, 4);
	assert_int_equal(stats().rejected, 2);
	assert_int_equal(stats().errors, 1);
	assert_int_equal(stats().new_keys, 1);
}

/* ------------------------------------------------------------------ */
/* The table                                                            */

static uint32_t
ip(unsigned int i)
{
	return rte_cpu_to_be_32(UINT32_C(0x0a000000) + i);
}

static int
decide_ip(unsigned int i, uint64_t now, struct sl_limit_verdict *v)
{
	uint32_t k = ip(i);

	return sl_limit_decide(lim, &k, sizeof(k), 1, now, v);
}

/* Full: every key without an entry shares one overflow state; tracked keys keep theirs. */
static void
test_full_overflow(void **state)
{
	struct sl_limit_verdict v;
	struct sl_limit_stats s;
	unsigned int i, allowed = 0;

	(void)state;
	/* 4 keys, burst 2, 1/s. */
	lim = make(1, GHZ, 2, SL_LIMIT_REJECT, 4, false);
	for (i = 0; i < 4; i++)
		assert_int_equal(decide_ip(i, T0, &v), SL_LIMIT_ALLOWED);
	/* A flood of 100 new keys: 3 pass (one budget between them all), 97 do not. */
	for (i = 100; i < 200; i++)
		allowed += decide_ip(i, T0, &v) == SL_LIMIT_ALLOWED;
	assert_int_equal(allowed, 3);
	/* The tracked keys still have their own budgets (2 more each). */
	for (i = 0; i < 4; i++) {
		assert_int_equal(decide_ip(i, T0, &v), SL_LIMIT_ALLOWED);
		assert_int_equal(decide_ip(i, T0, &v), SL_LIMIT_ALLOWED);
		assert_int_equal(decide_ip(i, T0, &v), SL_LIMIT_REJECTED);
	}
	s = stats();
	assert_int_equal(s.overflow, 100);
	assert_int_equal(s.new_keys, 4);
	assert_int_equal(s.entries, 4);
	assert_int_equal(s.free_nodes, 0);
	/* Lookup of an untracked key: no entry. */
	{
		uint32_t k = ip(150);

		assert_int_equal(sl_limit_lookup(lim, &k, 4, T0, &v), -ENOENT);
		assert_int_equal(v.remaining, 3);
	}

	/* 3 s later every budget is full again: all 4 entries go, nodes come back. */
	assert_int_equal(sl_limit_expire(lim, T0 + 3 * GHZ, 0), 4);
	quiesce();
	s = stats();
	assert_int_equal(s.expired, 4);
	assert_int_equal(s.entries, 0);
	assert_int_equal(s.free_nodes, 4);
	/* New keys get entries of their own again: 4 x 3 pass, no overflow. */
	allowed = 0;
	for (i = 200; i < 204; i++) {
		allowed += decide_ip(i, T0 + 3 * GHZ, &v) == SL_LIMIT_ALLOWED;
		allowed += decide_ip(i, T0 + 3 * GHZ, &v) == SL_LIMIT_ALLOWED;
		allowed += decide_ip(i, T0 + 3 * GHZ, &v) == SL_LIMIT_ALLOWED;
	}
	assert_int_equal(allowed, 12);
	assert_int_equal(stats().overflow, 100);
	assert_int_equal(stats().new_keys, 8);
}

/* Expiry removes exactly the entries whose TAT has passed, resumably. */
static void
test_expire(void **state)
{
	struct sl_limit_verdict v;
	struct sl_limit_stats s;
	unsigned int i, removed = 0, calls = 0;
	uint32_t k;

	(void)state;
	/* 1/s, burst 0: TAT = now + 1 s after one request. */
	lim = make(1, GHZ, 0, SL_LIMIT_REJECT, 256, false);
	for (i = 0; i < 100; i++)
		assert_int_equal(decide_ip(i, T0 + i * 1000, &v), SL_LIMIT_ALLOWED);
	/* At T0 + 1 s + 49999: the TATs of keys 0..49 (T0 + 1 s + i x 1000) have passed. */
	assert_int_equal(sl_limit_expire(lim, T0 + GHZ + 49999, 0), 50);
	for (i = 0; i < 100; i++) {
		k = ip(i);
		assert_int_equal(sl_limit_lookup(lim, &k, 4, T0 + GHZ, &v),
				 i < 50 ? -ENOENT : SL_LIMIT_REJECTED);
	}
	/* A TAT equal to now carries nothing either. */
	assert_int_equal(sl_limit_expire(lim, T0 + GHZ + 50000, 0), 1);
	/* Budget 7: resumes where it stopped; a whole pass takes ceil(49 / 7) calls. */
	while (removed < 49) {
		removed += sl_limit_expire(lim, T0 + 2 * GHZ, 7);
		assert_true(++calls <= 8);
	}
	assert_int_equal(calls, 7);
	quiesce();
	s = stats();
	assert_int_equal(s.entries, 0);
	assert_int_equal(s.expired, 100);
	assert_int_equal(s.free_nodes, 256);
	assert_int_equal(s.pending, 0);
	/* A removed key is a new key: the same answer as if it had stayed. */
	assert_int_equal(decide_ip(3, T0 + 2 * GHZ, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(v.remaining, 0);
}

struct walk_seen {
	unsigned int n;
	uint64_t ahead[8];
	size_t len[8], plen[8];
	uint8_t prefix[8][SL_LIMIT_PREFIX_MAX];
};

static void
walk_cb(const uint8_t *prefix, size_t plen, size_t len, uint64_t ahead, void *arg)
{
	struct walk_seen *w = arg;

	if (w->n < 8) {
		w->ahead[w->n] = ahead;
		w->len[w->n] = len;
		w->plen[w->n] = plen;
		memcpy(w->prefix[w->n], prefix, plen);
	}
	w->n++;
}

static void
test_lookup_walk_flush(void **state)
{
	static const char long_key[] = "0123456789abcdef0123456789abcdefXYZ"; /* 35 bytes */
	struct sl_limit_verdict v;
	struct walk_seen w = { 0 };
	unsigned int i;

	(void)state;
	lim = make(10, GHZ, 4, SL_LIMIT_REJECT, 16, false); /* T = 100 ms */
	for (i = 0; i < 3; i++)
		assert_int_equal(sl_limit_decide(lim, long_key, 35, 1, T0, &v), SL_LIMIT_ALLOWED);
	/* Same 32-byte prefix and length, another key: its own entry. */
	assert_int_equal(sl_limit_decide(lim, "0123456789abcdef0123456789abcdefXYW", 35, 1, T0, &v),
			 SL_LIMIT_ALLOWED);
	assert_int_equal(v.remaining, 4);
	/* lookup takes nothing. */
	assert_int_equal(sl_limit_lookup(lim, long_key, 35, T0, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(v.remaining, 2);
	assert_int_equal(v.reset_tsc, 300000000);
	assert_int_equal(sl_limit_lookup(lim, long_key, 35, T0, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(v.remaining, 2);
	assert_int_equal(sl_limit_lookup(lim, long_key, 34, T0, &v), -ENOENT);
	assert_int_equal(v.remaining, 5);
	assert_int_equal(v.reset_tsc, 0);
	assert_int_equal(stats().decisions, 4);

	sl_limit_walk(lim, T0 + 100000000, walk_cb, &w);
	assert_int_equal(w.n, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(w.len[i], 35);
		assert_int_equal(w.plen[i], 32);
		assert_memory_equal(w.prefix[i], long_key, 32);
		/* 300 ms and 100 ms ahead at T0, 100 ms later. */
		assert_true(w.ahead[i] == 200000000 || w.ahead[i] == 0);
	}
	assert_int_not_equal(w.ahead[0], w.ahead[1]);

	assert_int_equal(sl_limit_flush(lim), 2);
	quiesce();
	assert_int_equal(stats().flushed, 2);
	assert_int_equal(stats().entries, 0);
	assert_int_equal(stats().free_nodes, 16);
	assert_int_equal(sl_limit_lookup(lim, long_key, 35, T0, &v), -ENOENT);
	memset(&w, 0, sizeof(w));
	sl_limit_walk(lim, T0, walk_cb, &w);
	assert_int_equal(w.n, 0);
	sl_limit_destroy(lim);

	/* shared_key: one state whatever the key; lookup always finds it; flush resets it. */
	lim = make(10, GHZ, 1, SL_LIMIT_REJECT, 0, true);
	assert_int_equal(sl_limit_decide(lim, "a", 1, 1, T0, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(sl_limit_decide(lim, "b", 1, 1, T0, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(sl_limit_decide(lim, NULL, 0, 1, T0, &v), SL_LIMIT_REJECTED);
	assert_int_equal(sl_limit_lookup(lim, "zzz", 3, T0, &v), SL_LIMIT_REJECTED);
	assert_int_equal(v.retry_after_tsc, 100000000);
	assert_int_equal(sl_limit_flush(lim), 0);
	assert_int_equal(sl_limit_decide(lim, "a", 1, 1, T0, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(sl_limit_expire(lim, T0 + GHZ, 0), 0);
}

/* A caller's own state (key = connection). */
static void
test_state(void **state)
{
	struct sl_limit_state st;
	struct sl_limit_verdict v;
	struct ref r;
	uint64_t g, w, now = T0;
	unsigned int i;

	(void)state;
	/* 1 MiB/s on 2.9 GHz, 64 KiB ahead. */
	lim = make(1048576, UINT64_C(2900000000), 65536, SL_LIMIT_REJECT, 0, true);
	ref_init(&r, 1048576, UINT64_C(2900000000), 65536, false);
	sl_limit_state_init(&st, now);
	rnd_state = 42;
	for (i = 0; i < 20000; i++) {
		uint64_t want = 1 + rnd_below(70000), g2, w2;

		now += rnd_below(3) == 0 ? 0 : rnd_below(10000000);
		assert_int_equal(sl_limit_state_take(lim, &st, want, 1448, now, &g, &w), 0);
		assert_int_equal(ref_take(&r, want, 1448, now, &g2, &w2), 0);
		assert_int_equal(g, g2);
		assert_int_equal(w, w2);
	}
	/* decide on a state; a new state reads as new at any clock. */
	sl_limit_state_init(&st, 0);
	assert_int_equal(sl_limit_state_decide(lim, &st, 65537, UINT64_C(0xfff0000000000000), &v),
			 SL_LIMIT_ALLOWED);
	assert_int_equal(v.remaining, 0);
	assert_int_equal(sl_limit_state_decide(lim, &st, 1, UINT64_C(0xfff0000000000000), &v),
			 SL_LIMIT_REJECTED);
	assert_int_equal(sl_limit_state_decide(lim, &st, 0, T0, &v), -EINVAL);
	assert_int_equal(sl_limit_state_take(lim, &st, 100, 65538, T0, &g, &w), 0);
	assert_int_equal(sl_limit_state_take(lim, &st, 100000, 65538, T0, &g, &w), -E2BIG);
}

/*
 * Ticks are compared modulo 2^64. A state idle for longer than 2^55 cycles
 * (half the range) looks ahead of now: above 2 H + 2^36 it reads as new,
 * and the expiry moves the overflow and shared states on before that.
 */
static void
test_old_states(void **state)
{
	struct sl_limit_verdict v;
	struct sl_limit_stats s;
	uint64_t now;

	(void)state;
	lim = make(1, GHZ, 0, SL_LIMIT_REJECT, 2, false);
	assert_int_equal(sl_limit_decide(lim, "k", 1, 1, T0, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(sl_limit_decide(lim, "k", 1, 1, T0, &v), SL_LIMIT_REJECTED);
	/* TAT = T0 + 1 s. 2^55 cycles and 1000 after it, it compares as 2^63 - 256000 ticks ahead. */
	now = T0 + GHZ + (UINT64_C(1) << 55) + 1000;
	assert_int_equal(sl_limit_decide(lim, "k", 1, 1, now, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(sl_limit_decide(lim, "k", 1, 1, now, &v), SL_LIMIT_REJECTED);
	/*
	 * TAT = now + 1 s. A clock that reads 2 s before now (a caller whose TSC
	 * reading is old: a worker descheduled on a loaded machine; or 2^56 - 2 s
	 * later, which wraps to the same) sees it 3 s ahead, far more than H: it
	 * is refused, never read as wrapped (which would move the TAT back and
	 * hand out a burst).
	 */
	assert_int_equal(sl_limit_decide(lim, "k", 1, 1, now + (UINT64_C(1) << 56) - 2 * GHZ, &v),
			 SL_LIMIT_REJECTED);
	assert_int_equal(v.retry_after_tsc, 3 * GHZ);
	assert_int_equal(sl_limit_decide(lim, "k", 1, 1, now - 2 * GHZ, &v), SL_LIMIT_REJECTED);
	/*
	 * The documented bound: idle for a multiple of 2^56 cycles give or take
	 * a few seconds, a state reads as ahead. (TAT = now + 1 s: 2^56 + 0.5 s
	 * later it reads as 0.5 s ahead.) The expiry prevents it; this table has
	 * none.
	 */
	assert_int_equal(sl_limit_decide(lim, "k", 1, 1, now + (UINT64_C(1) << 56) + GHZ / 2, &v),
			 SL_LIMIT_REJECTED);
	assert_int_equal(v.retry_after_tsc, GHZ / 2);
	sl_limit_destroy(lim);

	/* The overflow state, idle: the expiry sets it back to "new". */
	lim = make(1, GHZ, 0, SL_LIMIT_REJECT, 1, false);
	assert_int_equal(sl_limit_decide(lim, "a", 1, 1, T0, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(sl_limit_decide(lim, "b", 1, 1, T0, &v), SL_LIMIT_ALLOWED);
	assert_int_equal(sl_limit_decide(lim, "c", 1, 1, T0, &v), SL_LIMIT_REJECTED);
	s = stats();
	assert_int_equal(s.overflow, 2);
	/*
	 * Its TAT is T0 + 1 s ("b"). Without the expiry it would read as 0.5 s
	 * ahead at T0 + 1 s + 2^56 cycles - 0.5 s; the daily expiry set it
	 * back to "new" on the first day.
	 */
	for (now = T0 + 86400 * GHZ; now < T0 + (UINT64_C(1) << 56); now += 86400 * GHZ)
		sl_limit_expire(lim, now, 0);
	assert_int_equal(sl_limit_decide(lim, "c", 1, 1, T0 + GHZ + (UINT64_C(1) << 56) - GHZ / 2,
					 &v),
			 SL_LIMIT_ALLOWED);
	assert_int_equal(stats().overflow, 3);
	/* The entry of "a" went on the first day: "a" now has its node back. */
	quiesce();
	assert_int_equal(stats().free_nodes, 1);
}

/* ------------------------------------------------------------------ */
/* Threads                                                              */

struct hammer {
	pthread_t thread;
	unsigned int id;
	uint64_t n;
	bool take;
	uint64_t allowed, delayed, granted, bad;
	uint8_t *delays; /* DELAY: which multiples of T were handed out (shared, atomic) */
};

static unsigned int hm_go;
#define HM_LIMIT  100000
#define HM_FROZEN (UINT64_C(1) << 50)
#define HM_T	  1000 /* cycles: 10^6 per second on 1 GHz */

static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;
	bool lcore = rte_thread_register() == 0;
	struct sl_limit_verdict v;
	uint64_t i, g, w;
	int rc;

	rcu_register_thread();
	__atomic_fetch_add(&hm_go, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&hm_go, __ATOMIC_ACQUIRE) < 2)
		rcu_quiescent_state();
	for (i = 0; i < h->n; i++) {
		if (h->take) {
			/* 90% of the budget each, so neither can take it all alone. */
			if (sl_limit_take(lim, "k", 1, i % 8 == 0 ? 2 : 1, 1, HM_FROZEN, &g, &w) !=
			    0)
				h->bad++;
			h->granted += g;
		} else {
			rc = sl_limit_decide(lim, "k", 1, 1, HM_FROZEN, &v);
			if (rc < 0)
				h->bad++;
			if (rc == SL_LIMIT_ALLOWED || rc == SL_LIMIT_DELAYED)
				h->allowed++;
			if (rc == SL_LIMIT_DELAYED)
				h->delayed++;
			if (rc != SL_LIMIT_REJECTED && h->delays != NULL) {
				/* Each wait is k x T for one k, handed out once. */
				if (v.delay_tsc % HM_T != 0 || v.delay_tsc / HM_T >= HM_LIMIT)
					h->bad++;
				else if (__atomic_fetch_add(&h->delays[v.delay_tsc / HM_T], 1,
							    __ATOMIC_RELAXED) != 0)
					h->bad++;
			}
		}
		if (i % 64 == 0)
			rcu_quiescent_state();
	}
	rcu_unregister_thread();
	if (lcore)
		rte_thread_unregister();
	return NULL;
}

static void
hammer_two(struct hammer h[2])
{
	unsigned int i;

	hm_go = 0;
	rcu_thread_offline();
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&h[i].thread, NULL, hammer_main, &h[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(h[i].thread, NULL), 0);
	rcu_thread_online();
	for (i = 0; i < 2; i++)
		assert_int_equal(h[i].bad, 0);
}

/* Two threads, one key, a frozen clock: exactly the budget, neither lost nor duplicated. */
static void
test_threads_one_key(void **state)
{
	uint8_t *delays = calloc(HM_LIMIT, 1);
	unsigned int shared, a, i;

	(void)state;
	assert_non_null(delays);
	for (shared = 0; shared < 2; shared++) {
		for (a = 0; a < 3; a++) {
			/* Each asks for 80% of the budget: neither can take it all alone. */
			struct hammer h[2] = { { .id = 0, .n = HM_LIMIT / 5 * 4 },
					       { .id = 1, .n = HM_LIMIT / 5 * 4 } };
			struct sl_limit_stats s;

			memset(delays, 0, HM_LIMIT);
			lim = make(GHZ / HM_T, GHZ, HM_LIMIT - 1,
				   a == 1 ? SL_LIMIT_DELAY : SL_LIMIT_REJECT, 16, shared);
			for (i = 0; i < 2; i++) {
				h[i].take = a == 2;
				h[i].delays = a == 1 ? delays : NULL;
			}
			hammer_two(h);
			s = stats();
			if (a == 2) {
				/* Pacing: a full budget grants floor(H / T) = burst + 1 bytes. */
				assert_int_equal(h[0].granted + h[1].granted, HM_LIMIT);
			} else {
				assert_int_equal(h[0].allowed + h[1].allowed, HM_LIMIT);
				assert_int_equal(s.allowed, HM_LIMIT);
				assert_int_equal(s.rejected, HM_LIMIT / 5 * 8 - HM_LIMIT);
			}
			if (a == 1) {
				assert_int_equal(h[0].delayed + h[1].delayed, HM_LIMIT - 1);
				for (i = 0; i < HM_LIMIT; i++)
					assert_int_equal(delays[i], 1);
			}
			assert_int_equal(s.decisions, HM_LIMIT / 5 * 8);
			assert_int_equal(s.new_keys, shared ? 0 : 1);
			assert_int_equal(s.entries, shared ? 0 : 1);
			print_message("    %s, %s: %" PRIu64 " + %" PRIu64 "\n",
				      shared ? "shared" : "table",
				      a == 0 ? "reject" :
				      a == 1 ? "delay" :
					       "take",
				      a == 2 ? h[0].granted : h[0].allowed,
				      a == 2 ? h[1].granted : h[1].allowed);
			sl_limit_destroy(lim);
			lim = NULL;
		}
	}
	free(delays);
}

/*
 * Two workers on keys of their own, the test thread expiring meanwhile.
 *
 * Each worker has CC_P persistent keys, used all the time, and CC_C
 * churning ones in a window that moves on each round, so that the control
 * thread expires them and they come back into reused nodes. The clock is
 * the control thread's: a worker publishes the reading it uses before each
 * call, and the expiry is given the smallest published reading, so that it
 * never removes an entry a worker could still see ahead of its clock.
 *
 * Then, because a key has one writer, every decision can be replayed, key by
 * key, through the reference model with the clock readings logged: results
 * and verdicts must be identical (expiry and node reuse change nothing).
 * After each decision that leaves a key's TAT ahead, the key must be found.
 */
#define CC_P	  256
#define CC_C	  1024
#define CC_MAX	  16384 /* below the inserts (nodes are reused), far above the live keys */
#define CC_ROUNDS 150
#define CC_STEP	  2000	 /* cycles per round */
#define CC_LOG	  200000 /* decisions logged per worker at most */

struct cc_rec {
	uint64_t now;
	uint32_t key;
	int32_t rc;
	struct sl_limit_verdict v;
};

struct cc_worker {
	pthread_t thread;
	unsigned int id;
	uint64_t now; /* published reading; atomic */
	struct cc_rec *log;
	uint64_t n;
	uint64_t missing; /* a key with a TAT ahead not found */
	uint64_t errors;
};

static uint64_t cc_clock;
static bool cc_stop;
static unsigned int cc_ready;

static void
cc_key(unsigned int w, uint32_t k, uint8_t out[8])
{
	/* Worker w's key k, 8 bytes. */
	memcpy(out, &k, 4);
	memset(out + 4, 0xa0 + (int)w, 4);
}

static void *
cc_main(void *arg)
{
	struct cc_worker *w = arg;
	bool lcore = rte_thread_register() == 0;
	uint64_t rnd_w = UINT64_C(0x9e3779b97f4a7c15) * (w->id + 1), i = 0, last = 0, quota = 0;

	rcu_register_thread();
	__atomic_fetch_add(&cc_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&cc_stop, __ATOMIC_ACQUIRE) && w->n + 2 <= CC_LOG) {
		uint64_t now = __atomic_load_n(&cc_clock, __ATOMIC_ACQUIRE);
		uint32_t keys[2];
		unsigned int j;

		/* A share of the log per round, so that the work spans every round. */
		if (now != last) {
			last = now;
			quota = CC_LOG / 2 / CC_ROUNDS;
		}
		if (quota == 0) {
			rcu_quiescent_state();
			continue;
		}
		quota--;

		/* Published before use: the expiry takes the smallest reading. */
		__atomic_store_n(&w->now, now, __ATOMIC_SEQ_CST);
		rnd_w ^= rnd_w << 13;
		rnd_w ^= rnd_w >> 7;
		rnd_w ^= rnd_w << 17;
		keys[0] = (uint32_t)(rnd_w % CC_P);
		keys[1] = CC_P + (uint32_t)(((now - T0) / CC_STEP * 64 + i++ % 256) % CC_C);
		for (j = 0; j < 2; j++) {
			struct cc_rec *r = &w->log[w->n++];
			uint8_t k[8];

			cc_key(w->id, keys[j], k);
			r->now = now;
			r->key = keys[j];
			r->rc = sl_limit_decide(lim, k, sizeof(k), 1, now, &r->v);
			if (r->rc < 0)
				w->errors++;
			if (r->v.reset_tsc != 0) {
				struct sl_limit_verdict v;

				if (sl_limit_lookup(lim, k, sizeof(k), now, &v) == -ENOENT)
					w->missing++;
			}
		}
		rcu_quiescent_state();
	}
	/* Done: this worker holds the expiry back no longer. */
	__atomic_store_n(&w->now, UINT64_MAX, __ATOMIC_SEQ_CST);
	rcu_unregister_thread();
	if (lcore)
		rte_thread_unregister();
	return NULL;
}

struct cc_count {
	unsigned int n;
	unsigned int stray;
};

static void
cc_walk_cb(const uint8_t *prefix, size_t plen, size_t len, uint64_t ahead, void *arg)
{
	struct cc_count *c = arg;

	(void)ahead;
	c->n++;
	if (len != 8 || plen != 8 || (prefix[4] != 0xa0 && prefix[4] != 0xa1))
		c->stray++;
}

static void
test_threads_expire(void **state)
{
	struct cc_worker w[2] = { { .id = 0 }, { .id = 1 } };
	uint64_t removed = 0, total = 0, allowed = 0;
	struct sl_limit_stats s;
	struct cc_count cnt = { 0 };
	struct ref *refs;
	unsigned int round, i;
	uint64_t j;

	(void)state;
	/* T = 1000 cycles, burst 50: a key's TAT stays ahead of now for 50 rounds' worth. */
	lim = make(GHZ / 1000, GHZ, 50, SL_LIMIT_REJECT, CC_MAX, false);
	cc_clock = T0;
	cc_stop = false;
	cc_ready = 0;
	for (i = 0; i < 2; i++) {
		w[i].log = calloc(CC_LOG, sizeof(struct cc_rec));
		assert_non_null(w[i].log);
		w[i].now = T0;
	}
	rcu_thread_offline();
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&w[i].thread, NULL, cc_main, &w[i]), 0);
	while (__atomic_load_n(&cc_ready, __ATOMIC_ACQUIRE) < 2)
		usleep(100);
	for (round = 0; round < CC_ROUNDS; round++) {
		uint64_t now = __atomic_add_fetch(&cc_clock, CC_STEP, __ATOMIC_SEQ_CST),
			 oldest = now;

		for (i = 0; i < 2; i++) {
			uint64_t t = __atomic_load_n(&w[i].now, __ATOMIC_SEQ_CST);

			oldest = t < oldest ? t : oldest;
		}
		/* Alternate whole passes and resumed partial ones. */
		removed += sl_limit_expire(lim, oldest, round % 2 ? 0 : 500);
		if (round % 10 == 0) {
			cnt.n = 0;
			sl_limit_walk(lim, now, cc_walk_cb, &cnt);
		}
		/* Real time only lets the workers run (and call_rcu give nodes back). */
		usleep(2000);
	}
	__atomic_store_n(&cc_stop, true, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
	rcu_thread_online();

	for (i = 0; i < 2; i++) {
		if (w[i].errors != 0 || w[i].missing != 0 || w[i].n == 0)
			print_error("worker %u: %" PRIu64 " decisions, %" PRIu64 " errors, %" PRIu64
				    " missing, overflow %" PRIu64 "\n",
				    i, w[i].n, w[i].errors, w[i].missing, stats().overflow);
		assert_int_equal(w[i].errors, 0);
		assert_int_equal(w[i].missing, 0);
		assert_true(w[i].n > 0);
	}
	assert_int_equal(cnt.stray, 0);

	/* Replay, key by key. */
	refs = calloc(2 * (CC_P + CC_C), sizeof(*refs));
	assert_non_null(refs);
	for (i = 0; i < 2 * (CC_P + CC_C); i++)
		ref_init(&refs[i], GHZ / 1000, GHZ, 50, false);
	for (i = 0; i < 2; i++) {
		for (j = 0; j < w[i].n; j++) {
			const struct cc_rec *r = &w[i].log[j];
			struct sl_limit_verdict v;
			int rc = ref_decide(&refs[i * (CC_P + CC_C) + r->key], 1, r->now, &v);

			if (r->rc != rc || r->v.remaining != v.remaining)
				print_error("worker %u decision %" PRIu64 " key %u now %" PRIu64
					    ": got %d remaining %" PRIu64 ", reference %d %" PRIu64
					    " (overflow %" PRIu64 ")\n",
					    i, j, r->key, r->now, r->rc, r->v.remaining, rc,
					    v.remaining, stats().overflow);
			assert_int_equal(r->rc, rc);
			assert_verdict_equal(&r->v, &v);
			allowed += rc == SL_LIMIT_ALLOWED;
		}
		total += w[i].n;
	}
	free(refs);

	s = stats();
	assert_int_equal(s.decisions, total);
	assert_int_equal(s.allowed, allowed);
	assert_int_equal(s.rejected, total - allowed);
	assert_int_equal(s.overflow, 0);
	assert_int_equal(s.expired, removed);
	assert_true(removed > 0);
	cnt.n = 0;
	sl_limit_walk(lim, cc_clock, cc_walk_cb, &cnt);
	assert_int_equal(cnt.n, s.entries);
	quiesce();
	s = stats();
	assert_int_equal(s.free_nodes + s.entries, CC_MAX);
	assert_int_equal(s.pending, 0);
	print_message("    %" PRIu64 " + %" PRIu64 " decisions replayed, %" PRIu64
		      " allowed, %" PRIu64 " new keys (%" PRIu64 " races), %" PRIu64 " expired\n",
		      w[0].n, w[1].n, allowed, s.new_keys, s.races, s.expired);
	/* Every key idle: the table empties. */
	sl_limit_expire(lim, cc_clock + GHZ, 0);
	quiesce();
	assert_int_equal(stats().free_nodes, CC_MAX);
	for (i = 0; i < 2; i++)
		free(w[i].log);
}

/* ------------------------------------------------------------------ */
/* Connection counts                                                    */

static void
test_conn_basic(void **state)
{
	struct sl_limit_conn_stats s;

	(void)state;
	rte_errno = 0;
	assert_null(sl_limit_conn_create(0, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(sl_limit_conn_create(SL_LIMIT_MAX_KEYS + 1, SOCKET_ID_ANY));
	sl_limit_conn_destroy(NULL);
	cn = sl_limit_conn_create(2, SOCKET_ID_ANY);
	assert_non_null(cn);
	assert_int_equal(sl_limit_conn_acquire(cn, ip(1), 0), -EINVAL);
	assert_int_equal(sl_limit_conn_acquire(cn, ip(1), 2), 0);
	assert_int_equal(sl_limit_conn_acquire(cn, ip(1), 2), 0);
	assert_int_equal(sl_limit_conn_acquire(cn, ip(1), 2), -EBUSY);
	assert_int_equal(sl_limit_conn_count(cn, ip(1)), 2);
	assert_int_equal(sl_limit_conn_acquire(cn, ip(2), 1), 0);
	/* Full: a third client is let in uncounted. */
	assert_int_equal(sl_limit_conn_acquire(cn, ip(3), 1), SL_LIMIT_CONN_UNTRACKED);
	assert_int_equal(sl_limit_conn_count(cn, ip(3)), 0);
	assert_int_equal(sl_limit_conn_release(cn, ip(3)), -ENOENT);
	assert_int_equal(sl_limit_conn_release(cn, ip(1)), 0);
	assert_int_equal(sl_limit_conn_acquire(cn, ip(1), 2), 0);
	assert_int_equal(sl_limit_conn_release(cn, ip(1)), 0);
	assert_int_equal(sl_limit_conn_release(cn, ip(1)), 0);
	assert_int_equal(sl_limit_conn_release(cn, ip(1)), -ENOENT);
	/* Only the idle entry goes. */
	assert_int_equal(sl_limit_conn_expire(cn, 0), 1);
	assert_int_equal(sl_limit_conn_count(cn, ip(2)), 1);
	quiesce();
	s = conn_stats();
	assert_int_equal(s.acquired, 4);
	assert_int_equal(s.busy, 1);
	assert_int_equal(s.untracked, 1);
	assert_int_equal(s.released, 3);
	assert_int_equal(s.unbalanced, 2);
	assert_int_equal(s.new_keys, 2);
	assert_int_equal(s.expired, 1);
	assert_int_equal(s.entries, 1);
	assert_int_equal(s.free_nodes, 1);
	/* Room again: the third client is counted now. */
	assert_int_equal(sl_limit_conn_acquire(cn, ip(3), 1), 0);
	assert_int_equal(sl_limit_conn_count(cn, ip(3)), 1);
	assert_true(conn_stats().memory_bytes >= 2 * 64);
}

struct cw {
	pthread_t thread;
	unsigned int id;
	uint64_t n;
	uint64_t acquired, released, busy, over, bad;
	unsigned int held[16];
};

#define CW_MAX	3
#define CW_KEYS 4096

static unsigned int cw_go;

static void *
cw_main(void *arg)
{
	struct cw *c = arg;
	bool lcore = rte_thread_register() == 0;
	uint64_t r = UINT64_C(0x2545f4914f6cdd1d) * (c->id + 1), i;

	rcu_register_thread();
	__atomic_fetch_add(&cw_go, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&cw_go, __ATOMIC_ACQUIRE) < 2)
		rcu_quiescent_state();
	for (i = 0; i < c->n; i++) {
		unsigned int k;
		int rc;

		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		k = (unsigned int)(r % 16);
		if (c->held[k] != 0 && (r >> 20) % 2 == 0) {
			if (sl_limit_conn_release(cn, ip(k)) != 0)
				c->bad++;
			c->held[k]--;
			c->released++;
		} else {
			rc = sl_limit_conn_acquire(cn, ip(k), CW_MAX);
			if (rc == 0) {
				c->held[k]++;
				c->acquired++;
				if (sl_limit_conn_count(cn, ip(k)) > CW_MAX)
					c->over++;
			} else if (rc == -EBUSY) {
				c->busy++;
			} else {
				c->bad++;
			}
		}
		if (i % 32 == 0)
			rcu_quiescent_state();
	}
	/* Give everything back. */
	for (unsigned int k = 0; k < 16; k++)
		for (; c->held[k] != 0; c->held[k]--, c->released++)
			if (sl_limit_conn_release(cn, ip(k)) != 0)
				c->bad++;
	rcu_unregister_thread();
	if (lcore)
		rte_thread_unregister();
	return NULL;
}

/* Two threads acquiring and releasing 16 clients, the test thread expiring idle ones. */
static void
test_conn_threads(void **state)
{
	struct cw c[2] = { { .id = 0, .n = 400000 }, { .id = 1, .n = 400000 } };
	struct sl_limit_conn_stats s;
	unsigned int i, k, expired = 0;

	(void)state;
	cn = sl_limit_conn_create(CW_KEYS, SOCKET_ID_ANY);
	assert_non_null(cn);
	cw_go = 0;
	rcu_thread_offline();
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&c[i].thread, NULL, cw_main, &c[i]), 0);
	while (__atomic_load_n(&cw_go, __ATOMIC_ACQUIRE) < 2)
		usleep(100);
	/*
	 * liburcu's call_rcu thread gives nodes back in batches, up to 10 ms
	 * late: a table far larger than 16 clients x the removals of 10 ms.
	 */
	for (i = 0; i < 50; i++) {
		expired += sl_limit_conn_expire(cn, 0);
		usleep(2000);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(c[i].thread, NULL), 0);
	rcu_thread_online();
	for (i = 0; i < 2; i++) {
		assert_int_equal(c[i].bad, 0);
		assert_int_equal(c[i].over, 0);
		assert_int_equal(c[i].acquired, c[i].released);
	}
	for (k = 0; k < 16; k++)
		assert_int_equal(sl_limit_conn_count(cn, ip(k)), 0);
	s = conn_stats();
	assert_int_equal(s.acquired, c[0].acquired + c[1].acquired);
	assert_int_equal(s.released, s.acquired);
	assert_int_equal(s.busy, c[0].busy + c[1].busy);
	assert_int_equal(s.unbalanced, 0);
	assert_int_equal(s.untracked, 0);
	assert_int_equal(s.expired, expired);
	print_message("    %" PRIu64 " acquired, %" PRIu64 " busy, %u expired meanwhile\n",
		      s.acquired, s.busy, expired);
	/* Every client idle now. */
	assert_int_equal(sl_limit_conn_expire(cn, 0), s.entries);
	quiesce();
	assert_int_equal(conn_stats().free_nodes, CW_KEYS);
}

/* Two threads, one client, no release: exactly max get in. */
static void *
cw_fill_main(void *arg)
{
	struct cw *c = arg;
	bool lcore = rte_thread_register() == 0;
	uint64_t i;

	rcu_register_thread();
	__atomic_fetch_add(&cw_go, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&cw_go, __ATOMIC_ACQUIRE) < 2)
		rcu_quiescent_state();
	for (i = 0; i < c->n; i++) {
		int rc = sl_limit_conn_acquire(cn, ip(7), 5000);

		c->acquired += rc == 0;
		c->busy += rc == -EBUSY;
		c->bad += rc != 0 && rc != -EBUSY;
	}
	rcu_unregister_thread();
	if (lcore)
		rte_thread_unregister();
	return NULL;
}

static void
test_conn_threads_exact(void **state)
{
	struct cw c[2] = { { .id = 0, .n = 6000 }, { .id = 1, .n = 6000 } };
	unsigned int i;

	(void)state;
	cn = sl_limit_conn_create(8, SOCKET_ID_ANY);
	assert_non_null(cn);
	cw_go = 0;
	rcu_thread_offline();
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&c[i].thread, NULL, cw_fill_main, &c[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(c[i].thread, NULL), 0);
	rcu_thread_online();
	assert_int_equal(c[0].bad + c[1].bad, 0);
	assert_int_equal(c[0].acquired + c[1].acquired, 5000);
	assert_int_equal(c[0].busy + c[1].busy, 12000 - 5000);
	assert_int_equal(sl_limit_conn_count(cn, ip(7)), 5000);
	assert_int_equal(conn_stats().entries, 1);
}

/* ------------------------------------------------------------------ */

static bool eal_up;

static int
group_setup(void **state)
{
	/*
	 * No hugepages, no devices, no files. DPDK 22.11 counts --no-huge as
	 * legacy memory, which --in-memory refuses: --no-shconf stands in.
	 */
	static char *eal_args[] = {
		"test_limit", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry",
		"-l",	      "0",	   "-m",       "256",	      "--log-level=*:error",
	};

	(void)state;
	if (rte_eal_init(RTE_DIM(eal_args), eal_args) < 0) {
		print_error("rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	eal_up = true;
	/* Like a worker: a qsbr reader, online. */
	rcu_register_thread();
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (!eal_up)
		return 0;
	rcu_unregister_thread();
	rte_eal_cleanup();
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_args),
		T(test_params_from_conf),
		T(test_reference_random),
		cmocka_unit_test(test_reference_retry_exact),
		T(test_burst_at_once),
		T(test_long_run),
		T(test_take),
		T(test_full_overflow),
		T(test_expire),
		T(test_lookup_walk_flush),
		T(test_state),
		T(test_old_states),
		T(test_threads_one_key),
		T(test_threads_expire),
		T(test_conn_basic),
		T(test_conn_threads),
		T(test_conn_threads_exact),
	};

	if (getenv("LIMIT_TEST") != NULL)
		cmocka_set_test_filter(getenv("LIMIT_TEST"));
	if (getenv("LIMIT_SKIP") != NULL)
		cmocka_set_skip_filter(getenv("LIMIT_SKIP"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
