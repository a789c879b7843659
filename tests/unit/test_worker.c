/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering between workers (lib/worker/steer.c): the owner of a
 * packet is sl_rss's, and the rings keep every flow's order from a given
 * receiving worker, lose nothing while they have room, and count what they
 * refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "sl_worker.h"

#define N_WORKERS 3
#define N_FLOWS 50

static struct rte_mempool *pool;

static int
group_setup(void **state)
{
	char *argv[] = { "test_worker", "--no-huge", "--no-pci", "--no-shconf", "-l", "0",
			 "-m", "128", "--log-level=*:error", NULL };

	(void)state;
	if (rte_eal_init(9, argv) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("t_worker", 16383, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

struct fixture {
	struct sl_net net;
	struct sl_rss *rss;
	struct sl_steer *st;
	struct sl_worker w[N_WORKERS];
};

static struct fixture *
fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const struct sl_rss *rss[1];

	assert_non_null(f);
	f->net.n_ifaces = 1;
	f->net.ifaces[0].port_id = 0;
	f->rss = sl_rss_create(sl_rss_default_key, 40, RTE_ETH_RSS_NONFRAG_IPV4_TCP, NULL, 0,
			       N_WORKERS, SOCKET_ID_ANY);
	assert_non_null(f->rss);
	rss[0] = f->rss;
	f->st = sl_steer_create(N_WORKERS, &f->net, rss, SOCKET_ID_ANY);
	assert_non_null(f->st);
	for (unsigned int i = 0; i < N_WORKERS; i++) {
		f->w[i].id = i;
		f->w[i].steer = f->st;
		f->w[i].sbuf = calloc(N_WORKERS * SL_BURST, sizeof(*f->w[i].sbuf));
		f->w[i].sbuf_n = calloc(N_WORKERS, sizeof(*f->w[i].sbuf_n));
		assert_non_null(f->w[i].sbuf);
		assert_non_null(f->w[i].sbuf_n);
	}
	return f;
}

static void
fixture_free(struct fixture *f)
{
	for (unsigned int i = 0; i < N_WORKERS; i++) {
		free(f->w[i].sbuf);
		free(f->w[i].sbuf_n);
	}
	sl_steer_destroy(f->st);
	sl_rss_free(f->rss);
	free(f);
}

/* A tagged packet: (source worker, flow, sequence) in its data. */
static struct rte_mbuf *
tagged(uint32_t src, uint32_t flow, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t *d;

	assert_non_null(m);
	d = (uint32_t *)rte_pktmbuf_append(m, 3 * sizeof(uint32_t));
	assert_non_null(d);
	d[0] = src;
	d[1] = flow;
	d[2] = seq;
	return m;
}

/*
 * Workers 0 and 2 hand packets of 50 flows to worker 1 in random bursts with
 * random flush and pull points: worker 1 must see every packet exactly once
 * and each (source, flow) in sending order.
 */
static void
test_steer_order(void **state)
{
	static uint32_t sent[N_WORKERS][N_FLOWS], seen[N_WORKERS][N_FLOWS];
	struct fixture *f = fixture_new();
	unsigned int avail = rte_mempool_avail_count(pool);
	uint64_t total_sent = 0, total_seen = 0;
	struct rte_mbuf *pkts[SL_BURST];

	(void)state;
	memset(sent, 0, sizeof(sent));
	memset(seen, 0, sizeof(seen));
	for (int round = 0; round < 200000; round++) {
		uint32_t act = rnd(100);

		if (act < 70) {
			uint32_t src = rnd(2) == 0 ? 0 : 2, flow = rnd(N_FLOWS);

			sl_steer_push(&f->w[src], 1, tagged(src, flow, sent[src][flow]++));
			total_sent++;
		} else if (act < 80) {
			sl_steer_flush(&f->w[rnd(2) == 0 ? 0 : 2]);
		} else {
			unsigned int n = sl_steer_pull(&f->w[1], pkts, 1 + rnd(SL_BURST));

			for (unsigned int i = 0; i < n; i++) {
				const uint32_t *d = rte_pktmbuf_mtod(pkts[i], const uint32_t *);

				assert_true(d[0] == 0 || d[0] == 2);
				assert_int_equal(d[2], seen[d[0]][d[1]]);
				seen[d[0]][d[1]]++;
				rte_pktmbuf_free(pkts[i]);
			}
			total_seen += n;
		}
	}
	sl_steer_flush(&f->w[0]);
	sl_steer_flush(&f->w[2]);
	for (unsigned int n; (n = sl_steer_pull(&f->w[1], pkts, SL_BURST)) != 0;) {
		for (unsigned int i = 0; i < n; i++) {
			const uint32_t *d = rte_pktmbuf_mtod(pkts[i], const uint32_t *);

			assert_int_equal(d[2], seen[d[0]][d[1]]);
			seen[d[0]][d[1]]++;
			rte_pktmbuf_free(pkts[i]);
		}
		total_seen += n;
	}
	assert_int_equal(total_seen, total_sent);
	assert_memory_equal(sent, seen, sizeof(sent));
	assert_int_equal(f->w[0].stats.steered_out + f->w[2].stats.steered_out, total_sent);
	assert_int_equal(f->w[1].stats.steered_in, total_sent);
	assert_int_equal(f->w[0].stats.steer_drop + f->w[2].stats.steer_drop, 0);
	/* Nothing crosses to a worker that was not named. */
	assert_int_equal(f->w[0].stats.steered_in + f->w[2].stats.steered_in, 0);
	assert_int_equal(rte_mempool_avail_count(pool), avail);
	fixture_free(f);
}

/* A full ring refuses, and the refused packets are freed and counted. */
static void
test_steer_ring_full(void **state)
{
	struct fixture *f = fixture_new();
	unsigned int avail = rte_mempool_avail_count(pool), n, got = 0;
	struct rte_mbuf *pkts[SL_BURST];
	const unsigned int pushed = 5000;	/* the ring holds 4095 */

	(void)state;
	for (unsigned int i = 0; i < pushed; i++)
		sl_steer_push(&f->w[0], 2, tagged(0, 0, i));
	sl_steer_flush(&f->w[0]);
	assert_int_equal(f->w[0].stats.steered_out + f->w[0].stats.steer_drop, pushed);
	assert_int_equal(f->w[0].stats.steered_out, 4095);
	assert_int_equal(f->w[0].net.stats.drop[SL_DROP_RING_FULL], pushed - 4095);
	while ((n = sl_steer_pull(&f->w[2], pkts, SL_BURST)) != 0) {
		for (unsigned int i = 0; i < n; i++) {
			/* The first 4095 went through, in order. */
			assert_int_equal(rte_pktmbuf_mtod(pkts[i], const uint32_t *)[2], got + i);
			rte_pktmbuf_free(pkts[i]);
		}
		got += n;
	}
	assert_int_equal(got, 4095);
	assert_int_equal(rte_mempool_avail_count(pool), avail);
	fixture_free(f);
}

/* The owner of a validated TCP packet is sl_rss_owner() of its tuple. */
static void
test_steer_owner(void **state)
{
	struct fixture *f = fixture_new();
	unsigned int counts[N_WORKERS] = { 0 };

	(void)state;
	for (int i = 0; i < 10000; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		struct rte_ipv4_hdr *ip;
		struct rte_tcp_hdr *th;
		char *p;
		unsigned int owner;

		assert_non_null(m);
		p = rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN + sizeof(*ip) + sizeof(*th));
		assert_non_null(p);
		memset(p, 0, m->data_len);
		ip = (struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);
		th = (struct rte_tcp_hdr *)(ip + 1);
		ip->src_addr = rte_cpu_to_be_32(0x0a000000u | rnd(1u << 24));
		ip->dst_addr = rte_cpu_to_be_32(0x0a4d0101u);
		th->src_port = rte_cpu_to_be_16((uint16_t)(1024 + rnd(60000)));
		th->dst_port = rte_cpu_to_be_16(80);
		m->l2_len = RTE_ETHER_HDR_LEN;
		m->l3_len = sizeof(*ip);
		owner = sl_steer_owner(f->st, 0, m);
		assert_int_equal(owner, sl_rss_owner(f->rss, ip->src_addr, ip->dst_addr,
						     rte_be_to_cpu_16(th->src_port), 80));
		assert_true(owner < N_WORKERS);
		counts[owner]++;
		/* Too short to carry ports: no owner, TCP drops it wherever it is. */
		m->data_len = RTE_ETHER_HDR_LEN + sizeof(*ip) + 2;
		assert_int_equal(sl_steer_owner(f->st, 0, m), UINT32_MAX);
		rte_pktmbuf_free(m);
	}
	/* A uniform RETA spreads random clients over every worker. */
	for (unsigned int w = 0; w < N_WORKERS; w++)
		assert_true(counts[w] > 10000 / N_WORKERS / 2);
	fixture_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steer_order),
		cmocka_unit_test(test_steer_ring_full),
		cmocka_unit_test(test_steer_owner),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
