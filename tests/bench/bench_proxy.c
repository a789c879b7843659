/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cost of one proxied keep-alive request, every layer of the gateway
 * counted: a worker's loop (lib/net, lib/tcp, lib/http, lib/proxy, lib/lb,
 * the DPDK ethdev/mbuf/ring code they use) between an in-memory client and
 * in-memory backends.
 *
 *   bench_proxy [-n requests] [-c conns] [-a algorithm] [-o] [-s step_us] [-v] ka
 *
 *  ka  each of @p conns client connections sends GET /100 (as wrk does),
 *      waits for the response (a 100-byte body, nginx's header), sends the
 *      next; the gateway balances them over three backends (@p algorithm,
 *      roundrobin by default) through its pooled keep-alive connections.
 *      Cost per request: the gateway's client side and backend side
 *      together, two TCP connections, four data segments (and whatever ACKs
 *      the timers add).
 *  -o  checksum offload: the gateway's lib/tcp with tx_cksum_offload and its
 *      received frames marked RX_IP/L4_CKSUM_GOOD, as a NIC would. (The
 *      worker never sets tx_cksum_offload today: this is what it would save.)
 *  -s  simulated time per loop iteration (default 5 us): one iteration is
 *      the gateway's loop, then the wire, then the peers.
 *
 * What is measured is a worker's loop exactly as lib/worker runs it
 * (worker.c sl_worker_main(): sl_tcp_poll, sl_proxy_poll, an rx burst per
 * port through sl_net_input and sl_tcp_input, sl_net_poll, the tx buffers
 * flushed, a quiescent state), with the TCP event glue of worker_tcp.c, on
 * two real ethdev ports made from rte_rings (rte_eth_from_rings: rx and tx
 * bursts are ring dequeues and enqueues). The gateway's objects are built
 * the way app/main.c and lib/worker build them, from an INI config read by
 * lib/conf. Only the glue is copied here (those functions are static in
 * lib/worker); everything it calls is the libraries'.
 *
 * The wire and the peers: the frames the gateway sends are copied ("DMA")
 * into fresh mbufs and handed to the peer (a lib/tcp instance playing the
 * client, another playing the three backends, each with a tiny HTTP
 * application), and the gateway's mbufs are freed (tx completion); what
 * the peers send is copied into mbufs of the gateway's pool with an
 * Ethernet header (rx refill) and queued on its rx rings. ARP requests are
 * answered by the wire. The clock is simulated, so every run takes the same
 * path: instruction counts are exact.
 *
 * Under callgrind (--instr-atstart=no, as callgrind.sh runs it) only the
 * gateway is collected: its loop, and the mbuf allocation of rx refill and
 * free of tx completion a PMD would do on its lcore. The peers, the copies
 * and the HTTP applications are not counted. Natively the same parts are
 * timed with rte_rdtsc() (ns_stack) and the whole loop too (ns_loop).
 *
 * Last line: RESULT <name> units=<requests> unit=request ns_loop=<x> ns_stack=<y>
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include <urcu-qsbr.h>

#ifdef SL_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s)
#define CALLGRIND_TOGGLE_COLLECT
#endif

#include "sl_conf.h"
#include "sl_lb.h"
#include "sl_net.h"
#include "sl_proxy.h"
#include "sl_tcp.h"

#define US (rte_get_tsc_hz() / 1000000)

#define N_PORTS	   2 /* front (client side), back (backend side) */
#define N_BACKENDS 3
#define RING_SIZE  4096
#define BURST	   32 /* SL_BURST */
#define MAX_CONNS  256

/* Addresses, host order. */
#define VIP_ADDR     0x0a000101u /* 10.0.1.1, also the front port's */
#define BACK_ADDR    0x0a000201u /* 10.0.2.1 */
#define CLIENT_ADDR  0x0a000102u /* 10.0.1.2 */
#define BACKEND_ADDR 0x0a00020bu /* 10.0.2.11, .12, .13 */
#define BACKEND_PORT 8080

static const char request[] = "GET /100 HTTP/1.1\r\nHost: 10.0.1.1\r\n\r\n";
/* nginx 1.22 with server_tokens off, return 200 "<99 characters>\n" (scripts/bench). */
static const char response_head[] = "HTTP/1.1 200 OK\r\n"
				    "Server: nginx\r\n"
				    "Date: Thu, 03 Dec 2026 14:46:34 GMT\r\n"
				    "Content-Type: text/plain\r\n"
				    "Content-Length: 100\r\n"
				    "Connection: keep-alive\r\n"
				    "\r\n";
#define BODY_LEN 100

static char bench_name[64];
static int offload, verbose;
static uint64_t now, step;

/* ---------------------------------------------------- callgrind collection */

/* Collect only the gateway's work (toggled around it inside the measured part). */
static bool measuring, collecting;
static uint64_t gw_tsc, gw_calls; /* natively: cycles in the same parts, and their brackets */

static inline void
gw_begin(uint64_t *t0)
{
	if (measuring && !collecting) {
		CALLGRIND_TOGGLE_COLLECT;
		collecting = true;
	}
	gw_calls++;
	*t0 = rte_rdtsc();
}

static inline void
gw_end(uint64_t t0)
{
	gw_tsc += rte_rdtsc() - t0;
	if (collecting) {
		CALLGRIND_TOGGLE_COLLECT;
		collecting = false;
	}
}

/* ---------------------------------------------------------------- gateway */

static struct {
	struct sl_config *conf;
	struct sl_lb *lb;
	struct sl_net *net;
	struct sl_net_worker nw;
	struct sl_tcp *tcp;
	struct sl_proxy *px;
	struct rte_mempool *pool;
	uint16_t port_id[N_PORTS];
	struct rte_ring *rxr[N_PORTS], *txr[N_PORTS];
	struct rte_eth_dev_tx_buffer *txb[N_PORTS];
	struct rte_ether_addr mac[N_PORTS];
	uint64_t tx_drop;
} gw;

/* lib/worker's worker_tx_error(). */
static void
gw_tx_error(struct rte_mbuf **pkts, uint16_t unsent, void *arg)
{
	(void)arg;
	rte_pktmbuf_free_bulk(pkts, unsent);
	gw.tx_drop += unsent;
}

/* lib/worker's worker_tx(): lib/net's transmit hook (ring ports chain: no linearizing). */
static void
gw_tx(void *arg, uint16_t iface, struct rte_mbuf *m)
{
	(void)arg;
	rte_eth_tx_buffer(gw.port_id[iface], 0, gw.txb[iface], m);
}

/* worker_tcp.c's worker_tcp_output(). */
static void
gw_tcp_output(void *arg, struct rte_mbuf *m)
{
	(void)arg;
	sl_net_output(&gw.nw, m);
}

/* worker_tcp.c's worker_tcp_event(), HTTP VIPs only. */
static void
gw_tcp_event(void *arg, const struct sl_tcp_event *ev)
{
	(void)arg;
	if (ev->type == SL_TCP_EV_ACCEPTED) {
		const struct sl_conf_vip *vip = ev->user;

		if (vip->mode == SL_VIP_HTTP) {
			sl_proxy_accept(gw.px, ev->conn, vip);
			return;
		}
	} else if (sl_proxy_owns(gw.px, ev->user)) {
		sl_proxy_event(gw.px, ev);
		return;
	}
	fprintf(stderr, "bench_proxy: TCP event %d not for the proxy\n", ev->type);
	exit(1);
}

/* One iteration of sl_worker_main() (one worker, no steering, no control calls). */
static unsigned int
gw_loop_once(void)
{
	struct rte_mbuf *pkts[BURST];
	unsigned int work = 0;

	sl_tcp_poll(gw.tcp, now);
	sl_proxy_poll(gw.px, now);
	for (uint16_t i = 0; i < N_PORTS; i++) {
		uint16_t n = rte_eth_rx_burst(gw.port_id[i], 0, pkts, BURST);

		work += n;
		for (uint16_t j = 0; j < n; j++) {
			struct rte_mbuf *m = pkts[j];

			if (j + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[j + 1], void *));
			if (sl_net_input(&gw.nw, i, m) != SL_NET_TCP)
				continue;
			rte_pktmbuf_adj(m, m->l2_len);
			sl_tcp_input(gw.tcp, m);
		}
	}
	sl_net_poll(&gw.nw, now);
	for (uint16_t i = 0; i < N_PORTS; i++)
		if (gw.txb[i]->length != 0)
			work += rte_eth_tx_buffer_flush(gw.port_id[i], 0, gw.txb[i]);
	rcu_quiescent_state();
	return work;
}

static void
gw_iteration(void)
{
	uint64_t t0;

	gw_begin(&t0);
	gw_loop_once();
	gw_end(t0);
}

#define INI_TEMPLATE \
	"[global]\n" \
	"idle = off\n" \
	"mbufs = 16383\n" \
	"[port.front]\n" \
	"device = net_ring0\n" \
	"address = 10.0.1.1/24\n" \
	"[port.back]\n" \
	"device = net_ring1\n" \
	"address = 10.0.2.1/24\n" \
	"[vip.web]\n" \
	"listen = 10.0.1.1:80\n" \
	"mode = http\n" \
	"pool = web\n" \
	"[pool.web]\n" \
	"algorithm = %s\n" \
	"[backend.b11]\n" \
	"pool = web\n" \
	"address = 10.0.2.11:8080\n" \
	"[backend.b12]\n" \
	"pool = web\n" \
	"address = 10.0.2.12:8080\n" \
	"[backend.b13]\n" \
	"pool = web\n" \
	 \
	"address = 10.0.2.13:8080\n"

static void
die(const char *what)
{
	fprintf(stderr, "bench_proxy: %s: %s\n", what, rte_strerror(rte_errno));
	exit(1);
}

static void
gw_ports(void)
{
	for (uint16_t i = 0; i < N_PORTS; i++) {
		struct rte_eth_conf ec = { .txmode = { .offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS } };
		char name[RTE_RING_NAMESIZE];
		int port;

		snprintf(name, sizeof(name), "bp_rx%u", i);
		gw.rxr[i] = rte_ring_create(name, RING_SIZE, SOCKET_ID_ANY,
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "bp_tx%u", i);
		gw.txr[i] = rte_ring_create(name, RING_SIZE, SOCKET_ID_ANY,
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (gw.rxr[i] == NULL || gw.txr[i] == NULL)
			die("rte_ring_create");
		snprintf(name, sizeof(name), "net_ring_bp%u", i);
		port = rte_eth_from_rings(name, &gw.rxr[i], 1, &gw.txr[i], 1, SOCKET_ID_ANY);
		if (port < 0)
			die("rte_eth_from_rings");
		gw.port_id[i] = (uint16_t)port;
		if (rte_eth_dev_configure(gw.port_id[i], 1, 1, &ec) != 0 ||
		    rte_eth_rx_queue_setup(gw.port_id[i], 0, RING_SIZE, SOCKET_ID_ANY, NULL,
					   gw.pool) != 0 ||
		    rte_eth_tx_queue_setup(gw.port_id[i], 0, RING_SIZE, SOCKET_ID_ANY, NULL) != 0 ||
		    rte_eth_dev_start(gw.port_id[i]) != 0)
			die("ring port set-up");
		gw.mac[i] = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0xa0, (uint8_t)i } };
		gw.txb[i] = rte_zmalloc("bp_txb", RTE_ETH_TX_BUFFER_SIZE(BURST), 0);
		if (gw.txb[i] == NULL)
			die("rte_zmalloc");
		rte_eth_tx_buffer_init(gw.txb[i], BURST);
		rte_eth_tx_buffer_set_err_callback(gw.txb[i], gw_tx_error, NULL);
	}
}

/* The worker's TCP parameters from [tcp] (worker_tcp.c sl_worker_tcp_init()). */
static void
gw_tcp(void)
{
	const struct sl_conf_tcp *tc = &gw.conf->tcp;
	struct sl_tcp_params p;

	memset(&p, 0, sizeof(p));
	p.name = "tcp0";
	p.socket_id = SOCKET_ID_ANY;
	p.max_conns = tc->max_conns;
	p.max_listeners = SL_VIPS_MAX;
	p.syn_backlog = tc->syn_backlog;
	p.snd_buf = tc->snd_buf;
	p.rcv_buf = tc->rcv_buf;
	p.mtu = RTE_MIN(gw.conf->ports[0].profile.mtu, gw.conf->ports[1].profile.mtu);
	p.rto_min_ms = tc->rto_min_ms;
	p.rto_max_ms = tc->rto_max_ms;
	p.rto_init_ms = tc->rto_init_ms;
	p.delack_ms = tc->delack_ms != 0 ? tc->delack_ms : 1;
	p.max_retries = tc->max_retries;
	p.syn_retries = tc->syn_retries;
	p.time_wait_max = tc->time_wait_max;
	p.time_wait_ms = tc->time_wait_ms != 0 ? tc->time_wait_ms : 1;
	p.fin_wait2_ms = tc->fin_wait2_ms;
	p.challenge_ack_limit = tc->challenge_ack_limit;
	p.flags = (tc->sack ? SL_TCP_F_SACK : 0) | (tc->timestamps ? SL_TCP_F_TIMESTAMPS : 0) |
		  (tc->wscale ? SL_TCP_F_WSCALE : 0) | (tc->syncookies ? SL_TCP_F_SYNCOOKIES : 0);
	p.tx_cksum_offload = offload;
	p.tsc_hz = rte_get_tsc_hz();
	if (tc->has_secret)
		memcpy(p.key, tc->secret, sizeof(p.key));
	p.hdr_pool = gw.pool;
	p.output = gw_tcp_output;
	p.event = gw_tcp_event;
	p.eph_lo = 32768;
	p.eph_hi = 60999;
	gw.tcp = sl_tcp_create(&p);
	if (gw.tcp == NULL)
		die("sl_tcp_create (gateway)");
}

static void
gw_create(const char *algo)
{
	char path[] = "/tmp/bench_proxy.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (f == NULL) {
		perror("bench_proxy: mkstemp");
		exit(1);
	}
	fprintf(f, INI_TEMPLATE, algo);
	fclose(f);
	gw.conf = sl_conf_load(path, NULL, stderr);
	unlink(path);
	if (gw.conf == NULL) {
		fprintf(stderr, "bench_proxy: the generated config did not load\n");
		exit(1);
	}
	/* app/main.c's pool. */
	gw.pool = rte_pktmbuf_pool_create("sl_mbufs", gw.conf->global.mbufs,
					  gw.conf->global.mbuf_cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	if (gw.pool == NULL)
		die("mbuf pool");
	gw_ports();
	gw.net = sl_net_create(gw.conf, gw.mac, gw.port_id, 1);
	if (gw.net == NULL)
		die("sl_net_create");
	gw.lb = sl_lb_create(gw.conf);
	if (gw.lb == NULL)
		die("sl_lb_create");
	if (sl_net_worker_init(&gw.nw, gw.net, 0, gw.pool, gw_tx, NULL) != 0)
		die("sl_net_worker_init");
	gw_tcp();
	{
		/* Designated: fields added later (shared per-VIP state, ...) are zero. */
		struct sl_proxy_params pp = {
			.conf = gw.conf,
			.lb = gw.lb,
			.net = gw.net,
			.tcp = gw.tcp,
			.pool = gw.pool,
			.worker_id = 0,
			.socket_id = SOCKET_ID_ANY,
			.max_clients = gw.conf->tcp.max_conns,
			.max_backend_conns = gw.conf->tcp.max_conns,
		};

		gw.px = sl_proxy_create(&pp);
		if (gw.px == NULL)
			die("sl_proxy_create");
	}
	for (uint16_t i = 0; i < gw.conf->n_vips; i++) {
		const struct sl_conf_vip *vip = &gw.conf->vips[i];

		if (sl_tcp_listen(gw.tcp, rte_cpu_to_be_32(vip->addr), vip->port, (void *)vip) != 0)
			die("sl_tcp_listen");
	}
}

static void
gw_destroy(void)
{
	for (uint16_t i = 0; i < N_PORTS; i++) {
		rte_pktmbuf_free_bulk(gw.txb[i]->pkts, gw.txb[i]->length);
		gw.txb[i]->length = 0;
	}
	sl_tcp_destroy(gw.tcp);
	sl_proxy_destroy(gw.px);
	sl_net_worker_fini(&gw.nw);
	for (uint16_t i = 0; i < N_PORTS; i++) {
		struct rte_mbuf *m = NULL;

		rte_eth_dev_stop(gw.port_id[i]);
		rte_eth_dev_close(gw.port_id[i]);
		while (rte_ring_dequeue(gw.rxr[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		while (rte_ring_dequeue(gw.txr[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_free(gw.txb[i]);
	}
	rcu_thread_offline();
	sl_net_destroy(gw.net);
	rcu_thread_online();
	sl_lb_destroy(gw.lb);
	sl_conf_free(gw.conf);
}

/* ------------------------------------------------------------------ peers */

/* @p len bytes of @p m from @p off into @p dst. */
static void
copy_out(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *dst)
{
	const void *p = rte_pktmbuf_read(m, off, len, dst);

	if (p == NULL) {
		fprintf(stderr, "bench_proxy: short mbuf\n");
		exit(1);
	}
	if (p != dst)
		memcpy(dst, p, len);
}

/* A peer: a lib/tcp instance on one side of the gateway. */
struct peer {
	const char *name;
	uint16_t iface; /* the gateway port it is behind */
	struct sl_tcp *t;
	struct rte_mempool *hdr, *app, *rx;
	struct rte_mbuf *inq[RING_SIZE]; /* delivered by the wire, not yet input */
	uint32_t n_in;
};

static struct peer cli = { .name = "client", .iface = 0 };
static struct peer srv = { .name = "backends", .iface = 1 };

static struct rte_ether_addr
peer_mac(uint32_t ip_host)
{
	return (struct rte_ether_addr){ { 0x02, 0, 0, 0, (uint8_t)(ip_host >> 8),
					  (uint8_t)ip_host } };
}

/*
 * The wire, peer -> gateway: a frame of the gateway's pool (the PMD's rx
 * refill: counted, as it would run on the worker's lcore), the bytes copied in.
 */
static void
nic_rx(uint16_t iface, const struct rte_ether_hdr *eh, const struct rte_mbuf *m, uint32_t off)
{
	uint32_t len = m->pkt_len - off;
	struct rte_mbuf *r;
	uint64_t t0;
	char *d;

	gw_begin(&t0);
	r = rte_pktmbuf_alloc(gw.pool);
	gw_end(t0);
	if (r == NULL || (d = rte_pktmbuf_append(r, (uint16_t)(len + sizeof(*eh)))) == NULL) {
		fprintf(stderr, "bench_proxy: gateway pool empty\n");
		exit(1);
	}
	memcpy(d, eh, sizeof(*eh));
	copy_out(m, off, len, d + sizeof(*eh));
	if (offload && eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		r->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	if (rte_ring_enqueue(gw.rxr[iface], r) != 0) {
		fprintf(stderr, "bench_proxy: gateway rx ring full\n");
		exit(1);
	}
}

/* A peer's TCP output: an IPv4 packet, framed and put on the gateway's rx ring. */
static void
peer_output(void *arg, struct rte_mbuf *m)
{
	struct peer *p = arg;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	struct rte_ether_hdr eh = { .ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4) };

	eh.dst_addr = gw.mac[p->iface];
	eh.src_addr = peer_mac(rte_be_to_cpu_32(ip->src_addr));
	nic_rx(p->iface, &eh, m, 0);
	rte_pktmbuf_free(m);
}

/* The wire, gateway -> peer: copy into the peer's mbuf, free the gateway's (tx completion). */
static void
nic_tx_complete(struct rte_mbuf **ms, unsigned int n)
{
	uint64_t t0;

	gw_begin(&t0);
	rte_pktmbuf_free_bulk(ms, n);
	gw_end(t0);
}

static void
wire_arp(uint16_t iface, const struct rte_mbuf *m)
{
	const struct rte_arp_hdr *a =
		rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	struct rte_ether_hdr eh = { .ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP) };
	struct rte_mbuf *r;
	struct rte_arp_hdr *ra;
	uint32_t tip = rte_be_to_cpu_32(a->arp_data.arp_tip);

	if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST))
		return;
	/* The peer with that address answers. */
	eh.dst_addr = a->arp_data.arp_sha;
	eh.src_addr = peer_mac(tip);
	r = rte_pktmbuf_alloc(srv.rx);
	if (r == NULL || (ra = (struct rte_arp_hdr *)rte_pktmbuf_append(r, sizeof(*ra))) == NULL) {
		fprintf(stderr, "bench_proxy: no mbuf for an ARP reply\n");
		exit(1);
	}
	*ra = *a;
	ra->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	ra->arp_data.arp_sha = eh.src_addr;
	ra->arp_data.arp_sip = a->arp_data.arp_tip;
	ra->arp_data.arp_tha = a->arp_data.arp_sha;
	ra->arp_data.arp_tip = a->arp_data.arp_sip;
	nic_rx(iface, &eh, r, 0);
	rte_pktmbuf_free(r);
}

/* What the gateway sent per port: data segments (and their payload), pure ACKs, others. */
static uint64_t wire_data[N_PORTS], wire_bytes[N_PORTS], wire_acks[N_PORTS], wire_other[N_PORTS];

static void
wire_count(uint16_t iface, const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);
	uint32_t hl = sizeof(*ip) + (uint32_t)(th->data_off >> 4) * 4;
	uint32_t len = rte_be_to_cpu_16(ip->total_length);

	if (ip->next_proto_id != IPPROTO_TCP)
		wire_other[iface]++;
	else if (len > hl) {
		wire_data[iface]++;
		wire_bytes[iface] += len - hl;
	} else if (th->tcp_flags == RTE_TCP_ACK_FLAG)
		wire_acks[iface]++;
	else
		wire_other[iface]++;
}

/* What the gateway transmitted: ARP answered, IPv4 handed to the peer behind the port. */
static void
wire_deliver(void)
{
	for (uint16_t i = 0; i < N_PORTS; i++) {
		struct peer *p = i == 0 ? &cli : &srv;
		struct rte_mbuf *ms[BURST];
		unsigned int n;

		while ((n = rte_ring_dequeue_burst(gw.txr[i], (void **)ms, BURST, NULL)) > 0) {
			for (unsigned int k = 0; k < n; k++) {
				const struct rte_ether_hdr *eh =
					rte_pktmbuf_mtod(ms[k], const struct rte_ether_hdr *);
				uint32_t len = ms[k]->pkt_len - (uint32_t)sizeof(*eh);
				struct rte_mbuf *r;
				char *d;

				if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
					wire_arp(i, ms[k]);
					continue;
				}
				if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
					continue;
				r = rte_pktmbuf_alloc(p->rx);
				if (r == NULL || (d = rte_pktmbuf_append(r, (uint16_t)len)) == NULL ||
				    p->n_in == RTE_DIM(p->inq)) {
					fprintf(stderr, "bench_proxy: %s: rx pool or queue full\n",
						p->name);
					exit(1);
				}
				copy_out(ms[k], sizeof(*eh), len, d);
				r->l3_len = sizeof(struct rte_ipv4_hdr);
				wire_count(i, r);
				if (offload)
					r->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD |
						      RTE_MBUF_F_RX_L4_CKSUM_GOOD;
				p->inq[p->n_in++] = r;
			}
			nic_tx_complete(ms, n);
		}
	}
}

/* -------------------------------------------------------- the applications */

/* A client connection: one request at a time. */
struct ccon {
	struct sl_tcp_conn *c;
	bool busy;	/* a request is out */
	uint32_t got;	/* bytes of the current response */
	uint32_t need;	/* its length once the head is in; 0 before */
	char head[1024];
};

static struct ccon ccons[MAX_CONNS];
static unsigned int n_conns = 1, n_connected;
static uint64_t sent, done, target;

/* The backends' side of a connection: requests are found by their empty line. */
struct scon {
	uint32_t match; /* how much of "\r\n\r\n" the last bytes matched */
};

static struct scon scons[MAX_CONNS];
static unsigned int n_scons;

static struct rte_mbuf *
app_mbuf(struct peer *p, const void *a, uint32_t alen, uint32_t blen)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->app);
	char *d;

	if (m == NULL || (d = rte_pktmbuf_append(m, (uint16_t)(alen + blen))) == NULL) {
		fprintf(stderr, "bench_proxy: %s: app pool empty\n", p->name);
		exit(1);
	}
	memcpy(d, a, alen);
	memset(d + alen, 'x', blen);
	if (blen > 0)
		d[alen + blen - 1] = '\n';
	return m;
}

static void
client_send(struct ccon *cc)
{
	if (sent >= target || cc->busy)
		return;
	if (sl_tcp_send(cc->c, app_mbuf(&cli, request, sizeof(request) - 1, 0)) != 0) {
		fprintf(stderr, "bench_proxy: client send refused\n");
		exit(1);
	}
	cc->busy = true;
	cc->got = cc->need = 0;
	sent++;
}

static void
client_data(struct ccon *cc, struct rte_mbuf *m, uint32_t len)
{
	uint32_t off = 0;

	while (off < len) {
		uint32_t room = sizeof(cc->head) - 1, take;

		if (!cc->busy) {
			fprintf(stderr, "bench_proxy: response bytes with no request out\n");
			exit(1);
		}
		if (cc->need == 0) {
			const char *e, *cl;

			take = RTE_MIN(len - off, room - cc->got);
			if (take == 0) {
				fprintf(stderr, "bench_proxy: response head too long\n");
				exit(1);
			}
			copy_out(m, off, take, cc->head + cc->got);
			cc->got += take;
			off += take;
			cc->head[cc->got] = '\0';
			e = strstr(cc->head, "\r\n\r\n");
			if (e == NULL)
				continue;
			if (strncmp(cc->head, "HTTP/1.1 200 ", 13) != 0 ||
			    (cl = strcasestr(cc->head, "\r\ncontent-length:")) == NULL || cl > e) {
				fprintf(stderr, "bench_proxy: unexpected response:\n%s\n", cc->head);
				exit(1);
			}
			cc->need = (uint32_t)(e + 4 - cc->head) + (uint32_t)atoi(cl + 17);
			/* What came after the head is body (or, wrongly, more). */
		} else {
			take = RTE_MIN(len - off, cc->need - cc->got);
			cc->got += take;
			off += take;
		}
		if (cc->need != 0 && cc->got > cc->need) {
			fprintf(stderr, "bench_proxy: more than one response\n");
			exit(1);
		}
		if (cc->need != 0 && cc->got == cc->need) {
			cc->busy = false;
			done++;
			client_send(cc);
		}
	}
}

static void
cli_event(void *arg, const struct sl_tcp_event *ev)
{
	struct ccon *cc = ev->user;

	(void)arg;
	switch (ev->type) {
	case SL_TCP_EV_CONNECTED:
		n_connected++;
		client_send(cc);
		break;
	case SL_TCP_EV_DATA:
		client_data(cc, ev->data.m, ev->data.len);
		rte_pktmbuf_free(ev->data.m);
		sl_tcp_consumed(ev->conn, ev->data.len);
		break;
	case SL_TCP_EV_SEND_SPACE:
		break;
	default:
		fprintf(stderr, "bench_proxy: client connection event %d\n", ev->type);
		exit(1);
	}
}

static void
srv_data(struct sl_tcp_conn *c, struct scon *s, struct rte_mbuf *m)
{
	static const char eoh[] = "\r\n\r\n";

	for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next) {
		const char *d = rte_pktmbuf_mtod(seg, const char *);

		for (uint16_t i = 0; i < seg->data_len; i++) {
			s->match = d[i] == eoh[s->match] ? s->match + 1 : (d[i] == '\r' ? 1 : 0);
			if (s->match < 4)
				continue;
			s->match = 0;
			if (sl_tcp_send(c, app_mbuf(&srv, response_head, sizeof(response_head) - 1,
						    BODY_LEN)) != 0) {
				fprintf(stderr, "bench_proxy: backend send refused\n");
				exit(1);
			}
		}
	}
}

static void
srv_event(void *arg, const struct sl_tcp_event *ev)
{
	(void)arg;
	switch (ev->type) {
	case SL_TCP_EV_ACCEPTED:
		if (n_scons == MAX_CONNS) {
			fprintf(stderr, "bench_proxy: too many backend connections\n");
			exit(1);
		}
		scons[n_scons].match = 0;
		sl_tcp_set_user(ev->conn, &scons[n_scons++]);
		break;
	case SL_TCP_EV_DATA:
		srv_data(ev->conn, ev->user, ev->data.m);
		rte_pktmbuf_free(ev->data.m);
		sl_tcp_consumed(ev->conn, ev->data.len);
		break;
	case SL_TCP_EV_SEND_SPACE:
		break;
	default:
		fprintf(stderr, "bench_proxy: backend connection event %d\n", ev->type);
		exit(1);
	}
}

static void
peer_create(struct peer *p, sl_tcp_event_fn event, uint8_t keyb)
{
	struct sl_tcp_params tp;
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "bp_%s_h", p->name);
	p->hdr = rte_pktmbuf_pool_create(name, 8191, 256, 0, 512, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "bp_%s_a", p->name);
	p->app = rte_pktmbuf_pool_create(name, 4095, 256, 0, 1024, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "bp_%s_r", p->name);
	p->rx = rte_pktmbuf_pool_create(name, 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	if (p->hdr == NULL || p->app == NULL || p->rx == NULL)
		die("peer pools");
	memset(&tp, 0, sizeof(tp));
	tp.name = p->name;
	tp.socket_id = SOCKET_ID_ANY;
	tp.max_conns = 2 * MAX_CONNS;
	tp.flags = SL_TCP_F_DEFAULT;
	tp.tsc_hz = rte_get_tsc_hz();
	tp.key[0] = keyb;
	tp.hdr_pool = p->hdr;
	tp.output = peer_output;
	tp.output_arg = p;
	tp.event = event;
	tp.event_arg = p;
	p->t = sl_tcp_create(&tp);
	if (p->t == NULL)
		die("sl_tcp_create (peer)");
}

static void
peers_poll(void)
{
	struct peer *ps[2] = { &srv, &cli };

	for (int i = 0; i < 2; i++) {
		struct peer *p = ps[i];
		uint32_t n = p->n_in;

		sl_tcp_poll(p->t, now);
		p->n_in = 0;
		for (uint32_t k = 0; k < n; k++)
			sl_tcp_input(p->t, p->inq[k]);
	}
}

/* --------------------------------------------------------------- the run */

static uint64_t iterations;

static void
loop_once(void)
{
	now += step;
	iterations++;
	gw_iteration();
	wire_deliver();
	peers_poll();
}

static void
run_until(uint64_t n_done, uint64_t max_iter)
{
	uint64_t limit = iterations + max_iter;

	while (done < n_done) {
		loop_once();
		if (iterations > limit) {
			fprintf(stderr,
				"bench_proxy: stuck: %lu of %lu responses after %lu iterations "
				"(%u connected)\n",
				(unsigned long)done, (unsigned long)n_done, (unsigned long)max_iter,
				n_connected);
			exit(1);
		}
	}
}

struct snap {
	struct sl_tcp_stats tcp;
	struct sl_net_stats net;
	uint64_t iterations;
	uint64_t data[N_PORTS], bytes[N_PORTS], acks[N_PORTS], other[N_PORTS];
};

static void
snap(struct snap *s)
{
	s->tcp = *sl_tcp_stats(gw.tcp);
	s->net = gw.nw.stats;
	s->iterations = iterations;
	memcpy(s->data, wire_data, sizeof(s->data));
	memcpy(s->bytes, wire_bytes, sizeof(s->bytes));
	memcpy(s->acks, wire_acks, sizeof(s->acks));
	memcpy(s->other, wire_other, sizeof(s->other));
}

static void
check_clean(const char *what)
{
	const struct sl_tcp *ts[3] = { gw.tcp, cli.t, srv.t };

	for (int i = 0; i < 3; i++) {
		const struct sl_tcp_stats *s = sl_tcp_stats(ts[i]);
		uint64_t drops = 0;

		for (int d = 0; d < SL_TCP_DROP__MAX; d++)
			drops += s->drops[d];
		if (s->rtx_timeout || s->rtx_fast || s->rtx_syn || s->tlp_probes || drops) {
			fprintf(stderr,
				"bench_proxy %s: %s: rtx %lu/%lu/%lu, tlp %lu, drops %lu: not the "
				"clean path\n",
				what, i == 0 ? "gateway" : i == 1 ? "client" : "backends",
				(unsigned long)s->rtx_timeout, (unsigned long)s->rtx_fast,
				(unsigned long)s->rtx_syn, (unsigned long)s->tlp_probes,
				(unsigned long)drops);
			exit(1);
		}
	}
	if (gw.tx_drop != 0) {
		fprintf(stderr, "bench_proxy %s: %lu frames refused by the tx ring\n", what,
			(unsigned long)gw.tx_drop);
		exit(1);
	}
}

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

static void
bench_ka(uint64_t n, const char *algo)
{
	struct snap a, b;
	uint64_t warm = 200 * (uint64_t)n_conns + 1000, t0, loop_tsc;
	double hz = (double)rte_get_tsc_hz(), ns_loop, ns_gw, ovh;

	gw_create(algo);
	peer_create(&cli, cli_event, 1);
	peer_create(&srv, srv_event, 2);
	for (uint32_t i = 0; i < N_BACKENDS; i++)
		if (sl_tcp_listen(srv.t, rte_cpu_to_be_32(BACKEND_ADDR + i), BACKEND_PORT, NULL) != 0)
			die("sl_tcp_listen (backends)");
	now = rte_rdtsc();
	target = warm + n;
	for (unsigned int i = 0; i < n_conns; i++)
		if (sl_tcp_connect(cli.t, rte_cpu_to_be_32(CLIENT_ADDR), rte_cpu_to_be_32(VIP_ADDR),
				   80, &ccons[i], &ccons[i].c) != 0)
			die("sl_tcp_connect (client)");
	/* Warm-up: ARP, handshakes, every backend's pooled connection, caches. */
	run_until(warm, 1000000);
	check_clean("warm-up");
	snap(&a);
	gw_tsc = 0;
	gw_calls = 0;

	measuring = true;
	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_ZERO_STATS;
	collecting = true;
	CALLGRIND_TOGGLE_COLLECT; /* off: gw_begin() turns it on around the gateway's work */
	collecting = false;
	t0 = rte_rdtsc();
	run_until(warm + n, 100 * n + 1000000);
	loop_tsc = rte_rdtsc() - t0;
	CALLGRIND_DUMP_STATS_AT(bench_name);
	CALLGRIND_STOP_INSTRUMENTATION;
	measuring = false;

	snap(&b);
	check_clean("measured");
	ovh = rdtsc_overhead();
	ns_loop = (double)loop_tsc * 1e9 / hz / (double)n;
	ns_gw = ((double)gw_tsc - ovh * (double)gw_calls) * 1e9 / hz / (double)n;
	if (ns_gw < 0)
		ns_gw = 0;
	{
		double u = (double)n;
		const struct sl_tcp_stats *t0s = &a.tcp, *t1s = &b.tcp;

		printf("%s: %lu requests over %u keep-alive connection%s, %s over %d backends, "
		       "checksums %s, %.1f loop iterations of %lu us per request\n",
		       bench_name, (unsigned long)n, n_conns, n_conns == 1 ? "" : "s", algo,
		       N_BACKENDS, offload ? "offloaded" : "software",
		       (double)(b.iterations - a.iterations) / u, (unsigned long)(step / US));
		printf("%s: per request, gateway: %.2f frames in, %.2f out; TCP %.2f segments "
		       "in, %.2f out, %.0f payload bytes in, %.0f out\n",
		       bench_name, (double)(b.net.rx - a.net.rx) / u,
		       (double)(b.net.tx_ip - a.net.tx_ip) / u,
		       (double)(t1s->rx_segs - t0s->rx_segs) / u,
		       (double)(t1s->tx_segs - t0s->tx_segs) / u,
		       (double)(t1s->rx_bytes - t0s->rx_bytes) / u,
		       (double)(t1s->tx_bytes - t0s->tx_bytes) / u);
		for (int i = 0; i < N_PORTS; i++)
			printf("%s: per request, gateway to the %s: %.2f data segments (%.0f bytes), "
			       "%.2f pure ACKs, %.2f others\n",
			       bench_name, i == 0 ? "client" : "backends",
			       (double)(b.data[i] - a.data[i]) / u,
			       (double)(b.bytes[i] - a.bytes[i]) / u, (double)(b.acks[i] - a.acks[i]) / u,
			       (double)(b.other[i] - a.other[i]) / u);
		printf("%s: %.1f ns per request in the gateway (rdtsc overhead %.0f cycles x %lu "
		       "subtracted), %.1f ns per request for the whole loop (peers, wire copies)\n",
		       bench_name, ns_gw, ovh, (unsigned long)gw_calls, ns_loop);
		if (verbose) {
			const struct sl_proxy_vip_stats *vs = sl_proxy_vip_stats(gw.px, 0);

			printf("%s: vip: %lu conns, %lu requests, 2xx %lu, errors:", bench_name,
			       (unsigned long)vs->conns, (unsigned long)vs->requests,
			       (unsigned long)vs->responses[2]);
			for (int e = 0; e < SL_PROXY_ERR__MAX; e++)
				printf(" %lu", (unsigned long)vs->errors[e]);
			printf("\n");
			for (uint16_t k = 0; k < N_BACKENDS; k++) {
				const struct sl_proxy_backend_stats *bs =
					sl_proxy_backend_stats(gw.px, k);

				printf("%s: backend %u: %lu requests, %lu connects, %lu reused\n",
				       bench_name, k, (unsigned long)bs->requests,
				       (unsigned long)bs->connects, (unsigned long)bs->reused);
			}
		}
	}
	printf("RESULT %s units=%lu unit=request ns_loop=%.1f ns_stack=%.1f\n", bench_name,
	       (unsigned long)n, ns_loop, ns_gw);
	sl_tcp_destroy(cli.t);
	sl_tcp_destroy(srv.t);
	for (uint32_t k = 0; k < cli.n_in; k++)
		rte_pktmbuf_free(cli.inq[k]);
	for (uint32_t k = 0; k < srv.n_in; k++)
		rte_pktmbuf_free(srv.inq[k]);
	gw_destroy();
}

/* ------------------------------------------------------------------ main */

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n requests] [-c conns] [-a algorithm] [-o] [-s step_us] [-v] ka\n",
		prog);
	exit(2);
}

int
main(int argc, char **argv)
{
	/* clang-format off */
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry",
			"-l", "0", "--log-level=*:error", "-m", "1024", NULL };
	/* clang-format on */
	const char *algo = "roundrobin";
	uint64_t n = 0, step_us = 5;
	int opt;

	while ((opt = getopt(argc, argv, "n:c:a:os:v")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			n_conns = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'a':
			algo = optarg;
			break;
		case 'o':
			offload = 1;
			break;
		case 's':
			step_us = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc - 1 || strcmp(argv[optind], "ka") != 0 || n_conns == 0 ||
	    n_conns > MAX_CONNS / 2 || step_us == 0)
		usage(argv[0]);
	snprintf(bench_name, sizeof(bench_name), "proxy_ka_c%u%s%s%s", n_conns,
		 strcmp(algo, "roundrobin") != 0 ? "_" : "",
		 strcmp(algo, "roundrobin") != 0 ? algo : "", offload ? "_offload" : "");
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	step = step_us * US;
	/* Like a worker: an online urcu-qsbr reader. */
	rcu_register_thread();
	bench_ka(n ? n : 100000, algo);
	rcu_unregister_thread();
	rte_eal_cleanup();
	return 0;
}
