/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/limit micro-benchmark: ns (and instructions) per rate-limit decision,
 * sl_limit_decide() with a client address as the key, as the proxy makes it
 * per request.
 *
 *   bench_limit [-n count] [-k keys] [-a reject|delay] decide
 *
 *  -k 1     one key: every decision on the same TAT (a single client, or
 *           key = vip); 2 threads "same": both compare-and-swap that one
 *           word; "diff": each thread its own key.
 *  -k 1024  (default) the decisions cycle over 1024 client addresses, all
 *           in the table (the first decision of each is made before the
 *           measurement); 2 threads "same": both on the same 1024 clients;
 *           "diff": each on its own half.
 *
 * The policy is 1 request per 1000 TSC cycles, burst 1000, and each
 * thread's clock moves by 500 cycles per decision. On one key that is twice
 * the rate: past the burst, half of the decisions are allowed (they write
 * the TAT with a compare-and-swap) and half rejected (they only read it),
 * the mix a client over its limit gets. Over 1024 keys each key sees a
 * decision every 512,000 cycles, far below its rate: every decision is
 * allowed, the case of many clients within their limits. The clock is
 * simulated (per thread, the same start), so every run takes the same path
 * and instruction counts are exact.
 *
 * Output: RESULT <name> units=<n> unit=decision ns_loop=<1 thread> ns_stack=<1 thread>
 *         ns_2t_same=<x> ns_2t_diff=<y>   (see bench_threads.h)
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
#define RUNNING_ON_VALGRIND 0
#endif

#include "sl_limit.h"

#include "bench_threads.h"

/* Client number i: 10.0.0.0 + i, network order. */
#define CLIENT(i) rte_cpu_to_be_32(UINT32_C(0x0a000000) + (uint32_t)(i))

#define T_CYCLES    1000 /* the policy: one request per T_CYCLES */
#define STEP_CYCLES 500	 /* each thread's clock per decision */

struct lim_ctx {
	struct sl_limit *l;
	uint64_t start;
	uint64_t allowed, rejected; /* both threads: atomic adds at the end of a run */
};

static void
bench_lim_run(void *arg, uint64_t first, uint64_t span, uint64_t n, uint64_t *errs)
{
	struct lim_ctx *c = arg;
	uint64_t now = c->start, allowed = 0, rejected = 0;
	uint32_t i = (uint32_t)first, end = (uint32_t)(first + (span ? span : 1));

	for (uint64_t k = 0; k < n; k++) {
		struct sl_limit_verdict v;
		rte_be32_t key = CLIENT(i);
		int rc = sl_limit_decide(c->l, &key, sizeof(key), 1, now, &v);

		if (rc == SL_LIMIT_ALLOWED || rc == SL_LIMIT_DELAYED)
			allowed++;
		else if (rc == SL_LIMIT_REJECTED)
			rejected++;
		else
			(*errs)++;
		now += STEP_CYCLES;
		if (++i == end)
			i = (uint32_t)first;
		if ((k & 63) == 63)
			rcu_quiescent_state();
	}
	__atomic_fetch_add(&c->allowed, allowed, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->rejected, rejected, __ATOMIC_RELAXED);
}

static void
bench_decide(uint32_t keys, enum sl_limit_action action, uint64_t n)
{
	struct sl_limit_params p = {
		.name = "bench",
		.units = 1,
		.period_tsc = T_CYCLES,
		.burst = 1000,
		.action = action,
		.max_keys = 4096,
	};
	struct lim_ctx c;
	double ns1, same = -1, diff = -1;
	uint64_t errs = 0;

	memset(&c, 0, sizeof(c));
	snprintf(bench_name, sizeof(bench_name), "limit_%s_%u%s", "decide",
		 keys >= 1024 ? keys / 1024 : keys, keys >= 1024 ? "k" : "key");
	if (action == SL_LIMIT_DELAY)
		strcat(bench_name, "_delay");
	c.l = sl_limit_create(&p, SOCKET_ID_ANY);
	if (c.l == NULL) {
		fprintf(stderr, "sl_limit_create: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	/* Every key in the table, then a warm pass, at the start of the clock. */
	c.start = 1000 * (uint64_t)T_CYCLES;
	bench_lim_run(&c, 0, keys, keys, &errs);
	bench_lim_run(&c, 0, keys, 10000, &errs);
	/* The measured runs start later, with budgets refilled. */
	c.start += 10 * (uint64_t)T_CYCLES * 1000;
	c.allowed = c.rejected = 0;
	ns1 = run_one(bench_lim_run, &c, keys, n);
	printf("%s: 1 thread: %lu allowed, %lu rejected\n", bench_name, (unsigned long)c.allowed,
	       (unsigned long)c.rejected);
	if (!RUNNING_ON_VALGRIND) {
		c.start += 2 * n * STEP_CYCLES + 10 * (uint64_t)T_CYCLES * 1000;
		same = run_two(bench_lim_run, &c, 0, 0, keys, n);
		c.start += 2 * n * STEP_CYCLES + 10 * (uint64_t)T_CYCLES * 1000;
		if (keys == 1)
			diff = run_two(bench_lim_run, &c, 0, 1, 1, n);
		else
			diff = run_two(bench_lim_run, &c, 0, keys / 2, keys / 2, n);
	}
	printf("%s: %lu decisions on %u key%s (%s): 1 thread %.1f ns; 2 threads, same keys "
	       "%.1f ns, different keys %.1f ns (each)\n",
	       bench_name, (unsigned long)n, keys, keys == 1 ? "" : "s",
	       action == SL_LIMIT_DELAY ? "delay" : "reject", ns1, same, diff);
	report("decision", n, ns1, same, diff);
	{
		struct sl_limit_stats s;

		sl_limit_stats(c.l, &s);
		printf("%s: table of %lu: %lu decisions, %lu allowed, %lu rejected, %lu new keys, "
		       "%lu races, %lu overflow, %lu bytes\n",
		       bench_name, (unsigned long)s.capacity, (unsigned long)s.decisions,
		       (unsigned long)s.allowed, (unsigned long)s.rejected,
		       (unsigned long)s.new_keys, (unsigned long)s.races, (unsigned long)s.overflow,
		       (unsigned long)s.memory_bytes);
	}
	sl_limit_destroy(c.l);
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n count] [-k keys] [-a reject|delay] decide\n", prog);
	exit(2);
}

int
main(int argc, char **argv)
{
	/* clang-format off */
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry",
			"-l", "0", "--log-level=*:error", "-m", "256", NULL };
	/* clang-format on */
	enum sl_limit_action action = SL_LIMIT_REJECT;
	uint32_t keys = 1024;
	uint64_t n = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:k:a:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			keys = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'a':
			if (strcmp(optarg, "delay") == 0)
				action = SL_LIMIT_DELAY;
			else if (strcmp(optarg, "reject") != 0)
				usage(argv[0]);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc - 1 || strcmp(argv[optind], "decide") != 0 || keys == 0 ||
	    keys > 4096 || (keys > 1 && keys % 2 != 0))
		usage(argv[0]);
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	/* Like a worker: an online urcu-qsbr reader. */
	rcu_register_thread();
	bench_decide(keys, action, n ? n : 2000000);
	rcu_unregister_thread();
	rte_eal_cleanup();
	return 0;
}
