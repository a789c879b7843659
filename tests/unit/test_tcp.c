/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp unit tests, all on a simulated clock (tsc_hz = 1e9, 1 ns per
 * "cycle"; nothing sleeps or reads real time).
 *  - scripted cases in the packetdrill manner: a crafted segment goes in,
 *    the exact segments that come out are checked (flags, seq, ack, window,
 *    options, length), and every output's checksums are verified;
 *  - two instances over an in-memory link with seeded loss, reordering and
 *    duplication, moving thousands of transfers byte-exact both ways.
 * Every test ends with every mbuf back in its pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "sl_tcp.h"

/* INJ() gives defaults that a case may override. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

#define HZ 1000000000ull
#define MS 1000000ull

static struct rte_mempool *hdr_pool, *app_pool;
static uint64_t now;

#define LADDR RTE_BE32(0x0a000001)	/* 10.0.0.1: the stack under test */
#define RADDR RTE_BE32(0x0a000002)	/* 10.0.0.2: the scripted peer */

/* ---------------------------------------------------------------- capture */

struct cap {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win, sport, dport;
	uint32_t len;
	int mss, ws, sackok, ts, nsack;
	uint32_t tsval, tsecr;
	uint32_t sack[4][2];
	uint32_t saddr, daddr;
	uint8_t data[64];
};

#define CAP_MAX 4096
static struct cap caps[CAP_MAX];
static unsigned int ncap, capr;

static void
parse_out(struct rte_mbuf *m, struct cap *c)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint32_t hl = (th->data_off >> 4) * 4, i = 20;
	const uint8_t *o = (const uint8_t *)th;

	assert_int_equal(m->pkt_len, rte_be_to_cpu_16(ip->total_length));
	assert_int_equal(rte_ipv4_cksum(ip), 0);
	assert_int_equal(rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, 20), 0);
	memset(c, 0, sizeof(*c));
	c->ws = -1;
	c->saddr = ip->src_addr;
	c->daddr = ip->dst_addr;
	c->flags = th->tcp_flags;
	c->seq = rte_be_to_cpu_32(th->sent_seq);
	c->ack = rte_be_to_cpu_32(th->recv_ack);
	c->win = rte_be_to_cpu_16(th->rx_win);
	c->sport = rte_be_to_cpu_16(th->src_port);
	c->dport = rte_be_to_cpu_16(th->dst_port);
	c->len = m->pkt_len - 20 - hl;
	while (i < hl) {
		uint8_t k = o[i];

		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (k == 2)
			c->mss = o[i + 2] << 8 | o[i + 3];
		if (k == 3)
			c->ws = o[i + 2];
		if (k == 4)
			c->sackok = 1;
		if (k == 8) {
			c->ts = 1;
			c->tsval = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(o + i + 2));
			c->tsecr = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(o + i + 6));
		}
		if (k == 5) {
			c->nsack = (o[i + 1] - 2) / 8;
			for (int b = 0; b < c->nsack; b++) {
				c->sack[b][0] = rte_be_to_cpu_32(
					*(const unaligned_uint32_t *)(o + i + 2 + 8 * b));
				c->sack[b][1] = rte_be_to_cpu_32(
					*(const unaligned_uint32_t *)(o + i + 6 + 8 * b));
			}
		}
		i += o[i + 1];
	}
	if (c->len > 0) {
		uint32_t n = RTE_MIN(c->len, (uint32_t)sizeof(c->data));
		const void *p = rte_pktmbuf_read(m, 20 + hl, n, c->data);

		if (p != c->data)
			memcpy(c->data, p, n);
	}
}

static void
cap_output(void *arg, struct rte_mbuf *m)
{
	(void)arg;
	assert_true(ncap < CAP_MAX);
	parse_out(m, &caps[ncap++]);
	rte_pktmbuf_free(m);
}

/* Next segment out, or fail. */
static struct cap *
out_next_at(int line)
{
	if (capr >= ncap)
		fail_msg("line %d: expected a segment, none was sent", line);
	return &caps[capr++];
}
#define out_next() out_next_at(__LINE__)

static void
out_none(void)
{
	if (capr < ncap)
		fail_msg("unexpected segment: flags %#x seq %u ack %u len %u", caps[capr].flags,
			 caps[capr].seq, caps[capr].ack, caps[capr].len);
}

static void
expect_seg(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	struct cap *c = out_next();

	assert_int_equal(c->flags, flags);
	assert_int_equal(c->seq, seq);
	if (flags & F_ACK)
		assert_int_equal(c->ack, ack);
	assert_int_equal(c->len, len);
}

/* ----------------------------------------------------------------- inject */

struct spec {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	uint16_t sport, dport;
	int mss, ws, sackok, ts;
	uint32_t tsval, tsecr;
	int nsack;
	uint32_t sack[4][2];
	const void *data;
	uint32_t len;
	int bad_cksum;
};

static void
inject(struct sl_tcp *t, struct spec sp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(app_pool);
	uint8_t opt[40];
	uint32_t ol = 0, hl;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	assert_non_null(m);
	if (sp.sport == 0)
		sp.sport = 40000;
	if (sp.dport == 0)
		sp.dport = 80;
	if (sp.mss) {
		opt[ol++] = 2;
		opt[ol++] = 4;
		opt[ol++] = sp.mss >> 8;
		opt[ol++] = sp.mss & 0xff;
	}
	if (sp.sackok) {
		opt[ol++] = 1;
		opt[ol++] = 1;
		opt[ol++] = 4;
		opt[ol++] = 2;
	}
	if (sp.ts) {
		uint32_t v = rte_cpu_to_be_32(sp.tsval), e = rte_cpu_to_be_32(sp.tsecr);

		opt[ol++] = 1;
		opt[ol++] = 1;
		opt[ol++] = 8;
		opt[ol++] = 10;
		memcpy(opt + ol, &v, 4);
		memcpy(opt + ol + 4, &e, 4);
		ol += 8;
	}
	if (sp.ws >= 0 && (sp.flags & F_SYN) && sp.ws != 0xff) {
		opt[ol++] = 1;
		opt[ol++] = 3;
		opt[ol++] = 3;
		opt[ol++] = (uint8_t)sp.ws;
	}
	if (sp.nsack) {
		opt[ol++] = 1;
		opt[ol++] = 1;
		opt[ol++] = 5;
		opt[ol++] = 2 + 8 * sp.nsack;
		for (int b = 0; b < sp.nsack; b++) {
			uint32_t s = rte_cpu_to_be_32(sp.sack[b][0]), e = rte_cpu_to_be_32(sp.sack[b][1]);

			memcpy(opt + ol, &s, 4);
			memcpy(opt + ol + 4, &e, 4);
			ol += 8;
		}
	}
	hl = 20 + ol;
	if (rte_pktmbuf_append(m, (uint16_t)(20 + hl + sp.len)) == NULL)
		fail_msg("segment too big");
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	memset(m->buf_addr, 0, m->buf_len);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(20 + hl + sp.len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = RADDR;
	ip->dst_addr = LADDR;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(sp.sport);
	th->dst_port = rte_cpu_to_be_16(sp.dport);
	th->sent_seq = rte_cpu_to_be_32(sp.seq);
	th->recv_ack = rte_cpu_to_be_32(sp.ack);
	th->data_off = (uint8_t)((hl / 4) << 4);
	th->tcp_flags = sp.flags;
	th->rx_win = rte_cpu_to_be_16(sp.win);
	th->cksum = 0;
	th->tcp_urp = 0;
	memcpy(th + 1, opt, ol);
	if (sp.len)
		memcpy((uint8_t *)th + hl, sp.data, sp.len);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	if (sp.bad_cksum)
		th->cksum ^= 0x1234;
	m->l3_len = 20;
	sl_tcp_input(t, m);
}

#define INJ(t, ...) inject((t), (struct spec){ .ws = -1, __VA_ARGS__ })

/* ----------------------------------------------------------------- events */

struct evlog {
	int type;
	struct sl_tcp_conn *conn;
	int reason;
	uint32_t len;
};

#define EV_MAX 4096
static struct evlog evs[EV_MAX];
static unsigned int nev, evr;
static uint8_t rxbuf[1 << 20];
static uint32_t rxlen;
static int auto_consume = 1;
static struct sl_tcp_conn *last_conn;
static uint32_t synack_win = 65535;

static void
script_event(void *arg, const struct sl_tcp_event *ev)
{
	(void)arg;
	assert_true(nev < EV_MAX);
	evs[nev].type = ev->type;
	evs[nev].conn = ev->conn;
	evs[nev].reason = ev->type == SL_TCP_EV_CLOSED ? (int)ev->reason : 0;
	evs[nev].len = ev->type == SL_TCP_EV_DATA ? ev->data.len : 0;
	nev++;
	if (ev->type == SL_TCP_EV_ACCEPTED || ev->type == SL_TCP_EV_CONNECTED)
		last_conn = ev->conn;
	if (ev->type == SL_TCP_EV_DATA) {
		assert_int_equal(ev->data.m->pkt_len, ev->data.len);
		assert_true(rxlen + ev->data.len <= sizeof(rxbuf));
		{
			const void *p = rte_pktmbuf_read(ev->data.m, 0, ev->data.len, rxbuf + rxlen);

			if (p != rxbuf + rxlen)
				memcpy(rxbuf + rxlen, p, ev->data.len);
		}
		rxlen += ev->data.len;
		rte_pktmbuf_free(ev->data.m);
		if (auto_consume)
			sl_tcp_consumed(ev->conn, ev->data.len);
	}
}

static void
expect_event(int type)
{
	if (evr >= nev)
		fail_msg("expected event %d, none", type);
	assert_int_equal(evs[evr].type, type);
	evr++;
}

static void
no_event(void)
{
	if (evr < nev)
		fail_msg("unexpected event %d", evs[evr].type);
}

/* ----------------------------------------------------------- script setup */

static struct sl_tcp_params
script_params(void)
{
	struct sl_tcp_params p;

	memset(&p, 0, sizeof(p));
	p.max_conns = 16;
	p.tsc_hz = HZ;
	p.hdr_pool = hdr_pool;
	p.output = cap_output;
	p.event = script_event;
	p.flags = SL_TCP_F_DEFAULT;
	p.rcv_buf = 65535;
	p.snd_buf = 65536;
	for (int i = 0; i < 16; i++)
		p.key[i] = (uint8_t)(i + 1);
	return p;
}

static struct sl_tcp *
script_start(struct sl_tcp_params *p)
{
	struct sl_tcp *t;

	ncap = capr = nev = evr = rxlen = 0;
	synack_win = RTE_MIN(p->rcv_buf, 65535u);
	auto_consume = 1;
	last_conn = NULL;
	now = 1000 * MS;
	t = sl_tcp_create(p);
	assert_non_null(t);
	sl_tcp_poll(t, now);
	return t;
}

static void
advance(struct sl_tcp *t, uint64_t ms)
{
	for (uint64_t i = 0; i < ms; i++) {
		now += MS;
		sl_tcp_poll(t, now);
	}
}

static void
pools_full(void)
{
	assert_int_equal(rte_mempool_avail_count(hdr_pool), hdr_pool->size);
	assert_int_equal(rte_mempool_avail_count(app_pool), app_pool->size);
}

static void
script_end(struct sl_tcp *t)
{
	sl_tcp_destroy(t);
	pools_full();
}

/*
 * Passive open with every option: SYN(mss 1460, sackOK, TS, ws 7) in,
 * SYN-ACK out with our MSS (MTU 1500 - 40), SACK-permitted, TS echoing the
 * peer's TSval and our shift (rcv_buf 65535: 0); then the ACK completes it.
 * Returns our ISS; the peer's ISN is 1000.
 */
static uint32_t
open_passive(struct sl_tcp *t, int sack, int ts, int ws, int mss)
{
	struct cap *c;
	uint32_t iss;

	assert_int_equal(sl_tcp_listen(t, 0, 80, (void *)0x1), 0);
	INJ(t, .flags = F_SYN, .seq = 1000, .win = 65535, .mss = mss, .sackok = sack, .ts = ts,
	    .tsval = 500, .ws = ws);
	sl_tcp_poll(t, now);
	c = out_next();
	assert_int_equal(c->flags, F_SYN | F_ACK);
	assert_int_equal(c->ack, 1001);
	assert_int_equal(c->mss, 1460);
	assert_int_equal(c->sackok, sack);
	assert_int_equal(c->ts, ts);
	if (ts)
		assert_int_equal(c->tsecr, 500);
	assert_int_equal(c->ws, ws >= 0 ? 0 : -1);
	assert_int_equal(c->win, synack_win);
	assert_int_equal(c->len, 0);
	iss = c->seq;
	INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 1, .win = 65535, .ts = ts, .tsval = 501,
	    .tsecr = c->tsval);
	sl_tcp_poll(t, now);
	expect_event(SL_TCP_EV_ACCEPTED);
	out_none();
	assert_non_null(last_conn);
	assert_int_equal(sl_tcp_conn_state(last_conn), SL_TCP_ESTABLISHED);
	return iss;
}

/* Timestamp option values the scripted peer keeps sending. */
static void
test_handshake_options(void **state)
{
	(void)state;
	for (int combo = 0; combo < 16; combo++) {
		struct sl_tcp_params p = script_params();
		struct sl_tcp *t = script_start(&p);
		int sack = combo & 1, ts = !!(combo & 2), ws = (combo & 4) ? 7 : -1;
		int mss = (combo & 8) ? 1200 : 0;
		struct sl_tcp_conn_info ci;

		open_passive(t, sack, ts, ws, mss);
		sl_tcp_conn_get_info(last_conn, &ci);
		/* No MSS option: 536 (RFC 9293 3.7.1); TS costs 12 bytes. */
		assert_int_equal(ci.mss, (mss ? 1200 : 536) - (ts ? 12 : 0));
		assert_int_equal(ci.sack, sack);
		assert_int_equal(ci.timestamps, ts);
		assert_int_equal(ci.snd_wscale, ws >= 0 ? 7 : 0);
		assert_int_equal(sl_tcp_stats(t)->passive_opens, 1);
		script_end(t);
	}
}

/* Options switched off locally are neither offered nor accepted. */
static void
test_handshake_features_off(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t;
	struct cap *c;

	(void)state;
	p.flags = 0;
	t = script_start(&p);
	assert_int_equal(sl_tcp_listen(t, 0, 80, NULL), 0);
	INJ(t, .flags = F_SYN, .seq = 1000, .win = 65535, .mss = 1460, .sackok = 1, .ts = 1,
	    .tsval = 5, .ws = 7);
	sl_tcp_poll(t, now);
	c = out_next();
	assert_int_equal(c->flags, F_SYN | F_ACK);
	assert_int_equal(c->mss, 1460);
	assert_int_equal(c->sackok, 0);
	assert_int_equal(c->ts, 0);
	assert_int_equal(c->ws, -1);
	script_end(t);
}

/* Active open: SYN options, SYN-ACK, ACK, data both ways, delayed ACK. */
static void
test_active_open_data(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);
	struct sl_tcp_conn *conn;
	struct rte_mbuf *m;
	struct cap *c;
	uint32_t iss;

	(void)state;
	assert_int_equal(sl_tcp_connect(t, LADDR, RADDR, 8080, (void *)0x2, &conn), 0);
	c = out_next();
	assert_int_equal(c->flags, F_SYN);
	assert_int_equal(c->dport, 8080);
	assert_int_equal(c->sport, 32768);
	assert_int_equal(c->mss, 1460);
	assert_int_equal(c->sackok, 1);
	assert_int_equal(c->ts, 1);
	assert_int_equal(c->tsecr, 0);
	assert_int_equal(c->ws, 0);
	iss = c->seq;
	assert_int_equal(sl_tcp_conn_state(conn), SL_TCP_SYN_SENT);
	/* SYN-ACK without timestamps or SACK, ws 2. */
	INJ(t, .flags = F_SYN | F_ACK, .sport = 8080, .dport = 32768, .seq = 7000, .ack = iss + 1,
	    .win = 20000, .mss = 1000, .ws = 2);
	expect_event(SL_TCP_EV_CONNECTED);
	sl_tcp_poll(t, now);
	expect_seg(F_ACK, iss + 1, 7001, 0);
	/* App sends 2500 bytes: MSS 1000 => 1000, 1000, 500 (PSH). */
	m = rte_pktmbuf_alloc(app_pool);
	memset(rte_pktmbuf_append(m, 2000), 'a', 2000);
	m->next = rte_pktmbuf_alloc(app_pool);
	memset(rte_pktmbuf_append(m->next, 500), 'b', 500);
	m->nb_segs = 2;
	m->pkt_len = 2500;
	assert_int_equal(sl_tcp_send(conn, m), 0);
	expect_seg(F_ACK, iss + 1, 7001, 1000);
	expect_seg(F_ACK, iss + 1001, 7001, 1000);
	c = out_next();
	assert_int_equal(c->flags, F_ACK | F_PSH);
	assert_int_equal(c->len, 500);
	assert_int_equal(c->data[0], 'b');
	out_none();
	/* Peer data: one segment is ACKed after the delayed-ACK time only. */
	INJ(t, .flags = F_ACK | F_PSH, .sport = 8080, .dport = 32768, .seq = 7001,
	    .ack = iss + 2501, .win = 20000, .data = "hello", .len = 5);
	expect_event(SL_TCP_EV_DATA);
	assert_int_equal(rxlen, 5);
	assert_memory_equal(rxbuf, "hello", 5);
	sl_tcp_poll(t, now);
	out_none();
	advance(t, 39);
	out_none();
	advance(t, 1);
	c = out_next();
	assert_int_equal(c->flags, F_ACK);
	assert_int_equal(c->ack, 7006);
	/* 5 bytes consumed do not move the right edge (receiver SWS
	 * avoidance, RFC 9293 3.8.6.2.2): 65535 - 5. */
	assert_int_equal(c->win, 65530);
	/* Two full segments are ACKed at once (RFC 1122 4.2.3.2). */
	{
		static uint8_t big[1448 * 2];

		memset(big, 'x', sizeof(big));
		INJ(t, .flags = F_ACK, .sport = 8080, .dport = 32768, .seq = 7006,
		    .ack = iss + 2501, .win = 20000, .data = big, .len = 1460);
		sl_tcp_poll(t, now);
		out_none();
		INJ(t, .flags = F_ACK, .sport = 8080, .dport = 32768, .seq = 7006 + 1460,
		    .ack = iss + 2501, .win = 20000, .data = big, .len = 1460);
		sl_tcp_poll(t, now);
		expect_seg(F_ACK, iss + 2501, 7006 + 2920, 0);
	}
	sl_tcp_abort(conn);
	expect_seg(F_RST | F_ACK, iss + 2501, 7006 + 2920, 0);
	sl_tcp_poll(t, now);
	assert_int_equal(sl_tcp_conn_count(t), 0);
	script_end(t);
}

/* RFC 5961 3.2: RST exact resets, in window challenges, outside ignored. */
static void
test_rst_rfc5961(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);
	uint32_t iss;

	(void)state;
	iss = open_passive(t, 1, 0, 7, 1460);
	INJ(t, .flags = F_RST, .seq = 1001 + 100);
	expect_seg(F_ACK, iss + 1, 1001, 0);	/* challenge ACK */
	assert_int_equal(sl_tcp_stats(t)->challenge_acks, 1);
	INJ(t, .flags = F_RST, .seq = 1001 + 1000000);
	out_none();
	assert_int_equal(sl_tcp_stats(t)->drops[SL_TCP_DROP_RST_INVALID], 2);
	assert_int_equal(sl_tcp_conn_state(last_conn), SL_TCP_ESTABLISHED);
	/* SYN in ESTABLISHED: challenge ACK (RFC 5961 4.2). */
	INJ(t, .flags = F_SYN, .seq = 5555, .win = 100);
	expect_seg(F_ACK, iss + 1, 1001, 0);
	assert_int_equal(sl_tcp_conn_state(last_conn), SL_TCP_ESTABLISHED);
	/* ACK for data never sent: challenge ACK, dropped (RFC 5961 5.2). */
	INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 100, .win = 100);
	expect_seg(F_ACK, iss + 1, 1001, 0);
	assert_int_equal(sl_tcp_stats(t)->drops[SL_TCP_DROP_BAD_ACK], 1);
	/* Exact RST resets. */
	INJ(t, .flags = F_RST, .seq = 1001);
	expect_event(SL_TCP_EV_CLOSED);
	assert_int_equal(evs[evr - 1].reason, SL_TCP_CLOSE_RESET);
	out_none();
	assert_int_equal(sl_tcp_conn_count(t), 0);
	assert_int_equal(sl_tcp_stats(t)->rst_rcvd, 1);
	script_end(t);
}

/* Closed ports answer RST like Linux (RFC 9293 3.10.7.1). */
static void
test_closed_port(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);

	(void)state;
	INJ(t, .flags = F_SYN, .seq = 77, .win = 100, .dport = 81);
	expect_seg(F_RST | F_ACK, 0, 78, 0);
	INJ(t, .flags = F_ACK, .seq = 77, .ack = 12345, .win = 100, .dport = 81);
	expect_seg(F_RST, 12345, 0, 0);
	INJ(t, .flags = F_RST, .seq = 77, .dport = 81);
	out_none();
	INJ(t, .flags = F_ACK | F_PSH, .seq = 77, .ack = 1, .data = "abc", .len = 3, .dport = 81,
	    .bad_cksum = 1);
	out_none();
	assert_int_equal(sl_tcp_stats(t)->drops[SL_TCP_DROP_CKSUM], 1);
	assert_int_equal(sl_tcp_stats(t)->drops[SL_TCP_DROP_NO_LISTENER], 3);
	assert_int_equal(sl_tcp_stats(t)->rst_sent, 2);
	script_end(t);
}

/* Passive close: FIN in ESTABLISHED, CLOSE_WAIT, our FIN, LAST_ACK. */
static void
test_fin_passive_close(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);
	struct sl_tcp_conn *conn;
	uint32_t iss;

	(void)state;
	iss = open_passive(t, 0, 0, -1, 1460);
	conn = last_conn;
	INJ(t, .flags = F_FIN | F_ACK, .seq = 1001, .ack = iss + 1, .win = 1000);
	expect_event(SL_TCP_EV_PEER_FIN);
	sl_tcp_poll(t, now);
	expect_seg(F_ACK, iss + 1, 1002, 0);
	assert_int_equal(sl_tcp_conn_state(conn), SL_TCP_CLOSE_WAIT);
	/* Retransmitted FIN: ACKed again. */
	INJ(t, .flags = F_FIN | F_ACK, .seq = 1001, .ack = iss + 1, .win = 1000);
	sl_tcp_poll(t, now);
	expect_seg(F_ACK, iss + 1, 1002, 0);
	assert_int_equal(sl_tcp_shutdown(conn), 0);
	expect_seg(F_FIN | F_ACK, iss + 1, 1002, 0);
	assert_int_equal(sl_tcp_conn_state(conn), SL_TCP_LAST_ACK);
	assert_int_equal(sl_tcp_send(conn, NULL), -EPIPE);
	INJ(t, .flags = F_ACK, .seq = 1002, .ack = iss + 2, .win = 1000);
	expect_event(SL_TCP_EV_CLOSED);
	assert_int_equal(evs[evr - 1].reason, SL_TCP_CLOSE_NORMAL);
	sl_tcp_poll(t, now);
	assert_int_equal(sl_tcp_conn_count(t), 0);
	script_end(t);
}

/* Active close: FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT (2*MSL), then gone. */
static void
test_fin_active_close_time_wait(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t;
	struct sl_tcp_conn *conn;
	uint32_t iss;

	(void)state;
	p.time_wait_ms = 2000;
	t = script_start(&p);
	iss = open_passive(t, 0, 1, -1, 1460);
	conn = last_conn;
	assert_int_equal(sl_tcp_shutdown(conn), 0);
	expect_seg(F_FIN | F_ACK, iss + 1, 1001, 0);
	assert_int_equal(sl_tcp_conn_state(conn), SL_TCP_FIN_WAIT_1);
	INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 2, .win = 1000, .ts = 1, .tsval = 600);
	assert_int_equal(sl_tcp_conn_state(conn), SL_TCP_FIN_WAIT_2);
	/* Half-close: data still flows to us. */
	INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 2, .win = 1000, .ts = 1, .tsval = 601,
	    .data = "late", .len = 4);
	expect_event(SL_TCP_EV_DATA);
	INJ(t, .flags = F_FIN | F_ACK, .seq = 1005, .ack = iss + 2, .win = 1000, .ts = 1,
	    .tsval = 602);
	expect_event(SL_TCP_EV_PEER_FIN);
	expect_event(SL_TCP_EV_CLOSED);
	sl_tcp_poll(t, now);
	expect_seg(F_ACK, iss + 2, 1006, 0);
	assert_int_equal(sl_tcp_conn_count(t), 1);
	/* A retransmitted FIN in TIME_WAIT is ACKed. */
	advance(t, 1000);
	INJ(t, .flags = F_FIN | F_ACK, .seq = 1005, .ack = iss + 2, .win = 1000, .ts = 1,
	    .tsval = 603);
	sl_tcp_poll(t, now);
	expect_seg(F_ACK, iss + 2, 1006, 0);
	/* An old-timestamp SYN does not reclaim: PAWS drops it. */
	INJ(t, .flags = F_SYN, .seq = 9000, .win = 1000, .ts = 1, .tsval = 100);
	sl_tcp_poll(t, now);
	expect_seg(F_ACK, iss + 2, 1006, 0);
	advance(t, 1999);
	assert_int_equal(sl_tcp_conn_count(t), 1);	/* restarted by the FIN */
	advance(t, 2);
	assert_int_equal(sl_tcp_conn_count(t), 0);
	out_none();
	script_end(t);
}

/* RFC 6191: a SYN with a newer timestamp reuses a TIME_WAIT 4-tuple. */
static void
test_time_wait_reclaim_and_limit(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t;
	struct cap *c;
	uint32_t iss;

	(void)state;
	p.time_wait_max = 1;
	t = script_start(&p);
	iss = open_passive(t, 0, 1, -1, 1460);
	assert_int_equal(sl_tcp_shutdown(last_conn), 0);
	expect_seg(F_FIN | F_ACK, iss + 1, 1001, 0);
	INJ(t, .flags = F_FIN | F_ACK, .seq = 1001, .ack = iss + 2, .win = 1000, .ts = 1,
	    .tsval = 600);
	sl_tcp_poll(t, now);
	expect_event(SL_TCP_EV_PEER_FIN);
	expect_event(SL_TCP_EV_CLOSED);
	expect_seg(F_ACK, iss + 2, 1002, 0);
	assert_int_equal(sl_tcp_conn_count(t), 1);
	INJ(t, .flags = F_SYN, .seq = 500, .win = 1000, .ts = 1, .tsval = 700, .mss = 1460);
	c = out_next();
	assert_int_equal(c->flags, F_SYN | F_ACK);
	assert_int_equal(c->ack, 501);
	/* The new ISS lies beyond the old incarnation's sequence space. */
	assert_true((int32_t)(c->seq - (iss + 2)) > 65535);
	assert_int_equal(sl_tcp_stats(t)->tw_reclaimed, 1);
	INJ(t, .flags = F_ACK, .seq = 501, .ack = c->seq + 1, .win = 1000, .ts = 1, .tsval = 701,
	    .tsecr = c->tsval);
	expect_event(SL_TCP_EV_ACCEPTED);
	iss = c->seq;
	/* Second close from the peer first (we end in LAST_ACK, no TW). */
	sl_tcp_abort(last_conn);
	expect_seg(F_RST | F_ACK, iss + 1, 501, 0);
	sl_tcp_poll(t, now);
	/* Limit: two connections closing actively, only one may TIME_WAIT. */
	for (int i = 0; i < 2; i++) {
		uint16_t sp = (uint16_t)(41000 + i);

		INJ(t, .flags = F_SYN, .sport = sp, .seq = 100, .win = 1000);
		c = out_next();
		iss = c->seq;
		INJ(t, .flags = F_ACK, .sport = sp, .seq = 101, .ack = iss + 1, .win = 1000);
		expect_event(SL_TCP_EV_ACCEPTED);
		sl_tcp_shutdown(last_conn);
		expect_seg(F_FIN | F_ACK, iss + 1, 101, 0);
		INJ(t, .flags = F_FIN | F_ACK, .sport = sp, .seq = 101, .ack = iss + 2, .win = 1000);
		expect_event(SL_TCP_EV_PEER_FIN);
		expect_event(SL_TCP_EV_CLOSED);
		sl_tcp_poll(t, now);
		expect_seg(F_ACK, iss + 2, 102, 0);
	}
	assert_int_equal(sl_tcp_stats(t)->tw_overflow, 1);
	assert_int_equal(sl_tcp_conn_count(t), 1);
	script_end(t);
}

/* Simultaneous close: FIN crosses ours, CLOSING, then TIME_WAIT. */
static void
test_simultaneous_close(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);
	struct sl_tcp_conn *conn;
	uint32_t iss;

	(void)state;
	iss = open_passive(t, 0, 0, -1, 1460);
	conn = last_conn;
	sl_tcp_shutdown(conn);
	expect_seg(F_FIN | F_ACK, iss + 1, 1001, 0);
	INJ(t, .flags = F_FIN | F_ACK, .seq = 1001, .ack = iss + 1, .win = 1000);
	expect_event(SL_TCP_EV_PEER_FIN);
	assert_int_equal(sl_tcp_conn_state(conn), SL_TCP_CLOSING);
	sl_tcp_poll(t, now);
	expect_seg(F_ACK, iss + 2, 1002, 0);
	INJ(t, .flags = F_ACK, .seq = 1002, .ack = iss + 2, .win = 1000);
	expect_event(SL_TCP_EV_CLOSED);
	assert_int_equal(sl_tcp_stats(t)->drops[SL_TCP_DROP_STATE], 0);
	script_end(t);
}

/* Simultaneous open (RFC 9293 3.5 figure 8). */
static void
test_simultaneous_open(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);
	struct sl_tcp_conn *conn;
	struct cap *c;
	uint32_t iss;

	(void)state;
	assert_int_equal(sl_tcp_connect(t, LADDR, RADDR, 9000, NULL, &conn), 0);
	c = out_next();
	iss = c->seq;
	INJ(t, .flags = F_SYN, .sport = 9000, .dport = c->sport, .seq = 300, .win = 5000,
	    .mss = 1460);
	assert_int_equal(sl_tcp_conn_state(conn), SL_TCP_SYN_RECEIVED);
	c = out_next();
	assert_int_equal(c->flags, F_SYN | F_ACK);
	assert_int_equal(c->seq, iss);
	assert_int_equal(c->ack, 301);
	INJ(t, .flags = F_SYN | F_ACK, .sport = 9000, .dport = c->sport, .seq = 300,
	    .ack = iss + 1, .win = 5000, .mss = 1460);
	expect_event(SL_TCP_EV_CONNECTED);
	assert_int_equal(sl_tcp_conn_state(conn), SL_TCP_ESTABLISHED);
	sl_tcp_abort(conn);
	expect_seg(F_RST | F_ACK, iss + 1, 301, 0);
	script_end(t);
}

/* FIN in SYN_SENT (without SYN) is dropped; FIN with the handshake ACK. */
static void
test_fin_other_states(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);
	struct sl_tcp_conn *conn;
	struct cap *c;
	uint32_t iss;

	(void)state;
	assert_int_equal(sl_tcp_connect(t, LADDR, RADDR, 9000, NULL, &conn), 0);
	c = out_next();
	iss = c->seq;
	INJ(t, .flags = F_FIN | F_ACK, .sport = 9000, .dport = c->sport, .seq = 300,
	    .ack = iss + 1, .win = 5000);
	out_none();
	assert_int_equal(sl_tcp_conn_state(conn), SL_TCP_SYN_SENT);
	assert_int_equal(sl_tcp_stats(t)->drops[SL_TCP_DROP_STATE], 1);
	sl_tcp_close(conn);
	sl_tcp_poll(t, now);
	assert_int_equal(sl_tcp_conn_count(t), 0);
	/* FIN on the ACK completing a passive open: ESTABLISHED->CLOSE_WAIT. */
	assert_int_equal(sl_tcp_listen(t, 0, 80, NULL), 0);
	INJ(t, .flags = F_SYN, .seq = 1000, .win = 65535);
	c = out_next();
	iss = c->seq;
	INJ(t, .flags = F_FIN | F_ACK, .seq = 1001, .ack = iss + 1, .win = 65535);
	expect_event(SL_TCP_EV_ACCEPTED);
	expect_event(SL_TCP_EV_PEER_FIN);
	assert_int_equal(sl_tcp_conn_state(last_conn), SL_TCP_CLOSE_WAIT);
	sl_tcp_poll(t, now);
	expect_seg(F_ACK, iss + 1, 1002, 0);
	/* close() in CLOSE_WAIT: FIN, LAST_ACK; a retransmitted peer FIN is
	 * ACKed; the final ACK frees it without an event. */
	sl_tcp_close(last_conn);
	expect_seg(F_FIN | F_ACK, iss + 1, 1002, 0);
	INJ(t, .flags = F_FIN | F_ACK, .seq = 1001, .ack = iss + 1, .win = 65535);
	sl_tcp_poll(t, now);
	expect_seg(F_ACK, iss + 2, 1002, 0);
	INJ(t, .flags = F_ACK, .seq = 1002, .ack = iss + 2, .win = 65535);
	sl_tcp_poll(t, now);
	no_event();
	assert_int_equal(sl_tcp_conn_count(t), 0);
	script_end(t);
}

/* Zero window: nothing is sent, persist probes back off, window reopens. */
static void
test_zero_window_persist(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);
	struct sl_tcp_conn *conn;
	struct rte_mbuf *m;
	uint32_t iss;

	(void)state;
	iss = open_passive(t, 0, 0, -1, 1460);
	conn = last_conn;
	INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 1, .win = 0);
	m = rte_pktmbuf_alloc(app_pool);
	memset(rte_pktmbuf_append(m, 1000), 'z', 1000);
	assert_int_equal(sl_tcp_send(conn, m), 0);
	out_none();
	/* RTO = rto_min (200 ms, RTT ~0): probes at 200, 400, 800 ms. */
	advance(t, 199);
	out_none();
	advance(t, 1);
	expect_seg(F_ACK, iss, 1001, 0);
	INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 1, .win = 0);
	advance(t, 399);
	out_none();
	advance(t, 1);
	expect_seg(F_ACK, iss, 1001, 0);
	advance(t, 800);
	expect_seg(F_ACK, iss, 1001, 0);
	assert_int_equal(sl_tcp_stats(t)->persist_probes, 3);
	/* Window opens: the data goes. */
	INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 1, .win = 4000);
	expect_seg(F_ACK | F_PSH, iss + 1, 1001, 1000);
	INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 1001, .win = 4000);
	advance(t, 5000);
	out_none();
	sl_tcp_abort(conn);
	expect_seg(F_RST | F_ACK, iss + 1001, 1001, 0);
	script_end(t);
}

/* Receive window closes while the app holds data and reopens on consume. */
static void
test_rcv_window_consume(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t;
	static uint8_t buf[1460];
	struct cap *c;
	uint32_t iss, seq = 1001;

	(void)state;
	p.rcv_buf = 8760;	/* 6 * 1460 */
	t = script_start(&p);
	auto_consume = 0;
	iss = open_passive(t, 0, 0, -1, 1460);
	memset(buf, 'w', sizeof(buf));
	for (int i = 0; i < 6; i++) {
		INJ(t, .flags = F_ACK, .seq = seq, .ack = iss + 1, .win = 1000, .data = buf,
		    .len = 1460);
		seq += 1460;
		sl_tcp_poll(t, now);
		if (i % 2 == 1) {
			c = out_next();
			assert_int_equal(c->ack, seq);
			assert_int_equal(c->win, 8760 - 1460 * (i + 1));
		}
	}
	out_none();
	/* Zero window: a further segment is not accepted, only ACKed. */
	INJ(t, .flags = F_ACK, .seq = seq, .ack = iss + 1, .win = 1000, .data = buf, .len = 100);
	sl_tcp_poll(t, now);
	c = out_next();
	assert_int_equal(c->ack, seq);
	assert_int_equal(c->win, 0);
	assert_int_equal(rxlen, 6 * 1460);
	/* Consuming 1000 bytes: below the SWS threshold, no update. */
	sl_tcp_consumed(last_conn, 1000);
	out_none();
	sl_tcp_consumed(last_conn, 2000);
	c = out_next();
	assert_int_equal(c->flags, F_ACK);
	assert_int_equal(c->win, 3000);
	sl_tcp_consumed(last_conn, 6 * 1460 - 3000);
	c = out_next();
	assert_int_equal(c->win, 8760);
	sl_tcp_abort(last_conn);
	out_next();
	script_end(t);
}

/* Out-of-order data: immediate ACK with SACK blocks, reassembly, split
 * at every byte in both orders delivers the same bytes. */
static void
test_ooo_sack_every_split(void **state)
{
	static const char msg[] = "The quick brown fox jumps over the lazy dog";
	uint32_t n = sizeof(msg) - 1;

	(void)state;
	for (uint32_t k = 1; k < n; k++) {
		for (int order = 0; order < 2; order++) {
			struct sl_tcp_params p = script_params();
			struct sl_tcp *t = script_start(&p);
			uint32_t iss = open_passive(t, 1, 0, -1, 1460);
			struct cap *c;

			if (order == 0) {
				INJ(t, .flags = F_ACK, .seq = 1001 + k, .ack = iss + 1, .win = 1000,
				    .data = msg + k, .len = n - k);
				sl_tcp_poll(t, now);
				c = out_next();
				assert_int_equal(c->ack, 1001);
				assert_int_equal(c->nsack, 1);
				assert_int_equal(c->sack[0][0], 1001 + k);
				assert_int_equal(c->sack[0][1], 1001 + n);
				assert_int_equal(rxlen, 0);
				INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 1, .win = 1000,
				    .data = msg, .len = k);
				sl_tcp_poll(t, now);
				c = out_next();
				assert_int_equal(c->ack, 1001 + n);
				assert_int_equal(c->nsack, 0);
			} else {
				INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 1, .win = 1000,
				    .data = msg, .len = k);
				/* Overlapping retransmission of everything. */
				INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 1, .win = 1000,
				    .data = msg, .len = n);
				sl_tcp_poll(t, now);
			}
			assert_int_equal(rxlen, n);
			assert_memory_equal(rxbuf, msg, n);
			sl_tcp_abort(last_conn);
			script_end(t);
		}
	}
}

/* Sequence numbers wrapping at 2^32 on the receive side. */
static void
test_seq_wrap(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);
	static uint8_t buf[3000];
	struct cap *c;
	uint32_t isn = 0xfffffc00u, iss;

	(void)state;
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7);
	assert_int_equal(sl_tcp_listen(t, 0, 80, NULL), 0);
	INJ(t, .flags = F_SYN, .seq = isn, .win = 65535, .mss = 1460);
	c = out_next();
	iss = c->seq;
	INJ(t, .flags = F_ACK, .seq = isn + 1, .ack = iss + 1, .win = 65535);
	expect_event(SL_TCP_EV_ACCEPTED);
	/* Second half first (beyond the wrap), then the first. */
	INJ(t, .flags = F_ACK, .seq = isn + 1 + 1460, .ack = iss + 1, .win = 65535,
	    .data = buf + 1460, .len = 1460);
	INJ(t, .flags = F_ACK, .seq = isn + 1, .ack = iss + 1, .win = 65535, .data = buf,
	    .len = 1460);
	sl_tcp_poll(t, now);
	out_next();	/* dupack with SACK */
	c = out_next();
	assert_int_equal(c->ack, isn + 1 + 2920);
	assert_true(c->ack < 4096);
	assert_int_equal(rxlen, 2920);
	assert_memory_equal(rxbuf, buf, 2920);
	sl_tcp_abort(last_conn);
	script_end(t);
}

/* RFC 6298 5.5: backoff doubles; gives up after max_retries with RST. */
static void
test_rto_backoff(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t;
	struct sl_tcp_conn *conn;
	struct rte_mbuf *m;
	uint64_t last;
	uint32_t iss, expect_ms = 200;

	(void)state;
	p.max_retries = 5;
	p.rto_max_ms = 3000;
	t = script_start(&p);
	iss = open_passive(t, 0, 0, -1, 1460);
	conn = last_conn;
	m = rte_pktmbuf_alloc(app_pool);
	memset(rte_pktmbuf_append(m, 100), 'r', 100);
	assert_int_equal(sl_tcp_send(conn, m), 0);
	expect_seg(F_ACK | F_PSH, iss + 1, 1001, 100);
	last = now;
	for (int i = 0; i < 5; i++) {
		while (capr == ncap)
			advance(t, 1);
		expect_seg(F_ACK | F_PSH, iss + 1, 1001, 100);
		assert_int_equal((now - last) / MS, expect_ms);
		last = now;
		expect_ms = expect_ms * 2 > 3000 ? 3000 : expect_ms * 2;
	}
	assert_int_equal(sl_tcp_stats(t)->rtx_timeout, 5);
	while (capr == ncap)
		advance(t, 1);
	assert_int_equal((now - last) / MS, expect_ms);
	expect_seg(F_RST | F_ACK, iss + 101, 1001, 0);
	expect_event(SL_TCP_EV_CLOSED);
	assert_int_equal(evs[evr - 1].reason, SL_TCP_CLOSE_TIMEOUT);
	sl_tcp_poll(t, now);
	assert_int_equal(sl_tcp_conn_count(t), 0);
	script_end(t);
}

/* SYN retransmissions at 1, 2, 4 s (RFC 6298 2.1 initial RTO), refused. */
static void
test_syn_backoff_refused(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);
	struct sl_tcp_conn *conn;
	struct cap *c;
	uint32_t iss;

	(void)state;
	assert_int_equal(sl_tcp_connect(t, LADDR, RADDR, 9000, NULL, &conn), 0);
	c = out_next();
	iss = c->seq;
	advance(t, 999);
	out_none();
	advance(t, 1);
	expect_seg(F_SYN, iss, 0, 0);
	advance(t, 1999);
	out_none();
	advance(t, 1);
	expect_seg(F_SYN, iss, 0, 0);
	assert_int_equal(sl_tcp_stats(t)->rtx_syn, 2);
	/* RST with a wrong ACK is ignored (answered by RST? no: dropped). */
	INJ(t, .flags = F_RST | F_ACK, .sport = 9000, .dport = c->sport, .seq = 0, .ack = iss + 5);
	out_none();
	INJ(t, .flags = F_RST | F_ACK, .sport = 9000, .dport = c->sport, .seq = 0, .ack = iss + 1);
	expect_event(SL_TCP_EV_CLOSED);
	assert_int_equal(evs[evr - 1].reason, SL_TCP_CLOSE_REFUSED);
	script_end(t);
}

/* Fast retransmit on three duplicate ACKs with SACK, NewReno style
 * recovery, exit on the full ACK. */
static void
test_fast_retransmit_sack(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);
	struct sl_tcp_conn *conn;
	struct rte_mbuf *m;
	uint32_t iss, una;
	struct cap *c;

	(void)state;
	iss = open_passive(t, 1, 0, -1, 1460);
	conn = last_conn;
	INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 1, .win = 65535);
	m = rte_pktmbuf_alloc(app_pool);
	memset(rte_pktmbuf_append(m, 2000), 's', 2000);
	for (int i = 0; i < 7; i++) {
		struct rte_mbuf *x = rte_pktmbuf_alloc(app_pool);

		memset(rte_pktmbuf_append(x, 2000), 's', 2000);
		rte_pktmbuf_chain(m, x);
	}
	assert_int_equal(sl_tcp_send(conn, m), 0);	/* 16000 bytes */
	una = iss + 1;
	for (int i = 0; i < 10; i++)	/* IW10 */
		expect_seg(i == 9 && false ? 0 : F_ACK, una + 1460 * i, 1001, 1460);
	out_none();
	/* Segment 0 lost: SACKs for 1, 1-2, 1-3. */
	for (int i = 1; i <= 3; i++) {
		INJ(t, .flags = F_ACK, .seq = 1001, .ack = una, .win = 65535, .nsack = 1,
		    .sack = { { una + 1460, una + 1460 * (i + 1) } });
		if (i < 3)
			out_none();
	}
	c = out_next();
	assert_int_equal(c->seq, una);
	assert_int_equal(c->len, 1460);
	assert_int_equal(sl_tcp_stats(t)->rtx_fast, 1);
	/* Full ACK of everything sent: recovery over, new data flows. */
	INJ(t, .flags = F_ACK, .seq = 1001, .ack = una + 14600, .win = 65535);
	c = out_next();
	assert_int_equal(c->seq, una + 14600);
	assert_int_equal(c->len, 1400);
	sl_tcp_abort(conn);
	while (capr < ncap)
		capr++;
	script_end(t);
}

/* PAWS (RFC 7323 5.3): an old TSval is dropped and ACKed. */
static void
test_paws(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t = script_start(&p);
	uint32_t iss;

	(void)state;
	iss = open_passive(t, 0, 1, -1, 1460);
	INJ(t, .flags = F_ACK, .seq = 1001, .ack = iss + 1, .win = 1000, .ts = 1, .tsval = 400,
	    .data = "old", .len = 3);
	sl_tcp_poll(t, now);
	expect_seg(F_ACK, iss + 1, 1001, 0);
	assert_int_equal(rxlen, 0);
	assert_int_equal(sl_tcp_stats(t)->drops[SL_TCP_DROP_PAWS], 1);
	sl_tcp_abort(last_conn);
	out_next();
	script_end(t);
}

/* SYN cookies: backlog full -> cookie SYN-ACK -> ACK validates. */
static void
test_syncookies(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t;
	struct sl_tcp_conn_info ci;
	struct cap *c;

	(void)state;
	p.syn_backlog = 1;
	p.rcv_buf = 256 * 1024;	/* our shift: 3 */
	t = script_start(&p);
	assert_int_equal(sl_tcp_listen(t, 0, 80, NULL), 0);
	INJ(t, .flags = F_SYN, .sport = 1111, .seq = 10, .win = 1000, .mss = 1460);
	c = out_next();
	assert_int_equal(sl_tcp_stats(t)->cookies_sent, 0);
	/* Backlog full now. */
	INJ(t, .flags = F_SYN, .sport = 2222, .seq = 5000, .win = 1000, .mss = 1400, .ts = 1,
	    .tsval = 42, .sackok = 1, .ws = 5);
	c = out_next();
	assert_int_equal(c->flags, F_SYN | F_ACK);
	assert_int_equal(c->ack, 5001);
	assert_int_equal(c->mss, 1460);
	assert_int_equal(c->ws, 3);
	assert_int_equal(c->sackok, 1);
	assert_int_equal(c->tsecr, 42);
	assert_int_equal(sl_tcp_stats(t)->cookies_sent, 1);
	assert_int_equal(sl_tcp_conn_count(t), 1);	/* no state kept */
	/* A forged ACK is refused with RST. */
	INJ(t, .flags = F_ACK, .sport = 2222, .seq = 5001, .ack = c->seq + 2, .win = 1000, .ts = 1,
	    .tsval = 43, .tsecr = c->tsval);
	expect_seg(F_RST, c->seq + 2, 0, 0);
	assert_int_equal(sl_tcp_stats(t)->drops[SL_TCP_DROP_BAD_COOKIE], 1);
	/* The right one makes a connection with the encoded options. */
	INJ(t, .flags = F_ACK, .sport = 2222, .seq = 5001, .ack = c->seq + 1, .win = 1000, .ts = 1,
	    .tsval = 43, .tsecr = c->tsval, .data = "GET", .len = 3);
	expect_event(SL_TCP_EV_ACCEPTED);
	expect_event(SL_TCP_EV_DATA);
	assert_int_equal(sl_tcp_stats(t)->cookies_validated, 1);
	sl_tcp_conn_get_info(last_conn, &ci);
	assert_int_equal(ci.mss, 1400 - 12);
	assert_int_equal(ci.snd_wscale, 5);
	assert_int_equal(ci.rcv_wscale, 3);
	assert_int_equal(ci.sack, 1);
	assert_int_equal(ci.timestamps, 1);
	assert_int_equal(ci.snd_wnd, 1000 << 5);
	assert_int_equal(ci.state, SL_TCP_ESTABLISHED);
	script_end(t);
}

/* Table full: SYNs are refused with RST (no cookies) and counted. */
static void
test_table_full(void **state)
{
	struct sl_tcp_params p = script_params();
	struct sl_tcp *t;
	struct cap *c;

	(void)state;
	p.max_conns = 2;
	p.flags = SL_TCP_F_SACK;
	t = script_start(&p);
	assert_int_equal(sl_tcp_listen(t, 0, 80, NULL), 0);
	INJ(t, .flags = F_SYN, .sport = 1, .seq = 10, .win = 1000);
	out_next();
	INJ(t, .flags = F_SYN, .sport = 2, .seq = 10, .win = 1000);
	out_next();
	INJ(t, .flags = F_SYN, .sport = 3, .seq = 10, .win = 1000);
	c = out_next();
	assert_int_equal(c->flags, F_RST | F_ACK);
	assert_int_equal(c->ack, 11);
	assert_int_equal(sl_tcp_stats(t)->drops[SL_TCP_DROP_TABLE_FULL], 1);
	{
		struct sl_tcp_conn *x;

		assert_int_equal(sl_tcp_connect(t, LADDR, RADDR, 1, NULL, &x), -ENOSPC);
	}
	/* SYN_RECEIVED times out after syn_retries: slots come back. */
	advance(t, 200000);
	assert_int_equal(sl_tcp_conn_count(t), 0);
	while (capr < ncap)
		capr++;
	script_end(t);
}

/* ============================================================ two stacks */

struct pkt {
	uint64_t at, order;
	struct rte_mbuf *m;
	int dst;
};

#define HEAP_MAX 200000
static struct pkt heap[HEAP_MAX];
static unsigned int nheap;
static uint64_t order_ctr;

static int
pkt_before(const struct pkt *a, const struct pkt *b)
{
	return a->at < b->at || (a->at == b->at && a->order < b->order);
}

static void
heap_push(struct pkt p)
{
	unsigned int i = nheap++;

	assert_true(nheap < HEAP_MAX);
	heap[i] = p;
	while (i > 0 && pkt_before(&heap[i], &heap[(i - 1) / 2])) {
		struct pkt x = heap[i];

		heap[i] = heap[(i - 1) / 2];
		heap[(i - 1) / 2] = x;
		i = (i - 1) / 2;
	}
}

static struct pkt
heap_pop(void)
{
	struct pkt top = heap[0];
	unsigned int i = 0;

	heap[0] = heap[--nheap];
	for (;;) {
		unsigned int l = 2 * i + 1, r = l + 1, s = i;

		if (l < nheap && pkt_before(&heap[l], &heap[s]))
			s = l;
		if (r < nheap && pkt_before(&heap[r], &heap[s]))
			s = r;
		if (s == i)
			break;
		struct pkt x = heap[i];

		heap[i] = heap[s];
		heap[s] = x;
		i = s;
	}
	return top;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t seed_base;	/* TCP_SEED=n replays another seeded run */

static uint32_t
prng(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

struct linkcfg {
	uint32_t loss_pct, dup_pct, jitter_us, delay_us;
};
static struct linkcfg lk;

struct node {
	struct sl_tcp *t;
	int id;
	uint32_t addr;
};
static struct node nodes[2];

/* Debug trace of the segments of one client port (TCP_TRACE_PORT). */
static int trace_port = -1;

static void
trace(int from, struct rte_mbuf *m, const char *what)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	int cport = rte_be_to_cpu_16(from == 0 ? th->src_port : th->dst_port);

	if (cport != trace_port)
		return;
	printf("%8.3f %s %s flags %02x seq %u ack %u win %u len %u\n", (double)now / MS,
	       from == 0 ? "C>S" : "S>C", what, th->tcp_flags, rte_be_to_cpu_32(th->sent_seq),
	       rte_be_to_cpu_32(th->recv_ack), rte_be_to_cpu_16(th->rx_win),
	       (unsigned int)(m->pkt_len - 20 - (th->data_off >> 4) * 4));
}

static void
link_output(void *arg, struct rte_mbuf *m)
{
	struct node *n = arg;
	struct pkt p;
	uint64_t d = lk.delay_us * 1000ull;
	int lost = lk.loss_pct && prng() % 100 < lk.loss_pct;

	if (trace_port >= 0)
		trace(n->id, m, lost ? "LOST" : "sent");

	if (lost) {
		rte_pktmbuf_free(m);
		return;
	}
	if (lk.jitter_us)
		d += (prng() % lk.jitter_us) * 1000ull;
	if (lk.dup_pct && prng() % 100 < lk.dup_pct) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, app_pool, 0, UINT32_MAX);

		if (c != NULL) {
			c->l3_len = 20;
			p = (struct pkt){ now + d + 300000, order_ctr++, c, !n->id };
			heap_push(p);
		}
	}
	p = (struct pkt){ now + d, order_ctr++, m, !n->id };
	heap_push(p);
}

/* One transfer: a connection, bytes each way, both sides shut down. */
struct xfer {
	uint32_t id;
	struct sl_tcp_conn *c[2];	/* [0] client side, [1] server side */
	uint64_t size[2];		/* bytes sent by side i */
	uint64_t sent[2], got[2];
	int fin[2], closed[2];
	int active;
	uint16_t port;
};

#define XFER_MAX 10000
static struct xfer xf[XFER_MAX];
static struct xfer *by_port[65536];
static uint32_t xdone, xstarted;
static uint64_t total_bytes;

static inline uint8_t
pattern(uint32_t id, int dir, uint64_t i)
{
	return (uint8_t)((i * 2654435761u >> 11) ^ id ^ (uint32_t)(dir << 7) ^ (i >> 8));
}

static void
pump(struct xfer *x, int side)
{
	struct sl_tcp_conn *c = x->c[side];

	while (x->sent[side] < x->size[side]) {
		uint64_t left = x->size[side] - x->sent[side];
		uint32_t nseg = 1 + prng() % 3, chunk;
		struct rte_mbuf *head = NULL, *tail = NULL;
		uint64_t off = x->sent[side];
		int rc;

		for (uint32_t s = 0; s < nseg && left > 0; s++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(app_pool);
			uint8_t *d;

			if (m == NULL)
				break;
			chunk = (uint32_t)RTE_MIN(left, (uint64_t)(1 + prng() % 2000));
			d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)chunk);
			for (uint32_t i = 0; i < chunk; i++)
				d[i] = pattern(x->id, side, off + i);
			off += chunk;
			left -= chunk;
			if (head == NULL)
				head = m;
			else {
				tail->next = m;
				head->nb_segs++;
				head->pkt_len += m->pkt_len;
			}
			tail = m;
		}
		if (head == NULL)
			return;
		rc = sl_tcp_send(c, head);
		if (rc == -ENOBUFS) {
			rte_pktmbuf_free(head);
			return;
		}
		assert_int_equal(rc, 0);
		x->sent[side] = off;
	}
	if (!x->fin[side]) {
		x->fin[side] = 1;
		assert_int_equal(sl_tcp_shutdown(c), 0);
	}
}

static void
link_event(void *arg, const struct sl_tcp_event *ev)
{
	struct node *n = arg;
	int side = n->id;
	struct xfer *x = ev->user;

	switch (ev->type) {
	case SL_TCP_EV_ACCEPTED: {
		struct sl_tcp_conn_info ci;

		sl_tcp_conn_get_info(ev->conn, &ci);
		x = by_port[ci.rport];
		assert_non_null(x);
		x->c[1] = ev->conn;
		sl_tcp_set_user(ev->conn, x);
		pump(x, 1);
		break;
	}
	case SL_TCP_EV_CONNECTED:
		pump(x, 0);
		break;
	case SL_TCP_EV_SEND_SPACE:
		pump(x, side);
		break;
	case SL_TCP_EV_DATA: {
		struct rte_mbuf *m = ev->data.m;
		uint64_t pos = x->got[side];

		for (; m != NULL; m = m->next) {
			const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

			for (uint32_t i = 0; i < m->data_len; i++)
				if (d[i] != pattern(x->id, !side, pos + i))
					fail_msg("xfer %u side %d byte %lu differs", x->id, side,
						 (unsigned long)(pos + i));
			pos += m->data_len;
		}
		assert_int_equal(pos - x->got[side], ev->data.len);
		x->got[side] = pos;
		assert_true(x->got[side] <= x->size[!side]);
		total_bytes += ev->data.len;
		rte_pktmbuf_free(ev->data.m);
		sl_tcp_consumed(ev->conn, ev->data.len);
		break;
	}
	case SL_TCP_EV_PEER_FIN:
		if (x->got[side] != x->size[!side])
			fail_msg("xfer %u side %d FIN after %lu of %lu", x->id, side,
				 (unsigned long)x->got[side], (unsigned long)x->size[!side]);
		break;
	case SL_TCP_EV_CLOSED:
		if (ev->reason != SL_TCP_CLOSE_NORMAL)
			fail_msg("xfer %u port %u side %d closed, reason %d, got %lu of %lu", x->id,
				 x->port, side, ev->reason,
				 (unsigned long)x->got[side],
				 (unsigned long)x->size[!side]);
		assert_int_equal(x->got[side], x->size[!side]);
		x->closed[side] = 1;
		if (x->closed[0] && x->closed[1]) {
			x->active = 0;
			xdone++;
		}
		break;
	}
}

static uint64_t
xfer_size(void)
{
	uint32_t r = prng() % 1000;

	if (r < 700)
		return prng() % 2000;		/* tiny, zero included */
	if (r < 970)
		return prng() % 65536;
	if (r < 997)
		return prng() % 262144;
	return 512 * 1024 + prng() % (512 * 1024);	/* up to ~1 MiB */
}

static void
run_transfers(uint32_t n, uint32_t conc, struct linkcfg cfg, uint64_t seed)
{
	struct sl_tcp_params p;
	uint64_t limit;

	memset(&p, 0, sizeof(p));
	p.max_conns = 16384;
	p.syn_backlog = 4 * conc;
	p.tsc_hz = HZ;
	p.hdr_pool = hdr_pool;
	p.output = link_output;
	p.event = link_event;
	p.flags = SL_TCP_F_DEFAULT;
	p.snd_buf = 128 * 1024;
	p.rcv_buf = 128 * 1024;
	p.time_wait_ms = 5000;
	p.time_wait_max = 16384 - 4 * conc;
	p.rto_min_ms = 20;
	p.rto_init_ms = 200;
	p.max_retries = 30;
	p.syn_retries = 30;
	lk = cfg;
	rng = seed;
	if (getenv("TCP_TRACE_PORT") != NULL)
		trace_port = atoi(getenv("TCP_TRACE_PORT"));
	memset(xf, 0, sizeof(xf));
	memset(by_port, 0, sizeof(by_port));
	xdone = xstarted = 0;
	total_bytes = 0;
	now = 1000 * MS;
	for (int i = 0; i < 2; i++) {
		nodes[i].id = i;
		nodes[i].addr = i == 0 ? LADDR : RADDR;
		p.output_arg = &nodes[i];
		p.event_arg = &nodes[i];
		p.key[0] = (uint8_t)(i + 1);
		nodes[i].t = sl_tcp_create(&p);
		assert_non_null(nodes[i].t);
		sl_tcp_poll(nodes[i].t, now);
	}
	assert_int_equal(sl_tcp_listen(nodes[1].t, RADDR, 80, NULL), 0);
	limit = now + 300ull * 1000 * MS;
	while (xdone < n) {
		uint32_t active = xstarted - xdone;

		while (active < conc && xstarted < n) {
			struct xfer *x = &xf[xstarted];
			struct sl_tcp_conn_info ci;

			x->id = xstarted++;
			x->size[0] = xfer_size();
			x->size[1] = xfer_size();
			x->active = 1;
			assert_int_equal(sl_tcp_connect(nodes[0].t, LADDR, RADDR, 80, x, &x->c[0]), 0);
			sl_tcp_conn_get_info(x->c[0], &ci);
			by_port[ci.lport] = x;
			x->port = ci.lport;
			active++;
		}
		now += MS / 4;
		while (nheap > 0 && heap[0].at <= now) {
			struct pkt pk = heap_pop();

			sl_tcp_input(nodes[pk.dst].t, pk.m);
		}
		sl_tcp_poll(nodes[0].t, now);
		sl_tcp_poll(nodes[1].t, now);
		if (now > limit) {
			for (uint32_t i = 0; i < xstarted; i++) {
				struct xfer *x = &xf[i];
				struct sl_tcp_conn_info a, b;

				if (!x->active)
					continue;
				memset(&a, 0, sizeof(a));
				memset(&b, 0, sizeof(b));
				if (!x->closed[0])
					sl_tcp_conn_get_info(x->c[0], &a);
				if (x->c[1] != NULL && !x->closed[1])
					sl_tcp_conn_get_info(x->c[1], &b);
				print_message("xfer %u port %u size %lu/%lu sent %lu/%lu got %lu/%lu "
					      "closed %d/%d state %s/%s una %u/%u nxt %u/%u "
					      "rcv_nxt %u/%u q %u/%u wnd %u/%u cwnd %u/%u\n",
					      x->id, x->port, (unsigned long)x->size[0],
					      (unsigned long)x->size[1], (unsigned long)x->sent[0],
					      (unsigned long)x->sent[1], (unsigned long)x->got[0],
					      (unsigned long)x->got[1], x->closed[0], x->closed[1],
					      sl_tcp_state_name(a.state), sl_tcp_state_name(b.state),
					      a.snd_una, b.snd_una, a.snd_nxt, b.snd_nxt, a.rcv_nxt,
					      b.rcv_nxt, a.snd_queued, b.snd_queued, a.snd_wnd,
					      b.snd_wnd, a.cwnd, b.cwnd);
			}
			fail_msg("transfers stuck: %u of %u done", xdone, n);
		}
	}
	/* Let TIME_WAIT drain, then everything must be gone. */
	for (int i = 0; i < 6000; i++) {
		now += MS;
		while (nheap > 0 && heap[0].at <= now) {
			struct pkt pk = heap_pop();

			sl_tcp_input(nodes[pk.dst].t, pk.m);
		}
		sl_tcp_poll(nodes[0].t, now);
		sl_tcp_poll(nodes[1].t, now);
	}
	assert_int_equal(sl_tcp_conn_count(nodes[0].t), 0);
	assert_int_equal(sl_tcp_conn_count(nodes[1].t), 0);
	print_message("%u transfers, %lu bytes, sim %lu s; A: rtx_to %lu fast %lu ooo %lu; "
		      "B: rtx_to %lu fast %lu ooo %lu; tw_overflow %lu/%lu\n", n,
		      (unsigned long)total_bytes,
		      (unsigned long)((now / MS) / 1000),
		      (unsigned long)sl_tcp_stats(nodes[0].t)->rtx_timeout,
		      (unsigned long)sl_tcp_stats(nodes[0].t)->rtx_fast,
		      (unsigned long)sl_tcp_stats(nodes[0].t)->ooo_segs,
		      (unsigned long)sl_tcp_stats(nodes[1].t)->rtx_timeout,
		      (unsigned long)sl_tcp_stats(nodes[1].t)->rtx_fast,
		      (unsigned long)sl_tcp_stats(nodes[1].t)->ooo_segs,
		      (unsigned long)sl_tcp_stats(nodes[0].t)->tw_overflow,
		      (unsigned long)sl_tcp_stats(nodes[1].t)->tw_overflow);
	while (nheap > 0)
		rte_pktmbuf_free(heap_pop().m);
	sl_tcp_destroy(nodes[0].t);
	sl_tcp_destroy(nodes[1].t);
	pools_full();
}

static void
test_transfers_clean(void **state)
{
	(void)state;
	run_transfers(10000, 32, (struct linkcfg){ .delay_us = 500 }, seed_base + 1);
}

static void
test_transfers_lossy(void **state)
{
	(void)state;
	/* 5% loss, 2% duplication, reordering by up to 2 ms of jitter. */
	run_transfers(10000, 32,
		      (struct linkcfg){ .loss_pct = 5, .dup_pct = 2, .jitter_us = 2000,
					.delay_us = 500 },
		      seed_base + 2);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "--no-shconf", "-l", "0",
			"--log-level=*:error", "-m", "256", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_options),
		cmocka_unit_test(test_handshake_features_off),
		cmocka_unit_test(test_active_open_data),
		cmocka_unit_test(test_rst_rfc5961),
		cmocka_unit_test(test_closed_port),
		cmocka_unit_test(test_fin_passive_close),
		cmocka_unit_test(test_fin_active_close_time_wait),
		cmocka_unit_test(test_time_wait_reclaim_and_limit),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_simultaneous_open),
		cmocka_unit_test(test_fin_other_states),
		cmocka_unit_test(test_zero_window_persist),
		cmocka_unit_test(test_rcv_window_consume),
		cmocka_unit_test(test_ooo_sack_every_split),
		cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_rto_backoff),
		cmocka_unit_test(test_syn_backoff_refused),
		cmocka_unit_test(test_fast_retransmit_sack),
		cmocka_unit_test(test_paws),
		cmocka_unit_test(test_syncookies),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_transfers_clean),
		cmocka_unit_test(test_transfers_lossy),
	};

	(void)argc;
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	hdr_pool = rte_pktmbuf_pool_create("tcp_hdr", 65535, 256, 0, 512, SOCKET_ID_ANY);
	app_pool = rte_pktmbuf_pool_create("tcp_app", 32767, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	if (hdr_pool == NULL || app_pool == NULL) {
		fprintf(stderr, "mempool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (getenv("TCP_SEED") != NULL)
		seed_base = strtoull(getenv("TCP_SEED"), NULL, 0);
	if (getenv("TCP_TEST") != NULL)
		cmocka_set_test_filter(getenv("TCP_TEST"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
