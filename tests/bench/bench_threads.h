/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 1-thread / 2-thread harness of bench_lb.c and bench_limit.c (included
 * by them, static functions only). The includer includes, before this file,
 * <pthread.h>, <sched.h>, <unistd.h>, rte_cycles.h, rte_lcore.h,
 * rte_pause.h, urcu-qsbr.h and valgrind/callgrind.h (or its stand-ins).
 *
 * run_one() measures on the calling (main) lcore, bracketed for callgrind
 * (the dump is named bench_name); run_two() runs the same loop on two
 * threads at once, each pinned to its own CPU, registered as an lcore (the
 * libraries keep per-lcore counters) and as an online urcu-qsbr reader like
 * a worker, and returns the mean of their ns per operation. report() prints
 * the RESULT line callgrind.sh and run.sh read.
 */
#ifndef BENCH_THREADS_H
#define BENCH_THREADS_H

static char bench_name[64]; /* the benchmark, its CALLGRIND_DUMP_STATS_AT name */

/* ------------------------------------------------------------ two threads */

/*
 * One measured loop: run(ctx, first, span, n, errs) does n operations on
 * keys first, first + 1, ... first + span - 1, first, ... (picks: first names
 * the thread, span is unused) and counts wrong results in *errs.
 */
typedef void run_fn(void *ctx, uint64_t first, uint64_t span, uint64_t n, uint64_t *errs);

struct thr {
	pthread_t th;
	run_fn *run;
	void *ctx;
	uint64_t first, span, n;
	unsigned int cpu;
	double ns;
	uint64_t errs;
	bool lcore;
};

static unsigned int thr_go;

static void
pin(pthread_t th, unsigned int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (unsigned int)(n > 0 ? n : 1), &set);
	pthread_setaffinity_np(th, sizeof(set), &set);
}

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	uint64_t t0;

	t->lcore = rte_thread_register() == 0;
	rcu_register_thread();
	__atomic_fetch_add(&thr_go, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&thr_go, __ATOMIC_ACQUIRE) < 2)
		rte_pause();
	t0 = rte_rdtsc();
	t->run(t->ctx, t->first, t->span, t->n, &t->errs);
	t->ns = (double)(rte_rdtsc() - t0) * 1e9 / (double)rte_get_tsc_hz() / (double)t->n;
	rcu_unregister_thread();
	if (t->lcore)
		rte_thread_unregister();
	return NULL;
}

/* Two threads at once; the mean of their ns per operation. The caller is offline. */
static double
run_two(run_fn *run, void *ctx, uint64_t first0, uint64_t first1, uint64_t span, uint64_t n)
{
	struct thr t[2] = {
		{ .run = run, .ctx = ctx, .first = first0, .span = span, .n = n, .cpu = 0 },
		{ .run = run, .ctx = ctx, .first = first1, .span = span, .n = n, .cpu = 1 },
	};

	thr_go = 0;
	rcu_thread_offline();
	for (int i = 0; i < 2; i++) {
		if (pthread_create(&t[i].th, NULL, thr_main, &t[i]) != 0) {
			fprintf(stderr, "bench: pthread_create failed\n");
			exit(1);
		}
		pin(t[i].th, t[i].cpu);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i].th, NULL);
	rcu_thread_online();
	for (int i = 0; i < 2; i++)
		if (t[i].errs != 0 || !t[i].lcore) {
			fprintf(stderr, "bench: thread %d: %lu wrong results%s\n", i,
				(unsigned long)t[i].errs, t[i].lcore ? "" : ", no lcore id");
			exit(1);
		}
	return (t[0].ns + t[1].ns) / 2;
}

/* The 1-thread measurement, on this (main) lcore: counted under callgrind. */
static double
run_one(run_fn *run, void *ctx, uint64_t span, uint64_t n)
{
	uint64_t errs = 0, t0, t1;

	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_ZERO_STATS;
	t0 = rte_rdtsc();
	run(ctx, 0, span, n, &errs);
	t1 = rte_rdtsc();
	CALLGRIND_DUMP_STATS_AT(bench_name);
	CALLGRIND_STOP_INSTRUMENTATION;
	if (errs != 0) {
		fprintf(stderr, "bench: %lu wrong results\n", (unsigned long)errs);
		exit(1);
	}
	return (double)(t1 - t0) * 1e9 / (double)rte_get_tsc_hz() / (double)n;
}

static void
report(const char *unit, uint64_t units, double ns1, double same, double diff)
{
	printf("RESULT %s units=%lu unit=%s ns_loop=%.1f ns_stack=%.1f", bench_name,
	       (unsigned long)units, unit, ns1, ns1);
	if (same >= 0)
		printf(" ns_2t_same=%.1f", same);
	if (diff >= 0)
		printf(" ns_2t_diff=%.1f", diff);
	printf("\n");
}

#endif /* BENCH_THREADS_H */
