/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp micro-benchmark: two instances over a lossless in-memory link on a
 * simulated clock (tsc_hz = 1e9, the clock moves by a fixed step per loop).
 *
 *   bench_tcp [-n count] [-b burst] [-o] [-d] segment|conn|poll
 *
 *  segment  steady-state bulk transfer, A -> B, 256 KiB buffers, all of
 *           SACK/timestamps/window scale: cost per MSS-sized data segment
 *           received, with the ACKs B sends and A processes for it.
 *  conn     connection set-up and tear-down, 8 at a time: SYN, SYN-ACK, ACK,
 *           FIN, ACK, FIN, ACK, TIME_WAIT (10 ms) expiry and free: cost per
 *           connection, both ends.
 *  poll     sl_tcp_poll() of an instance with one idle connection, the clock
 *           moving 1 us per call: the poll loop's fixed cost.
 *  -n       units measured (default 200000 segments, 50000 connections,
 *           1000000 polls)
 *  -b       rx burst: packets each instance takes per loop iteration (32)
 *  -o       checksum offload (tx_cksum_offload, RX_L4_CKSUM_GOOD) instead of
 *           software checksums
 *  -d       segment: the receiver returns window credit (sl_tcp_consumed)
 *           once per rx burst instead of in each DATA event
 *
 * The loop is a worker's: sl_tcp_poll(), then at most one burst of
 * sl_tcp_input(), for each instance in turn, then the application's
 * deferred work. The link behaves like a NIC pair: it takes the tx chain,
 * copies it into one fresh mbuf at delivery (DMA) and frees the tx chain
 * (tx completion). Set-up and warm-up (slow start, TIME_WAIT steady state)
 * happen before the measured part.
 *
 * Under valgrind --tool=callgrind --instr-atstart=no only the measured part
 * is counted (client requests below; run.sh and callgrind.sh do this). Run
 * natively it prints ns per unit from rte_rdtsc(): for the whole loop
 * (including the link's copy and the application) and for the time spent
 * inside sl_tcp_* calls (the cheap callbacks nested in them included).
 *
 * The last line is machine-readable for run.sh:
 *   RESULT <name> units=<n> unit=<segment|conn> ns_loop=<x> ns_stack=<y>
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#ifdef SL_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s)
#endif

#include "sl_tcp.h"

#define HZ 1000000000ull /* simulated: 1 "cycle" = 1 ns */
#define US 1000ull
#define MS 1000000ull

#define ADDR_A RTE_BE32(0x0a000001)
#define ADDR_B RTE_BE32(0x0a000002)
#define PORT   80

#define Q_SIZE	   8192 /* packets in flight towards one instance */
#define CONN_CONC  8
#define CONN_TW_MS 10

static struct rte_mempool *hdr_pool, *app_pool, *rx_pool;
static uint64_t now; /* simulated tsc */
static int offload, defer_credit;
static uint32_t burst = 32;
static uint64_t step = 2 * US; /* simulated time per loop iteration */

/* ------------------------------------------------------------------ link */

struct node {
	struct sl_tcp *t;
	int id;
	struct rte_mbuf *q[Q_SIZE]; /* packets on their way to this node */
	uint32_t qhead, qtail;
};
static struct node nodes[2];

/* Counters of the delivered packets. */
static uint64_t data_segs, data_bytes, pure_acks;

/* Time inside sl_tcp_* calls (rte_rdtsc), and the calls made. */
static uint64_t stack_tsc, stack_calls;

static void
link_output(void *arg, struct rte_mbuf *m)
{
	struct node *peer = &nodes[!((struct node *)arg)->id];

	if (peer->qtail - peer->qhead == Q_SIZE) {
		fprintf(stderr, "bench_tcp: link queue full\n");
		exit(1);
	}
	peer->q[peer->qtail++ % Q_SIZE] = m;
}

/* The "NIC": one linear mbuf per packet, the tx chain freed. */
static struct rte_mbuf *
link_deliver(struct rte_mbuf *m)
{
	struct rte_mbuf *r = rte_pktmbuf_alloc(rx_pool);
	const struct rte_tcp_hdr *th;
	uint32_t hl, len = m->pkt_len;
	char *d;

	if (r == NULL || (d = rte_pktmbuf_append(r, (uint16_t)len)) == NULL) {
		fprintf(stderr, "bench_tcp: rx pool empty\n");
		exit(1);
	}
	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		memcpy(d, rte_pktmbuf_mtod(s, const char *), s->data_len);
		d += s->data_len;
	}
	rte_pktmbuf_free(m);
	r->l3_len = sizeof(struct rte_ipv4_hdr);
	if (offload)
		r->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	th = rte_pktmbuf_mtod_offset(r, const struct rte_tcp_hdr *, sizeof(struct rte_ipv4_hdr));
	hl = sizeof(struct rte_ipv4_hdr) + (th->data_off >> 4) * 4u;
	if (len > hl) {
		data_segs++;
		data_bytes += len - hl;
	} else if (th->tcp_flags == RTE_TCP_ACK_FLAG) {
		pure_acks++;
	}
	return r;
}

/* ------------------------------------------------------ timed stack calls */

static inline void
timed_poll(struct sl_tcp *t)
{
	uint64_t t0 = rte_rdtsc();

	sl_tcp_poll(t, now);
	stack_tsc += rte_rdtsc() - t0;
	stack_calls++;
}

static inline void
timed_input(struct sl_tcp *t, struct rte_mbuf *m)
{
	uint64_t t0 = rte_rdtsc();

	sl_tcp_input(t, m);
	stack_tsc += rte_rdtsc() - t0;
	stack_calls++;
}

static inline int
timed_send(struct sl_tcp_conn *c, struct rte_mbuf *m)
{
	uint64_t t0 = rte_rdtsc();
	int rc = sl_tcp_send(c, m);

	stack_tsc += rte_rdtsc() - t0;
	stack_calls++;
	return rc;
}

static inline void
timed_shutdown(struct sl_tcp_conn *c)
{
	uint64_t t0 = rte_rdtsc();

	sl_tcp_shutdown(c);
	stack_tsc += rte_rdtsc() - t0;
	stack_calls++;
}

static inline void
timed_consumed(struct sl_tcp_conn *c, uint32_t bytes)
{
	uint64_t t0 = rte_rdtsc();

	sl_tcp_consumed(c, bytes);
	stack_tsc += rte_rdtsc() - t0;
	stack_calls++;
}

static inline int
timed_connect(struct sl_tcp *t, struct sl_tcp_conn **c)
{
	uint64_t t0 = rte_rdtsc();
	int rc = sl_tcp_connect(t, ADDR_A, ADDR_B, PORT, NULL, c);

	stack_tsc += rte_rdtsc() - t0;
	stack_calls++;
	return rc;
}

/* Cycles one rte_rdtsc() pair adds to a timed call. */
static double
rdtsc_overhead(void)
{
	uint64_t sum = 0;

	for (int i = 0; i < 100000; i++) {
		uint64_t t0 = rte_rdtsc();

		sum += rte_rdtsc() - t0;
	}
	return (double)sum / 100000;
}

/* ----------------------------------------------------------- application */

/* Connections whose shutdown waits for the application phase (conn). */
static struct sl_tcp_conn *pending[2][4 * CONN_CONC];
static uint32_t npending[2];
static uint64_t conns_done_ends; /* CLOSED events, two per connection */
static struct sl_tcp_conn *bulk_conn[2];
static uint32_t credit[2]; /* -d: bytes to return after the burst */
static int conn_mode;

static void
app_event(void *arg, const struct sl_tcp_event *ev)
{
	struct node *n = arg;

	switch (ev->type) {
	case SL_TCP_EV_ACCEPTED:
		bulk_conn[n->id] = ev->conn;
		break;
	case SL_TCP_EV_CONNECTED:
	case SL_TCP_EV_PEER_FIN:
		if (ev->type == SL_TCP_EV_CONNECTED)
			bulk_conn[n->id] = ev->conn;
		if (!conn_mode)
			break;
		if (npending[n->id] == RTE_DIM(pending[n->id])) {
			fprintf(stderr, "bench_tcp: too many pending shutdowns\n");
			exit(1);
		}
		pending[n->id][npending[n->id]++] = ev->conn;
		break;
	case SL_TCP_EV_DATA:
		rte_pktmbuf_free(ev->data.m);
		if (defer_credit)
			credit[n->id] += ev->data.len;
		else
			sl_tcp_consumed(ev->conn, ev->data.len);
		break;
	case SL_TCP_EV_CLOSED:
		if (ev->reason != SL_TCP_CLOSE_NORMAL) {
			fprintf(stderr, "bench_tcp: connection closed, reason %d\n", ev->reason);
			exit(1);
		}
		conns_done_ends++;
		break;
	default:
		break;
	}
}

/* The bulk sender keeps its send queue full with MSS-sized mbufs. */
static void
bulk_fill(struct sl_tcp_conn *c, uint32_t chunk)
{
	uint32_t space = sl_tcp_send_space(c);
	struct rte_mbuf *head = NULL, *tail = NULL;

	while (space >= chunk) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(app_pool);

		if (m == NULL || rte_pktmbuf_append(m, (uint16_t)chunk) == NULL) {
			fprintf(stderr, "bench_tcp: app pool empty\n");
			exit(1);
		}
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += m->pkt_len;
		}
		tail = m;
		space -= chunk;
	}
	if (head != NULL && timed_send(c, head) != 0) {
		fprintf(stderr, "bench_tcp: sl_tcp_send refused\n");
		exit(1);
	}
}

/* One worker-loop iteration for both instances. */
static void
loop_once(void)
{
	now += step;
	for (int i = 0; i < 2; i++) {
		struct node *n = &nodes[i];

		timed_poll(n->t);
		for (uint32_t b = 0; b < burst && n->qhead != n->qtail; b++)
			timed_input(n->t, link_deliver(n->q[n->qhead++ % Q_SIZE]));
		if (credit[i] > 0) {
			timed_consumed(bulk_conn[i], credit[i]);
			credit[i] = 0;
		}
	}
}

/* ----------------------------------------------------------------- setup */

static void
nodes_create(struct sl_tcp_params *p)
{
	for (int i = 0; i < 2; i++) {
		nodes[i].id = i;
		nodes[i].qhead = nodes[i].qtail = 0;
		p->output_arg = &nodes[i];
		p->event_arg = &nodes[i];
		p->key[0] = (uint8_t)(i + 1);
		nodes[i].t = sl_tcp_create(p);
		if (nodes[i].t == NULL) {
			fprintf(stderr, "sl_tcp_create: %s\n", rte_strerror(rte_errno));
			exit(1);
		}
		sl_tcp_poll(nodes[i].t, now);
	}
	if (sl_tcp_listen(nodes[1].t, ADDR_B, PORT, NULL) != 0) {
		fprintf(stderr, "sl_tcp_listen failed\n");
		exit(1);
	}
}

static void
nodes_destroy(void)
{
	for (int i = 0; i < 2; i++) {
		while (nodes[i].qhead != nodes[i].qtail)
			rte_pktmbuf_free(nodes[i].q[nodes[i].qhead++ % Q_SIZE]);
		sl_tcp_destroy(nodes[i].t);
	}
}

static void
base_params(struct sl_tcp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->tsc_hz = HZ;
	p->hdr_pool = hdr_pool;
	p->output = link_output;
	p->event = app_event;
	p->flags = SL_TCP_F_DEFAULT;
	p->tx_cksum_offload = offload;
}

struct result {
	const char *name, *unit;
	uint64_t units;
	uint64_t loop_tsc, stack_tsc, stack_calls;
};

static void
report(const struct result *r)
{
	double hz = (double)rte_get_tsc_hz(), ovh = rdtsc_overhead();
	double ns_loop = (double)r->loop_tsc * 1e9 / hz / (double)r->units;
	double stack = (double)r->stack_tsc - ovh * (double)r->stack_calls;
	double ns_stack = (stack > 0 ? stack : 0) * 1e9 / hz / (double)r->units;

	printf("%s: %.1f ns/%s for the loop (link copy and application included), "
	       "%.1f ns/%s inside sl_tcp_* calls (%.1f calls/%s, rdtsc overhead %.0f cycles "
	       "subtracted)\n",
	       r->name, ns_loop, r->unit, ns_stack, r->unit,
	       (double)r->stack_calls / (double)r->units, r->unit, ovh);
	printf("RESULT %s units=%lu unit=%s ns_loop=%.1f ns_stack=%.1f\n", r->name,
	       (unsigned long)r->units, r->unit, ns_loop, ns_stack);
}

static void
check_stats(const char *what)
{
	for (int i = 0; i < 2; i++) {
		const struct sl_tcp_stats *s = sl_tcp_stats(nodes[i].t);
		uint64_t drops = 0;

		for (int d = 0; d < SL_TCP_DROP__MAX; d++)
			drops += s->drops[d];
		if (s->rtx_timeout || s->rtx_fast || s->rtx_syn || drops) {
			fprintf(stderr,
				"bench_tcp %s: node %d: rtx %lu/%lu/%lu, drops %lu: "
				"not the clean path\n",
				what, i, (unsigned long)s->rtx_timeout, (unsigned long)s->rtx_fast,
				(unsigned long)s->rtx_syn, (unsigned long)drops);
			exit(1);
		}
	}
}

/* --------------------------------------------------------------- segment */

/* Two instances and one established connection A -> B; returns A's end. */
static struct sl_tcp_conn *
bulk_connect(void)
{
	struct sl_tcp_params p;
	struct sl_tcp_conn *c;

	base_params(&p);
	nodes_create(&p);
	bulk_conn[0] = bulk_conn[1] = NULL;
	if (sl_tcp_connect(nodes[0].t, ADDR_A, ADDR_B, PORT, NULL, &c) != 0) {
		fprintf(stderr, "sl_tcp_connect failed\n");
		exit(1);
	}
	while (bulk_conn[0] == NULL || bulk_conn[1] == NULL)
		loop_once();
	return c;
}

static void
bench_segment(uint64_t n)
{
	struct sl_tcp_conn_info ci;
	struct sl_tcp_conn *c;
	struct result r = { .name = "tcp_segment", .unit = "segment" };
	uint64_t segs0, acks0, bytes0, t0;
	uint32_t mss;

	if (offload)
		r.name = defer_credit ? "tcp_segment_offload_batched" : "tcp_segment_offload";
	else if (defer_credit)
		r.name = "tcp_segment_batched";
	c = bulk_connect();
	sl_tcp_conn_get_info(c, &ci);
	mss = ci.mss;

	/* Warm-up: out of slow start, the window full. */
	while (data_segs < 5000) {
		bulk_fill(c, mss);
		loop_once();
	}
	check_stats("warm-up");
	segs0 = data_segs;
	acks0 = pure_acks;
	bytes0 = data_bytes;
	stack_tsc = stack_calls = 0;

	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_ZERO_STATS;
	t0 = rte_rdtsc();
	while (data_segs - segs0 < n) {
		bulk_fill(c, mss);
		loop_once();
	}
	r.loop_tsc = rte_rdtsc() - t0;
	CALLGRIND_DUMP_STATS_AT(r.name);
	CALLGRIND_STOP_INSTRUMENTATION;

	r.units = data_segs - segs0;
	r.stack_tsc = stack_tsc;
	r.stack_calls = stack_calls;
	check_stats("measured");
	sl_tcp_conn_get_info(c, &ci);
	printf("%s: %lu data segments of %.0f bytes (mss %u), %lu pure ACKs (%.3f per segment), "
	       "cwnd %u, snd_wnd %u, burst %u, checksums %s\n",
	       r.name, (unsigned long)r.units, (double)(data_bytes - bytes0) / (double)r.units, mss,
	       (unsigned long)(pure_acks - acks0), (double)(pure_acks - acks0) / (double)r.units,
	       ci.cwnd, ci.snd_wnd, burst, offload ? "offloaded" : "software");
	report(&r);
	nodes_destroy();
}

/* ------------------------------------------------------------------ conn */

/* Shut down the connections that asked for it in the previous iteration,
 * after the poll that flushed their pending ACK: separate ACK and FIN. */
static void
conn_app_phase(void)
{
	for (int i = 0; i < 2; i++) {
		for (uint32_t k = 0; k < npending[i]; k++)
			timed_shutdown(pending[i][k]);
		npending[i] = 0;
	}
}

static void
conn_run(uint64_t n)
{
	uint64_t started = 0, ends0 = conns_done_ends;

	while (conns_done_ends - ends0 < 2 * n) {
		while (started < n && started - (conns_done_ends - ends0) / 2 < CONN_CONC) {
			struct sl_tcp_conn *c;

			if (timed_connect(nodes[0].t, &c) != 0) {
				fprintf(stderr, "sl_tcp_connect failed\n");
				exit(1);
			}
			started++;
		}
		loop_once();
		conn_app_phase();
	}
	/* TIME_WAIT expiry frees the last slots. */
	while (sl_tcp_conn_count(nodes[0].t) + sl_tcp_conn_count(nodes[1].t) > 0) {
		loop_once();
		conn_app_phase();
	}
}

static void
bench_conn(uint64_t n)
{
	struct sl_tcp_params p;
	struct result r = { .name = offload ? "tcp_conn_offload" : "tcp_conn", .unit = "conn" };
	uint64_t t0;

	base_params(&p);
	p.max_conns = 8192;
	p.time_wait_ms = CONN_TW_MS;
	conn_mode = 1;
	step = 10 * US;
	nodes_create(&p);
	npending[0] = npending[1] = 0;

	/* Warm-up: the table, the wheel and the pools in use once. */
	conn_run(2000);
	check_stats("warm-up");
	stack_tsc = stack_calls = 0;

	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_ZERO_STATS;
	t0 = rte_rdtsc();
	conn_run(n);
	r.loop_tsc = rte_rdtsc() - t0;
	CALLGRIND_DUMP_STATS_AT(r.name);
	CALLGRIND_STOP_INSTRUMENTATION;

	r.units = n;
	r.stack_tsc = stack_tsc;
	r.stack_calls = stack_calls;
	check_stats("measured");
	printf("%s: %lu connections, %u at a time, TIME_WAIT %u ms, %lu TIME_WAIT overflows, "
	       "checksums %s\n",
	       r.name, (unsigned long)n, CONN_CONC, CONN_TW_MS,
	       (unsigned long)sl_tcp_stats(nodes[0].t)->tw_overflow,
	       offload ? "offloaded" : "software");
	report(&r);
	nodes_destroy();
}

/* ------------------------------------------------------------------ poll */

static void
bench_poll(uint64_t n)
{
	struct result r = { .name = "tcp_poll_idle", .unit = "poll" };
	uint64_t t0;

	bulk_connect();
	for (int i = 0; i < 100; i++)
		loop_once(); /* the handshake's last ACK, delayed-ACK timers */
	stack_tsc = stack_calls = 0;

	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_ZERO_STATS;
	t0 = rte_rdtsc();
	for (uint64_t i = 0; i < n; i++) {
		now += US;
		timed_poll(nodes[0].t);
	}
	r.loop_tsc = rte_rdtsc() - t0;
	CALLGRIND_DUMP_STATS_AT(r.name);
	CALLGRIND_STOP_INSTRUMENTATION;

	r.units = n;
	r.stack_tsc = stack_tsc;
	r.stack_calls = stack_calls;
	printf("%s: %lu polls of an instance with 1 idle connection, 1 us apart\n", r.name,
	       (unsigned long)n);
	report(&r);
	nodes_destroy();
}

/* ------------------------------------------------------------------ main */

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n count] [-b burst] [-o] [-d] segment|conn|poll\n", prog);
	exit(2);
}

int
main(int argc, char **argv)
{
	/* clang-format off */
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "--no-shconf", "-l", "0",
			"--log-level=*:error", "-m", "256", NULL };
	/* clang-format on */
	uint64_t n = 0;
	const char *mode;
	int opt;

	while ((opt = getopt(argc, argv, "n:b:od")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			burst = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'o':
			offload = 1;
			break;
		case 'd':
			defer_credit = 1;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc - 1 || burst == 0)
		usage(argv[0]);
	mode = argv[optind];
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	hdr_pool = rte_pktmbuf_pool_create("bench_hdr", 32767, 256, 0, 512, SOCKET_ID_ANY);
	app_pool = rte_pktmbuf_pool_create("bench_app", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	rx_pool = rte_pktmbuf_pool_create("bench_rx", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	if (hdr_pool == NULL || app_pool == NULL || rx_pool == NULL) {
		fprintf(stderr, "mempool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	now = 1000 * MS;
	if (strcmp(mode, "segment") == 0)
		bench_segment(n ? n : 200000);
	else if (strcmp(mode, "conn") == 0)
		bench_conn(n ? n : 50000);
	else if (strcmp(mode, "poll") == 0)
		bench_poll(n ? n : 1000000);
	else
		usage(argv[0]);
	rte_eal_cleanup();
	return 0;
}
