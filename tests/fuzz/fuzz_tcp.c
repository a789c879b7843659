/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/tcp: arbitrary segments into a connection
 * driven first into a chosen state (LISTEN, SYN_SENT, SYN_RECEIVED,
 * ESTABLISHED, FIN_WAIT_1/2, CLOSE_WAIT, LAST_ACK, CLOSING, TIME_WAIT),
 * interleaved with clock steps and application calls. Sequence and ACK
 * numbers are fuzzed relative to what the stack last sent, so the fuzzer
 * reaches in-window paths instead of bouncing off the window check.
 * After each input: the instance is destroyed and every mbuf must be back
 * in its pool (a leak aborts).
 *
 * Built by meson with -Dfuzz=enabled (CC=clang; tests/fuzz/meson.build) and run
 * as suite 'fuzz' over the seed corpus tests/fuzz/corpus/tcp/ (written by
 * gen_corpus_tcp.py) with the dictionary tcp.dict:
 *   CC=clang meson setup build-fuzz -Dfuzz=enabled -Dtests=enabled
 *   meson test -C build-fuzz --suite fuzz          (SL_FUZZ_TIME=s, default 30)
 *   build-fuzz/tests/fuzz/fuzz_tcp -dict=tests/fuzz/tcp.dict /tmp/c tests/fuzz/corpus/tcp
 *
 * Input format: byte 0 = target state, byte 1 = feature flags, then records
 *   op (1 byte): 0-7 segment, 8 clock step, 9 send, 10 consume,
 *                11 shutdown, 12 close, 13 abort
 *   segment: flags(1) dseq(2) dack(2) win(2) optlen(1) opts(optlen<=40)
 *            paylen(1) payload(paylen)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "sl_tcp.h"

#define LADDR RTE_BE32(0x0a000001)
#define RADDR RTE_BE32(0x0a000002)

static struct rte_mempool *pool;
static struct sl_tcp *t;
static struct sl_tcp_conn *conn;
static uint64_t now;
static uint32_t our_next, our_ack;	/* from the last segment we sent */
static uint16_t lport = 80, rport = 40000;

static void
on_output(void *arg, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint32_t len = m->pkt_len - 20 - (th->data_off >> 4) * 4;

	(void)arg;
	our_next = rte_be_to_cpu_32(th->sent_seq) + len + !!(th->tcp_flags & 0x03);
	if (th->tcp_flags & 0x10)
		our_ack = rte_be_to_cpu_32(th->recv_ack);
	rte_pktmbuf_free(m);
}

static void
on_event(void *arg, const struct sl_tcp_event *ev)
{
	(void)arg;
	switch (ev->type) {
	case SL_TCP_EV_ACCEPTED:
	case SL_TCP_EV_CONNECTED:
		conn = ev->conn;
		break;
	case SL_TCP_EV_DATA:
		rte_pktmbuf_free(ev->data.m);
		break;
	case SL_TCP_EV_CLOSED:
		if (ev->conn == conn)
			conn = NULL;
		break;
	default:
		break;
	}
}

static void
segment(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opt,
	uint32_t ol, const uint8_t *pay, uint32_t pl)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint32_t hl;

	if (m == NULL)
		return;
	ol &= ~3u;
	hl = 20 + ol;
	if (rte_pktmbuf_append(m, (uint16_t)(20 + hl + pl)) == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	memset(ip, 0, 20 + hl);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + hl + pl));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = RADDR;
	ip->dst_addr = LADDR;
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(rport);
	th->dst_port = rte_cpu_to_be_16(lport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((hl / 4) << 4);
	th->tcp_flags = flags & 0x3f;
	th->rx_win = rte_cpu_to_be_16(win);
	if (ol > 0)	/* setup() passes NULL, 0: memcpy(NULL) is undefined even for 0 */
		memcpy(th + 1, opt, ol);
	if (pl > 0)
		memcpy((uint8_t *)th + hl, pay, pl);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	if (flags & 0x80)
		th->cksum ^= 1;	/* bad checksum path */
	m->l3_len = 20;
	sl_tcp_input(t, m);
}

static void
step(uint64_t ms)
{
	for (uint64_t i = 0; i < ms; i++) {
		now += 1000000;
		sl_tcp_poll(t, now);
	}
}

static void
app_send(uint32_t n)
{
	struct rte_mbuf *m;

	if (conn == NULL || (m = rte_pktmbuf_alloc(pool)) == NULL)
		return;
	memset(rte_pktmbuf_append(m, (uint16_t)n), 'f', n);
	if (sl_tcp_send(conn, m) != 0)
		rte_pktmbuf_free(m);
}

/* Drive a connection into the requested state with well-formed segments. */
static void
setup(uint8_t target)
{
	static const uint8_t synopt[] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
					  1, 3, 3, 7 };
	uint32_t irs = 1000;

	target %= 11;
	if (target == 2) {	/* SYN_SENT */
		if (sl_tcp_connect(t, LADDR, RADDR, 40000, NULL, &conn) != 0)
			conn = NULL;
		lport = 32768;	/* the default chooser's first port */
		return;
	}
	sl_tcp_listen(t, 0, 80, NULL);
	if (target == 0)
		return;
	segment(0x02, irs, 0, 65535, synopt, sizeof(synopt), NULL, 0);
	step(1);
	if (target == 1)	/* SYN_RECEIVED */
		return;
	segment(0x10, irs + 1, our_next, 65535, NULL, 0, NULL, 0);
	step(1);
	if (target == 3)	/* ESTABLISHED */
		return;
	if (conn == NULL)
		return;
	if (target == 4 || target == 5 || target == 8 || target == 9) {
		sl_tcp_shutdown(conn);	/* FIN_WAIT_1 */
		if (target == 5 || target == 9)	/* FIN_WAIT_2, TIME_WAIT */
			segment(0x10, irs + 1, our_next, 65535, NULL, 0, NULL, 0);
		if (target == 8)	/* CLOSING */
			segment(0x11, irs + 1, our_next - 1, 65535, NULL, 0, NULL, 0);
		if (target == 9)
			segment(0x11, irs + 1, our_next, 65535, NULL, 0, NULL, 0);
		step(1);
		return;
	}
	if (target == 6 || target == 7 || target == 10) {
		segment(0x11, irs + 1, our_next, 65535, NULL, 0, NULL, 0);	/* CLOSE_WAIT */
		step(1);
		if (target == 7 && conn != NULL)
			sl_tcp_shutdown(conn);	/* LAST_ACK */
		if (target == 10 && conn != NULL)
			sl_tcp_close(conn);
		if (target == 10)
			conn = NULL;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { (*argv)[0], "--no-huge", "--no-pci", "--no-shconf", "-l", "0",
			"--log-level=*:error", "-m", "256", NULL };

	(void)argc;
	if (rte_eal_init(9, eal) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_tcp_params p;
	size_t i = 2;

	if (size < 2)
		return 0;
	memset(&p, 0, sizeof(p));
	p.max_conns = 8;
	p.syn_backlog = 2;
	p.tsc_hz = 1000000000ull;
	p.hdr_pool = pool;
	p.output = on_output;
	p.event = on_event;
	p.flags = data[1] & 0xf;
	p.rcv_buf = 4096u << (data[1] >> 4 & 7);
	p.snd_buf = 8192;
	p.key[0] = 1;
	now = 1000000000ull;
	conn = NULL;
	our_next = our_ack = 0;
	lport = 80;
	rport = 40000;
	t = sl_tcp_create(&p);
	if (t == NULL)
		abort();
	sl_tcp_poll(t, now);
	setup(data[0]);
	while (i < size) {
		uint8_t op = data[i++] & 0xf;

		if (op < 8) {
			uint8_t flags, ol, pl;
			int16_t dseq, dack;
			uint16_t win;

			if (i + 8 > size)
				break;
			flags = data[i];
			dseq = (int16_t)(data[i + 1] << 8 | data[i + 2]);
			dack = (int16_t)(data[i + 3] << 8 | data[i + 4]);
			win = (uint16_t)(data[i + 5] << 8 | data[i + 6]);
			ol = data[i + 7] % 41;
			i += 8;
			if (i + ol + 1 > size)
				break;
			pl = data[i + ol];
			if (i + ol + 1 + pl > size)
				pl = (uint8_t)(size - i - ol - 1);
			segment(flags, our_ack + (uint32_t)(int32_t)dseq,
				our_next + (uint32_t)(int32_t)dack, win, data + i, ol, data + i + ol + 1,
				pl);
			i += ol + 1 + pl;
		} else if (op == 8 && i < size) {
			step(1 + data[i++] * 8u);
		} else if (op == 9 && i < size) {
			app_send(1 + data[i++] * 8u);
		} else if (op == 10 && conn != NULL && i < size) {
			sl_tcp_consumed(conn, data[i++] * 64u);
		} else if (op == 11 && conn != NULL) {
			sl_tcp_shutdown(conn);
		} else if (op == 12 && conn != NULL) {
			sl_tcp_close(conn);
			conn = NULL;
		} else if (op == 13 && conn != NULL) {
			sl_tcp_abort(conn);
			conn = NULL;
		}
		sl_tcp_poll(t, now);
	}
	sl_tcp_destroy(t);
	if (rte_mempool_avail_count(pool) != pool->size)
		abort();	/* mbuf leak */
	return 0;
}
