/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/affinity unit tests: the source affinity table (single-threaded
 * semantics with a driven clock, then two workers and a control thread at
 * once), the SipHash-2-4 reference vectors, the sticky cookie and the
 * Cookie / Set-Cookie syntax. (ns per lookup and insert, with one and two
 * threads: tests/bench/bench_lb.c.)
 *
 * The EAL runs without hugepages, PCI or shared files (rte_ring and
 * rte_malloc need it), so the suite needs no root. The test thread is the
 * main lcore, registered with urcu-qsbr and online, like a worker; the
 * concurrent test takes it offline to play the control thread.
 *
 * Environment: AFFINITY_TEST=glob runs only the matching tests,
 * AFFINITY_SKIP=glob skips them.
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
#include <rte_random.h>

#include <urcu-qsbr.h>

#include "sl_affinity.h"
#include "ut_heap.h"

/* Client number i as an address: 10.0.0.0 + i, network order. */
#define CLIENT(i)     rte_cpu_to_be_32(UINT32_C(0x0a000000) + (uint32_t)(i))
#define CLIENT_NO(be) (rte_be_to_cpu_32(be) - UINT32_C(0x0a000000))

static struct sl_affinity *a;

/* Let removed nodes come back: a grace period needs this (online) thread offline. */
static void
quiesce(void)
{
	rcu_thread_offline();
	rcu_barrier();
	rcu_thread_online();
}

static struct sl_affinity_stats
stats(void)
{
	struct sl_affinity_stats s;

	sl_affinity_stats(a, &s);
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

/* Per test: the table destroyed, every byte it took from the DPDK heap given back. */
static int
teardown(void **state)
{
	(void)state;
	sl_affinity_destroy(a);
	a = NULL;
	if (ut_heap_used() != heap_mark) {
		print_error("DPDK heap: %zu bytes before, %zu after\n", heap_mark, ut_heap_used());
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Table, one thread                                                    */

static void
test_create_args(void **state)
{
	(void)state;
	rte_errno = 0;
	assert_null(sl_affinity_create(0, 1000, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(sl_affinity_create((UINT32_C(1) << 28) + 1, 1000, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	sl_affinity_destroy(NULL);

	a = sl_affinity_create(1000, 1000, SOCKET_ID_ANY);
	assert_non_null(a);
	struct sl_affinity_stats s = stats();
	assert_int_equal(s.capacity, 1000);
	assert_int_equal(s.entries, 0);
	assert_int_equal(s.free_nodes, 1000);
	assert_int_equal(s.pending, 0);
	/* 1000 nodes of 64 bytes and 1024 buckets of 16, at least. */
	assert_true(s.memory_bytes >= 1000 * 64 + 1024 * 16);
	print_message("    1000 entries: %" PRIu64 " bytes\n", s.memory_bytes);
}

static void
test_insert_lookup(void **state)
{
	struct sl_affinity_stats s;

	(void)state;
	a = sl_affinity_create(64, 1000, SOCKET_ID_ANY);
	assert_non_null(a);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(1), 10), -1);
	assert_int_equal(sl_affinity_insert(a, CLIENT(1), 7, 10), 7);
	assert_int_equal(sl_affinity_insert(a, CLIENT(2), 0, 10), 0);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(1), 20), 7);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(2), 20), 0);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(3), 20), -1);
	/* Another worker's pick lost the race: the recorded backend is returned. */
	assert_int_equal(sl_affinity_insert(a, CLIENT(1), 9, 30), 7);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(1), 30), 7);
	s = stats();
	assert_int_equal(s.inserts, 2);
	assert_int_equal(s.races, 1);
	assert_int_equal(s.hits, 3);
	assert_int_equal(s.misses, 2);
	assert_int_equal(s.lookups, 5);
	assert_int_equal(s.entries, 2);
	/* The losing node was never published: back in the free list at once. */
	assert_int_equal(s.free_nodes, 62);
	assert_int_equal(s.pending, 0);
	assert_int_equal(s.full, 0);
}

static void
test_update(void **state)
{
	struct sl_affinity_stats s;

	(void)state;
	a = sl_affinity_create(64, 1000, SOCKET_ID_ANY);
	assert_non_null(a);
	assert_int_equal(sl_affinity_insert(a, CLIENT(1), 3, 0), 3);
	assert_int_equal(sl_affinity_update(a, CLIENT(1), 4, 10), 0);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(1), 10), 4);
	/* Gone (expired meanwhile): recorded anew. */
	assert_int_equal(sl_affinity_update(a, CLIENT(2), 5, 10), 0);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(2), 10), 5);
	s = stats();
	assert_int_equal(s.updates, 1);
	assert_int_equal(s.inserts, 2);
	assert_int_equal(s.entries, 2);
	assert_int_equal(s.free_nodes, 62);
}

/* ttl 6400 ticks: the refresh slack is 6400/64 = 100, so idle > 6500 expires. */
#define TTL   6400
#define SLACK 100
#define T0    1000000

static void
test_ttl_expiry(void **state)
{
	struct sl_affinity_stats s;

	(void)state;
	a = sl_affinity_create(64, TTL, SOCKET_ID_ANY);
	assert_non_null(a);
	assert_int_equal(sl_affinity_insert(a, CLIENT(1), 1, T0), 1); /* idle */
	assert_int_equal(sl_affinity_insert(a, CLIENT(2), 2, T0), 2); /* used at +3000 */
	assert_int_equal(sl_affinity_insert(a, CLIENT(3), 3, T0), 3); /* used at +50 */
	assert_int_equal(sl_affinity_lookup(a, CLIENT(2), T0 + 3000), 2);
	/* Within the refresh granularity: not written, and not needed (see below). */
	assert_int_equal(sl_affinity_lookup(a, CLIENT(3), T0 + 50), 3);

	/* Exactly at the limit: kept (never removed before ttl of real idleness). */
	assert_int_equal(sl_affinity_expire(a, T0 + TTL + SLACK, 0), 0);
	assert_int_equal(sl_affinity_expire(a, T0 + TTL + SLACK + 1, 0), 2);
	/* Client 3 was really idle since T0 + 50: 6451 > ttl, removing it was right. */
	assert_int_equal(sl_affinity_lookup(a, CLIENT(1), T0 + TTL + SLACK + 1), -1);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(3), T0 + TTL + SLACK + 1), -1);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(2), T0 + 3000 + SLACK), 2); /* no refresh */
	assert_int_equal(sl_affinity_expire(a, T0 + 3000 + TTL + SLACK, 0), 0);
	assert_int_equal(sl_affinity_expire(a, T0 + 3000 + TTL + SLACK + 1, 0), 1);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(2), T0 + 20000), -1);

	s = stats();
	assert_int_equal(s.expired, 3);
	assert_int_equal(s.entries, 0);
	/* Unlinked, waiting for a grace period: this thread is online, so not yet. */
	assert_int_equal(s.pending, 3);
	assert_int_equal(s.free_nodes, 61);
	quiesce();
	s = stats();
	assert_int_equal(s.pending, 0);
	assert_int_equal(s.free_nodes, 64);
}

static void
test_ttl_zero(void **state)
{
	(void)state;
	a = sl_affinity_create(64, 0, SOCKET_ID_ANY);
	assert_non_null(a);
	assert_int_equal(sl_affinity_insert(a, CLIENT(1), 1, 0), 1);
	assert_int_equal(sl_affinity_expire(a, UINT64_C(1) << 60, 0), 0);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(1), 0), 1);
}

static void
test_size_bound(void **state)
{
	struct sl_affinity_stats s;
	unsigned int i;

	(void)state;
	/* 100 entries, client i last used at 10 * i, none idle for the ttl: only the bound removes. */
	a = sl_affinity_create(100, TTL, SOCKET_ID_ANY);
	assert_non_null(a);
	for (i = 0; i < 100; i++)
		assert_int_equal(sl_affinity_insert(a, CLIENT(i), (uint16_t)(i % 5), 10 * i),
				 i % 5);
	/* 100 > 90% of 100: the 10 least recently used go. */
	assert_int_equal(sl_affinity_expire(a, 1000, 0), 10);
	for (i = 0; i < 100; i++)
		assert_int_equal(sl_affinity_lookup(a, CLIENT(i), 10 * i) == -1, i < 10);
	assert_int_equal(sl_affinity_expire(a, 1000, 0), 0); /* at 90%: nothing more */
	s = stats();
	assert_int_equal(s.evicted, 10);
	assert_int_equal(s.entries, 90);
	quiesce();
	assert_int_equal(stats().free_nodes, 10);

	/* Refreshing protects: 10 new clients, then the oldest (10..19) are used again. */
	for (i = 100; i < 110; i++)
		assert_int_equal(sl_affinity_insert(a, CLIENT(i), 1, 2000 + i), 1);
	for (i = 10; i < 20; i++)
		assert_int_equal(sl_affinity_lookup(a, CLIENT(i), 3000), i % 5);
	assert_int_equal(sl_affinity_expire(a, 3500, 0), 10);
	for (i = 10; i < 110; i++) {
		bool gone = sl_affinity_lookup(a, CLIENT(i), 3000) == -1;

		/* now the oldest are 20..29 */
		assert_int_equal(gone, i >= 20 && i < 30);
	}
	assert_int_equal(stats().evicted, 20);
}

static void
test_full(void **state)
{
	struct sl_affinity_stats s;
	unsigned int i;

	(void)state;
	a = sl_affinity_create(8, 1000, SOCKET_ID_ANY);
	assert_non_null(a);
	for (i = 0; i < 7; i++)
		assert_int_equal(sl_affinity_insert(a, CLIENT(i), 1, 0), 1);
	/* One node left: a losing insert takes it and gives it back at once. */
	assert_int_equal(sl_affinity_insert(a, CLIENT(0), 2, 0), 1);
	assert_int_equal(stats().free_nodes, 1);
	assert_int_equal(sl_affinity_insert(a, CLIENT(7), 1, 0), 1);
	/* Empty: refused and counted; the client is not recorded. */
	assert_int_equal(sl_affinity_insert(a, CLIENT(8), 1, 0), -ENOSPC);
	assert_int_equal(sl_affinity_insert(a, CLIENT(9), 1, 0), -ENOSPC);
	assert_int_equal(sl_affinity_update(a, CLIENT(9), 1, 0), -ENOSPC);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(8), 0), -1);
	/* An existing client is still answered when full. */
	assert_int_equal(sl_affinity_insert(a, CLIENT(3), 2, 0), 1);
	assert_int_equal(sl_affinity_update(a, CLIENT(3), 2, 0), 0);
	assert_int_equal(sl_affinity_lookup(a, CLIENT(3), 0), 2);
	s = stats();
	assert_int_equal(s.full, 3);
	assert_int_equal(s.races, 2);
	assert_int_equal(s.entries, 8);
	assert_int_equal(s.free_nodes, 0);

	/* A removed node is reusable only after a grace period. */
	assert_int_equal(sl_affinity_forget_backend(a, 2), 1);
	assert_int_equal(sl_affinity_insert(a, CLIENT(8), 1, 0), -ENOSPC);
	quiesce();
	assert_int_equal(sl_affinity_insert(a, CLIENT(8), 1, 0), 1);
	assert_int_equal(stats().full, 4);
}

static void
test_forget_flush(void **state)
{
	struct sl_affinity_stats s;
	unsigned int i;

	(void)state;
	a = sl_affinity_create(64, 1000, SOCKET_ID_ANY);
	assert_non_null(a);
	for (i = 0; i < 30; i++)
		assert_int_equal(sl_affinity_insert(a, CLIENT(i), (uint16_t)(i % 3), 0), i % 3);
	assert_int_equal(sl_affinity_forget_backend(a, 1), 10);
	assert_int_equal(sl_affinity_forget_backend(a, 1), 0);
	assert_int_equal(sl_affinity_forget_backend(a, 9), 0);
	for (i = 0; i < 30; i++)
		assert_int_equal(sl_affinity_lookup(a, CLIENT(i), 0),
				 i % 3 == 1 ? -1 : (int)(i % 3));
	assert_int_equal(sl_affinity_flush(a), 20);
	s = stats();
	assert_int_equal(s.forgotten, 30);
	assert_int_equal(s.entries, 0);
	quiesce();
	assert_int_equal(stats().free_nodes, 64);
}

struct seen {
	unsigned int n;
	unsigned int count[256];
	unsigned int bad;
};

static void
walk_cb(rte_be32_t client, uint16_t backend, uint64_t idle, void *arg)
{
	struct seen *s = arg;
	uint32_t i = CLIENT_NO(client);

	(void)idle;
	s->n++;
	if (i >= RTE_DIM(s->count) || backend != i % 7)
		s->bad++;
	else
		s->count[i]++;
}

static void
test_walk(void **state)
{
	struct seen s = { 0 };
	unsigned int i;

	(void)state;
	a = sl_affinity_create(256, 1000, SOCKET_ID_ANY);
	assert_non_null(a);
	for (i = 0; i < 200; i++)
		assert_int_equal(sl_affinity_insert(a, CLIENT(i), (uint16_t)(i % 7), 0), i % 7);
	/* From an offline control thread too: it comes online for the walk. */
	rcu_thread_offline();
	sl_affinity_walk(a, walk_cb, &s);
	rcu_thread_online();
	assert_int_equal(s.n, 200);
	assert_int_equal(s.bad, 0);
	for (i = 0; i < 256; i++)
		assert_int_equal(s.count[i], i < 200);
}

static void
test_budget_resume(void **state)
{
	unsigned int i, calls, removed;
	struct seen s = { 0 };

	(void)state;
	a = sl_affinity_create(256, TTL, SOCKET_ID_ANY);
	assert_non_null(a);
	/* 100 idle since T0, 100 fresh (used at +TTL). */
	for (i = 0; i < 200; i++)
		assert_int_equal(sl_affinity_insert(a, CLIENT(i), (uint16_t)(i % 7),
						    i < 100 ? T0 : T0 + TTL),
				 i % 7);
	/* 10 visits a call: a pass is 20 calls and finds every idle entry once. */
	for (calls = 0, removed = 0; calls < 20; calls++) {
		unsigned int r = sl_affinity_expire(a, T0 + TTL + SLACK + 1, 10);

		assert_true(r <= 10);
		removed += r;
	}
	assert_int_equal(removed, 100);
	assert_int_equal(sl_affinity_expire(a, T0 + TTL + SLACK + 1, 10), 0);
	sl_affinity_walk(a, walk_cb, &s);
	assert_int_equal(s.n, 100);
	for (i = 0; i < 200; i++)
		assert_int_equal(s.count[i], i >= 100);
	assert_int_equal(stats().expired, 100);
}

/* ------------------------------------------------------------------ */
/* Table, two workers and a control thread                              */

/*
 * Client keys: P persistent clients (0..P-1) inserted by both workers at
 * once with a last use in the far future, so that neither expiry nor the
 * size bound may ever remove them; C churning clients (P..P+C-1) inserted
 * with the current clock by the workers, which cycle through a window of
 * them that moves on with the clock: those left behind go idle and are
 * expired by the control thread, and come back (into reused nodes) when the
 * window wraps around. The table never passes the size bound (P + the
 * window's last few positions < 90%), so nothing is evicted.
 *
 * "No lost or duplicated entries" means: a persistent client is found by
 * every lookup, with its backend, from the moment its insert returned; a
 * churning client is found with its backend or not at all; every walk by
 * the control thread (the only remover, so no removal is concurrent with
 * it) sees each persistent client exactly once and no client twice; and at
 * the end, after a grace period, nodes in the free list + entries linked =
 * capacity, and inserts - removed = entries linked.
 */
#define CC_MAX	      8192
#define CC_P	      1024
#define CC_C	      4096
#define CC_TTL	      10000
#define CC_ROUNDS     200
#define CC_FAR	      (UINT64_C(1) << 62)
#define CC_BACKEND(k) ((uint16_t)((k) % 251))

struct cc_worker {
	pthread_t thread;
	unsigned int id;
	uint64_t iters;
	uint64_t bad_insert; /* a persistent insert returned another backend */
	uint64_t lost;	     /* a persistent client not found */
	uint64_t wrong;	     /* a client found with another backend */
	uint64_t enospc;
	uint64_t insert_calls; /* churning clients */
};

static uint64_t cc_clock;
static unsigned int cc_ready;
static bool cc_stop;

static void *
cc_worker_main(void *arg)
{
	struct cc_worker *w = arg;
	bool lcore = rte_thread_register() == 0;
	uint64_t rnd = 0x9e3779b97f4a7c15ULL * (w->id + 1);
	unsigned int k, i = w->id * 512;

	rcu_register_thread();
	/* Both at once, in opposite orders: they meet in the middle and race. */
	for (k = 0; k < CC_P; k++) {
		unsigned int c = w->id == 0 ? k : CC_P - 1 - k;

		if (sl_affinity_insert(a, CLIENT(c), CC_BACKEND(c), CC_FAR) != CC_BACKEND(c))
			w->bad_insert++;
		rcu_quiescent_state();
	}
	__atomic_fetch_add(&cc_ready, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&cc_ready, __ATOMIC_ACQUIRE) < 2)
		rcu_quiescent_state();

	while (!__atomic_load_n(&cc_stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = __atomic_load_n(&cc_clock, __ATOMIC_ACQUIRE);
		int r;

		/* xorshift: which persistent client this iteration */
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		k = (unsigned int)(rnd % CC_P);
		r = sl_affinity_lookup(a, CLIENT(k), CC_FAR);
		if (r == -1)
			w->lost++;
		else if (r != CC_BACKEND(k))
			w->wrong++;

		/* A window of 1024 churning clients that moves on by 256 every round. */
		k = CC_P + (unsigned int)(((now - T0) / (CC_TTL / 4) * 256 + i++ % 1024) % CC_C);
		r = sl_affinity_lookup(a, CLIENT(k), now);
		if (r == -1) {
			r = sl_affinity_insert(a, CLIENT(k), CC_BACKEND(k), now);
			w->insert_calls++;
			if (r == -ENOSPC)
				w->enospc++;
			else if (r != CC_BACKEND(k))
				w->wrong++;
		} else if (r != CC_BACKEND(k)) {
			w->wrong++;
		}
		w->iters++;
		/* Between loop iterations, like a worker. */
		rcu_quiescent_state();
	}
	rcu_unregister_thread();
	if (lcore)
		rte_thread_unregister();
	return NULL;
}

struct cc_seen {
	unsigned int n;
	unsigned int dup;
	unsigned int stray; /* not a client of the test, or a wrong backend */
	uint8_t count[CC_P + CC_C];
};

static void
cc_walk_cb(rte_be32_t client, uint16_t backend, uint64_t idle, void *arg)
{
	struct cc_seen *s = arg;
	uint32_t k = CLIENT_NO(client);

	(void)idle;
	s->n++;
	if (k >= CC_P + CC_C || backend != CC_BACKEND(k)) {
		s->stray++;
		return;
	}
	if (s->count[k]++ != 0)
		s->dup++;
}

static void
cc_check_walk(struct cc_seen *s, bool churn_allowed)
{
	unsigned int k;

	memset(s, 0, sizeof(*s));
	sl_affinity_walk(a, cc_walk_cb, s);
	assert_int_equal(s->dup, 0);
	assert_int_equal(s->stray, 0);
	for (k = 0; k < CC_P; k++)
		assert_int_equal(s->count[k], 1);
	if (!churn_allowed)
		assert_int_equal(s->n, CC_P);
}

static void
test_concurrent(void **state)
{
	struct cc_worker w[2] = { { .id = 0 }, { .id = 1 } };
	uint64_t removed = 0, walks = 0, ins;
	struct sl_affinity_stats s;
	struct cc_seen *seen;
	unsigned int round, i;

	(void)state;
	seen = calloc(1, sizeof(*seen));
	assert_non_null(seen);
	a = sl_affinity_create(CC_MAX, CC_TTL, SOCKET_ID_ANY);
	assert_non_null(a);
	cc_clock = T0;
	cc_ready = 0;
	cc_stop = false;
	/* The control thread: registered, offline except inside the table's calls. */
	rcu_thread_offline();
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&w[i].thread, NULL, cc_worker_main, &w[i]), 0);
	while (__atomic_load_n(&cc_ready, __ATOMIC_ACQUIRE) < 2)
		usleep(100);
	for (round = 0; round < CC_ROUNDS; round++) {
		uint64_t now = __atomic_add_fetch(&cc_clock, CC_TTL / 4, __ATOMIC_RELEASE);

		/* Alternate whole passes and resumed partial ones. */
		removed += sl_affinity_expire(a, now, round % 2 ? 0 : 1000);
		if (round % 8 == 0) {
			cc_check_walk(seen, true);
			walks++;
		}
		/*
		 * Real time matters: liburcu's call_rcu thread batches for 10 ms
		 * after a wake-up, so removed nodes come back that late. A round
		 * (a quarter of the ttl) of 2 ms keeps those in flight to a few
		 * rounds' worth of removals.
		 */
		usleep(2000);
	}
	__atomic_store_n(&cc_stop, true, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);

	for (i = 0; i < 2; i++) {
		assert_int_equal(w[i].bad_insert, 0);
		assert_int_equal(w[i].lost, 0);
		assert_int_equal(w[i].wrong, 0);
		assert_true(w[i].iters > 0);
	}
	/* Every churning client idle now: only the persistent ones stay. */
	removed += sl_affinity_expire(a, cc_clock + 2 * CC_TTL, 0);
	cc_check_walk(seen, false);
	rcu_barrier();
	s = stats();
	ins = s.inserts;
	assert_int_equal(s.entries, CC_P);
	assert_int_equal(ins - s.expired - s.evicted - s.forgotten, CC_P);
	assert_int_equal(s.expired, removed);
	assert_int_equal(s.evicted, 0);
	assert_int_equal(s.free_nodes, CC_MAX - CC_P);
	assert_int_equal(s.pending, 0);
	assert_int_equal(s.full, w[0].enospc + w[1].enospc);
	/* Each insert call published, lost a race or was refused; persistent: one of each. */
	assert_int_equal(ins + s.races + s.full, 2 * CC_P + w[0].insert_calls + w[1].insert_calls);
	print_message("    %" PRIu64 " + %" PRIu64 " worker iterations, %" PRIu64
		      " inserts (%" PRIu64 " races), %" PRIu64 " expired, %" PRIu64
		      " refused (full), %" PRIu64 " walks\n",
		      w[0].iters, w[1].iters, ins, s.races, s.expired, s.full, walks);

	assert_int_equal(sl_affinity_flush(a), CC_P);
	rcu_barrier();
	s = stats();
	assert_int_equal(s.free_nodes, CC_MAX);
	assert_int_equal(s.entries, 0);
	rcu_thread_online();
	free(seen);
}

/* ------------------------------------------------------------------ */
/* SipHash-2-4                                                          */

/*
 * The reference vectors (Aumasson and Bernstein, SipHash paper appendix and
 * the reference implementation's vectors.h): key 00 01 .. 0f, message
 * 00 01 .. (i-1) of length i, 64-bit output as an integer (the reference
 * prints it little-endian). vectors[15] is the paper's worked example.
 */
static const uint64_t sip_vectors[64] = {
	0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
	0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
	0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
	0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
	0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
	0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
	0xb8ad50c6f649af94, 0xbce192de8a85b8ea, 0x17d835b85bbb15f3, 0x2f2e6163076bcfad,
	0xde4daaaca71dc9a5, 0xa6a2506687956571, 0xad87a3535c49ef28, 0x32d892fad841c342,
	0x7127512f72f27cce, 0xa7f32346f95978e3, 0x12e0b01abb051238, 0x15e034d40fa197ae,
	0x314dffbe0815a3b4, 0x027990f029623981, 0xcadcd4e59ef40c4d, 0x9abfd8766a33735c,
	0x0e3ea96b5304a7d0, 0xad0c42d6fc585992, 0x187306c89bc215a9, 0xd4a60abcf3792b95,
	0xf935451de4f21df2, 0xa9538f0419755787, 0xdb9acddff56ca510, 0xd06c98cd5c0975eb,
	0xe612a3cb9ecba951, 0xc766e62cfcadaf96, 0xee64435a9752fe72, 0xa192d576b245165a,
	0x0a8787bf8ecb74b2, 0x81b3e73d20b49b6f, 0x7fa8220ba3b2ecea, 0x245731c13ca42499,
	0xb78dbfaf3a8d83bd, 0xea1ad565322a1a0b, 0x60e61c23a3795013, 0x6606d7e446282b93,
	0x6ca4ecb15c5f91e1, 0x9f626da15c9625f3, 0xe51b38608ef25f57, 0x958a324ceb064572,
};

static void
test_siphash_vectors(void **state)
{
	uint8_t raw[16], msg[64];
	struct sl_cookie_key k, kp;
	unsigned int i;

	(void)state;
	for (i = 0; i < 16; i++)
		raw[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	sl_affinity_cookie_key(&k, raw);
	assert_int_equal(k.k0, 0x0706050403020100ULL);
	assert_int_equal(k.k1, 0x0f0e0d0c0b0a0908ULL);
	for (i = 0; i < 64; i++)
		assert_int_equal(sl_affinity_siphash(&k, msg, i), sip_vectors[i]);

	assert_int_equal(sl_affinity_cookie_key_parse(&kp, "000102030405060708090a0B0c0D0e0F"), 0);
	assert_memory_equal(&kp, &k, sizeof(k));
	assert_int_equal(sl_affinity_cookie_key_parse(&kp, "000102030405060708090a0b0c0d0e0"),
			 -EINVAL);
	assert_int_equal(sl_affinity_cookie_key_parse(&kp, "000102030405060708090a0b0c0d0e0f0"),
			 -EINVAL);
	assert_int_equal(sl_affinity_cookie_key_parse(&kp, "000102030405060708090a0b0c0d0e0g"),
			 -EINVAL);
	assert_int_equal(sl_affinity_cookie_key_parse(&kp, NULL), -EINVAL);

	/* Config keys: 16 bytes as they are, 32 folded (this one folds back to raw). */
	{
		uint8_t cfg[32];

		memset(&kp, 0, sizeof(kp));
		assert_int_equal(sl_affinity_cookie_key_set(&kp, raw, 16), 0);
		assert_memory_equal(&kp, &k, sizeof(k));
		for (i = 0; i < 16; i++) {
			cfg[i] = (uint8_t)(0xa5 ^ i);
			cfg[16 + i] = 0xa5;
		}
		memset(&kp, 0, sizeof(kp));
		assert_int_equal(sl_affinity_cookie_key_set(&kp, cfg, 32), 0);
		assert_memory_equal(&kp, &k, sizeof(k));
		assert_int_equal(sl_affinity_cookie_key_set(&kp, cfg, 24), -EINVAL);
		assert_int_equal(sl_affinity_cookie_key_set(&kp, NULL, 16), -EINVAL);
	}
}

/* ------------------------------------------------------------------ */
/* Sticky cookie                                                        */

static const char *const backends[] = { "web1", "web2", "web3", "api" };

static const char *
name_of(uint16_t b, void *arg)
{
	const char *const *names = arg;

	return b < RTE_DIM(backends) ? names[b] : NULL;
}

static struct sl_cookie_key ckey = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };

static int
check(uint32_t vip, const char *v, size_t len, uint16_t *b)
{
	return sl_affinity_cookie_check(&ckey, vip, v, len, b, name_of, (void *)backends);
}

static void
test_cookie_roundtrip(void **state)
{
	char v[32], v2[32];
	uint32_t vip = sl_affinity_cookie_vip_id(&ckey, "www");
	uint16_t b, i;

	(void)state;
	assert_int_equal(vip, sl_affinity_cookie_vip_id(&ckey, "www"));
	assert_int_not_equal(vip, sl_affinity_cookie_vip_id(&ckey, "api"));
	for (i = 0; i < RTE_DIM(backends); i++) {
		assert_int_equal(sl_affinity_cookie_make(&ckey, vip, i, backends[i], v, sizeof(v)),
				 SL_AFFINITY_COOKIE_LEN);
		assert_int_equal(strlen(v), SL_AFFINITY_COOKIE_LEN);
		assert_int_equal(strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					   "0123456789-_"),
				 SL_AFFINITY_COOKIE_LEN);
		b = 0xffff;
		assert_int_equal(check(vip, v, strlen(v), &b), 0);
		assert_int_equal(b, i);
		/* Deterministic: any worker, any instance with the key makes the same value. */
		sl_affinity_cookie_make(&ckey, vip, i, backends[i], v2, sizeof(v2));
		assert_string_equal(v, v2);
	}
	/*
	 * The backend id is readable (a hint): 12 bits in the first two
	 * characters, 4 in the third with 2 bits of the MAC; the rest is the MAC.
	 */
	sl_affinity_cookie_make(&ckey, vip, 3, "api", v, sizeof(v));
	assert_memory_equal(v, "AA", 2);
	assert_true(v[2] >= 'M' && v[2] <= 'P'); /* 0011xx */
	sl_affinity_cookie_make(&ckey, vip, 0, "web1", v, sizeof(v));
	assert_memory_equal(v, "AA", 2);
	assert_true(v[2] >= 'A' && v[2] <= 'D'); /* 0000xx */
	/* Room for the value and its NUL, no less. */
	assert_int_equal(sl_affinity_cookie_make(&ckey, vip, 0, "web1", v, 15), 14);
	assert_int_equal(sl_affinity_cookie_make(&ckey, vip, 0, "web1", v, 14), 0);
	assert_int_equal(sl_affinity_cookie_make(&ckey, vip, 0, NULL, v, sizeof(v)), 0);
	print_message("    cookie for web1: %s\n", v);
}

static void
test_cookie_rejected(void **state)
{
	static const char *const renamed[] = { "web1", "web9", "web3", "api" };
	uint32_t vip = sl_affinity_cookie_vip_id(&ckey, "www");
	struct sl_cookie_key other = ckey;
	char v[32], f[32];
	unsigned int i, bit, forged = 0;
	uint16_t b = 0xffff;
	size_t n;

	(void)state;
	n = sl_affinity_cookie_make(&ckey, vip, 1, "web2", v, sizeof(v));
	assert_int_equal(check(vip, v, n, &b), 0);

	/* One bit flipped anywhere. */
	for (i = 0; i < n; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(f, v, n);
			f[i] = (char)(f[i] ^ (1 << bit));
			assert_int_equal(check(vip, f, n, &b), -EINVAL);
			forged++;
		}
	}
	assert_int_equal(forged, 112);
	/* Truncated: every prefix. Extended: one more character of any kind. */
	for (i = 0; i < n; i++)
		assert_int_equal(check(vip, v, i, &b), -EINVAL);
	memcpy(f, v, n);
	f[n + 1] = '\0';
	for (i = 0; i < 4; i++) {
		f[n] = "A_=;"[i];
		assert_int_equal(check(vip, f, n + 1, &b), -EINVAL);
	}
	assert_int_equal(check(vip, NULL, 0, &b), -EINVAL);
	/* Wrong VIP, wrong key. */
	assert_int_equal(check(vip + 1, v, n, &b), -EINVAL);
	assert_int_equal(check(sl_affinity_cookie_vip_id(&ckey, "api"), v, n, &b), -EINVAL);
	other.k1 ^= 1;
	assert_int_equal(sl_affinity_cookie_check(&other, vip, v, n, &b, name_of, (void *)backends),
			 -EINVAL);
	/* Not base64url: the standard alphabet's + and /, padding, spaces, a NUL. */
	for (i = 0; i < 6; i++) {
		memcpy(f, v, n);
		f[5] = "+/= \0."[i];
		assert_int_equal(check(vip, f, n, &b), -EINVAL);
	}
	assert_int_equal(check(vip, "AAAAAAAAAAAA==", 14, &b), -EINVAL);
	/* Non-canonical: the last character's 4 unused bits set (another string, same bytes). */
	memcpy(f, v, n);
	f[n - 1] = (char)(f[n - 1] == 'A' ? 'B' : f[n - 1] + 1);
	assert_int_equal(check(vip, f, n, &b), -EINVAL);
	/* Another backend's id on this MAC; an id that does not exist. */
	memcpy(f, v, n);
	f[2] = 'I'; /* id 2 (0010 in the third character) */
	assert_int_equal(check(vip, f, n, &b), -EINVAL);
	n = sl_affinity_cookie_make(&ckey, vip, 9, "web9", f, sizeof(f));
	assert_int_equal(check(vip, f, n, &b), -EINVAL);
	/* Id 1 names another backend now (a reload renamed it): rejected, not misrouted. */
	assert_int_equal(sl_affinity_cookie_check(&ckey, vip, v, SL_AFFINITY_COOKIE_LEN, &b,
						  name_of, (void *)renamed),
			 -EINVAL);
	assert_int_equal(b, 1); /* untouched since the valid check */
}

/* ------------------------------------------------------------------ */
/* Cookie header                                                        */

static void
find_is(const char *hdr, const char *name, const char *want)
{
	const char *v = NULL;
	size_t vlen = 0;
	int rc = sl_affinity_cookie_find(hdr, strlen(hdr), name, &v, &vlen);

	if (want == NULL) {
		if (rc != -ENOENT)
			fail_msg("\"%s\" / %s: found \"%.*s\"", hdr, name, (int)vlen, v);
		return;
	}
	if (rc != 0)
		fail_msg("\"%s\" / %s: not found (%d)", hdr, name, rc);
	if (vlen != strlen(want) || memcmp(v, want, vlen) != 0)
		fail_msg("\"%s\" / %s: \"%.*s\", want \"%s\"", hdr, name, (int)vlen, v, want);
	/* A pointer into the header, not a copy. */
	assert_true(v >= hdr && v + vlen <= hdr + strlen(hdr));
}

static void
test_cookie_find(void **state)
{
	(void)state;
	find_is("sl=abc", "sl", "abc");
	find_is("a=1; sl=abc; b=2", "sl", "abc");
	find_is("a=1;sl=abc;b=2", "sl", "abc");
	find_is("  a=1 ;  sl  =  abc  ; b=2", "sl", "abc");
	find_is("a=1;\tsl=abc\t", "sl", "abc");
	find_is("sl=\"abc\"", "sl", "abc");
	find_is("sl=\"\"", "sl", "");
	find_is("sl=\"", "sl", "\"");
	find_is("sl=", "sl", "");
	find_is("sl=a=b", "sl", "a=b");
	/* Same name twice: the first wins (the most specific path comes first). */
	find_is("sl=first; sl=second", "sl", "first");
	/* Names compare exactly: case, prefixes, suffixes. */
	find_is("SL=abc; sl=def", "sl", "def");
	find_is("xsl=1; slx=2", "sl", NULL);
	find_is("sl; sl=ok", "sl", "ok"); /* a pair without '=' is skipped */
	find_is("=v; sl=ok", "sl", "ok");
	find_is("a=1; b=2", "sl", NULL);
	find_is("", "sl", NULL);
	find_is(";;; ;", "sl", NULL);
	find_is("a=1;", "a", "1");
	find_is("a=1; sl=abc", "", NULL);
	/* The length bounds the search: a header not NUL-terminated where it ends. */
	{
		const char *v;
		size_t vlen;

		assert_int_equal(sl_affinity_cookie_find("sl=abcdef", 6, "sl", &v, &vlen), 0);
		assert_int_equal(vlen, 3);
		assert_int_equal(sl_affinity_cookie_find("a=1; sl=x", 4, "sl", &v, &vlen), -ENOENT);
	}
}

/* ------------------------------------------------------------------ */
/* Set-Cookie                                                           */

static void
test_set_cookie(void **state)
{
	char out[256];
	size_t n;

	(void)state;
	n = sl_affinity_set_cookie(out, sizeof(out), "SLUICE", "AAAbcd-_09xyzQ", "/", 3600, true,
				   true, "lax");
	assert_string_equal(out, "SLUICE=AAAbcd-_09xyzQ; Path=/; Max-Age=3600; Secure; HttpOnly; "
				 "SameSite=Lax");
	assert_int_equal(n, strlen(out));
	n = sl_affinity_set_cookie(out, sizeof(out), "sl", "v", NULL, 0, false, false, NULL);
	assert_string_equal(out, "sl=v");
	assert_int_equal(n, 4);
	n = sl_affinity_set_cookie(out, sizeof(out), "sl", "v", "/app", 0, true, false, "Strict");
	assert_string_equal(out, "sl=v; Path=/app; HttpOnly; SameSite=Strict");
	n = sl_affinity_set_cookie(out, sizeof(out), "sl", "v", NULL, 4294967295u, false, true,
				   "NONE");
	assert_string_equal(out, "sl=v; Max-Age=4294967295; Secure; SameSite=None");
	assert_int_equal(n, strlen(out));
	n = sl_affinity_set_cookie(out, sizeof(out), "sl", "", NULL, 0, false, false, NULL);
	assert_string_equal(out, "sl=");

	/* Invalid arguments. */
	assert_int_equal(sl_affinity_set_cookie(out, sizeof(out), "s l", "v", NULL, 0, 0, 0, NULL),
			 0);
	assert_int_equal(sl_affinity_set_cookie(out, sizeof(out), "", "v", NULL, 0, 0, 0, NULL), 0);
	assert_int_equal(sl_affinity_set_cookie(out, sizeof(out), "s=", "v", NULL, 0, 0, 0, NULL),
			 0);
	assert_int_equal(sl_affinity_set_cookie(out, sizeof(out), "sl", "a;b", NULL, 0, 0, 0, NULL),
			 0);
	assert_int_equal(sl_affinity_set_cookie(out, sizeof(out), "sl", "a b", NULL, 0, 0, 0, NULL),
			 0);
	assert_int_equal(
		sl_affinity_set_cookie(out, sizeof(out), "sl", "\"v\"", NULL, 0, 0, 0, NULL), 0);
	assert_int_equal(sl_affinity_set_cookie(out, sizeof(out), "sl", "v", "/a;b", 0, 0, 0, NULL),
			 0);
	assert_int_equal(
		sl_affinity_set_cookie(out, sizeof(out), "sl", "v", "/\r\n", 0, 0, 0, NULL), 0);
	assert_int_equal(
		sl_affinity_set_cookie(out, sizeof(out), "sl", "v", NULL, 0, 0, 0, "Loose"), 0);
	/* SameSite=None without Secure. */
	assert_int_equal(sl_affinity_set_cookie(out, sizeof(out), "sl", "v", NULL, 0, 0, 0, "None"),
			 0);
	/* Room: the text and its NUL, exactly. */
	assert_int_equal(sl_affinity_set_cookie(out, 13, "sl", "v", "/", 0, 0, 0, NULL), 12);
	assert_string_equal(out, "sl=v; Path=/");
	assert_int_equal(sl_affinity_set_cookie(out, 12, "sl", "v", "/", 0, 0, 0, NULL), 0);
	assert_string_equal(out, "");
	assert_int_equal(sl_affinity_set_cookie(out, 5, "sl", "v", "/", 0, 0, 0, NULL), 0);
	assert_int_equal(sl_affinity_set_cookie(out, 0, "sl", "v", NULL, 0, 0, 0, NULL), 0);
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
		"test_affinity",
		"--no-huge",
		"--no-pci",
		"--no-shconf",
		"--no-telemetry",
		"-l",
		"0",
		"-m",
		"256",
		"--log-level=*:error",
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
		T(test_insert_lookup),
		T(test_update),
		T(test_ttl_expiry),
		T(test_ttl_zero),
		T(test_size_bound),
		T(test_full),
		T(test_forget_flush),
		T(test_walk),
		T(test_budget_resume),
		T(test_concurrent),
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_cookie_roundtrip),
		cmocka_unit_test(test_cookie_rejected),
		cmocka_unit_test(test_cookie_find),
		cmocka_unit_test(test_set_cookie),
	};

	/* AFFINITY_TEST=glob runs only those; AFFINITY_SKIP=glob skips. */
	if (getenv("AFFINITY_TEST") != NULL)
		cmocka_set_test_filter(getenv("AFFINITY_TEST"));
	if (getenv("AFFINITY_SKIP") != NULL)
		cmocka_set_skip_filter(getenv("AFFINITY_SKIP"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
