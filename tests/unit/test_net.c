/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net unit tests: crafted frames in, exact frames and exact counters out.
 *
 * The EAL runs without hugepages, PCI or shared files (see group_setup()),
 * so the suite needs no root. The test thread is the main lcore, registered with
 * urcu-qsbr and online throughout, like a worker. Expected frames are written
 * out byte by byte; their checksums were computed outside this code.
 */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <urcu-qsbr.h>

#include "sl_net.h"

#define POOL_SIZE 1023
#define CAP_MAX	  64
/* Host order; not RTE_IPV4(), which shifts an int into its sign bit (UB for a >= 128). */
#define IPH(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define IP(a, b, c, d) RTE_BE32(IPH(a, b, c, d))

/* ------------------------------------------------------------------ */
/* Addresses of the test network                                       */

static const struct rte_ether_addr MAC_US0 = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr MAC_US1 = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };
static const struct rte_ether_addr MAC_A = { { 0x02, 0xaa, 0x00, 0x00, 0x00, 0x02 } };
static const struct rte_ether_addr MAC_A2 = { { 0x02, 0xaa, 0x00, 0x00, 0x00, 0x22 } };
static const struct rte_ether_addr MAC_B = { { 0x02, 0xbb, 0x00, 0x00, 0x00, 0x03 } };
static const struct rte_ether_addr MAC_C = { { 0x02, 0xcc, 0x00, 0x00, 0x00, 0x04 } };
static const struct rte_ether_addr MAC_H = { { 0x02, 0xdd, 0x00, 0x00, 0x00, 0x05 } };
static const struct rte_ether_addr MAC_GW = { { 0x02, 0x99, 0x00, 0x00, 0x00, 0xfe } };
static const struct rte_ether_addr MAC_OTHER = { { 0x02, 0xee, 0x00, 0x00, 0x00, 0x07 } };
static const struct rte_ether_addr MAC_BCAST = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr MAC_MCAST = { { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr MAC_ZERO = { { 0 } };

#define IP_US0	   IP(10, 0, 0, 1)     /* port "lan" 10.0.0.1/24 gw .254 */
#define IP_VIP0	   IP(10, 0, 0, 10)    /* VIP on lan */
#define IP_US1	   IP(192, 168, 1, 1)  /* port "back" 192.168.1.1/24 */
#define IP_VIP1	   IP(192, 168, 1, 20) /* VIP on back */
#define IP_FAR_VIP IP(203, 0, 113, 5)  /* VIP on no subnet */
#define IP_A	   IP(10, 0, 0, 2)
#define IP_B	   IP(10, 0, 0, 3)
#define IP_C	   IP(10, 0, 0, 4)
#define IP_H	   IP(192, 168, 1, 5)
#define IP_GW	   IP(10, 0, 0, 254)
#define IP_FAR	   IP(172, 16, 0, 9)

/* ------------------------------------------------------------------ */
/* Expected frames (checksums computed outside this code)            */

/* clang-format off */
static const uint8_t exp_arp_reply_a[] = {
	/* Ethernet */
	0x02, 0xaa, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x06,
	/* ARP: Ethernet/IPv4, op */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
	/* sender MAC, IP */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x01,
	/* target MAC, IP */
	0x02, 0xaa, 0x00, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x02,
};

static const uint8_t exp_arp_reply_a_vip[] = {
	/* Ethernet */
	0x02, 0xaa, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x06,
	/* ARP: Ethernet/IPv4, op */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
	/* sender MAC, IP */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x0a,
	/* target MAC, IP */
	0x02, 0xaa, 0x00, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x02,
};

static const uint8_t exp_arp_request_b[] = {
	/* Ethernet */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x06,
	/* ARP: Ethernet/IPv4, op */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
	/* sender MAC, IP */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x01,
	/* target MAC, IP */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x03,
};

static const uint8_t exp_arp_probe_a[] = {
	/* Ethernet */
	0x02, 0xaa, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x06,
	/* ARP: Ethernet/IPv4, op */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
	/* sender MAC, IP */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x01,
	/* target MAC, IP */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02,
};

static const uint8_t exp_echo_reply_a[] = {
	/* Ethernet */
	0x02, 0xaa, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	/* IPv4: id 0x1234, DF, TTL 64, ICMP */
	0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x14, 0xa3,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	/* ICMP echo reply, id 0x4242, seq 1 */
	0x00, 0x00, 0x2c, 0x27, 0x42, 0x42, 0x00, 0x01,
	/* data */
	0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};

static const uint8_t exp_echo_reply_b[] = {
	/* Ethernet */
	0x02, 0xbb, 0x00, 0x00, 0x00, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	/* IPv4: id 0x1234, DF, TTL 64, ICMP */
	0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x14, 0xa2,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x03,
	/* ICMP echo reply, id 0x4242, seq 1 */
	0x00, 0x00, 0x2c, 0x27, 0x42, 0x42, 0x00, 0x01,
	/* data */
	0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};

static const uint8_t exp_echo_reply_far[] = {
	/* Ethernet */
	0x02, 0x99, 0x00, 0x00, 0x00, 0xfe, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	/* IPv4: id 0x1234, DF, TTL 64, ICMP */
	0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x72, 0x82,
	0x0a, 0x00, 0x00, 0x0a, 0xac, 0x10, 0x00, 0x09,
	/* ICMP echo reply, id 0x4242, seq 1 */
	0x00, 0x00, 0x2c, 0x27, 0x42, 0x42, 0x00, 0x01,
	/* data */
	0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};
/* clang-format on */

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

struct cap {
	unsigned int n;
	uint16_t iface[CAP_MAX];
	struct rte_mbuf *m[CAP_MAX];
};

static struct rte_mempool *pool;
static struct sl_config conf;
static struct sl_net *net;
static struct sl_net_worker w0, w1; /* w0 is the ARP owner */
static struct cap cap0, cap1;
static uint32_t conf_neigh_size = 16; /* a test may shrink it before setup */
static unsigned int avail_at_setup;   /* mbufs free when the test started */
static size_t heap_at_setup;	      /* rte_malloc bytes in use then */

/* Bytes allocated from the DPDK heaps (rte_malloc, rings' memzones). */
static size_t
heap_in_use(void)
{
	struct rte_malloc_socket_stats st;
	unsigned int i;
	size_t sum = 0;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

/* Arbitrary start of the clock the tests drive by hand. */
#define T0 (UINT64_C(1) << 40)

static void
cap_tx(void *arg, uint16_t iface, struct rte_mbuf *m)
{
	struct cap *c = arg;

	if (c->n == CAP_MAX) {
		rte_pktmbuf_free(m);
		fail_msg("capture overflow");
	}
	c->iface[c->n] = iface;
	c->m[c->n++] = m;
}

/* Take the oldest captured frame. */
static struct rte_mbuf *
cap_pop(struct cap *c, uint16_t *iface)
{
	struct rte_mbuf *m;

	assert_true(c->n > 0);
	m = c->m[0];
	if (iface != NULL)
		*iface = c->iface[0];
	c->n--;
	memmove(&c->m[0], &c->m[1], c->n * sizeof(c->m[0]));
	memmove(&c->iface[0], &c->iface[1], c->n * sizeof(c->iface[0]));
	return m;
}

static void
cap_free(struct cap *c)
{
	while (c->n > 0)
		rte_pktmbuf_free(cap_pop(c, NULL));
}

/*
 * The oldest captured frame must be exactly @p exp, sent on @p iface. The
 * mbuf is freed before any assertion, so a failure does not leak it into the
 * next test's accounting.
 */
static void
expect_tx(struct cap *c, uint16_t iface, const void *exp, size_t len)
{
	uint16_t got_iface;
	struct rte_mbuf *m = cap_pop(c, &got_iface);
	uint32_t got_len = rte_pktmbuf_pkt_len(m);
	uint16_t segs = m->nb_segs;
	uint8_t got[256];

	assert_true(len <= sizeof(got));
	memset(got, 0, sizeof(got));
	memcpy(got, rte_pktmbuf_mtod(m, const void *), RTE_MIN(got_len, (uint32_t)sizeof(got)));
	rte_pktmbuf_free(m);
	assert_int_equal(got_iface, iface);
	assert_int_equal(segs, 1);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, exp, len);
}

static void
fill_conf(void)
{
	struct sl_conf_port *p;

	memset(&conf, 0, sizeof(conf));
	conf.global.neigh_size = conf_neigh_size;
	conf.global.neigh_reachable_ms = 30000;
	conf.global.neigh_retry_ms = 1000;
	conf.global.neigh_retries = 3;
	conf.global.neigh_hold = 8;
	conf.n_ports = 2;
	p = &conf.ports[0];
	snprintf(p->name, sizeof(p->name), "lan");
	p->profile.mtu = 1500;
	p->addr = IPH(10, 0, 0, 1);
	p->prefix_len = 24;
	p->gateway = IPH(10, 0, 0, 254);
	p = &conf.ports[1];
	snprintf(p->name, sizeof(p->name), "back");
	p->profile.mtu = 9000;
	p->addr = IPH(192, 168, 1, 1);
	p->prefix_len = 24;
	/* Duplicates on purpose: several services on one address. */
	conf.n_vips = 6;
	conf.vips[0].addr = IPH(10, 0, 0, 10);
	conf.vips[0].port = 80;
	conf.vips[1].addr = IPH(10, 0, 0, 10);
	conf.vips[1].port = 443;
	conf.vips[2].addr = IPH(192, 168, 1, 20);
	conf.vips[2].port = 80;
	conf.vips[3].addr = IPH(203, 0, 113, 5);
	conf.vips[3].port = 80;
	conf.vips[4].addr = IPH(10, 0, 0, 1); /* the port's own address */
	conf.vips[4].port = 8080;
	conf.vips[5].addr = IPH(203, 0, 113, 5);
	conf.vips[5].port = 443;
}

static const struct rte_ether_addr test_macs[2] = {
	{ { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } },
	{ { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } },
};
static const uint16_t test_port_ids[2] = { 3, 7 };

static int
setup(void **state)
{
	(void)state;
	avail_at_setup = rte_mempool_avail_count(pool);
	heap_at_setup = heap_in_use();
	fill_conf();
	net = sl_net_create(&conf, test_macs, test_port_ids, 2);
	if (net == NULL)
		return -1;
	memset(&cap0, 0, sizeof(cap0));
	memset(&cap1, 0, sizeof(cap1));
	if (sl_net_worker_init(&w0, net, 0, pool, cap_tx, &cap0) != 0 ||
	    sl_net_worker_init(&w1, net, 1, pool, cap_tx, &cap1) != 0)
		return -1;
	/* Deterministic ids for byte-exact replies. */
	w0.ip_id = 0x1234;
	w1.ip_id = 0x1234;
	sl_net_poll(&w0, T0);
	sl_net_poll(&w1, T0);
	return 0;
}

static int
setup_small(void **state)
{
	conf_neigh_size = 2;
	return setup(state);
}

static int
teardown(void **state)
{
	unsigned int left = cap0.n + cap1.n;

	(void)state;
	cap_free(&cap0);
	cap_free(&cap1);
	sl_net_worker_fini(&w0);
	sl_net_worker_fini(&w1);
	sl_net_destroy(net);
	net = NULL;
	conf_neigh_size = 16;
	/* Every frame a test caused was checked, and every mbuf came back. */
	assert_int_equal(left, 0);
	assert_int_equal(rte_mempool_avail_count(pool), avail_at_setup);
	/* And everything sl_net_create() and sl_net_worker_init() allocated. */
	assert_int_equal(heap_in_use(), heap_at_setup);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Frames                                                              */

struct frame {
	uint16_t len;
	uint8_t b[256];
};

static void
fr_put(struct frame *f, const void *p, size_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void
fr_u8(struct frame *f, uint8_t v)
{
	fr_put(f, &v, 1);
}

static void
fr_be16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	fr_put(f, b, 2);
}

static void
fr_eth(struct frame *f, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
       uint16_t type)
{
	fr_put(f, dst, 6);
	fr_put(f, src, 6);
	fr_be16(f, type);
}

static void
fr_pad(struct frame *f, uint16_t to, uint8_t byte)
{
	while (f->len < to)
		fr_u8(f, byte);
}

/* Independent of the code under test: RFC 1071 sum over big-endian words. */
static uint16_t
t_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
set_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* ARP frame, padded to the Ethernet minimum with 0xee (which must not come back). */
static void
fr_arp(struct frame *f, const struct rte_ether_addr *eth_dst, const struct rte_ether_addr *sha,
       uint16_t op, rte_be32_t sip, const struct rte_ether_addr *tha, rte_be32_t tip)
{
	f->len = 0;
	fr_eth(f, eth_dst, sha, RTE_ETHER_TYPE_ARP);
	fr_be16(f, 1);
	fr_be16(f, RTE_ETHER_TYPE_IPV4);
	fr_u8(f, 6);
	fr_u8(f, 4);
	fr_be16(f, op);
	fr_put(f, sha, 6);
	fr_put(f, &sip, 4);
	fr_put(f, tha, 6);
	fr_put(f, &tip, 4);
	fr_pad(f, 60, 0xee);
}

struct ipspec {
	rte_be32_t src, dst;
	uint8_t proto, ttl;
	uint16_t id, frag;
};

/* IPv4 header (checksum right) and payload; Ethernet first when eth_src is set. */
static void
fr_ipv4(struct frame *f, const struct rte_ether_addr *eth_src, const struct ipspec *s,
	const uint8_t *payload, uint16_t plen)
{
	uint16_t at;

	f->len = 0;
	if (eth_src != NULL)
		fr_eth(f, &MAC_US0, eth_src, RTE_ETHER_TYPE_IPV4);
	at = f->len;
	fr_u8(f, 0x45);
	fr_u8(f, 0);
	fr_be16(f, 20 + plen);
	fr_be16(f, s->id);
	fr_be16(f, s->frag);
	fr_u8(f, s->ttl);
	fr_u8(f, s->proto);
	fr_be16(f, 0);
	fr_put(f, &s->src, 4);
	fr_put(f, &s->dst, 4);
	set_be16(f->b + at + 10, t_cksum(f->b + at, 20));
	fr_put(f, payload, plen);
}

/* After editing a header field of an Ethernet+IPv4 frame. */
static void
fix_ip_cksum(struct frame *f)
{
	set_be16(f->b + 24, 0);
	set_be16(f->b + 24, t_cksum(f->b + 14, 20));
}

static const uint8_t echo_data[8] = "abcdefgh";

/* Echo request: IP id 1, DF, TTL 63; ICMP id 0x4242 seq 1, "abcdefgh". */
static void
fr_echo(struct frame *f, const struct rte_ether_addr *eth_src, rte_be32_t src, rte_be32_t dst)
{
	struct ipspec s = {
		.src = src, .dst = dst, .proto = IPPROTO_ICMP, .ttl = 63, .id = 1, .frag = 0x4000
	};
	uint8_t icmp[16] = { 8, 0, 0, 0, 0x42, 0x42, 0x00, 0x01 };

	memcpy(icmp + 8, echo_data, sizeof(echo_data));
	set_be16(icmp + 2, t_cksum(icmp, sizeof(icmp)));
	fr_ipv4(f, eth_src, &s, icmp, sizeof(icmp));
}

/* A TCP SYN (20-byte header, checksum irrelevant here) from @p src to @p dst. */
static void
fr_tcp(struct frame *f, const struct rte_ether_addr *eth_src, rte_be32_t src, rte_be32_t dst)
{
	struct ipspec s = {
		.src = src, .dst = dst, .proto = IPPROTO_TCP, .ttl = 64, .id = 7, .frag = 0x4000
	};
	const uint8_t tcp[20] = { 0x9c, 0x40, 0x00, 0x50, 1,	2,    3, 4, 0, 0,
				  0,	0,    0x50, 0x02, 0xfa, 0xf0, 0, 0, 0, 0 };

	fr_ipv4(f, eth_src, &s, tcp, sizeof(tcp));
}

static struct rte_mbuf *
mk(const struct frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	void *p;

	assert_non_null(m);
	p = rte_pktmbuf_append(m, f->len);
	assert_non_null(p);
	memcpy(p, f->b, f->len);
	return m;
}

static enum sl_net_verdict
rx(struct sl_net_worker *w, uint16_t iface, const struct frame *f)
{
	return sl_net_input(w, iface, mk(f));
}

/* ------------------------------------------------------------------ */
/* Counters and the neighbour table                                    */

/* clang-format off */
#define STAT_FIELDS(X) \
	X(rx) \
	X(rx_arp) \
	X(rx_icmp) \
	X(rx_tcp) \
	X(tx_arp_reply) \
	X(tx_arp_request) \
	X(tx_icmp_reply) \
	X(tx_ip) \
	X(handoff) \
	X(held) \
	X(neigh_full)
/* clang-format on */

static void
assert_stats_at(const char *what, const struct sl_net_stats *got, const struct sl_net_stats *exp)
{
	bool bad = false;
	unsigned int i;

#define STAT_CHECK(f)                                                                       \
	if (got->f != exp->f) {                                                             \
		print_error("%s: stats.%s = %" PRIu64 ", expected %" PRIu64 "\n", what, #f, \
			    got->f, exp->f);                                                \
		bad = true;                                                                 \
	}
	STAT_FIELDS(STAT_CHECK)
#undef STAT_CHECK
	for (i = 0; i < SL_DROP__MAX; i++) {
		if (got->drop[i] != exp->drop[i]) {
			print_error("%s: drop %s = %" PRIu64 ", expected %" PRIu64 "\n", what,
				    sl_drop_name(i), got->drop[i], exp->drop[i]);
			bad = true;
		}
	}
	if (bad)
		fail_msg("%s: counters differ", what);
}

#define assert_stats(got, ...)                                    \
	do {                                                      \
		const struct sl_net_stats exp_ = { __VA_ARGS__ }; \
		assert_stats_at(#got, (got), &exp_);              \
	} while (0)

struct walk {
	unsigned int n;
	struct sl_neigh_info e[32];
};

static void
walk_cb(const struct sl_neigh_info *n, void *arg)
{
	struct walk *wk = arg;

	if (wk->n < RTE_DIM(wk->e))
		wk->e[wk->n] = *n;
	wk->n++;
}

static unsigned int
neigh_count(void)
{
	struct walk wk = { 0 };

	sl_neigh_walk(net, walk_cb, &wk);
	return wk.n;
}

/* The entry for @p ip as the walk shows it; false when there is none. */
static bool
neigh_get(rte_be32_t ip, struct sl_neigh_info *out)
{
	struct walk wk = { 0 };
	unsigned int i;

	sl_neigh_walk(net, walk_cb, &wk);
	for (i = 0; i < wk.n; i++) {
		if (wk.e[i].ip == ip) {
			*out = wk.e[i];
			return true;
		}
	}
	return false;
}

static void
expect_neigh(rte_be32_t ip, enum sl_neigh_state state, const struct rte_ether_addr *mac)
{
	struct sl_neigh_info n;

	assert_true(neigh_get(ip, &n));
	assert_string_equal(sl_neigh_state_name(n.state), sl_neigh_state_name(state));
	if (mac != NULL)
		assert_memory_equal(&n.mac, mac, sizeof(*mac));
	assert_int_equal(n.iface, 0);
}

static void
expect_no_neigh(rte_be32_t ip)
{
	struct sl_neigh_info n;

	assert_false(neigh_get(ip, &n));
}

/* A learns us: its request for 10.0.0.1, our reply checked and consumed. */
static void
learn_a(void)
{
	struct frame f;

	fr_arp(&f, &MAC_BCAST, &MAC_A, 1, IP_A, &MAC_ZERO, IP_US0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	expect_tx(&cap0, 0, exp_arp_reply_a, sizeof(exp_arp_reply_a));
}

static void
learn(const struct rte_ether_addr *mac, rte_be32_t ip)
{
	struct frame f;

	fr_arp(&f, &MAC_BCAST, mac, 1, ip, &MAC_ZERO, IP_US0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	cap_free(&cap0);
}

/* An IPv4 packet we originate, data at the IPv4 header. */
static struct rte_mbuf *
mk_out(rte_be32_t dst, struct frame *f)
{
	struct ipspec s = {
		.src = IP_US0, .dst = dst, .proto = IPPROTO_UDP, .ttl = 64, .id = 99, .frag = 0x4000
	};
	const uint8_t udp[12] = { 0x30, 0x39, 0x00, 0x35, 0x00, 0x0c, 0, 0, 'p', 'i', 'n', 'g' };

	fr_ipv4(f, NULL, &s, udp, sizeof(udp));
	return mk(f);
}

/* What mk_out()'s packet must look like on the wire toward @p dst_mac. */
static void
expect_out(struct cap *c, const struct rte_ether_addr *dst_mac, const struct frame *ipf)
{
	struct frame e = { 0 };

	fr_eth(&e, dst_mac, &MAC_US0, RTE_ETHER_TYPE_IPV4);
	fr_put(&e, ipf->b, ipf->len);
	expect_tx(c, 0, e.b, e.len);
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

static void
test_create(void **state)
{
	const struct sl_net_iface *i0 = &net->ifaces[0], *i1 = &net->ifaces[1];
	struct sl_net *other;

	(void)state;
	assert_int_equal(net->n_ifaces, 2);
	assert_int_equal(i0->port_id, 3);
	assert_int_equal(i1->port_id, 7);
	assert_memory_equal(&i0->mac, &MAC_US0, 6);
	assert_memory_equal(&i1->mac, &MAC_US1, 6);
	assert_int_equal(i0->mtu, 1500);
	assert_int_equal(i1->mtu, 9000);
	assert_string_equal(i0->name, "lan");
	assert_int_equal(i0->addr, IP_US0);
	assert_int_equal(i0->mask, IP(255, 255, 255, 0));
	assert_int_equal(i0->gateway, IP_GW);
	assert_int_equal(i0->broadcast, IP(10, 0, 0, 255));
	assert_int_equal(i1->gateway, 0);
	/* Port address first, then each VIP on the subnet once. */
	assert_int_equal(i0->n_local, 2);
	assert_int_equal(i0->local[0], IP_US0);
	assert_int_equal(i0->local[1], IP_VIP0);
	assert_int_equal(i1->n_local, 2);
	assert_int_equal(i1->local[0], IP_US1);
	assert_int_equal(i1->local[1], IP_VIP1);
	assert_int_equal(net->n_offlink, 1);
	assert_int_equal(net->offlink[0], IP_FAR_VIP);
	assert_true(sl_net_is_local(net, IP_US0));
	assert_true(sl_net_is_local(net, IP_VIP0));
	assert_true(sl_net_is_local(net, IP_US1));
	assert_true(sl_net_is_local(net, IP_VIP1));
	assert_true(sl_net_is_local(net, IP_FAR_VIP));
	assert_false(sl_net_is_local(net, IP_A));
	assert_false(sl_net_is_local(net, IP(10, 0, 0, 255)));
	assert_false(sl_net_is_local(net, 0));
	assert_int_equal(net->retry_tsc, rte_get_tsc_hz());
	assert_int_equal(net->reachable_tsc, 30 * rte_get_tsc_hz());
	assert_int_equal(net->retries, 3);
	assert_int_equal(net->hold_max, 8);
	assert_int_equal(net->tick_tsc, rte_get_tsc_hz() / 100);
	assert_true(w0.arp_owner);
	assert_false(w1.arp_owner);

	/* A second instance alongside (reload): its own rings and table. */
	other = sl_net_create(&conf, test_macs, test_port_ids, 4);
	assert_non_null(other);
	assert_ptr_not_equal(other->to_owner, net->to_owner);
	sl_net_destroy(other);
	sl_net_destroy(NULL);

	conf.global.neigh_size = 0;
	rte_errno = 0;
	assert_null(sl_net_create(&conf, test_macs, test_port_ids, 2));
	assert_int_equal(rte_errno, EINVAL);
	fill_conf();
	conf.ports[1].prefix_len = 33;
	rte_errno = 0;
	assert_null(sl_net_create(&conf, test_macs, test_port_ids, 2));
	assert_int_equal(rte_errno, EINVAL);
	fill_conf();
	assert_null(sl_net_create(&conf, NULL, NULL, 2));
	assert_int_equal(rte_errno, EINVAL);
}

static void
test_names(void **state)
{
	unsigned int i, j;

	(void)state;
	assert_string_equal(sl_drop_name(SL_DROP_IP_CKSUM), "ip_cksum");
	assert_string_equal(sl_drop_name(SL_DROP_ETH_SHORT), "eth_short");
	assert_string_equal(sl_drop_name(SL_DROP_TX_FULL), "tx_full");
	assert_string_equal(sl_drop_name(SL_DROP__MAX), "unknown");
	for (i = 0; i < SL_DROP__MAX; i++)
		for (j = i + 1; j < SL_DROP__MAX; j++)
			assert_string_not_equal(sl_drop_name(i), sl_drop_name(j));
	assert_string_equal(sl_neigh_state_name(SL_NEIGH_INCOMPLETE), "incomplete");
	assert_string_equal(sl_neigh_state_name(SL_NEIGH_REACHABLE), "reachable");
	assert_string_equal(sl_neigh_state_name(SL_NEIGH_PROBE), "probe");
	assert_string_equal(sl_neigh_state_name(SL_NEIGH_FAILED), "failed");
}

static void
test_route(void **state)
{
	struct frame f;
	rte_be32_t nh;
	uint16_t iface;

	(void)state;
	assert_int_equal(sl_net_route(net, IP(10, 0, 0, 77), &iface, &nh), 0);
	assert_int_equal(iface, 0);
	assert_int_equal(nh, IP(10, 0, 0, 77));
	assert_int_equal(sl_net_route(net, IP(192, 168, 1, 9), &iface, &nh), 0);
	assert_int_equal(iface, 1);
	assert_int_equal(nh, IP(192, 168, 1, 9));
	assert_int_equal(sl_net_route(net, IP(8, 8, 8, 8), &iface, &nh), 0);
	assert_int_equal(iface, 0);
	assert_int_equal(nh, IP_GW);

	net->ifaces[0].gateway = 0;
	assert_int_equal(sl_net_route(net, IP(8, 8, 8, 8), &iface, &nh), -ENETUNREACH);
	assert_int_equal(sl_net_output(&w0, mk_out(IP(8, 8, 8, 8), &f)), -ENETUNREACH);
	net->ifaces[0].gateway = IP_GW;
	assert_stats(&w0.stats, .drop[SL_DROP_NO_ROUTE] = 1);
}

/* ------------------------------------------------------------------ */
/* Ethernet                                                            */

static void
test_eth_filter(void **state)
{
	struct frame f;

	(void)state;
	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	f.len = 13;
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_stats(&w0.stats, .rx = 1, .drop[SL_DROP_ETH_SHORT] = 1);

	/* Unicast to another host (promiscuous port), multicast, broadcast IPv4. */
	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	memcpy(f.b, &MAC_OTHER, 6);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	memcpy(f.b, &MAC_MCAST, 6);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	memcpy(f.b, &MAC_BCAST, 6);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	/* The frame is for port 0's MAC, received on port 1. */
	memcpy(f.b, &MAC_US0, 6);
	assert_int_equal(rx(&w0, 1, &f), SL_NET_CONSUMED);
	/* ARP to a multicast group. */
	fr_arp(&f, &MAC_MCAST, &MAC_A, 1, IP_A, &MAC_ZERO, IP_US0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_stats(&w0.stats, .rx = 6, .drop[SL_DROP_ETH_SHORT] = 1,
		     .drop[SL_DROP_ETH_NOT_FOR_US] = 5);

	/* IPv6 and VLAN-tagged to our MAC. */
	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	set_be16(f.b + 12, RTE_ETHER_TYPE_IPV6);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	set_be16(f.b + 12, RTE_ETHER_TYPE_VLAN);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_stats(&w0.stats, .rx = 8, .drop[SL_DROP_ETH_SHORT] = 1,
		     .drop[SL_DROP_ETH_NOT_FOR_US] = 5, .drop[SL_DROP_ETH_UNSUPPORTED] = 2);

	/* A unicast ARP request (how peers re-confirm us) is accepted. */
	fr_arp(&f, &MAC_US0, &MAC_A, 1, IP_A, &MAC_US0, IP_US0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	expect_tx(&cap0, 0, exp_arp_reply_a, sizeof(exp_arp_reply_a));
	assert_int_equal(cap0.n, 0);
	assert_int_equal(cap1.n, 0);
	assert_int_equal(neigh_count(), 1);
}

/* ------------------------------------------------------------------ */
/* ARP                                                                 */

static void
test_arp_request_reply(void **state)
{
	struct sl_neigh_info n;

	(void)state;
	learn_a();
	assert_stats(&w0.stats, .rx = 1, .rx_arp = 1, .tx_arp_reply = 1);
	assert_true(neigh_get(IP_A, &n));
	assert_int_equal(n.state, SL_NEIGH_REACHABLE);
	assert_memory_equal(&n.mac, &MAC_A, 6);
	assert_int_equal(n.iface, 0);
	assert_int_equal(n.probes, 0);
	assert_int_equal(neigh_count(), 1);
}

static void
test_arp_vip(void **state)
{
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;
	struct frame f;
	uint16_t iface;

	(void)state;
	/* A VIP on the subnet is answered like the port's address. */
	fr_arp(&f, &MAC_BCAST, &MAC_A, 1, IP_A, &MAC_ZERO, IP_VIP0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	expect_tx(&cap0, 0, exp_arp_reply_a_vip, sizeof(exp_arp_reply_a_vip));

	/* Port 1's VIP, asked on port 1: answered with port 1's MAC. */
	fr_arp(&f, &MAC_BCAST, &MAC_H, 1, IP_H, &MAC_ZERO, IP_VIP1);
	assert_int_equal(rx(&w0, 1, &f), SL_NET_CONSUMED);
	m = cap_pop(&cap0, &iface);
	assert_int_equal(iface, 1);
	arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, 14);
	assert_int_equal(arp->arp_opcode, RTE_BE16(2));
	assert_memory_equal(&arp->arp_data.arp_sha, &MAC_US1, 6);
	assert_int_equal(arp->arp_data.arp_sip, IP_VIP1);
	assert_memory_equal(&arp->arp_data.arp_tha, &MAC_H, 6);
	assert_int_equal(arp->arp_data.arp_tip, IP_H);
	rte_pktmbuf_free(m);

	/* Port 1's VIP asked on port 0, and the off-link VIP: not answered. */
	fr_arp(&f, &MAC_BCAST, &MAC_B, 1, IP_B, &MAC_ZERO, IP_VIP1);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	fr_arp(&f, &MAC_BCAST, &MAC_B, 1, IP_B, &MAC_ZERO, IP_FAR_VIP);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_stats(&w0.stats, .rx = 4, .rx_arp = 4, .tx_arp_reply = 2,
		     .drop[SL_DROP_ARP_NOT_FOR_US] = 2);
	assert_int_equal(cap0.n, 0);
	/* A and H asked for us and are learned; B is not. */
	expect_neigh(IP_A, SL_NEIGH_REACHABLE, &MAC_A);
	expect_no_neigh(IP_B);
	assert_int_equal(neigh_count(), 2);
}

static void
test_arp_not_for_us(void **state)
{
	struct frame f;

	(void)state;
	/* Unknown sender asking for someone else: not learned. */
	fr_arp(&f, &MAC_BCAST, &MAC_A, 1, IP_A, &MAC_ZERO, IP(10, 0, 0, 99));
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_stats(&w0.stats, .rx = 1, .rx_arp = 1, .drop[SL_DROP_ARP_NOT_FOR_US] = 1);
	assert_int_equal(neigh_count(), 0);

	/* Off-subnet sender asking for us: answered, not learned. */
	fr_arp(&f, &MAC_BCAST, &MAC_C, 1, IP(10, 9, 9, 9), &MAC_ZERO, IP_US0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_int_equal(cap0.n, 1);
	cap_free(&cap0);
	assert_int_equal(neigh_count(), 0);

	/* Known sender asking for someone else with a new MAC: merged (RFC 826). */
	learn_a();
	fr_arp(&f, &MAC_BCAST, &MAC_A2, 1, IP_A, &MAC_ZERO, IP(10, 0, 0, 99));
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	expect_neigh(IP_A, SL_NEIGH_REACHABLE, &MAC_A2);
	assert_int_equal(neigh_count(), 1);
	assert_stats(&w0.stats, .rx = 4, .rx_arp = 4, .tx_arp_reply = 2,
		     .drop[SL_DROP_ARP_NOT_FOR_US] = 2);
	assert_int_equal(cap0.n, 0);
}

static void
test_arp_gratuitous(void **state)
{
	struct frame f;

	(void)state;
	/* Announcement of an unknown host: does not create an entry. */
	fr_arp(&f, &MAC_BCAST, &MAC_B, 1, IP_B, &MAC_ZERO, IP_B);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	fr_arp(&f, &MAC_BCAST, &MAC_B, 2, IP_B, &MAC_BCAST, IP_B);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_int_equal(neigh_count(), 0);

	/* Of a known host (failover to a new MAC): updates it, both forms. */
	learn_a();
	fr_arp(&f, &MAC_BCAST, &MAC_A2, 1, IP_A, &MAC_ZERO, IP_A);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	expect_neigh(IP_A, SL_NEIGH_REACHABLE, &MAC_A2);
	fr_arp(&f, &MAC_BCAST, &MAC_A, 2, IP_A, &MAC_BCAST, IP_A);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	expect_neigh(IP_A, SL_NEIGH_REACHABLE, &MAC_A);
	assert_int_equal(neigh_count(), 1);
	assert_stats(&w0.stats, .rx = 5, .rx_arp = 5, .tx_arp_reply = 1,
		     .drop[SL_DROP_ARP_NOT_FOR_US] = 4);
	assert_int_equal(cap0.n, 0);
}

static void
test_arp_conflict(void **state)
{
	struct frame f;

	(void)state;
	/* Someone else claims our port address, a VIP, the off-link VIP. */
	fr_arp(&f, &MAC_BCAST, &MAC_C, 1, IP_US0, &MAC_ZERO, IP_A);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	fr_arp(&f, &MAC_BCAST, &MAC_C, 2, IP_VIP0, &MAC_BCAST, IP_VIP0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	fr_arp(&f, &MAC_BCAST, &MAC_C, 1, IP_FAR_VIP, &MAC_ZERO, IP_US0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_stats(&w0.stats, .rx = 3, .rx_arp = 3, .drop[SL_DROP_ARP_CONFLICT] = 3);

	/* Our own request reflected back is not a conflict. */
	fr_arp(&f, &MAC_BCAST, &MAC_US0, 1, IP_US0, &MAC_ZERO, IP_A);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_stats(&w0.stats, .rx = 4, .rx_arp = 4, .drop[SL_DROP_ARP_CONFLICT] = 3,
		     .drop[SL_DROP_ARP_NOT_FOR_US] = 1);
	assert_int_equal(cap0.n, 0);
	assert_int_equal(neigh_count(), 0);

	/* An RFC 5227 probe for our address (sender IP 0) is answered, not learned. */
	fr_arp(&f, &MAC_BCAST, &MAC_C, 1, 0, &MAC_ZERO, IP_US0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_int_equal(cap0.n, 1);
	cap_free(&cap0);
	assert_int_equal(neigh_count(), 0);
}

static void
test_arp_malformed(void **state)
{
	static const struct {
		const char *what;
		unsigned int off; /* byte to change in the frame */
		uint8_t val;
	} cases[] = {
		{ "htype 6", 15, 6 },
		{ "ptype 0x8600", 16, 0x86 },
		{ "hlen 8", 18, 8 },
		{ "plen 16", 19, 16 },
		{ "op 3", 21, 3 },
		{ "op 0", 21, 0 },
		{ "sha multicast", 22, 0x01 },
	};
	struct frame f;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		fr_arp(&f, &MAC_BCAST, &MAC_A, 1, IP_A, &MAC_ZERO, IP_US0);
		f.b[cases[i].off] = cases[i].val;
		assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
		if (w0.stats.drop[SL_DROP_ARP_MALFORMED] != i + 1)
			fail_msg("%s: not counted as malformed", cases[i].what);
	}
	/* Zero sender MAC. */
	fr_arp(&f, &MAC_BCAST, &MAC_ZERO, 1, IP_A, &MAC_ZERO, IP_US0);
	memcpy(f.b + 6, &MAC_A, 6);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	/* Truncated: one byte short of the ARP body. */
	fr_arp(&f, &MAC_BCAST, &MAC_A, 1, IP_A, &MAC_ZERO, IP_US0);
	f.len = 14 + 27;
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_stats(&w0.stats, .rx = 9, .rx_arp = 9, .drop[SL_DROP_ARP_MALFORMED] = 9);
	assert_int_equal(cap0.n, 0);
	assert_int_equal(neigh_count(), 0);
}

/* ------------------------------------------------------------------ */
/* IPv4 validation                                                     */

/* Give @p f to the owner, expect it dropped for @p reason and nothing else. */
static void
expect_ip_drop(const char *what, const struct frame *f, uint64_t ol_flags, enum sl_drop reason)
{
	struct sl_net_stats exp = { .rx = 1 };
	struct rte_mbuf *m = mk(f);

	memset(&w0.stats, 0, sizeof(w0.stats));
	m->ol_flags = ol_flags;
	if (sl_net_input(&w0, 0, m) != SL_NET_CONSUMED) {
		rte_pktmbuf_free(m); /* ours again: do not leak it into later tests */
		fail_msg("%s: not consumed", what);
	}
	exp.drop[reason] = 1;
	if (reason == SL_DROP_ICMP_SHORT || reason == SL_DROP_ICMP_CKSUM ||
	    reason == SL_DROP_ICMP_TYPE)
		exp.rx_icmp = 1;
	assert_stats_at(what, &w0.stats, &exp);
	if (cap0.n != 0 || rte_mempool_avail_count(pool) != avail_at_setup)
		fail_msg("%s: sent something or kept the mbuf", what);
}

static void
expect_tcp(const char *what, const struct frame *f, uint64_t ol_flags)
{
	struct rte_mbuf *m = mk(f);
	enum sl_net_verdict v;
	uint64_t l2, l3;

	memset(&w0.stats, 0, sizeof(w0.stats));
	m->ol_flags = ol_flags;
	v = sl_net_input(&w0, 0, m);
	if (v != SL_NET_TCP)
		fail_msg("%s: not handed to TCP", what); /* and consumed: no leak */
	l2 = m->l2_len;
	l3 = m->l3_len;
	rte_pktmbuf_free(m);
	assert_int_equal(l2, 14);
	assert_int_equal(l3, 20);
	assert_stats_at(what, &w0.stats, &(struct sl_net_stats){ .rx = 1, .rx_tcp = 1 });
}

static void
test_ipv4_drops(void **state)
{
	static const rte_be32_t bad_src[] = {
		IP(0, 1, 2, 3),	   IP(127, 0, 0, 1),	 IP(224, 0, 0, 1),
		IP(239, 1, 1, 1),  IP(240, 0, 0, 1),	 IP(255, 255, 255, 255),
		IP(10, 0, 0, 255), IP(192, 168, 1, 255), /* our subnets' broadcasts */
	};
	struct frame f;
	unsigned int i;
	uint8_t icmp[8];

	(void)state;
	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	expect_tcp("valid", &f, 0);

	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	f.len = 14 + 19;
	expect_ip_drop("19 bytes", &f, 0, SL_DROP_IP_SHORT);

	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	f.b[14] = 0x65;
	fix_ip_cksum(&f);
	expect_ip_drop("version 6", &f, 0, SL_DROP_IP_VERSION);

	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	f.b[14] = 0x44;
	expect_ip_drop("ihl 4", &f, 0, SL_DROP_IP_BAD_IHL);

	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	f.b[14] = 0x46; /* the first TCP word read as an option */
	expect_ip_drop("ihl 6", &f, 0, SL_DROP_IP_OPTIONS);

	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	set_be16(f.b + 16, 19);
	fix_ip_cksum(&f);
	expect_ip_drop("total length 19", &f, 0, SL_DROP_IP_SHORT);

	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	set_be16(f.b + 16, 41);
	fix_ip_cksum(&f);
	expect_ip_drop("total length > frame", &f, 0, SL_DROP_IP_SHORT);

	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	f.b[25] ^= 0x01;
	expect_ip_drop("checksum", &f, 0, SL_DROP_IP_CKSUM);
	/* The device's verdict is trusted both ways. */
	expect_tcp("checksum wrong, device says good", &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	expect_ip_drop("device says bad", &f, RTE_MBUF_F_RX_IP_CKSUM_BAD, SL_DROP_IP_CKSUM);

	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	f.b[22] = 0;
	fix_ip_cksum(&f);
	expect_ip_drop("ttl 0", &f, 0, SL_DROP_IP_TTL);

	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	set_be16(f.b + 20, 0x2000);
	fix_ip_cksum(&f);
	expect_ip_drop("MF", &f, 0, SL_DROP_IP_FRAG);
	set_be16(f.b + 20, 0x0001);
	fix_ip_cksum(&f);
	expect_ip_drop("offset 8", &f, 0, SL_DROP_IP_FRAG);
	set_be16(f.b + 20, 0x4000 | 0x1fff);
	fix_ip_cksum(&f);
	expect_ip_drop("DF + offset", &f, 0, SL_DROP_IP_FRAG);

	for (i = 0; i < RTE_DIM(bad_src); i++) {
		fr_tcp(&f, &MAC_A, bad_src[i], IP_US0);
		expect_ip_drop("bad source", &f, 0, SL_DROP_IP_SRC_INVALID);
	}

	fr_tcp(&f, &MAC_A, IP_A, IP(10, 0, 0, 50));
	expect_ip_drop("not ours", &f, 0, SL_DROP_IP_NOT_LOCAL);
	fr_tcp(&f, &MAC_A, IP_A, IP(10, 0, 0, 255));
	expect_ip_drop("broadcast", &f, 0, SL_DROP_IP_NOT_LOCAL);

	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	f.b[23] = IPPROTO_UDP;
	fix_ip_cksum(&f);
	expect_ip_drop("udp", &f, 0, SL_DROP_IP_PROTO);

	/* Every local address reaches TCP, whichever port's subnet it is on. */
	fr_tcp(&f, &MAC_A, IP_A, IP_VIP0);
	expect_tcp("vip", &f, 0);
	fr_tcp(&f, &MAC_A, IP_A, IP_FAR_VIP);
	expect_tcp("off-link vip", &f, 0);
	fr_tcp(&f, &MAC_A, IP_FAR, IP_US1);
	expect_tcp("other port's address", &f, 0);

	/* ICMP */
	fr_echo(&f, &MAC_A, IP_A, IP_US0);
	f.len = 14 + 20 + 4;
	set_be16(f.b + 16, 24);
	fix_ip_cksum(&f);
	expect_ip_drop("icmp 4 bytes", &f, 0, SL_DROP_ICMP_SHORT);

	fr_echo(&f, &MAC_A, IP_A, IP_US0);
	f.b[f.len - 1] ^= 0x20;
	expect_ip_drop("icmp checksum", &f, 0, SL_DROP_ICMP_CKSUM);

	fr_echo(&f, &MAC_A, IP_A, IP_US0);
	f.b[35] = 1;
	set_be16(f.b + 36, 0);
	set_be16(f.b + 36, t_cksum(f.b + 34, 16));
	expect_ip_drop("echo code 1", &f, 0, SL_DROP_ICMP_TYPE);

	/* A timestamp request, 8 bytes. */
	memset(icmp, 0, sizeof(icmp));
	icmp[0] = 13;
	set_be16(icmp + 2, t_cksum(icmp, sizeof(icmp)));
	{
		struct ipspec s = {
			.src = IP_A, .dst = IP_US0, .proto = IPPROTO_ICMP, .ttl = 64, .id = 3
		};

		fr_ipv4(&f, &MAC_A, &s, icmp, sizeof(icmp));
	}
	expect_ip_drop("icmp timestamp", &f, 0, SL_DROP_ICMP_TYPE);
}

static void
test_ipv4_padding(void **state)
{
	struct rte_mbuf *m;
	struct frame f;

	(void)state;
	/* A 40-byte SYN in a minimum frame: 6 bytes of padding that TCP must not see. */
	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	fr_pad(&f, 60, 0xee);
	m = mk(&f);
	assert_int_equal(sl_net_input(&w0, 0, m), SL_NET_TCP);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 54);
	assert_int_equal(rte_pktmbuf_data_len(m), 54);
	assert_int_equal(m->l2_len, 14);
	assert_int_equal(m->l3_len, 20);
	/* Data still starts at Ethernet. */
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), f.b, 54);
	rte_pktmbuf_free(m);
	assert_stats(&w0.stats, .rx = 1, .rx_tcp = 1);
}

/* ------------------------------------------------------------------ */
/* ICMP echo and the output path                                       */

static void
test_icmp_echo(void **state)
{
	struct frame f;

	(void)state;
	learn_a();
	fr_echo(&f, &MAC_A, IP_A, IP_US0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	expect_tx(&cap0, 0, exp_echo_reply_a, sizeof(exp_echo_reply_a));
	assert_int_equal(w0.ip_id, 0x1235);
	assert_stats(&w0.stats, .rx = 2, .rx_arp = 1, .tx_arp_reply = 1, .rx_icmp = 1,
		     .tx_icmp_reply = 1, .tx_ip = 1);
}

static void
test_icmp_echo_far(void **state)
{
	struct frame f;

	(void)state;
	/* From beyond the gateway, to a VIP: the reply goes to the gateway's MAC. */
	learn(&MAC_GW, IP_GW);
	fr_echo(&f, &MAC_GW, IP_FAR, IP_VIP0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	expect_tx(&cap0, 0, exp_echo_reply_far, sizeof(exp_echo_reply_far));
	assert_stats(&w0.stats, .rx = 2, .rx_arp = 1, .tx_arp_reply = 1, .rx_icmp = 1,
		     .tx_icmp_reply = 1, .tx_ip = 1);
}

static void
test_icmp_echo_unresolved(void **state)
{
	struct frame f;

	(void)state;
	/* B pings us before we know its MAC: we ask, and hold the reply. */
	fr_echo(&f, &MAC_B, IP_B, IP_US0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	expect_tx(&cap0, 0, exp_arp_request_b, sizeof(exp_arp_request_b));
	assert_int_equal(cap0.n, 0);
	assert_int_equal(w0.n_held, 1);
	expect_neigh(IP_B, SL_NEIGH_INCOMPLETE, NULL);
	assert_stats(&w0.stats, .rx = 1, .rx_icmp = 1, .tx_icmp_reply = 1, .held = 1,
		     .tx_arp_request = 1);

	/* B answers. */
	fr_arp(&f, &MAC_US0, &MAC_B, 2, IP_B, &MAC_US0, IP_US0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	expect_neigh(IP_B, SL_NEIGH_REACHABLE, &MAC_B);
	assert_int_equal(cap0.n, 0);

	/* Nothing is due before the tick... */
	sl_net_poll(&w0, T0 + net->tick_tsc - 1);
	assert_int_equal(cap0.n, 0);
	assert_int_equal(w0.n_held, 1);
	/* ...then the held reply goes out. */
	sl_net_poll(&w0, T0 + net->tick_tsc);
	expect_tx(&cap0, 0, exp_echo_reply_b, sizeof(exp_echo_reply_b));
	assert_int_equal(w0.n_held, 0);
	assert_stats(&w0.stats, .rx = 2, .rx_icmp = 1, .rx_arp = 1, .tx_icmp_reply = 1, .held = 1,
		     .tx_arp_request = 1, .tx_ip = 1);
}

static void
test_neigh_failed(void **state)
{
	const uint64_t r = net->retry_tsc, R = net->reachable_tsc;
	struct sl_neigh_info n;
	struct frame f;
	uint64_t t;

	(void)state;
	assert_int_equal(sl_net_output(&w0, mk_out(IP_B, &f)), 0);
	expect_tx(&cap0, 0, exp_arp_request_b, sizeof(exp_arp_request_b));
	/* Retries every retry_tsc, not before. */
	sl_net_poll(&w0, T0 + r - net->tick_tsc);
	assert_int_equal(cap0.n, 0);
	sl_net_poll(&w0, T0 + r);
	expect_tx(&cap0, 0, exp_arp_request_b, sizeof(exp_arp_request_b));
	sl_net_poll(&w0, T0 + 2 * r);
	expect_tx(&cap0, 0, exp_arp_request_b, sizeof(exp_arp_request_b));
	assert_true(neigh_get(IP_B, &n));
	assert_int_equal(n.state, SL_NEIGH_INCOMPLETE);
	assert_int_equal(n.probes, 3);
	assert_int_equal(w0.n_held, 1);
	/* Third request unanswered: FAILED, the held packet dropped. */
	sl_net_poll(&w0, T0 + 3 * r);
	assert_int_equal(cap0.n, 0);
	expect_neigh(IP_B, SL_NEIGH_FAILED, &MAC_ZERO);
	assert_int_equal(w0.n_held, 0);
	assert_stats(&w0.stats, .held = 1, .tx_arp_request = 3, .drop[SL_DROP_NEIGH_FAILED] = 1);

	/* While FAILED, packets to it are dropped at once... */
	t = T0 + 3 * r + R / 2;
	sl_net_poll(&w0, t);
	assert_int_equal(sl_net_output(&w0, mk_out(IP_B, &f)), -EHOSTUNREACH);
	assert_int_equal(w0.stats.drop[SL_DROP_NEIGH_FAILED], 2);
	/* ...and since it was wanted, it is asked for again after a while. */
	sl_net_poll(&w0, T0 + 3 * r + R);
	expect_tx(&cap0, 0, exp_arp_request_b, sizeof(exp_arp_request_b));
	expect_neigh(IP_B, SL_NEIGH_INCOMPLETE, NULL);
	t = T0 + 3 * r + R;
	sl_net_poll(&w0, t + r);
	sl_net_poll(&w0, t + 2 * r);
	sl_net_poll(&w0, t + 3 * r);
	assert_int_equal(cap0.n, 2);
	cap_free(&cap0);
	expect_neigh(IP_B, SL_NEIGH_FAILED, NULL);
	/* Nobody wanted it this time: removed. */
	sl_net_poll(&w0, t + 3 * r + R);
	expect_no_neigh(IP_B);
	assert_int_equal(cap0.n, 0);
	assert_stats(&w0.stats, .held = 1, .tx_arp_request = 6, .drop[SL_DROP_NEIGH_FAILED] = 2);
	/* Its slot comes back after a grace period. */
	rcu_barrier();
	learn(&MAC_B, IP_B);
	expect_neigh(IP_B, SL_NEIGH_REACHABLE, &MAC_B);
}

static void
test_neigh_probe(void **state)
{
	const uint64_t r = net->retry_tsc, R = net->reachable_tsc;
	struct sl_neigh_info n;
	struct frame f, ipf;
	uint64_t t;

	(void)state;
	learn_a();
	sl_net_poll(&w0, T0 + R - net->tick_tsc);
	assert_int_equal(cap0.n, 0);
	/* Reachable time over: ask A directly, keep using its MAC meanwhile. */
	sl_net_poll(&w0, T0 + R);
	expect_tx(&cap0, 0, exp_arp_probe_a, sizeof(exp_arp_probe_a));
	expect_neigh(IP_A, SL_NEIGH_PROBE, &MAC_A);
	assert_int_equal(sl_net_output(&w0, mk_out(IP_A, &ipf)), 0);
	expect_out(&cap0, &MAC_A, &ipf);
	/* A answers: REACHABLE again. */
	fr_arp(&f, &MAC_US0, &MAC_A, 2, IP_A, &MAC_US0, IP_US0);
	assert_int_equal(rx(&w0, 0, &f), SL_NET_CONSUMED);
	assert_true(neigh_get(IP_A, &n));
	assert_int_equal(n.state, SL_NEIGH_REACHABLE);
	assert_int_equal(n.probes, 0);

	/* Next time it does not answer: `retries` unicast probes, then FAILED. */
	t = T0 + 2 * R;
	sl_net_poll(&w0, t);
	sl_net_poll(&w0, t + r);
	sl_net_poll(&w0, t + 2 * r);
	expect_neigh(IP_A, SL_NEIGH_PROBE, &MAC_A);
	expect_tx(&cap0, 0, exp_arp_probe_a, sizeof(exp_arp_probe_a));
	expect_tx(&cap0, 0, exp_arp_probe_a, sizeof(exp_arp_probe_a));
	expect_tx(&cap0, 0, exp_arp_probe_a, sizeof(exp_arp_probe_a));
	sl_net_poll(&w0, t + 3 * r);
	assert_int_equal(cap0.n, 0);
	expect_neigh(IP_A, SL_NEIGH_FAILED, NULL);
	assert_int_equal(sl_net_output(&w0, mk_out(IP_A, &ipf)), -EHOSTUNREACH);
	assert_stats(&w0.stats, .rx = 2, .rx_arp = 2, .tx_arp_reply = 1, .tx_arp_request = 4,
		     .tx_ip = 1, .drop[SL_DROP_NEIGH_FAILED] = 1);
}

static void
test_hold_full(void **state)
{
	struct frame f;
	unsigned int i;

	(void)state;
	for (i = 0; i < 8; i++)
		assert_int_equal(sl_net_output(&w0, mk_out(IP_B, &f)), 0);
	assert_int_equal(sl_net_output(&w0, mk_out(IP_C, &f)), -ENOBUFS);
	/* One request for the eight: they wait for the same next hop. */
	expect_tx(&cap0, 0, exp_arp_request_b, sizeof(exp_arp_request_b));
	assert_int_equal(w0.n_held, 8);
	assert_stats(&w0.stats, .held = 8, .tx_arp_request = 1, .drop[SL_DROP_NEIGH_HOLD_FULL] = 1);
	/* Held packets are freed by sl_net_worker_fini() (teardown checks). */
}

static void
test_no_mbuf(void **state)
{
	struct rte_mempool *tiny;
	struct rte_mbuf *only;
	struct sl_neigh_info n;
	struct frame f;

	(void)state;
	tiny = rte_pktmbuf_pool_create("test_net_tiny", 1, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	assert_non_null(tiny);
	only = rte_pktmbuf_alloc(tiny);
	assert_non_null(only);
	w0.pool = tiny;
	/* Held, but the request cannot be built. */
	assert_int_equal(sl_net_output(&w0, mk_out(IP_B, &f)), 0);
	assert_int_equal(cap0.n, 0);
	assert_true(neigh_get(IP_B, &n));
	assert_int_equal(n.state, SL_NEIGH_INCOMPLETE);
	assert_int_equal(n.probes, 1);
	assert_stats(&w0.stats, .held = 1, .drop[SL_DROP_NO_MBUF] = 1);
	w0.pool = pool;
	rte_pktmbuf_free(only);
	rte_mempool_free(tiny);
	/* The retry goes out when mbufs are back. */
	sl_net_poll(&w0, T0 + net->retry_tsc);
	expect_tx(&cap0, 0, exp_arp_request_b, sizeof(exp_arp_request_b));
	assert_stats(&w0.stats, .held = 1, .tx_arp_request = 1, .drop[SL_DROP_NO_MBUF] = 1);
}

static void
test_neigh_table_full(void **state)
{
	const uint64_t r = net->retry_tsc, R = net->reachable_tsc;
	struct frame f;
	uint64_t t;

	(void)state;
	/* Two entries: A and B. C asks for us: answered, not learned, counted. */
	learn(&MAC_A, IP_A);
	learn(&MAC_B, IP_B);
	learn(&MAC_C, IP_C);
	expect_no_neigh(IP_C);
	assert_int_equal(neigh_count(), 2);
	assert_int_equal(w0.stats.neigh_full, 1);
	/* Nothing FAILED to evict: an unresolved next hop is refused as well. */
	assert_int_equal(sl_net_output(&w0, mk_out(IP(10, 0, 0, 5), &f)), 0);
	assert_int_equal(w0.stats.neigh_full, 2);
	assert_int_equal(cap0.n, 0);
	/* The held packet keeps asking on each tick, and times out. */
	sl_net_poll(&w0, T0 + net->tick_tsc);
	assert_int_equal(w0.stats.neigh_full, 3);
	assert_int_equal(w0.n_held, 1);
	sl_net_poll(&w0, T0 + 3 * r);
	assert_int_equal(w0.n_held, 0);
	assert_int_equal(w0.stats.drop[SL_DROP_NEIGH_FAILED], 1);

	/* A and B stop answering: both FAILED. */
	t = T0 + R;
	sl_net_poll(&w0, t);
	sl_net_poll(&w0, t + r);
	sl_net_poll(&w0, t + 2 * r);
	sl_net_poll(&w0, t + 3 * r);
	assert_int_equal(cap0.n, 6);
	cap_free(&cap0);
	expect_neigh(IP_A, SL_NEIGH_FAILED, NULL);
	expect_neigh(IP_B, SL_NEIGH_FAILED, NULL);
	/* C again: refused, but the oldest FAILED entry (A, first to fail) goes. */
	learn(&MAC_C, IP_C);
	expect_no_neigh(IP_C);
	expect_no_neigh(IP_A);
	assert_int_equal(neigh_count(), 1);
	assert_int_equal(w0.stats.neigh_full, 4);
	/* After a grace period the slot is free and C is learned. */
	rcu_barrier();
	learn(&MAC_C, IP_C);
	expect_neigh(IP_C, SL_NEIGH_REACHABLE, &MAC_C);
	expect_neigh(IP_B, SL_NEIGH_FAILED, NULL);
	assert_int_equal(w0.stats.neigh_full, 4);
}

/* ------------------------------------------------------------------ */
/* Workers other than the ARP owner                                    */

static void
test_handoff(void **state)
{
	struct rte_mbuf *m;
	struct frame f;

	(void)state;
	/* ARP on worker 1 goes to the owner, which answers. */
	fr_arp(&f, &MAC_BCAST, &MAC_A, 1, IP_A, &MAC_ZERO, IP_US0);
	assert_int_equal(rx(&w1, 0, &f), SL_NET_CONSUMED);
	assert_int_equal(rte_ring_count(net->to_owner), 1);
	assert_int_equal(cap1.n, 0);
	assert_int_equal(neigh_count(), 0);
	sl_net_poll(&w0, T0 + 1); /* not a tick: the rings drain on every call */
	assert_int_equal(rte_ring_count(net->to_owner), 0);
	expect_tx(&cap0, 0, exp_arp_reply_a, sizeof(exp_arp_reply_a));
	expect_neigh(IP_A, SL_NEIGH_REACHABLE, &MAC_A);

	/* So does ICMP, once worker 1 validated IPv4. */
	fr_echo(&f, &MAC_A, IP_A, IP_US0);
	assert_int_equal(rx(&w1, 0, &f), SL_NET_CONSUMED);
	fr_echo(&f, &MAC_A, IP_A, IP_US0);
	f.b[24] ^= 0xff;
	assert_int_equal(rx(&w1, 0, &f), SL_NET_CONSUMED);
	assert_int_equal(rte_ring_count(net->to_owner), 1);
	sl_net_poll(&w0, T0 + 2);
	expect_tx(&cap0, 0, exp_echo_reply_a, sizeof(exp_echo_reply_a));

	/* TCP stays on worker 1. */
	fr_tcp(&f, &MAC_A, IP_A, IP_US0);
	m = mk(&f);
	assert_int_equal(sl_net_input(&w1, 0, m), SL_NET_TCP);
	rte_pktmbuf_free(m);

	assert_int_equal(cap1.n, 0);
	assert_stats(&w1.stats, .rx = 4, .handoff = 2, .rx_tcp = 1, .drop[SL_DROP_IP_CKSUM] = 1);
	assert_stats(&w0.stats, .rx_arp = 1, .tx_arp_reply = 1, .rx_icmp = 1, .tx_icmp_reply = 1,
		     .tx_ip = 1);
}

static void
test_handoff_ring_full(void **state)
{
	unsigned int i, cap = rte_ring_get_capacity(net->to_owner);
	struct frame f;

	(void)state;
	fr_arp(&f, &MAC_BCAST, &MAC_A, 1, IP_A, &MAC_ZERO, IP_US0);
	assert_true(cap < POOL_SIZE);
	for (i = 0; i < cap; i++)
		assert_int_equal(rx(&w1, 0, &f), SL_NET_CONSUMED);
	assert_int_equal(rx(&w1, 0, &f), SL_NET_CONSUMED);
	assert_stats(&w1.stats, .rx = cap + 1, .handoff = cap, .drop[SL_DROP_RING_FULL] = 1);
	assert_int_equal(rte_mempool_avail_count(pool), avail_at_setup - cap);
	/* Left in the ring: sl_net_destroy() frees them (teardown checks). */
}

static void
test_nonowner_resolve(void **state)
{
	struct frame f1, f2;
	uint64_t c0;

	(void)state;
	/* Worker 1 holds two packets for B and asks the owner once. */
	assert_int_equal(sl_net_output(&w1, mk_out(IP_B, &f1)), 0);
	assert_int_equal(sl_net_output(&w1, mk_out(IP_B, &f2)), 0);
	assert_int_equal(rte_ring_count(net->resolve), 1);
	assert_int_equal(w1.n_held, 2);
	assert_int_equal(cap1.n, 0);
	sl_net_poll(&w0, T0 + 1);
	assert_int_equal(rte_ring_count(net->resolve), 0);
	expect_tx(&cap0, 0, exp_arp_request_b, sizeof(exp_arp_request_b));
	expect_neigh(IP_B, SL_NEIGH_INCOMPLETE, NULL);
	/* B answers the owner; worker 1 sends what it held on its next tick. */
	fr_arp(&f1, &MAC_US0, &MAC_B, 2, IP_B, &MAC_US0, IP_US0);
	assert_int_equal(rx(&w0, 0, &f1), SL_NET_CONSUMED);
	sl_net_poll(&w1, T0 + net->tick_tsc);
	expect_out(&cap1, &MAC_B, &f2);
	expect_out(&cap1, &MAC_B, &f2);
	assert_int_equal(w1.n_held, 0);
	assert_stats(&w1.stats, .held = 2, .tx_ip = 2);
	assert_stats(&w0.stats, .rx = 1, .rx_arp = 1, .tx_arp_request = 1);

	/* A next hop that fails: worker 1 drops what it held. */
	assert_int_equal(sl_net_output(&w1, mk_out(IP_C, &f1)), 0);
	c0 = T0 + 2 * net->tick_tsc;
	sl_net_poll(&w0, c0);		       /* owner: asks... */
	sl_net_poll(&w0, c0 + net->retry_tsc); /* ...again... */
	sl_net_poll(&w0, c0 + 2 * net->retry_tsc);
	assert_int_equal(cap0.n, 3);
	cap_free(&cap0);
	sl_net_poll(&w0, c0 + 3 * net->retry_tsc); /* ...gives up */
	assert_int_equal(cap0.n, 0);
	expect_neigh(IP_C, SL_NEIGH_FAILED, NULL);
	sl_net_poll(&w1, T0 + net->tick_tsc + 1); /* not a tick yet */
	assert_int_equal(w1.n_held, 1);
	sl_net_poll(&w1, c0 + 3 * net->retry_tsc);
	assert_int_equal(w1.n_held, 0);
	assert_stats(&w1.stats, .held = 3, .tx_ip = 2, .drop[SL_DROP_NEIGH_FAILED] = 1);
}

static void
test_walk_offline(void **state)
{
	(void)state;
	learn_a();
	/* The control thread's way: registered, offline, the walk comes online itself. */
	rcu_thread_offline();
	assert_int_equal(neigh_count(), 1);
	assert_false(rcu_read_ongoing());
	rcu_thread_online();
	assert_int_equal(neigh_count(), 1);
	assert_true(rcu_read_ongoing());
}

/* ------------------------------------------------------------------ */
/* Concurrency: readers while the owner adds, removes and reuses entries */

struct reader {
	pthread_t thread;
	bool stop;
	uint64_t walks;
	uint64_t seen;
	uint64_t bad;
};

static void
reader_cb(const struct sl_neigh_info *n, void *arg)
{
	struct reader *rd = arg;
	uint32_t ip = rte_be_to_cpu_32(n->ip);

	rd->seen++;
	/* Only the addresses the owner churns, in a state that exists. */
	if (ip < IPH(10, 0, 0, 100) || ip >= IPH(10, 0, 0, 124) || n->state > SL_NEIGH_FAILED ||
	    n->iface != 0)
		rd->bad++;
}

static void *
reader_main(void *arg)
{
	struct reader *rd = arg;

	rcu_register_thread();
	while (!__atomic_load_n(&rd->stop, __ATOMIC_ACQUIRE)) {
		sl_neigh_walk(net, reader_cb, rd);
		rd->walks++;
		rcu_quiescent_state();
	}
	rcu_unregister_thread();
	return NULL;
}

static void
test_concurrent_readers(void **state)
{
	const uint64_t r = net->retry_tsc, R = net->reachable_tsc;
	struct reader rd = { 0 };
	struct rte_ether_addr mac = MAC_A;
	uint64_t t = T0;
	unsigned int round, i;

	(void)state;
	assert_int_equal(pthread_create(&rd.thread, NULL, reader_main, &rd), 0);
	for (round = 0; round < 100; round++) {
		/* 24 addresses through 16 slots: each slot holds many hosts in turn. */
		for (i = 0; i < 8; i++) {
			unsigned int host = 100 + (round * 8 + i) % 24;

			mac.addr_bytes[5] = host;
			learn(&mac, IP(10, 0, 0, host));
		}
		/* Online, like a worker between quiescent states, while the reader walks. */
		rte_delay_us_block(100);
		sl_net_poll(&w0, t += R); /* PROBE */
		sl_net_poll(&w0, t += r);
		sl_net_poll(&w0, t += r);
		sl_net_poll(&w0, t += r); /* FAILED */
		sl_net_poll(&w0, t += R); /* removed, call_rcu */
		cap_free(&cap0);
		if (neigh_count() != 0)
			fail_msg("round %u: entries left", round);
		/* The grace period ends with the reader still walking: slots come back. */
		rcu_barrier();
	}
	__atomic_store_n(&rd.stop, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(rd.thread, NULL), 0);
	assert_true(rd.walks > 0);
	assert_true(rd.seen > 0);
	assert_int_equal(rd.bad, 0);
	assert_int_equal(w0.stats.neigh_full, 0);
	assert_int_equal(w0.stats.tx_arp_reply, 800);
	print_message("    %" PRIu64 " walks saw %" PRIu64 " entries; %" PRIu64 " refused (full)\n",
		      rd.walks, rd.seen, w0.stats.neigh_full);
}

/* ------------------------------------------------------------------ */

static bool eal_up;

static int
group_setup(void **state)
{
	/*
	 * No hugepages, no devices, no files: any user can run this. DPDK 22.11
	 * counts --no-huge as legacy memory, which --in-memory refuses, so
	 * --no-shconf (no shared config) and --no-telemetry (no socket) stand
	 * in for it.
	 */
	static char *eal_args[] = {
		"test_net",    "--no-huge",	      "--no-pci",
		"--no-shconf", "--no-telemetry",      "-l",
		"0",	       "--log-level=*:error", "-m",
		"64",
	};

	(void)state;
	if (rte_eal_init(RTE_DIM(eal_args), eal_args) < 0) {
		print_error("rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	eal_up = true;
	pool = rte_pktmbuf_pool_create("test_net", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		return -1;
	/* Like a worker: a qsbr reader, online for the whole run. */
	rcu_register_thread();
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (!eal_up)
		return 0;
	if (pool != NULL) {
		rcu_unregister_thread();
		rte_mempool_free(pool);
	}
	rte_eal_cleanup();
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create),
		T(test_names),
		T(test_route),
		T(test_eth_filter),
		T(test_arp_request_reply),
		T(test_arp_vip),
		T(test_arp_not_for_us),
		T(test_arp_gratuitous),
		T(test_arp_conflict),
		T(test_arp_malformed),
		T(test_ipv4_drops),
		T(test_ipv4_padding),
		T(test_icmp_echo),
		T(test_icmp_echo_far),
		T(test_icmp_echo_unresolved),
		T(test_neigh_failed),
		T(test_neigh_probe),
		T(test_hold_full),
		T(test_no_mbuf),
		cmocka_unit_test_setup_teardown(test_neigh_table_full, setup_small, teardown),
		T(test_handoff),
		T(test_handoff_ring_full),
		T(test_nonowner_resolve),
		T(test_walk_offline),
		T(test_concurrent_readers),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
