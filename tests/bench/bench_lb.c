/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/lb and lib/affinity micro-benchmark: what the proxy pays per request
 * to choose a backend and to find a client's affine one.
 *
 *   bench_lb [-n count] pick ALGO NBACKENDS
 *   bench_lb [-n count] [-k clients] affinity lookup|insert|cookie_check|cookie_make
 *
 *  pick      one sl_lb_pick() in a pool of NBACKENDS backends with weights
 *            1, 2, 3, 4, 1, 2, ... (ALGO: roundrobin leastconn random2 maglev
 *            hash), plus what the proxy does around it: the key hash
 *            (maglev: client address and port, hash: client address, as
 *            px_request_key() does; the others take no key) and the
 *            in-flight acquire/release pair. A quiescent state every 64
 *            picks, as a worker's loop would have.
 *  affinity  the source-affinity table with @p clients entries (1024: in
 *            cache; 65536: about a cache miss per lookup):
 *    lookup        sl_affinity_lookup() of a present client (a hit); the
 *                  clock stays within ttl/64, so no last-use refresh store
 *    insert        sl_affinity_insert() into an empty table (the table is
 *                  flushed between passes, outside the measurement)
 *    cookie_check  sl_affinity_cookie_check() of a valid cookie (decode,
 *                  name lookup, SipHash-2-4 MAC, constant-time compare)
 *    cookie_make   sl_affinity_cookie_make()
 *
 * The 1-thread figure is measured on the main lcore (instructions under
 * callgrind, ns natively). Natively, two threads then do the same at once,
 * each pinned to its own CPU, registered as an lcore (the tables keep
 * per-lcore counters) and as an online urcu-qsbr reader like a worker:
 *  - "same": both on the same keys (picks: the same pool, so leastconn's
 *    and everyone's in-flight counters are shared cache lines; affinity:
 *    the same clients, so the same nodes; insert: both insert every client,
 *    one of each pair loses the race);
 *  - "diff": affinity only, each thread on its own half of the clients.
 * Two-thread figures are ns per operation of each thread (their mean) while
 * the other runs: on a 2-vCPU VM both CPUs are busy, so read them as what
 * sharing costs, not as throughput.
 *
 * Output: RESULT <name> units=<n> unit=<u> ns_loop=<1 thread> ns_stack=<1 thread>
 *         [ns_2t_same=<x>] [ns_2t_diff=<y>]
 * (ns_loop = ns_stack: the loop is the unit; callgrind.sh keeps the best of
 * its native runs for every ns_ field.)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setaffinity_np */
#endif
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_pause.h>

#include <urcu-qsbr.h>

#ifdef SL_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s)
#define CALLGRIND_TOGGLE_COLLECT
#define RUNNING_ON_VALGRIND 0
#endif

#include "sl_affinity.h"
#include "sl_conf.h"
#include "sl_lb.h"

/* Client number i: 10.0.0.0 + i, network order. */
#define CLIENT(i) rte_cpu_to_be_32(UINT32_C(0x0a000000) + (uint32_t)(i))

#include "bench_threads.h"

/* ------------------------------------------------------------------ picks */

struct pick_ctx {
	struct sl_lb *lb;
	enum sl_lb_algo algo;
	struct sl_lb_worker lw[2]; /* one per thread: per-worker state */
	unsigned int next_lw;
};

static void
bench_pick_run(void *arg, uint64_t first, uint64_t span, uint64_t n, uint64_t *errs)
{
	struct pick_ctx *p = arg;
	struct sl_lb_worker *lw = &p->lw[first != 0];
	const struct sl_lb_pool *pool = &p->lb->pools[0];
	struct sl_lb_backend *bs = p->lb->backends;
	uint32_t ip = (uint32_t)first * 7919u;
	uint16_t port = 32768;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t key = 0;
		uint8_t t[6];
		int k;

		/* px_request_key(): maglev hashes address and port, hash the address. */
		if (p->algo == SL_LB_MAGLEV) {
			memcpy(t, &ip, 4);
			memcpy(t + 4, &port, 2);
			key = sl_lb_hash_bytes(t, sizeof(t));
		} else if (p->algo == SL_LB_HASH) {
			key = sl_lb_hash_bytes(&ip, sizeof(ip));
		}
		k = sl_lb_pick(pool, lw, key, -1);
		if (unlikely(k < 0)) {
			(*errs)++;
			continue;
		}
		sl_lb_backend_acquire(&bs[k]);
		sl_lb_backend_release(&bs[k]);
		if ((i & 63) == 63)
			rcu_quiescent_state();
		ip += 0x9e3779b1u; /* another client each time */
		port++;
	}
	(void)span;
}

static void
bench_pick(const char *algo_name, unsigned int nb, uint64_t n)
{
	static const char *const names[] = { "roundrobin", "leastconn", "random2", "maglev",
					     "hash" };
	struct sl_config *conf = calloc(1, sizeof(*conf));
	struct pick_ctx p;
	double ns1, ns2 = -1;
	unsigned int a;

	memset(&p, 0, sizeof(p));
	for (a = 0; a < RTE_DIM(names); a++)
		if (strcmp(algo_name, names[a]) == 0)
			break;
	if (a == RTE_DIM(names) || nb == 0 || nb > SL_BACKENDS_MAX || conf == NULL) {
		fprintf(stderr, "bench_lb: pick ALGO (roundrobin|leastconn|random2|maglev|hash) "
				"NBACKENDS (1..%d)\n", SL_BACKENDS_MAX);
		exit(2);
	}
	p.algo = (enum sl_lb_algo)a;
	snprintf(bench_name, sizeof(bench_name), "lb_%s_%u", names[a], nb);
	conf->n_pools = 1;
	snprintf(conf->pools[0].name, SL_NAME_MAX, "p0");
	conf->pools[0].algorithm = p.algo;
	conf->pools[0].hash_key = SL_LB_HASH_SOURCE;
	conf->n_backends = (uint16_t)nb;
	for (unsigned int i = 0; i < nb; i++) {
		struct sl_conf_backend *b = &conf->backends[i];

		snprintf(b->name, SL_NAME_MAX, "b%u", i);
		b->pool = 0;
		b->addr = 0x0a010000 + i;
		b->port = 8080;
		b->weight = 1 + i % 4;
	}
	p.lb = sl_lb_create(conf);
	free(conf);
	if (p.lb == NULL) {
		fprintf(stderr, "sl_lb_create: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	for (int i = 0; i < 2; i++)
		if (sl_lb_worker_init(&p.lw[i], p.lb, SOCKET_ID_ANY) != 0) {
			fprintf(stderr, "sl_lb_worker_init failed\n");
			exit(1);
		}
	bench_pick_run(&p, 0, 0, 10000, &(uint64_t){ 0 }); /* warm-up */
	ns1 = run_one(bench_pick_run, &p, 0, n);
	if (!RUNNING_ON_VALGRIND) {
		bench_pick_run(&p, 1, 0, 10000, &(uint64_t){ 0 });
		ns2 = run_two(bench_pick_run, &p, 0, 1, 0, n);
	}
	printf("%s: %u backends (weights 1..4), %lu picks: %.1f ns/pick, 2 threads on the "
	       "same pool %.1f ns/pick each (key hash, acquire and release included)\n",
	       bench_name, nb, (unsigned long)n, ns1, ns2);
	report("pick", n, ns1, ns2, -1);
	for (int i = 0; i < 2; i++)
		sl_lb_worker_fini(&p.lw[i]);
	sl_lb_destroy(p.lb);
}

/* --------------------------------------------------------------- affinity */

struct aff_ctx {
	struct sl_affinity *a;
	uint32_t clients;
	enum { AFF_LOOKUP, AFF_INSERT, AFF_CHECK, AFF_MAKE } op;
	struct sl_cookie_key key;
	uint32_t vip;
	char cookies[4][SL_AFFINITY_COOKIE_LEN + 1];
};

static const char *const backend_names[] = { "web1", "web2", "web3", "api" };

static const char *
name_of(uint16_t b, void *arg)
{
	(void)arg;
	return b < RTE_DIM(backend_names) ? backend_names[b] : NULL;
}

/*
 * Clients first .. first + span - 1, round and round (insert: n <= span, so
 * n distinct clients). The clock stays at 1 s: within ttl/64 of every entry.
 */
static void
bench_aff_run(void *arg, uint64_t first, uint64_t span, uint64_t n, uint64_t *errs)
{
	struct aff_ctx *c = arg;
	uint64_t now = rte_get_tsc_hz();
	uint32_t i = (uint32_t)first, end = (uint32_t)(first + span);

	switch (c->op) {
	case AFF_LOOKUP:
		for (uint64_t k = 0; k < n; k++) {
			if (unlikely(sl_affinity_lookup(c->a, CLIENT(i), now) != (int)(i & 1023)))
				(*errs)++;
			if (++i == end)
				i = (uint32_t)first;
			if ((k & 63) == 63)
				rcu_quiescent_state();
		}
		break;
	case AFF_INSERT:
		for (uint64_t k = 0; k < n; k++, i++) {
			int rc = sl_affinity_insert(c->a, CLIENT(i), (uint16_t)(i & 1023), now);

			/*
			 * -ENOSPC: with the table sized to the clients exactly, two threads
			 * racing for the last client can both need a node (counted as full).
			 */
			if (unlikely(rc != (int)(i & 1023)) && rc != -ENOSPC)
				(*errs)++;
			if ((k & 63) == 63)
				rcu_quiescent_state();
		}
		break;
	case AFF_CHECK:
		for (uint64_t k = 0; k < n; k++, i++) {
			uint16_t b;

			if (unlikely(sl_affinity_cookie_check(&c->key, c->vip, c->cookies[i & 3],
							      SL_AFFINITY_COOKIE_LEN, &b, name_of,
							      NULL) != 0 ||
				     b != (i & 3)))
				(*errs)++;
		}
		break;
	case AFF_MAKE:
		for (uint64_t k = 0; k < n; k++, i++) {
			char v[SL_AFFINITY_COOKIE_LEN + 1];

			if (unlikely(sl_affinity_cookie_make(&c->key, c->vip, (uint16_t)(i & 3),
							     backend_names[i & 3], v,
							     sizeof(v)) != SL_AFFINITY_COOKIE_LEN))
				(*errs)++;
		}
		break;
	}
}

/* An empty table again: flush, then let a grace period return the nodes. */
static void
aff_empty(struct aff_ctx *c)
{
	sl_affinity_flush(c->a);
	rcu_thread_offline();
	rcu_barrier();
	rcu_thread_online();
}

static void
aff_fill(struct aff_ctx *c)
{
	uint64_t errs = 0;

	c->op = AFF_INSERT;
	bench_aff_run(c, 0, c->clients, c->clients, &errs);
	c->op = AFF_LOOKUP;
	if (errs != 0) {
		fprintf(stderr, "bench_lb: fill: %lu inserts failed\n", (unsigned long)errs);
		exit(1);
	}
}

/* Inserts: n in passes of (at most) the table's size, each pass into an empty table. */
static double
aff_insert_passes(struct aff_ctx *c, uint64_t n, int threads, bool same)
{
	uint64_t done = 0;
	double ns_sum = 0;
	int passes = 0;

	while (done < n) {
		uint64_t k = RTE_MIN((uint64_t)c->clients, n - done);
		double ns;

		aff_empty(c);
		c->op = AFF_INSERT;
		if (threads == 1)
			ns = run_one(bench_aff_run, c, k, k);
		else if (same)
			ns = run_two(bench_aff_run, c, 0, 0, k, k);
		else
			ns = run_two(bench_aff_run, c, 0, k / 2, k / 2, k / 2);
		ns_sum += ns;
		passes++;
		done += k;
		if (threads == 1)
			break; /* callgrind counts one pass; n is capped to the table below */
	}
	return ns_sum / passes;
}

static void
bench_affinity(const char *what, uint32_t clients, uint64_t n)
{
	struct aff_ctx c;
	double ns1, same = -1, diff = -1;
	const char *unit;

	memset(&c, 0, sizeof(c));
	c.clients = clients;
	if (strcmp(what, "lookup") == 0) {
		c.op = AFF_LOOKUP;
		unit = "lookup";
	} else if (strcmp(what, "insert") == 0) {
		c.op = AFF_INSERT;
		unit = "insert";
	} else if (strcmp(what, "cookie_check") == 0) {
		c.op = AFF_CHECK;
		unit = "check";
	} else if (strcmp(what, "cookie_make") == 0) {
		c.op = AFF_MAKE;
		unit = "cookie";
	} else {
		fprintf(stderr, "bench_lb: affinity lookup|insert|cookie_check|cookie_make\n");
		exit(2);
	}
	if (c.op == AFF_LOOKUP || c.op == AFF_INSERT)
		snprintf(bench_name, sizeof(bench_name), "aff_%s_%u%s", what,
			 clients >= 1024 ? clients / 1024 : clients, clients >= 1024 ? "k" : "");
	else
		snprintf(bench_name, sizeof(bench_name), "aff_%s", what);

	{
		static const uint8_t raw[16] = { 0, 1, 2, 3, 4, 5, 6, 7,
						 8, 9, 10, 11, 12, 13, 14, 15 };

		sl_affinity_cookie_key(&c.key, raw);
		c.vip = sl_affinity_cookie_vip_id(&c.key, "www");
		for (uint16_t b = 0; b < 4; b++)
			if (sl_affinity_cookie_make(&c.key, c.vip, b, backend_names[b],
						    c.cookies[b], sizeof(c.cookies[b])) !=
			    SL_AFFINITY_COOKIE_LEN) {
				fprintf(stderr, "bench_lb: cookie_make failed\n");
				exit(1);
			}
	}

	switch (c.op) {
	case AFF_LOOKUP:
		c.a = sl_affinity_create(clients, 600 * rte_get_tsc_hz(), SOCKET_ID_ANY);
		if (c.a == NULL)
			goto nomem;
		aff_fill(&c);
		bench_aff_run(&c, 0, clients, clients, &(uint64_t){ 0 }); /* warm */
		ns1 = run_one(bench_aff_run, &c, clients, n);
		if (!RUNNING_ON_VALGRIND) {
			same = run_two(bench_aff_run, &c, 0, 0, clients, n);
			diff = run_two(bench_aff_run, &c, 0, clients / 2, clients / 2, n);
		}
		break;
	case AFF_INSERT:
		c.a = sl_affinity_create(clients, 600 * rte_get_tsc_hz(), SOCKET_ID_ANY);
		if (c.a == NULL)
			goto nomem;
		aff_fill(&c); /* warm: nodes and buckets touched once */
		n = RTE_MIN(n, (uint64_t)clients);
		ns1 = aff_insert_passes(&c, n, 1, false);
		if (!RUNNING_ON_VALGRIND) {
			/* 2 threads: a few passes of a full table each. */
			same = aff_insert_passes(&c, 4ull * clients, 2, true);
			diff = aff_insert_passes(&c, 4ull * clients, 2, false);
		}
		break;
	default:
		bench_aff_run(&c, 0, 4, 1000, &(uint64_t){ 0 });
		ns1 = run_one(bench_aff_run, &c, 4, n);
		if (!RUNNING_ON_VALGRIND) {
			same = run_two(bench_aff_run, &c, 0, 0, 4, n);
			diff = run_two(bench_aff_run, &c, 0, 1, 4, n);
		}
		break;
	}
	printf("%s: %lu %ss%s: 1 thread %.1f ns; 2 threads, same keys %.1f ns, different "
	       "keys %.1f ns (each)\n",
	       bench_name, (unsigned long)n, unit,
	       c.a != NULL ? (c.op == AFF_INSERT ? " into an empty table" : " (hits)") : "", ns1,
	       same, diff);
	report(unit, n, ns1, same, diff);
	if (c.a != NULL) {
		struct sl_affinity_stats s;

		sl_affinity_stats(c.a, &s);
		printf("%s: table of %lu: %lu lookups, %lu hits, %lu inserts, %lu races, "
		       "%lu full, %lu bytes\n",
		       bench_name, (unsigned long)s.capacity, (unsigned long)s.lookups,
		       (unsigned long)s.hits, (unsigned long)s.inserts, (unsigned long)s.races,
		       (unsigned long)s.full, (unsigned long)s.memory_bytes);
		sl_affinity_destroy(c.a);
	}
	return;
nomem:
	fprintf(stderr, "sl_affinity_create: %s\n", rte_strerror(rte_errno));
	exit(1);
}

/* ------------------------------------------------------------------ main */

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n count] pick ALGO NBACKENDS\n"
		"       %s [-n count] [-k clients] affinity lookup|insert|cookie_check|cookie_make\n",
		prog, prog);
	exit(2);
}

int
main(int argc, char **argv)
{
	/* clang-format off */
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry",
			"-l", "0", "--log-level=*:error", "-m", "512", NULL };
	/* clang-format on */
	uint32_t clients = 1024;
	uint64_t n = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:k:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			clients = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind >= argc || clients < 2)
		usage(argv[0]);
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	/* Like a worker: an online urcu-qsbr reader. */
	rcu_register_thread();
	if (strcmp(argv[optind], "pick") == 0 && optind + 3 == argc)
		bench_pick(argv[optind + 1], (unsigned int)strtoul(argv[optind + 2], NULL, 0),
			   n ? n : 2000000);
	else if (strcmp(argv[optind], "affinity") == 0 && optind + 2 == argc)
		bench_affinity(argv[optind + 1], clients, n ? n : 2000000);
	else
		usage(argv[0]);
	rcu_unregister_thread();
	rte_eal_cleanup();
	return 0;
}
