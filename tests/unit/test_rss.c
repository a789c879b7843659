/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/rss unit tests. Every hash is checked against DPDK's own software
 * Toeplitz (rte_softrss, rte_softrss_be with the converted key) and the
 * RETA lookup done the plain way (reta[hash % reta_size]); the known answers
 * are the Microsoft RSS verification suite's IPv4 vectors. Devices: net_null
 * and net_ring vdevs (no root, no hugepages) for the read-back, and
 * synthetic read-backs for the devices this VM does not have.
 * All random input comes from a fixed-seed generator: runs are reproducible.
 * test_bench prints the per-call figures quoted in docs/rss.md (not asserted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>
#include <rte_thash.h>

#include "rss_priv.h"
#include "sl_rss.h"
#include "ut_heap.h"

#define IP(a, b, c, d) RTE_BE32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (c) << 8 | (d))
#define HF_4T	       (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP)
#define EPH_LO	       32768
#define EPH_HI	       60999 /* 28232 ports, Linux's ip_local_port_range */

#define POOL_SIZE 1023

static struct rte_mempool *pool;
static bool eal_up;
static size_t heap_mark;


/* Per test: everything allocated is freed, every mbuf is back in the pool. */
static int
mark_heap(void **state)
{
	(void)state;
	heap_mark = ut_heap_used();
	return 0;
}

static int
check_heap(void **state)
{
	(void)state;
	assert_int_equal(ut_heap_used(), heap_mark);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
	return 0;
}

/* ------------------------------------------------------------ helpers */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* splitmix64: fixed seed, reproducible. */
static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* DPDK's reference: rte_softrss() over an rte_ipv4_tuple (CPU order). */
static uint32_t
ref_hash(const uint8_t *key, unsigned int tuple_len, uint32_t sip, uint32_t dip, uint16_t sp,
	 uint16_t dp)
{
	struct rte_ipv4_tuple t;

	t.src_addr = rte_be_to_cpu_32(sip);
	t.dst_addr = rte_be_to_cpu_32(dip);
	t.sport = sp;
	t.dport = dp;
	return rte_softrss((uint32_t *)&t,
			   tuple_len == 12 ? RTE_THASH_V4_L4_LEN : RTE_THASH_V4_L3_LEN, key);
}

/* The same with rte_softrss_be() and the converted key kept in struct sl_rss. */
static uint32_t
ref_hash_be(const struct sl_rss *rss, uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp)
{
	struct rte_ipv4_tuple t;

	t.src_addr = rte_be_to_cpu_32(sip);
	t.dst_addr = rte_be_to_cpu_32(dip);
	t.sport = sp;
	t.dport = dp;
	return rte_softrss_be((uint32_t *)&t,
			      rss->tuple_len == 12 ? RTE_THASH_V4_L4_LEN : RTE_THASH_V4_L3_LEN,
			      (const uint8_t *)rss->key_be);
}

/* The owner the plain way: RETA entry at hash modulo the RETA size. */
static uint16_t
ref_owner(const struct sl_rss *rss, uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp)
{
	return rss->reta[ref_hash(rss->key, rss->tuple_len, sip, dip, sp, dp) % rss->reta_size];
}

/* A RETA with every queue present, shuffled (arbitrary, not i % n). */
static void
random_reta(uint16_t *reta, unsigned int size, unsigned int n)
{
	for (unsigned int i = 0; i < size; i++)
		reta[i] = (uint16_t)(i % n);
	for (unsigned int i = size - 1; i > 0; i--) {
		unsigned int j = (unsigned int)(rnd() % (i + 1));
		uint16_t t = reta[i];

		reta[i] = reta[j];
		reta[j] = t;
	}
}

/* ------------------------------------------------------------ known answers */

/*
 * Microsoft, "Verifying the RSS Hash Calculation": the default key, IPv4
 * and IPv4+TCP hashes of five flows (input: source address, destination
 * address, source port, destination port).
 */
static const struct {
	uint32_t dst, src;
	uint16_t dport, sport;
	uint32_t h_ipv4, h_tcp;
} kat[] = {
	{ IP(161, 142, 100, 80), IP(66, 9, 149, 187), 1766, 2794, 0x323e8fc2, 0x51ccc178 },
	{ IP(65, 69, 140, 83), IP(199, 92, 111, 2), 4739, 14230, 0xd718262a, 0xc626b0ea },
	{ IP(12, 22, 207, 184), IP(24, 19, 198, 95), 38024, 12898, 0xd2d0a5de, 0x5c2b394a },
	{ IP(209, 142, 163, 6), IP(38, 27, 205, 30), 2217, 48228, 0x82989176, 0xafc7327f },
	{ IP(202, 188, 127, 2), IP(153, 39, 163, 191), 1303, 44251, 0x5d1809c5, 0x10e828a2 },
};

static void
test_known_answers(void **state)
{
	struct sl_rss *tcp, *ip;

	(void)state;
	tcp = sl_rss_create(NULL, 0, HF_4T, NULL, 128, 4, SOCKET_ID_ANY);
	ip = sl_rss_create(sl_rss_default_key, 40, RTE_ETH_RSS_IPV4, NULL, 128, 4, SOCKET_ID_ANY);
	assert_non_null(tcp);
	assert_non_null(ip);
	/* The heap check of every test sees these allocations. */
	assert_true(ut_heap_used() >= heap_mark + 2 * sizeof(*tcp));
	assert_int_equal(tcp->tuple_len, 12);
	assert_int_equal(ip->tuple_len, 8);
	for (unsigned int i = 0; i < RTE_DIM(kat); i++) {
		assert_int_equal(sl_rss_hash(tcp, kat[i].src, kat[i].dst, kat[i].sport,
					     kat[i].dport),
				 kat[i].h_tcp);
		assert_int_equal(sl_rss_hash(ip, kat[i].src, kat[i].dst, kat[i].sport,
					     kat[i].dport),
				 kat[i].h_ipv4);
		/* The reference agrees, and the 2-tuple ignores the ports. */
		assert_int_equal(ref_hash(sl_rss_default_key, 12, kat[i].src, kat[i].dst,
					  kat[i].sport, kat[i].dport),
				 kat[i].h_tcp);
		assert_int_equal(ref_hash_be(ip, kat[i].src, kat[i].dst, 0, 0), kat[i].h_ipv4);
		assert_int_equal(sl_rss_hash(ip, kat[i].src, kat[i].dst, 1, 2), kat[i].h_ipv4);
		assert_int_equal(sl_rss_owner(tcp, kat[i].src, kat[i].dst, kat[i].sport,
					      kat[i].dport),
				 (kat[i].h_tcp & 127) % 4);
	}
	sl_rss_free(tcp);
	sl_rss_free(ip);
}

/* ------------------------------------------------------------ owner == rte_softrss */

#define OWNER_TUPLES 100000

static void
check_owner(const uint8_t *key, uint8_t key_len, uint64_t hf, uint16_t reta_size, uint16_t n_queues,
	    bool shuffled)
{
	uint16_t reta[SL_RSS_RETA_MAX];
	struct sl_rss *rss;

	if (shuffled)
		random_reta(reta, reta_size, n_queues);
	rss = sl_rss_create(key, key_len, hf, shuffled ? reta : NULL, reta_size, n_queues,
			    SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_int_equal(rss->reta_size, reta_size);
	for (unsigned int i = 0; i < reta_size; i++)
		assert_int_equal(rss->reta[i], shuffled ? reta[i] : i % n_queues);
	for (unsigned int i = 0; i < OWNER_TUPLES; i++) {
		uint64_t r = rnd();
		uint32_t sip = (uint32_t)r, dip = (uint32_t)(r >> 32);
		uint16_t sp = (uint16_t)rnd(), dp = (uint16_t)rnd();
		uint32_t h = sl_rss_hash(rss, sip, dip, sp, dp);

		if (h != ref_hash(key, rss->tuple_len, sip, dip, sp, dp) ||
		    h != ref_hash_be(rss, sip, dip, sp, dp) ||
		    sl_rss_owner(rss, sip, dip, sp, dp) != ref_owner(rss, sip, dip, sp, dp))
			fail_msg("key_len %u hf 0x%" PRIx64 " reta %u queues %u: tuple %08x %08x "
				 "%u %u: hash %08x, rte_softrss %08x",
				 key_len, hf, reta_size, n_queues, sip, dip, sp, dp, h,
				 ref_hash(key, rss->tuple_len, sip, dip, sp, dp));
	}
	sl_rss_free(rss);
}

static void
test_owner_matches_softrss(void **state)
{
	static const uint16_t sizes[] = { 64, 128, 512 };
	static const uint16_t queues[] = { 1, 2, 3, 4, 8 };
	static const uint64_t hfs[] = { HF_4T, RTE_ETH_RSS_IPV4 };
	/* rte_softrss() reads the key as 32-bit words. */
	uint8_t k40[40] __rte_aligned(4), k52[52] __rte_aligned(4);
	const uint8_t *keys[] = { sl_rss_default_key, k40, k52 };
	const uint8_t key_lens[] = { 40, 40, 52 };
	unsigned int configs = 0;

	(void)state;
	rnd_bytes(k40, sizeof(k40));
	rnd_bytes(k52, sizeof(k52));
	for (unsigned int k = 0; k < RTE_DIM(keys); k++)
		for (unsigned int s = 0; s < RTE_DIM(sizes); s++)
			for (unsigned int q = 0; q < RTE_DIM(queues); q++)
				for (unsigned int f = 0; f < RTE_DIM(hfs); f++) {
					/* Uniform RETA for the default key, shuffled otherwise. */
					check_owner(keys[k], key_lens[k], hfs[f], sizes[s],
						    queues[q], k != 0);
					configs++;
				}
	/* TCP alone is the 4-tuple too; odd RETA sizes of a power of two. */
	check_owner(k52, 52, RTE_ETH_RSS_NONFRAG_IPV4_TCP, 256, 5, true);
	check_owner(k40, 40, HF_4T | RTE_ETH_RSS_NONFRAG_IPV4_UDP, 2048, 7, true);
	check_owner(k40, 40, HF_4T, 1, 1, false);
	print_message("owner == rte_softrss + RETA: %u configurations x %u tuples\n", configs + 3,
		      OWNER_TUPLES);
}

static void
test_create_invalid(void **state)
{
	uint16_t reta[128];
	uint8_t key[56] = { 0 };

	(void)state;
#define REFUSED(call)                                \
	do {                                         \
		rte_errno = 0;                       \
		assert_null(call);                   \
		assert_int_equal(rte_errno, EINVAL); \
	} while (0)
	REFUSED(sl_rss_create(key, 0, HF_4T, NULL, 128, 2, SOCKET_ID_ANY));
	REFUSED(sl_rss_create(key, 39, HF_4T, NULL, 128, 2, SOCKET_ID_ANY));
	REFUSED(sl_rss_create(key, 12, HF_4T, NULL, 128, 2, SOCKET_ID_ANY));
	REFUSED(sl_rss_create(key, 56, HF_4T, NULL, 128, 2, SOCKET_ID_ANY));
	REFUSED(sl_rss_create(key, 40, 0, NULL, 128, 2, SOCKET_ID_ANY));
	REFUSED(sl_rss_create(key, 40, RTE_ETH_RSS_NONFRAG_IPV4_UDP, NULL, 128, 2, SOCKET_ID_ANY));
	REFUSED(sl_rss_create(key, 40, HF_4T | RTE_ETH_RSS_L3_SRC_ONLY, NULL, 128, 2,
			      SOCKET_ID_ANY));
	REFUSED(sl_rss_create(key, 40, HF_4T | RTE_ETH_RSS_L4_CHKSUM, NULL, 128, 2, SOCKET_ID_ANY));
	REFUSED(sl_rss_create(key, 40, HF_4T, NULL, 100, 2, SOCKET_ID_ANY));
	REFUSED(sl_rss_create(key, 40, HF_4T, NULL, 4096, 2, SOCKET_ID_ANY));
	REFUSED(sl_rss_create(key, 40, HF_4T, NULL, 128, 0, SOCKET_ID_ANY));
	REFUSED(sl_rss_create(key, 40, HF_4T, NULL, 128, RTE_MAX_QUEUES_PER_PORT + 1,
			      SOCKET_ID_ANY));
	random_reta(reta, 128, 4);
	reta[77] = 4;
	REFUSED(sl_rss_create(key, 40, HF_4T, reta, 128, 4, SOCKET_ID_ANY));
	sl_rss_free(NULL);
}

static void
test_same_describe(void **state)
{
	uint16_t reta[128];
	uint8_t key[40] __rte_aligned(4);
	struct sl_rss *a, *b, *c, *d;
	char line[256];

	(void)state;
	rnd_bytes(key, sizeof(key));
	random_reta(reta, 128, 3);
	a = sl_rss_create(key, 40, HF_4T, reta, 128, 3, SOCKET_ID_ANY);
	b = sl_rss_create(key, 40, RTE_ETH_RSS_NONFRAG_IPV4_TCP, reta, 128, 3, SOCKET_ID_ANY);
	c = sl_rss_create(key, 40, HF_4T, NULL, 128, 3, SOCKET_ID_ANY);
	d = sl_rss_create(key, 40, RTE_ETH_RSS_IPV4, reta, 128, 3, SOCKET_ID_ANY);
	assert_true(sl_rss_same(a, b));
	assert_false(sl_rss_same(a, c));
	assert_false(sl_rss_same(a, d));
	assert_int_equal(sl_rss_queue_entries(a, 0) + sl_rss_queue_entries(a, 1) +
				 sl_rss_queue_entries(a, 2),
			 128);
	assert_int_equal(sl_rss_queue_entries(c, 0), 43);
	assert_int_equal(sl_rss_queue_entries(c, 3), 0);
	assert_true(sl_rss_describe(a, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "hardware RSS (explicit): 4-tuple, key 40 bytes"));
	assert_non_null(strstr(line, "RETA 128 over 3 queues"));
	sl_rss_describe(d, line, sizeof(line));
	assert_non_null(strstr(line, "2-tuple"));
	sl_rss_free(a);
	sl_rss_free(b);
	sl_rss_free(c);
	sl_rss_free(d);
}

/* ------------------------------------------------------------ port picking */

#define PICK_BACKENDS 10000

static void
check_picks(uint16_t n, uint16_t reta_size, bool shuffled, const uint8_t *key, uint8_t key_len)
{
	struct sl_rss_ports *ports[8];
	uint16_t reta[SL_RSS_RETA_MAX];
	struct sl_rss *rss;
	uint32_t laddr = IP(10, 0, 1, 1);

	if (shuffled)
		random_reta(reta, reta_size, n);
	rss = sl_rss_create(key, key_len, HF_4T, shuffled ? reta : NULL, reta_size, n,
			    SOCKET_ID_ANY);
	assert_non_null(rss);
	for (uint16_t q = 0; q < n; q++) {
		ports[q] = sl_rss_ports_create(rss, q, EPH_LO, EPH_HI, SOCKET_ID_ANY);
		assert_non_null(ports[q]);
	}
	for (unsigned int i = 0; i < PICK_BACKENDS; i++) {
		uint32_t raddr = (uint32_t)rnd();
		uint16_t rport = (uint16_t)rnd();

		if (i % 16 == 0)
			laddr = (uint32_t)rnd(); /* several local addresses too */
		for (uint16_t q = 0; q < n; q++) {
			int p = sl_rss_pick_port(ports[q], laddr, raddr, rport);

			if (p < EPH_LO || p > EPH_HI)
				fail_msg("n %u reta %u worker %u backend %08x:%u: port %d", n,
					 reta_size, q, raddr, rport, p);
			/* The reply (backend -> us) lands on the worker that asked. */
			if (sl_rss_owner(rss, raddr, laddr, rport, (uint16_t)p) != q ||
			    ref_owner(rss, raddr, laddr, rport, (uint16_t)p) != q)
				fail_msg("n %u reta %u worker %u: reply to port %d lands on %u", n,
					 reta_size, q, p,
					 ref_owner(rss, raddr, laddr, rport, (uint16_t)p));
		}
	}
	for (uint16_t q = 0; q < n; q++)
		sl_rss_ports_free(ports[q]);
	sl_rss_free(rss);
}

static void
test_pick_lands_on_worker(void **state)
{
	static const uint16_t queues[] = { 2, 3, 4, 8 };
	uint8_t k52[52] __rte_aligned(4);

	(void)state;
	rnd_bytes(k52, sizeof(k52));
	for (unsigned int i = 0; i < RTE_DIM(queues); i++) {
		check_picks(queues[i], 128, false, sl_rss_default_key, 40);
		check_picks(queues[i], 512, true, k52, 52);
		check_picks(queues[i], 64, true, sl_rss_default_key, 40);
	}
	print_message("picks: %zu configurations x every worker x %u backends\n",
		      3 * RTE_DIM(queues), PICK_BACKENDS);
}

static void
test_pick_distinct(void **state)
{
	static uint8_t seen[65536];
	struct sl_rss_ports *pp[8];
	uint16_t reta[512];
	struct sl_rss *rss;
	uint32_t laddr = IP(10, 0, 1, 1), raddr = IP(10, 0, 2, 7);
	unsigned int distinct = 0;

	(void)state;
	/* 1000 picks for one backend, 2 queues, 28k ports: 1000 distinct ports. */
	rss = sl_rss_create(NULL, 0, HF_4T, NULL, 128, 2, SOCKET_ID_ANY);
	assert_non_null(rss);
	for (uint16_t q = 0; q < 2; q++) {
		pp[q] = sl_rss_ports_create(rss, q, EPH_LO, EPH_HI, SOCKET_ID_ANY);
		assert_non_null(pp[q]);
		memset(seen, 0, sizeof(seen));
		distinct = 0;
		for (unsigned int i = 0; i < 1000; i++) {
			int p = sl_rss_pick_port(pp[q], laddr, raddr, 8080);

			assert_in_range(p, EPH_LO, EPH_HI);
			distinct += !seen[p];
			seen[p] = 1;
		}
		assert_int_equal(distinct, 1000);
		sl_rss_ports_free(pp[q]);
	}
	sl_rss_free(rss);

	/*
	 * The TCP stack asks up to 64 times per connect: 64 consecutive picks for
	 * one backend are distinct, with 8 queues and a shuffled RETA, while
	 * picks for other backends interleave.
	 */
	random_reta(reta, 512, 8);
	rss = sl_rss_create(NULL, 0, HF_4T, reta, 512, 8, SOCKET_ID_ANY);
	assert_non_null(rss);
	for (uint16_t q = 0; q < 8; q++) {
		pp[q] = sl_rss_ports_create(rss, q, EPH_LO, EPH_HI, SOCKET_ID_ANY);
		assert_non_null(pp[q]);
	}
	for (unsigned int b = 0; b < 200; b++) {
		uint32_t ra = (uint32_t)rnd();
		uint16_t rp = (uint16_t)rnd();

		for (uint16_t q = 0; q < 8; q++) {
			memset(seen, 0, sizeof(seen));
			for (unsigned int i = 0; i < 64; i++) {
				int p = sl_rss_pick_port(pp[q], laddr, ra, rp);

				assert_in_range(p, EPH_LO, EPH_HI);
				assert_int_equal(seen[p], 0);
				seen[p] = 1;
				/* Someone else connects in between. */
				assert_true(sl_rss_pick_port(pp[q], laddr, (uint32_t)rnd(),
							     (uint16_t)rnd()) > 0);
			}
		}
	}
	for (uint16_t q = 0; q < 8; q++)
		sl_rss_ports_free(pp[q]);
	sl_rss_free(rss);
}

/*
 * For one backend, the workers' candidate sets partition the range: every
 * port is returned by exactly the worker that owns its reply tuple, and each
 * worker cycles through all of its candidates before repeating one.
 */
static void
test_pick_partition(void **state)
{
	static const uint16_t queues[] = { 2, 3, 4, 8 };
	static uint8_t who[65536];
	const uint16_t lo = 1000, hi = 2999;
	uint32_t laddr = IP(192, 168, 0, 1);

	(void)state;
	for (unsigned int qi = 0; qi < RTE_DIM(queues); qi++) {
		uint16_t n = queues[qi], reta[128];
		struct sl_rss_ports *pp[8];
		struct sl_rss *rss;

		random_reta(reta, 128, n);
		rss = sl_rss_create(NULL, 0, HF_4T, reta, 128, n, SOCKET_ID_ANY);
		assert_non_null(rss);
		for (uint16_t q = 0; q < n; q++)
			pp[q] = sl_rss_ports_create(rss, q, lo, hi, SOCKET_ID_ANY);
		for (unsigned int b = 0; b < 20; b++) {
			uint32_t raddr = (uint32_t)rnd();
			uint16_t rport = (uint16_t)rnd();
			unsigned int total = 0;

			memset(who, 0xff, sizeof(who));
			for (uint16_t q = 0; q < n; q++) {
				unsigned int expect = 0, got = 0;

				for (uint32_t p = lo; p <= hi; p++)
					expect += ref_owner(rss, raddr, laddr, rport,
							    (uint16_t)p) == q;
				for (unsigned int i = 0; i < expect; i++) {
					int p = sl_rss_pick_port(pp[q], laddr, raddr, rport);

					assert_in_range(p, lo, hi);
					/* Never another worker's, never twice in a cycle. */
					assert_int_equal(who[p], 0xff);
					who[p] = (uint8_t)q;
					got++;
				}
				assert_int_equal(got, expect);
				total += got;
			}
			assert_int_equal(total, hi - lo + 1);
		}
		for (uint16_t q = 0; q < n; q++)
			sl_rss_ports_free(pp[q]);
		sl_rss_free(rss);
	}
}

/* Tiny ranges, the edges of the port space, a queue absent from the RETA. */
static void
test_pick_edges(void **state)
{
	struct sl_rss_ports *pp[4];
	uint16_t reta[64];
	struct sl_rss *rss;
	uint32_t laddr = IP(10, 0, 0, 1);

	(void)state;
	rss = sl_rss_create(NULL, 0, HF_4T, NULL, 128, 4, SOCKET_ID_ANY);
	assert_non_null(rss);
	/* One port: exactly one worker may use it for a given backend. */
	for (uint16_t q = 0; q < 4; q++)
		pp[q] = sl_rss_ports_create(rss, q, 65535, 65535, SOCKET_ID_ANY);
	for (unsigned int b = 0; b < 1000; b++) {
		uint32_t raddr = (uint32_t)rnd();
		uint16_t rport = (uint16_t)rnd();
		unsigned int hits = 0;

		for (uint16_t q = 0; q < 4; q++) {
			int p = sl_rss_pick_port(pp[q], laddr, raddr, rport);

			if (p != -1) {
				assert_int_equal(p, 65535);
				assert_int_equal(ref_owner(rss, raddr, laddr, rport, 65535), q);
				hits++;
			} else {
				assert_int_not_equal(ref_owner(rss, raddr, laddr, rport, 65535), q);
			}
		}
		assert_int_equal(hits, 1);
	}
	for (uint16_t q = 0; q < 4; q++)
		sl_rss_ports_free(pp[q]);
	/* The whole port space is fine. */
	pp[0] = sl_rss_ports_create(rss, 3, 1, 65535, SOCKET_ID_ANY);
	assert_non_null(pp[0]);
	for (unsigned int b = 0; b < 1000; b++) {
		uint32_t raddr = (uint32_t)rnd();
		uint16_t rport = (uint16_t)rnd();
		int p = sl_rss_pick_port(pp[0], laddr, raddr, rport);

		assert_in_range(p, 1, 65535);
		assert_int_equal(ref_owner(rss, raddr, laddr, rport, (uint16_t)p), 3);
	}
	sl_rss_ports_free(pp[0]);

	rte_errno = 0;
	assert_null(sl_rss_ports_create(rss, 4, 1000, 2000, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(sl_rss_ports_create(rss, 0, 0, 2000, SOCKET_ID_ANY));
	assert_null(sl_rss_ports_create(rss, 0, 2001, 2000, SOCKET_ID_ANY));
	assert_null(sl_rss_ports_create(NULL, 0, 1000, 2000, SOCKET_ID_ANY));
	sl_rss_ports_free(NULL);
	sl_rss_free(rss);

	/* A queue the RETA never names (ixgbe: 16 queues at most) gets nothing. */
	for (unsigned int i = 0; i < 64; i++)
		reta[i] = (uint16_t)(i % 3);
	rss = sl_rss_create(NULL, 0, HF_4T, reta, 64, 4, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_int_equal(sl_rss_queue_entries(rss, 3), 0);
	pp[0] = sl_rss_ports_create(rss, 3, EPH_LO, EPH_HI, SOCKET_ID_ANY);
	pp[1] = sl_rss_ports_create(rss, 2, EPH_LO, EPH_HI, SOCKET_ID_ANY);
	assert_non_null(pp[0]);
	for (unsigned int b = 0; b < 100; b++) {
		uint32_t raddr = (uint32_t)rnd();
		uint16_t rport = (uint16_t)rnd();
		int p = sl_rss_pick_port(pp[1], laddr, raddr, rport);

		assert_int_equal(sl_rss_pick_port(pp[0], laddr, raddr, rport), -1);
		assert_in_range(p, EPH_LO, EPH_HI);
		assert_int_equal(ref_owner(rss, raddr, laddr, rport, (uint16_t)p), 2);
	}
	sl_rss_ports_free(pp[0]);
	sl_rss_ports_free(pp[1]);
	sl_rss_free(rss);
}

/* 2-tuple hash: the port cannot steer; the owner of the addresses gets any port. */
static void
test_pick_two_tuple(void **state)
{
	static uint8_t seen[65536];
	struct sl_rss_ports *pp[3];
	struct sl_rss *rss;
	uint32_t laddr = IP(10, 0, 0, 1);

	(void)state;
	rss = sl_rss_create(NULL, 0, RTE_ETH_RSS_IPV4, NULL, 512, 3, SOCKET_ID_ANY);
	assert_non_null(rss);
	for (uint16_t q = 0; q < 3; q++)
		pp[q] = sl_rss_ports_create(rss, q, EPH_LO, EPH_HI, SOCKET_ID_ANY);
	for (unsigned int b = 0; b < 1000; b++) {
		uint32_t raddr = (uint32_t)rnd();
		uint16_t owner = ref_owner(rss, raddr, laddr, 0, 0);

		for (uint16_t q = 0; q < 3; q++) {
			int p = sl_rss_pick_port(pp[q], laddr, raddr, 80);

			if (q != owner) {
				assert_int_equal(p, -1);
				continue;
			}
			assert_in_range(p, EPH_LO, EPH_HI);
			assert_int_equal(ref_owner(rss, raddr, laddr, 80, (uint16_t)p), q);
		}
	}
	/* The owner cycles through the whole range. */
	{
		uint32_t raddr = IP(10, 0, 2, 1);
		uint16_t q = ref_owner(rss, raddr, laddr, 0, 0);

		memset(seen, 0, sizeof(seen));
		for (unsigned int i = 0; i < EPH_HI - EPH_LO + 1; i++) {
			int p = sl_rss_pick_port(pp[q], laddr, raddr, 80);

			assert_in_range(p, EPH_LO, EPH_HI);
			assert_int_equal(seen[p], 0);
			seen[p] = 1;
		}
	}
	for (uint16_t q = 0; q < 3; q++)
		sl_rss_ports_free(pp[q]);
	sl_rss_free(rss);
}

/* ------------------------------------------------------------ mbuf self-test */

/* Ethernet (+ VLAN tags) + IPv4 (+ options) + TCP or UDP header. */
static struct rte_mbuf *
make_pkt(int tags, unsigned int ihl, uint8_t proto, uint16_t frag, uint32_t sip, uint32_t dip,
	 uint16_t sp, uint16_t dp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t *p;
	unsigned int len = sizeof(*eh) + 4u * tags + ihl * 4 + sizeof(*th);

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(p);
	memset(p, 0, len);
	eh = (struct rte_ether_hdr *)p;
	p += sizeof(*eh);
	eh->ether_type = RTE_BE16(tags ? (tags == 2 ? RTE_ETHER_TYPE_QINQ : RTE_ETHER_TYPE_VLAN) :
					 RTE_ETHER_TYPE_IPV4);
	for (int t = 0; t < tags; t++) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)p;

		vh->vlan_tci = RTE_BE16(100);
		vh->eth_proto = RTE_BE16(t == tags - 1 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_VLAN);
		p += sizeof(*vh);
	}
	ip = (struct rte_ipv4_hdr *)p;
	ip->version_ihl = (uint8_t)(0x40 | ihl);
	ip->next_proto_id = proto;
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(ihl * 4 + sizeof(*th)));
	ip->time_to_live = 64;
	ip->src_addr = sip;
	ip->dst_addr = dip;
	th = (struct rte_tcp_hdr *)(p + ihl * 4);
	th->src_port = rte_cpu_to_be_16(sp);
	th->dst_port = rte_cpu_to_be_16(dp);
	return m;
}

static void
test_check_mbuf(void **state)
{
	struct sl_rss *rss;
	struct rte_mbuf *m;
	uint32_t h;

	(void)state;
	rss = sl_rss_create(NULL, 0, HF_4T, NULL, 128, 2, SOCKET_ID_ANY);
	assert_non_null(rss);

	/* The first Microsoft vector, as a NIC with the default key reports it. */
	m = make_pkt(0, 5, IPPROTO_TCP, 0, kat[0].src, kat[0].dst, kat[0].sport, kat[0].dport);
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	m->hash.rss = kat[0].h_tcp;
	assert_int_equal(sl_rss_check_mbuf(rss, m), SL_RSS_CHECK_MATCH);
	m->hash.rss ^= 0x100;
	assert_int_equal(sl_rss_check_mbuf(rss, m), SL_RSS_CHECK_MISMATCH);
	m->ol_flags &= ~RTE_MBUF_F_RX_RSS_HASH;
	assert_int_equal(sl_rss_check_mbuf(rss, m), SL_RSS_CHECK_NO_HASH);
	rte_pktmbuf_free(m);

	/* VLAN, QinQ, IP options: still the IPv4 TCP tuple. */
	for (int tags = 0; tags <= 2; tags++) {
		for (unsigned int ihl = 5; ihl <= 15; ihl += 5) {
			uint32_t sip = (uint32_t)rnd(), dip = (uint32_t)rnd();
			uint16_t sp = (uint16_t)rnd(), dp = (uint16_t)rnd();

			m = make_pkt(tags, ihl, IPPROTO_TCP, 0, sip, dip, sp, dp);
			m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
			m->hash.rss = ref_hash(sl_rss_default_key, 12, sip, dip, sp, dp);
			assert_int_equal(sl_rss_check_mbuf(rss, m), SL_RSS_CHECK_MATCH);
			rte_pktmbuf_free(m);
		}
	}
	/* Nothing to compare: UDP, fragments, truncated, not IPv4. */
	h = ref_hash(sl_rss_default_key, 12, kat[1].src, kat[1].dst, kat[1].sport, kat[1].dport);
	m = make_pkt(0, 5, IPPROTO_UDP, 0, kat[1].src, kat[1].dst, kat[1].sport, kat[1].dport);
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	m->hash.rss = h;
	assert_int_equal(sl_rss_check_mbuf(rss, m), SL_RSS_CHECK_SKIP);
	rte_pktmbuf_free(m);
	m = make_pkt(0, 5, IPPROTO_TCP, RTE_IPV4_HDR_MF_FLAG, kat[1].src, kat[1].dst, kat[1].sport,
		     kat[1].dport);
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	m->hash.rss = h;
	assert_int_equal(sl_rss_check_mbuf(rss, m), SL_RSS_CHECK_SKIP);
	rte_pktmbuf_free(m);
	m = make_pkt(0, 5, IPPROTO_TCP, 185, kat[1].src, kat[1].dst, kat[1].sport, kat[1].dport);
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	assert_int_equal(sl_rss_check_mbuf(rss, m), SL_RSS_CHECK_SKIP);
	rte_pktmbuf_free(m);
	m = make_pkt(0, 5, IPPROTO_TCP, 0, kat[1].src, kat[1].dst, kat[1].sport, kat[1].dport);
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	m->hash.rss = h;
	assert_int_equal(sl_rss_check_mbuf(rss, m), SL_RSS_CHECK_MATCH);
	rte_pktmbuf_trim(m, 20); /* TCP header gone */
	assert_int_equal(sl_rss_check_mbuf(rss, m), SL_RSS_CHECK_SKIP);
	rte_pktmbuf_trim(m, m->data_len - 10);
	assert_int_equal(sl_rss_check_mbuf(rss, m), SL_RSS_CHECK_SKIP);
	rte_pktmbuf_free(m);
	m = make_pkt(0, 5, IPPROTO_TCP, 0, kat[1].src, kat[1].dst, kat[1].sport, kat[1].dport);
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	assert_int_equal(sl_rss_check_mbuf(rss, m), SL_RSS_CHECK_SKIP);
	rte_pktmbuf_free(m);

	assert_string_equal(sl_rss_check_name(SL_RSS_CHECK_MATCH), "match");
	assert_string_equal(sl_rss_check_name(SL_RSS_CHECK_MISMATCH), "mismatch");
	assert_string_equal(sl_rss_check_name(SL_RSS_CHECK_NO_HASH), "no_hash");
	assert_string_equal(sl_rss_check_name(SL_RSS_CHECK_SKIP), "skip");
	sl_rss_free(rss);
}

/* ------------------------------------------------------------ read-back */

/* A multi-queue NIC that did as asked: RSS on, 52-byte key, 128-entry RETA. */
static void
good_readback(struct rss_readback *rb, uint16_t n)
{
	memset(rb, 0, sizeof(*rb));
	rb->rss_enabled = true;
	rb->key_size = 52;
	rnd_bytes(rb->key, 52);
	rb->rss_hf = HF_4T | RTE_ETH_RSS_NONFRAG_IPV4_UDP;
	rb->reta_size = 128;
	random_reta(rb->reta, 128, n);
}

static void
expect_software(const struct rss_readback *rb, uint16_t n, const char *why)
{
	struct sl_rss *rss;

	rss = rss_from_readback(rb, 3, n, sl_rss_default_key, 40, HF_4T, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_true(rss->software);
	if (strstr(rss->reason, why) == NULL)
		fail_msg("reason '%s' does not say '%s'", rss->reason, why);
	/* The fallback: the profile's key and hash fields, a uniform RETA. */
	assert_int_equal(rss->port_id, 3);
	assert_int_equal(rss->key_len, 40);
	assert_memory_equal(rss->key, sl_rss_default_key, 40);
	assert_int_equal(rss->tuple_len, 12);
	assert_int_equal(rss->reta_size, SL_RSS_RETA_SW);
	for (unsigned int i = 0; i < SL_RSS_RETA_SW; i++)
		assert_int_equal(rss->reta[i], i % n);
	sl_rss_free(rss);
}

static void
test_from_readback(void **state)
{
	static struct rss_readback rb;
	uint8_t pkey[40] __rte_aligned(4);
	struct sl_rss *rss;
	char line[256];

	(void)state;
	/* Read-back is the truth: the device's key and RETA, not the profile's. */
	good_readback(&rb, 4);
	rnd_bytes(pkey, sizeof(pkey));
	rss = rss_from_readback(&rb, 1, 4, pkey, 40, RTE_ETH_RSS_IPV4, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_false(rss->software);
	assert_int_equal(rss->port_id, 1);
	assert_int_equal(rss->key_len, 52);
	assert_memory_equal(rss->key, rb.key, 52);
	assert_int_equal(rss->tuple_len, 12);
	assert_int_equal(rss->rss_hf, HF_4T);
	assert_int_equal(rss->reta_size, 128);
	assert_memory_equal(rss->reta, rb.reta, 128 * sizeof(rb.reta[0]));
	for (unsigned int i = 0; i < 10000; i++) {
		uint32_t s = (uint32_t)rnd(), d = (uint32_t)rnd();
		uint16_t sp = (uint16_t)rnd(), dp = (uint16_t)rnd();

		assert_int_equal(sl_rss_owner(rss, s, d, sp, dp),
				 rb.reta[ref_hash(rb.key, 12, s, d, sp, dp) % 128]);
	}
	sl_rss_describe(rss, line, sizeof(line));
	assert_non_null(strstr(line, "hardware RSS on port 1 (read back from the device)"));
	sl_rss_free(rss);

	/* A device hashing IPv4 only: the 2-tuple, still hardware. */
	good_readback(&rb, 4);
	rb.rss_hf = RTE_ETH_RSS_IPV4;
	rss = rss_from_readback(&rb, 1, 4, pkey, 40, HF_4T, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_false(rss->software);
	assert_int_equal(rss->tuple_len, 8);
	sl_rss_free(rss);

	/* Each way a device fails to tell, or tells something not modelled. */
	good_readback(&rb, 4);
	rb.key_rc = -ENOTSUP; /* net_tap */
	expect_software(&rb, 4, "cannot report its RSS key (Operation not supported)");
	good_readback(&rb, 4);
	rb.key_size = 0; /* net_null */
	expect_software(&rb, 4, "hash_key_size 0");
	good_readback(&rb, 4);
	rb.key_size = 10;
	expect_software(&rb, 4, "key of 10 bytes");
	good_readback(&rb, 4);
	rb.rss_enabled = false;
	expect_software(&rb, 4, "RSS is not enabled");
	good_readback(&rb, 4);
	rb.rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_IPV6;
	expect_software(&rb, 4, "does not hash IPv4 TCP");
	good_readback(&rb, 4);
	rb.rss_hf = HF_4T | RTE_ETH_RSS_L3_SRC_ONLY;
	expect_software(&rb, 4, "modifiers");
	good_readback(&rb, 4);
	rb.reta_size = 0;
	expect_software(&rb, 4, "no RETA");
	good_readback(&rb, 4);
	rb.reta_size = 192;
	expect_software(&rb, 4, "RETA of 192 entries");
	good_readback(&rb, 4);
	rb.reta_rc = -EIO;
	expect_software(&rb, 4, "cannot report its RETA");
	good_readback(&rb, 4);
	rb.reta[100] = 4;
	expect_software(&rb, 4, "RETA entry 100 names queue 4, only 4 workers");

	/* The profile says "device" (no key): the fallback takes the default key. */
	good_readback(&rb, 2);
	rb.key_rc = -ENOTSUP;
	rss = rss_from_readback(&rb, 0, 2, NULL, 0, RTE_ETH_RSS_IPV4, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_true(rss->software);
	assert_memory_equal(rss->key, sl_rss_default_key, 40);
	assert_int_equal(rss->tuple_len, 8);
	sl_rss_free(rss);
	/* Profile hash fields sluice does not model: the 4-tuple. */
	rss = rss_from_readback(&rb, 0, 2, pkey, 40, RTE_ETH_RSS_NONFRAG_IPV4_UDP, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_int_equal(rss->tuple_len, 12);
	assert_memory_equal(rss->key, pkey, 40);
	sl_rss_free(rss);

	/* One queue: nothing to steer, whatever the device says. */
	rss = rss_from_readback(&rb, 0, 1, pkey, 40, HF_4T, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_false(rss->software);
	assert_non_null(strstr(rss->reason, "one queue"));
	assert_int_equal(sl_rss_owner(rss, 1, 2, 3, 4), 0);
	sl_rss_free(rss);

	rte_errno = 0;
	assert_null(rss_from_readback(&rb, 0, 0, pkey, 40, HF_4T, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
}

static void
start_port(uint16_t port, uint16_t nq, bool rss)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;

	assert_int_equal(rte_eth_dev_info_get(port, &info), 0);
	memset(&conf, 0, sizeof(conf));
	if (rss) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = HF_4T & info.flow_type_rss_offloads;
	}
	assert_int_equal(rte_eth_dev_configure(port, nq, nq, &conf), 0);
	for (uint16_t q = 0; q < nq; q++) {
		assert_int_equal(rte_eth_rx_queue_setup(port, q, 64, SOCKET_ID_ANY, NULL, pool), 0);
		assert_int_equal(rte_eth_tx_queue_setup(port, q, 64, SOCKET_ID_ANY, NULL), 0);
	}
	assert_int_equal(rte_eth_dev_start(port), 0);
}

/* net_null: the read-back calls work, but it has no key (and computes no hash). */
static void
test_from_port_null(void **state)
{
	struct rte_eth_rss_reta_entry64 reta[2];
	static struct rss_readback rb;
	struct rte_eth_rss_conf rc;
	uint8_t key[40] __rte_aligned(4);
	struct sl_rss *rss;
	uint16_t port;
	char line[256];

	(void)state;
	assert_int_equal(rte_eth_dev_get_port_by_name("net_null0", &port), 0);
	start_port(port, 2, true);
	mark_heap(state);
	/* Program a key and an uneven RETA, then read them back. */
	rnd_bytes(key, sizeof(key));
	memset(&rc, 0, sizeof(rc));
	rc.rss_key = key;
	rc.rss_key_len = sizeof(key);
	rc.rss_hf = HF_4T;
	assert_int_equal(rte_eth_dev_rss_hash_update(port, &rc), 0);
	memset(reta, 0, sizeof(reta));
	for (unsigned int i = 0; i < 128; i++) {
		reta[i / 64].mask = UINT64_MAX;
		reta[i / 64].reta[i % 64] = (uint16_t)(i % 3 == 0);
	}
	assert_int_equal(rte_eth_dev_rss_reta_update(port, reta, 128), 0);

	assert_int_equal(rss_read_port(port, &rb), 0);
	assert_true(rb.rss_enabled);
	assert_int_equal(rb.key_rc, 0);
	assert_memory_equal(rb.key, key, sizeof(key));
	assert_int_equal(rb.rss_hf, HF_4T);
	assert_int_equal(rb.key_size, 0);
	assert_int_equal(rb.reta_size, 128);
	assert_int_equal(rb.reta_rc, 0);
	for (unsigned int i = 0; i < 128; i++)
		assert_int_equal(rb.reta[i], i % 3 == 0);

	rss = sl_rss_from_port(port, 2, sl_rss_default_key, 40, HF_4T, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_true(rss->software);
	assert_non_null(strstr(rss->reason, "hash_key_size 0"));
	sl_rss_describe(rss, line, sizeof(line));
	print_message("net_null: %s\n", line);
	sl_rss_free(rss);

	/* Had it a key size, the device's key and RETA would be taken. */
	rb.key_size = 40;
	rss = rss_from_readback(&rb, port, 2, sl_rss_default_key, 40, HF_4T, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_false(rss->software);
	assert_memory_equal(rss->key, key, sizeof(key));
	assert_int_equal(rss->reta[0], 1);
	assert_int_equal(rss->reta[1], 0);
	sl_rss_free(rss);
	check_heap(state);
	assert_int_equal(rte_eth_dev_stop(port), 0);
}

/* net_ring: no RSS ops at all (-ENOTSUP), like net_tap. */
static void
test_from_port_ring(void **state)
{
	struct sl_rss *rss;
	uint16_t port;
	char line[256];

	(void)state;
	assert_int_equal(rte_eth_dev_get_port_by_name("net_ring0", &port), 0);
	start_port(port, 1, false);
	mark_heap(state);
	/* Two workers, one queue: software decides. */
	rss = sl_rss_from_port(port, 2, NULL, 0, HF_4T, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_true(rss->software);
	assert_non_null(strstr(rss->reason, "Operation not supported"));
	assert_memory_equal(rss->key, sl_rss_default_key, 40);
	sl_rss_describe(rss, line, sizeof(line));
	print_message("net_ring: %s\n", line);
	sl_rss_free(rss);
	rss = sl_rss_from_port(port, 1, NULL, 0, HF_4T, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_false(rss->software);
	sl_rss_free(rss);
	check_heap(state);
	assert_int_equal(rte_eth_dev_stop(port), 0);

	rte_errno = 0;
	assert_null(sl_rss_from_port(RTE_MAX_ETHPORTS - 1, 2, NULL, 0, HF_4T, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, ENODEV);
}

/* ------------------------------------------------------------ figures */

#define BENCH_N	    4096 /* tuples cycled through: they fit L1 next to the tables */
#define BENCH_ITERS 1000000
#define BENCH_REPS  7 /* best of: the VM is shared */

static uint32_t b_sip[BENCH_N], b_dip[BENCH_N];
static uint16_t b_sp[BENCH_N], b_dp[BENCH_N];
static uint32_t b_acc;

/* Best-of-BENCH_REPS ns per iteration of BODY (j: the tuple index). */
#define BENCH(ns, BODY)                                                              \
	do {                                                                         \
		uint64_t best_ = UINT64_MAX;                                         \
		for (int rep_ = 0; rep_ < BENCH_REPS; rep_++) {                      \
			uint64_t t0_ = rte_rdtsc_precise();                          \
			for (uint32_t i_ = 0; i_ < BENCH_ITERS; i_++) {              \
				uint32_t j = i_ & (BENCH_N - 1);                     \
				BODY;                                                \
			}                                                            \
			best_ = RTE_MIN(best_, rte_rdtsc_precise() - t0_);           \
		}                                                                    \
		(ns) = (double)best_ * 1e9 / (double)rte_get_tsc_hz() / BENCH_ITERS; \
	} while (0)

static void
test_bench(void **state)
{
	double owner, be, soft, pick2, pick8, miss, create;
	struct sl_rss_ports *pp;
	struct sl_rss *rss, *rss8, *rss2t;
	uint16_t reta[512];
	uint64_t t0;

	(void)state;
	for (unsigned int i = 0; i < BENCH_N; i++) {
		b_sip[i] = (uint32_t)rnd();
		b_dip[i] = (uint32_t)rnd();
		b_sp[i] = (uint16_t)rnd();
		b_dp[i] = (uint16_t)rnd();
	}
	rss = sl_rss_create(NULL, 0, HF_4T, NULL, 128, 2, SOCKET_ID_ANY);
	random_reta(reta, 512, 8);
	rss8 = sl_rss_create(NULL, 0, HF_4T, reta, 512, 8, SOCKET_ID_ANY);
	rss2t = sl_rss_create(NULL, 0, RTE_ETH_RSS_IPV4, NULL, 512, 8, SOCKET_ID_ANY);
	assert_non_null(rss);
	assert_non_null(rss8);
	assert_non_null(rss2t);

	BENCH(owner, b_acc += sl_rss_owner(rss8, b_sip[j], b_dip[j], b_sp[j], b_dp[j]));
	BENCH(be,
	      b_acc +=
	      rss8->reta[ref_hash_be(rss8, b_sip[j], b_dip[j], b_sp[j], b_dp[j]) & rss8->reta_mask]);
	BENCH(soft,
	      b_acc += rss8->reta[ref_hash(rss8->key, 12, b_sip[j], b_dip[j], b_sp[j], b_dp[j]) &
				  rss8->reta_mask]);

	pp = sl_rss_ports_create(rss, 1, EPH_LO, EPH_HI, SOCKET_ID_ANY);
	assert_non_null(pp);
	BENCH(pick2, b_acc += (uint32_t)sl_rss_pick_port(pp, b_dip[j], b_sip[j], b_sp[j]));
	sl_rss_ports_free(pp);

	t0 = rte_rdtsc_precise();
	pp = sl_rss_ports_create(rss8, 5, EPH_LO, EPH_HI, SOCKET_ID_ANY);
	create = (double)(rte_rdtsc_precise() - t0) * 1e6 / (double)rte_get_tsc_hz();
	assert_non_null(pp);
	BENCH(pick8, b_acc += (uint32_t)sl_rss_pick_port(pp, b_dip[j], b_sip[j], b_sp[j]));
	sl_rss_ports_free(pp);

	/* 2-tuple, 8 queues: 7 picks in 8 answer -1 at once. */
	pp = sl_rss_ports_create(rss2t, 5, EPH_LO, EPH_HI, SOCKET_ID_ANY);
	assert_non_null(pp);
	BENCH(miss, b_acc += (uint32_t)sl_rss_pick_port(pp, b_dip[j], b_sip[j], b_sp[j]));
	sl_rss_ports_free(pp);

	print_message("bench: TSC %.2f GHz, best of %d x %d calls, 4096 random tuples\n",
		      (double)rte_get_tsc_hz() / 1e9, BENCH_REPS, BENCH_ITERS);
	print_message("  sl_rss_owner (4-tuple, RETA 512, 8 queues)  %6.2f ns\n", owner);
	print_message("  rte_softrss_be + RETA                        %6.2f ns\n", be);
	print_message("  rte_softrss + RETA                           %6.2f ns\n", soft);
	print_message("  sl_rss_pick_port, 2 queues, RETA 128         %6.2f ns\n", pick2);
	print_message("  sl_rss_pick_port, 8 queues, RETA 512         %6.2f ns\n", pick8);
	print_message("  sl_rss_pick_port, 2-tuple (mostly -1)        %6.2f ns\n", miss);
	print_message("  sl_rss_ports_create (28232 ports, RETA 512)  %6.1f us\n", create);
	print_message("  (checksum %u)\n", b_acc);
	sl_rss_free(rss);
	sl_rss_free(rss8);
	sl_rss_free(rss2t);
}

/* ------------------------------------------------------------ main */

static int
group_setup(void **state)
{
	/* No hugepages, no PCI, no files: any user can run this (see test_net.c). */
	static char *eal_args[] = {
		"test_rss",
		"--no-huge",
		"--no-pci",
		"--no-shconf",
		"--no-telemetry",
		"-l",
		"0",
		"-m",
		"128",
		"--log-level=*:error",
		"--vdev=net_null0",
		"--vdev=net_ring0",
	};

	(void)state;
	if (rte_eal_init(RTE_DIM(eal_args), eal_args) < 0) {
		print_error("rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	eal_up = true;
	pool = rte_pktmbuf_pool_create("test_rss", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	uint16_t port;

	(void)state;
	RTE_ETH_FOREACH_DEV(port)
		rte_eth_dev_close(port);
	rte_mempool_free(pool);
	if (eal_up)
		rte_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_known_answers, mark_heap, check_heap),
		cmocka_unit_test_setup_teardown(test_owner_matches_softrss, mark_heap, check_heap),
		cmocka_unit_test_setup_teardown(test_create_invalid, mark_heap, check_heap),
		cmocka_unit_test_setup_teardown(test_same_describe, mark_heap, check_heap),
		cmocka_unit_test_setup_teardown(test_pick_lands_on_worker, mark_heap, check_heap),
		cmocka_unit_test_setup_teardown(test_pick_distinct, mark_heap, check_heap),
		cmocka_unit_test_setup_teardown(test_pick_partition, mark_heap, check_heap),
		cmocka_unit_test_setup_teardown(test_pick_edges, mark_heap, check_heap),
		cmocka_unit_test_setup_teardown(test_pick_two_tuple, mark_heap, check_heap),
		cmocka_unit_test_setup_teardown(test_check_mbuf, mark_heap, check_heap),
		cmocka_unit_test_setup_teardown(test_from_readback, mark_heap, check_heap),
		cmocka_unit_test(test_from_port_null),
		cmocka_unit_test(test_from_port_ring),
		cmocka_unit_test_setup_teardown(test_bench, mark_heap, check_heap),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
