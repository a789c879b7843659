/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment construction and the send engine: what to send now (RFC 9293
 * 3.8.6.2.1 sender SWS avoidance, RFC 5681 congestion window, RFC 6675 /
 * RFC 6582 loss recovery), retransmission and persist timers (RFC 6298,
 * RFC 9293 3.8.6.1), delayed ACKs (RFC 9293 3.8.6.3, RFC 1122 4.2.3.2).
 *
 * A data segment is a header mbuf (IPv4 + TCP + options) from
 * params.hdr_pool followed by indirect mbufs (rte_pktmbuf_attach) viewing
 * the queued application mbufs: the payload is never copied, and the queued
 * mbufs live (refcount) until both the ACK and the driver are done with
 * them. Payloads up to TCP_COPY_MAX bytes, or spread over more than
 * TCP_TX_SEGS_MAX queued mbufs, are copied into the header mbuf instead
 * when it has the room.
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "tcp_priv.h"

uint32_t
tcp_ts_now(const struct sl_tcp *t)
{
	/* 1 ms clock (RFC 7323 5.4 allows 1 ms..1 s), offset per instance. */
	return (uint32_t)t->tick + (uint32_t)t->k1;
}

/*
 * Receive window to advertise, RFC 9293 3.8.6.2.2: the free buffer, but the
 * right edge only moves on by at least min(rcv_buf/2, MSS) (receiver SWS
 * avoidance) and never moves back (3.8.6.2.2 "shrinking the window").
 * Out-of-order data needs no room of its own: it lies inside the window
 * already advertised, so held + queued <= rcv_buf always.
 */
uint32_t
tcp_rcv_wnd_calc(const struct sl_tcp_conn *c)
{
	const struct sl_tcp *t = c->t;
	uint32_t avail = t->p.rcv_buf > c->rcv_held ? t->p.rcv_buf - c->rcv_held : 0;
	uint32_t cur = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t sws = RTE_MIN(t->p.rcv_buf / 2, (uint32_t)t->our_mss);

	if (avail > cur && avail - cur < sws)
		avail = cur;
	if (avail < cur)
		avail = cur;
	return RTE_MIN(avail, (uint32_t)65535 << c->rcv_ws);
}

/* Options of a SYN or SYN-ACK, laid out as Linux does (20 bytes at most). */
static uint32_t
syn_options(struct sl_tcp_conn *c, uint8_t *o, int synack, uint32_t tsval)
{
	struct sl_tcp *t = c->t;
	uint32_t n = 0;
	int sack, ts, ws;

	if (synack) {
		sack = !!(c->flags & CF_SACK);
		ts = !!(c->flags & CF_TS);
		ws = !!(c->flags & CF_WS);
	} else {
		sack = !!(t->p.flags & SL_TCP_F_SACK);
		ts = !!(t->p.flags & SL_TCP_F_TIMESTAMPS);
		ws = !!(t->p.flags & SL_TCP_F_WSCALE);
	}
	o[n++] = TCP_OPT_MSS;
	o[n++] = 4;
	o[n++] = t->our_mss >> 8;
	o[n++] = t->our_mss & 0xff;
	if (ts) {
		uint32_t v = rte_cpu_to_be_32(tsval), e = rte_cpu_to_be_32(c->ts_recent);

		if (sack) {
			o[n++] = TCP_OPT_SACK_PERM;
			o[n++] = 2;
		} else {
			o[n++] = TCP_OPT_NOP;
			o[n++] = TCP_OPT_NOP;
		}
		o[n++] = TCP_OPT_TS;
		o[n++] = 10;
		memcpy(o + n, &v, 4);
		memcpy(o + n + 4, synack ? &e : &(uint32_t){ 0 }, 4);
		n += 8;
	} else if (sack) {
		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_SACK_PERM;
		o[n++] = 2;
	}
	if (ws) {
		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_WS;
		o[n++] = 3;
		o[n++] = c->rcv_ws;
	}
	return n;
}

/*
 * SACK blocks (RFC 2018 section 4): the first block covers the most
 * recently received out-of-order segment, the others follow in sequence
 * order; adjacent queued ranges are merged.
 */
static uint32_t
sack_blocks(const struct sl_tcp_conn *c, uint32_t blk[][2], uint32_t max)
{
	uint32_t r[TCP_OOO_MAX][2], nr = 0, n = 0, first = UINT32_MAX;

	for (uint32_t i = 0; i < c->nooo; i++) {
		uint32_t s = c->ooo[i].seq, e = s + c->ooo[i].len;

		if (nr > 0 && r[nr - 1][1] == s)
			r[nr - 1][1] = e;
		else {
			r[nr][0] = s;
			r[nr][1] = e;
			nr++;
		}
	}
	for (uint32_t i = 0; i < nr; i++)
		if (SEQ_LEQ(r[i][0], c->last_ooo_seq) && SEQ_LT(c->last_ooo_seq, r[i][1]))
			first = i;
	if (first != UINT32_MAX && n < max) {
		blk[n][0] = r[first][0];
		blk[n][1] = r[first][1];
		n++;
	}
	for (uint32_t i = 0; i < nr && n < max; i++) {
		if (i == first)
			continue;
		blk[n][0] = r[i][0];
		blk[n][1] = r[i][1];
		n++;
	}
	return n;
}

static uint32_t
data_options(struct sl_tcp_conn *c, uint8_t *o, uint8_t flags, uint32_t tsval, uint32_t room)
{
	uint32_t n = 0;

	if (c->flags & CF_TS) {
		uint32_t v = rte_cpu_to_be_32(tsval), e = rte_cpu_to_be_32(c->ts_recent);

		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_TS;
		o[n++] = 10;
		memcpy(o + n, &v, 4);
		memcpy(o + n + 4, &e, 4);
		n += 8;
	}
	/*
	 * Only the SACK blocks that fit: options and payload together stay
	 * within the MTU (the payload was sized by send_mss(), this is the
	 * guard for segments sized before a hole appeared).
	 */
	if ((c->flags & CF_SACK) && c->nooo > 0 && !(flags & TH_RST) && room >= n + 12) {
		uint32_t blk[TCP_SACK_MAX][2];
		uint32_t cap = RTE_MIN((c->flags & CF_TS) ? 3u : 4u, (room - n - 4) / 8);
		uint32_t nb = sack_blocks(c, blk, cap);

		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_SACK;
		o[n++] = 2 + 8 * nb;
		for (uint32_t i = 0; i < nb; i++) {
			uint32_t s = rte_cpu_to_be_32(blk[i][0]), e = rte_cpu_to_be_32(blk[i][1]);

			memcpy(o + n, &s, 4);
			memcpy(o + n + 4, &e, 4);
			n += 8;
		}
	}
	return n;
}

/* Header mbuf with IPv4 + TCP headers filled in except lengths/checksums. */
static struct rte_mbuf *
hdr_build(struct sl_tcp *t, uint32_t laddr, uint32_t raddr, uint16_t lport, uint16_t rport,
	  uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt,
	  uint32_t optlen)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t->p.hdr_pool);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint32_t hl = sizeof(*th) + optlen;

	if (m == NULL) {
		t->st.drops[SL_TCP_DROP_NO_MBUF]++;
		return NULL;
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, sizeof(*ip) + hl);
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		t->st.drops[SL_TCP_DROP_NO_MBUF]++;
		return NULL;
	}
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->packet_id = rte_cpu_to_be_16(t->ip_id++);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->hdr_checksum = 0;
	ip->src_addr = laddr;
	ip->dst_addr = raddr;
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(lport);
	th->dst_port = rte_cpu_to_be_16(rport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32((flags & TH_ACK) ? ack : 0);
	th->data_off = (uint8_t)((hl / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (optlen > 0)
		memcpy(th + 1, opt, optlen);
	m->l3_len = sizeof(*ip);
	m->l4_len = hl;
	return m;
}

/* Lengths, checksums (software, or offload flags), then out it goes. */
static void
hdr_finish_send(struct sl_tcp *t, struct rte_mbuf *m, uint32_t payload)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	ip->total_length = rte_cpu_to_be_16(m->pkt_len);
	if (t->p.tx_cksum_offload) {
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		m->ol_flags = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th->cksum = 0;
		th->cksum = (uint16_t)~tcp_cksum_sum(m, ip, sizeof(*ip));
	}
	t->st.tx_segs++;
	t->st.tx_bytes += payload;
	if (th->tcp_flags & TH_RST)
		t->st.rst_sent++;
	t->p.output(t->p.output_arg, m);
}

/* Find the queued mbuf holding sequence number seq; *off = offset in it. */
static struct rte_mbuf *
sndq_find(struct sl_tcp_conn *c, uint32_t seq, uint32_t *off)
{
	struct rte_mbuf *m;
	uint32_t mseq;

	if (c->cur_m != NULL && SEQ_LEQ(c->cur_seq, seq)) {
		m = c->cur_m;
		mseq = c->cur_seq;
	} else {
		m = c->snd_head;
		mseq = c->snd_una - c->head_off;
	}
	while (m != NULL && SEQ_GEQ(seq, mseq + m->data_len)) {
		mseq += m->data_len;
		m = m->next;
	}
	if (m != NULL) {
		c->cur_m = m;
		c->cur_seq = mseq;
	}
	*off = seq - mseq;
	return m;
}

/* Append payload [seq, seq+len) of the send queue to h. */
static int
attach_payload(struct sl_tcp_conn *c, struct rte_mbuf *h, uint32_t seq, uint32_t len)
{
	struct rte_mbuf *m, *tail = h;
	uint32_t off, left = len, pieces = 0;

	m = sndq_find(c, seq, &off);
	for (struct rte_mbuf *x = m; x != NULL && pieces <= TCP_TX_SEGS_MAX; x = x->next) {
		pieces++;
		if ((x == m ? x->data_len - off : x->data_len) >= left)
			break;
	}
	if ((len <= TCP_COPY_MAX || pieces > TCP_TX_SEGS_MAX) && rte_pktmbuf_tailroom(h) >= len) {
		char *dst = rte_pktmbuf_append(h, len);

		while (left > 0 && m != NULL) {
			uint32_t n = RTE_MIN(left, (uint32_t)m->data_len - off);

			memcpy(dst, rte_pktmbuf_mtod_offset(m, char *, off), n);
			dst += n;
			left -= n;
			off = 0;
			m = m->next;
		}
		return left == 0 ? 0 : -EINVAL;
	}
	while (left > 0 && m != NULL) {
		uint32_t n = RTE_MIN(left, (uint32_t)m->data_len - off);
		struct rte_mbuf *mi = rte_pktmbuf_alloc(c->t->p.hdr_pool);

		if (mi == NULL)
			return -ENOBUFS;
		rte_pktmbuf_attach(mi, m);
		mi->data_off += off;
		mi->data_len = n;
		mi->pkt_len = n;
		tail->next = mi;
		tail = mi;
		h->nb_segs++;
		h->pkt_len += n;
		left -= n;
		off = 0;
		m = m->next;
	}
	return left == 0 ? 0 : -EINVAL;
}

/*
 * Send one segment of the connection: payload [seq, seq+len) from the send
 * queue, flags as given, ACK always (except a lone SYN), options as
 * negotiated. Any segment carries our latest ACK, so a pending ACK is done.
 */
static int
tcp_xmit(struct sl_tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct sl_tcp *t = c->t;
	uint8_t opt[40];
	uint32_t optlen, wnd;
	uint16_t win;
	struct rte_mbuf *m;
	uint32_t tsval = tcp_ts_now(t);

	if (c->state != SL_TCP_SYN_SENT || !(flags & TH_SYN))
		flags |= TH_ACK;
	if (flags & TH_SYN)
		optlen = syn_options(c, opt, !!(flags & TH_ACK), tsval);
	else
		optlen = data_options(c, opt, flags, tsval,
				      RTE_MIN(40u, t->p.mtu - 40u > len ? t->p.mtu - 40u - len : 0u));
	if (flags & TH_RST) {
		win = 0;
	} else if (flags & TH_SYN) {
		/* RFC 7323 2.2: the window of a SYN is never scaled. */
		wnd = RTE_MIN(tcp_rcv_wnd_calc(c), 65535u);
		win = (uint16_t)wnd;
		c->rcv_adv = SEQ_MAX(c->rcv_adv, c->rcv_nxt + wnd);
	} else {
		wnd = tcp_rcv_wnd_calc(c);
		win = (uint16_t)(wnd >> c->rcv_ws);
		/* Rounding down must not move the right edge back. */
		if (SEQ_LT(c->rcv_nxt + ((uint32_t)win << c->rcv_ws), c->rcv_adv) && win < 65535)
			win++;
		c->rcv_adv = SEQ_MAX(c->rcv_adv, c->rcv_nxt + ((uint32_t)win << c->rcv_ws));
	}
	m = hdr_build(t, c->key.laddr, c->key.raddr, c->key.lport, c->key.rport, seq, c->rcv_nxt,
		      flags, win, opt, optlen);
	if (m == NULL)
		return -ENOBUFS;
	if (len > 0 && attach_payload(c, m, seq, len) < 0) {
		rte_pktmbuf_free(m);
		t->st.drops[SL_TCP_DROP_NO_MBUF]++;
		return -ENOBUFS;
	}
	if (flags & TH_ACK) {
		c->flags &= ~CF_ACK_NOW;
		c->unacked_bytes = 0;
		c->last_ack_sent = c->rcv_nxt;
		tcp_timer_cancel(c, TCP_T_DELACK);
	}
	hdr_finish_send(t, m, len);
	return 0;
}

/*
 * A pure ACK carries the highest sequence number sent (clamped to the
 * peer's window), not snd_nxt: after an RTO snd_nxt is rewound to snd_una
 * and the peer may hold data beyond it, so an ACK at snd_nxt would be
 * "old" to the peer, dropped without its ACK field being looked at, and
 * answered by an ACK of its own: an ACK war (Linux: tcp_acceptable_seq()).
 */
int
tcp_send_ack(struct sl_tcp_conn *c)
{
	uint32_t seq = c->snd_max;

	if (c->state == SL_TCP_SYN_SENT || c->state == SL_TCP_CLOSED || c->state == SL_TCP_LISTEN)
		return 0;
	if (SEQ_GT(seq, c->snd_una + c->snd_wnd))
		seq = SEQ_MAX(c->snd_una + c->snd_wnd, c->snd_nxt);
	return tcp_xmit(c, seq, 0, TH_ACK);
}

/* Zero-window probe: an old sequence number elicits an ACK with the
 * current window (what Linux sends, rather than a byte of new data). */
int
tcp_send_probe(struct sl_tcp_conn *c)
{
	return tcp_xmit(c, c->snd_una - 1, 0, TH_ACK);
}

/* Our SYN-ACK again (retransmitted SYN, simultaneous open): no timer change. */
int
tcp_xmit_synack_again(struct sl_tcp_conn *c)
{
	return tcp_xmit(c, c->iss, 0, TH_SYN | TH_ACK);
}

/* ACK now or at the next flush (sl_tcp_poll). */
void
tcp_ack_later(struct sl_tcp_conn *c)
{
	c->flags |= CF_ACK_NOW;
	if (!(c->flags & CF_ON_ACKLIST)) {
		c->flags |= CF_ON_ACKLIST;
		TAILQ_INSERT_TAIL(&c->t->ack_list, c, alink);
	}
}

int
tcp_send_syn(struct sl_tcp_conn *c)
{
	struct sl_tcp *t = c->t;
	int rc;

	if (c->backoff == 0) {
		c->rtt_tick = t->tick;
		c->rtt_seq = c->iss;
		c->flags |= CF_RTT_TIMING;
	} else {
		c->flags &= ~CF_RTT_TIMING;
	}
	rc = tcp_xmit(c, c->iss, 0, c->state == SL_TCP_SYN_SENT ? TH_SYN : TH_SYN | TH_ACK);
	c->snd_nxt = c->iss + 1;
	c->snd_max = SEQ_MAX(c->snd_max, c->snd_nxt);
	if (!c->tm[TCP_T_RTX].armed)
		tcp_timer_arm(t, c, TCP_T_RTX, RTE_MIN(c->rto << c->backoff, t->p.rto_max_ms));
	return rc;
}

int
tcp_send_rst_conn(struct sl_tcp_conn *c)
{
	return tcp_xmit(c, c->snd_max, 0, TH_RST | TH_ACK);
}

/* RFC 9293 3.10.7.1: the reset for a segment that has no connection. */
void
tcp_send_rst_reply(struct sl_tcp *t, const struct tcp_seg *s)
{
	struct rte_mbuf *m;

	if (s->flags & TH_RST)
		return;
	if (s->flags & TH_ACK)
		m = hdr_build(t, s->laddr, s->raddr, s->lport, s->rport, s->ack, 0, TH_RST, 0,
			      NULL, 0);
	else
		m = hdr_build(t, s->laddr, s->raddr, s->lport, s->rport, 0, s->seq + s->seglen,
			      TH_RST | TH_ACK, 0, NULL, 0);
	if (m != NULL)
		hdr_finish_send(t, m, 0);
}

/*
 * SYN-ACK carrying a cookie: no state is kept. With timestamps, the low 6
 * bits of TSval hold our window scale (0-14, 15 = none) and bit 4 of the
 * high nibble SACK-permitted, as Linux does; TSval stays <= the clock.
 */
int
tcp_send_syncookie_synack(struct sl_tcp *t, const struct tcp_seg *s, uint32_t cookie,
			  uint16_t mss)
{
	struct sl_tcp_conn tmp;
	uint8_t opt[40];
	uint32_t optlen, tsval = tcp_ts_now(t);
	struct rte_mbuf *m;

	memset(&tmp, 0, sizeof(tmp));
	tmp.t = t;
	if ((t->p.flags & SL_TCP_F_SACK) && s->o.sack_ok)
		tmp.flags |= CF_SACK;
	if ((t->p.flags & SL_TCP_F_WSCALE) && s->o.has_ws) {
		tmp.flags |= CF_WS;
		tmp.rcv_ws = t->our_ws;
	}
	if ((t->p.flags & SL_TCP_F_TIMESTAMPS) && s->o.has_ts) {
		/* The peer's shift: ours is recomputed from the params. */
		uint32_t enc = ((tmp.flags & CF_WS) ? s->o.ws : 0xf) |
			       ((tmp.flags & CF_SACK) ? 0x10 : 0);
		uint32_t v = (tsval & ~0x3fu) | enc;

		if (SEQ_GT(v, tsval))
			v -= 0x40;
		tsval = v;
		tmp.flags |= CF_TS;
		tmp.ts_recent = s->o.tsval;
	} else {
		/* Without timestamps nothing carries SACK/wscale: offer none. */
		tmp.flags &= ~(CF_SACK | CF_WS);
		tmp.rcv_ws = 0;
	}
	optlen = syn_options(&tmp, opt, 1, tsval);
	/* The MSS we announce is ours; the peer's (encoded) one is for us. */
	RTE_SET_USED(mss);
	m = hdr_build(t, s->laddr, s->raddr, s->lport, s->rport, cookie, s->seq + 1,
		      TH_SYN | TH_ACK, (uint16_t)RTE_MIN(t->p.rcv_buf, 65535u), opt, optlen);
	if (m == NULL)
		return -ENOBUFS;
	hdr_finish_send(t, m, 0);
	return 0;
}

static uint32_t
rto_cur(const struct sl_tcp_conn *c)
{
	uint64_t r = (uint64_t)c->rto << RTE_MIN(c->backoff, 20);

	return (uint32_t)RTE_MIN(r, (uint64_t)c->t->p.rto_max_ms);
}

/*
 * Arm the retransmission timer for data in flight: the RTO, or earlier a
 * tail loss probe (RFC 8985 7.2: PTO = 2 SRTT, plus the peer's delayed ACK
 * when one segment is out, never later than the RTO). A probe turns the loss
 * of the last segments of a flight, which no duplicate ACK can reveal, into
 * SACK-driven recovery instead of a timeout that collapses cwnd.
 */
void
tcp_arm_rtx_or_pto(struct sl_tcp_conn *c)
{
	struct sl_tcp *t = c->t;
	uint32_t ms = rto_cur(c);

	c->flags &= ~CF_TLP;
	if ((c->flags & CF_SACK) && !(c->flags & (CF_IN_RECOVERY | CF_TLP_SENT | CF_PERSIST)) &&
	    c->backoff == 0 && c->srtt != 0 &&
	    (c->state == SL_TCP_ESTABLISHED || c->state == SL_TCP_CLOSE_WAIT)) {
		uint32_t pto = RTE_MAX(2 * (c->srtt / 1000 + 1), 10u);

		if (c->snd_max - c->snd_una <= c->mss)
			pto += t->p.delack_ms;
		if (pto < ms) {
			ms = pto;
			c->flags |= CF_TLP;
		}
	}
	tcp_timer_arm(t, c, TCP_T_RTX, ms);
}

static void
arm_rtx(struct sl_tcp_conn *c)
{
	if (c->flags & CF_PERSIST) {
		c->flags &= ~CF_PERSIST;
		c->backoff = 0;
		tcp_timer_cancel(c, TCP_T_RTX);
	}
	if (!c->tm[TCP_T_RTX].armed)
		tcp_arm_rtx_or_pto(c);
}

static uint32_t send_mss(const struct sl_tcp_conn *c);
static int xmit_range(struct sl_tcp_conn *c, uint32_t seq, uint32_t len);

/* The probe timeout fired: send one new segment if we can, else resend the last. */
static void
tlp_fire(struct sl_tcp *t, struct sl_tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una, len;

	c->flags &= ~CF_TLP;
	c->flags |= CF_TLP_SENT;
	t->st.tlp_probes++;
	if (SEQ_LT(c->snd_nxt, c->snd_una + c->snd_q) &&
	    SEQ_LT(c->snd_nxt, c->snd_una + c->snd_wnd)) {
		c->flags |= CF_FORCE;
		if (tcp_output(c) > 0) {
			c->flags &= ~CF_FORCE;
			tcp_timer_cancel(c, TCP_T_RTX);
			tcp_timer_arm(t, c, TCP_T_RTX, rto_cur(c));
			return;
		}
		c->flags &= ~CF_FORCE;
	}
	len = RTE_MIN(send_mss(c), flight);
	if (len > 0) {
		c->retransmits++;
		c->last_rtx_tick = t->tick;
		c->flags &= ~CF_RTT_TIMING;
		xmit_range(c, c->snd_max - len, len);
	}
	tcp_timer_cancel(c, TCP_T_RTX);
	tcp_timer_arm(t, c, TCP_T_RTX, rto_cur(c));
}

static uint32_t
sacked_bytes(const struct sl_tcp_conn *c)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->nscore; i++)
		n += c->score[i][1] - c->score[i][0];
	return n;
}

/*
 * Payload bytes a segment may carry now: the negotiated MSS (timestamps
 * already taken off) less the SACK option the segment will carry while out
 * of order data is queued, so a full segment plus its options never exceeds
 * the MTU (as Linux's tcp_current_mss() does).
 */
static uint32_t
send_mss(const struct sl_tcp_conn *c)
{
	uint32_t nr = 0, opt;

	if (!(c->flags & CF_SACK) || c->nooo == 0)
		return c->mss;
	for (uint32_t i = 0; i < c->nooo; i++)
		if (i == 0 || c->ooo[i - 1].seq + c->ooo[i - 1].len != c->ooo[i].seq)
			nr++;
	nr = RTE_MIN(nr, (c->flags & CF_TS) ? 3u : 4u);
	opt = 4 + 8 * nr;
	return c->mss > opt + 64 ? c->mss - opt : c->mss;
}

/*
 * The next hole to retransmit in recovery, from max(rtx_nxt, snd_una).
 * With SACK (RFC 6675 NextSeg rule 1, simplified): unSACKed data below the
 * highest SACKed byte counts as lost. Without SACK (RFC 6582): the first
 * unacknowledged segment, once per partial ACK.
 */
static int
next_hole(const struct sl_tcp_conn *c, uint32_t *hs, uint32_t *hl)
{
	uint32_t start = SEQ_MAX(c->rtx_nxt, c->snd_una);

	if (!(c->flags & CF_SACK) || c->nscore == 0) {
		if (SEQ_GT(start, c->snd_una) || c->snd_max == c->snd_una)
			return 0;
		*hs = start;
		*hl = RTE_MIN(send_mss(c), c->snd_max - start);
		return 1;
	}
	for (uint32_t i = 0; i < c->nscore; i++) {
		if (SEQ_LEQ(c->score[i][1], start))
			continue;
		if (SEQ_LT(start, c->score[i][0])) {
			*hs = start;
			*hl = RTE_MIN(send_mss(c), c->score[i][0] - start);
			return 1;
		}
		start = c->score[i][1];
	}
	return 0;
}

/* RFC 6675 SetPipe(), with the loss estimate of next_hole(). */
static uint32_t
pipe_bytes(const struct sl_tcp_conn *c)
{
	uint32_t flight = c->snd_nxt - c->snd_una, out;

	if (!(c->flags & CF_SACK) || c->nscore == 0) {
		/* Each duplicate ACK is a segment that left the network. */
		out = RTE_MIN(flight, (uint32_t)c->dupacks * c->mss);
		if (SEQ_GT(c->rtx_nxt, c->snd_una))
			out = out > c->mss ? out - c->mss : 0;
		return flight - out;
	}
	out = sacked_bytes(c);
	/* Holes not yet retransmitted are lost, not in the network. */
	{
		uint32_t start = SEQ_MAX(c->rtx_nxt, c->snd_una);

		for (uint32_t i = 0; i < c->nscore; i++) {
			if (SEQ_LEQ(c->score[i][1], start))
				continue;
			if (SEQ_LT(start, c->score[i][0]))
				out += c->score[i][0] - start;
			start = c->score[i][1];
		}
	}
	return flight > out ? flight - out : 0;
}

/* Send a sequence range: data from the queue, FIN if it covers fin_seq. */
static int
xmit_range(struct sl_tcp_conn *c, uint32_t seq, uint32_t len)
{
	uint32_t data_end = c->snd_una + c->snd_q;
	uint32_t dlen = SEQ_LT(seq, data_end) ? RTE_MIN(len, data_end - seq) : 0;
	uint8_t flags = 0;

	if ((c->flags & CF_FIN_SENT) && SEQ_GEQ(seq + len, data_end + 1) &&
	    SEQ_LEQ(seq, data_end))
		flags |= TH_FIN;
	if (dlen > 0 && seq + dlen == data_end)
		flags |= TH_PSH;
	if (dlen == 0 && !(flags & TH_FIN))
		return 0;
	return tcp_xmit(c, seq, dlen, flags);
}

/* Retransmit the first unacknowledged segment (fast retransmit). */
int
tcp_retransmit_una(struct sl_tcp_conn *c)
{
	uint32_t hs, hl;

	if (!next_hole(c, &hs, &hl)) {
		hs = c->snd_una;
		hl = RTE_MIN(send_mss(c), c->snd_max - c->snd_una);
	}
	if (hl == 0)
		return 0;
	c->rtx_nxt = hs + hl;
	c->t->st.rtx_fast++;
	c->retransmits++;
	c->last_rtx_tick = c->t->tick;
	c->flags &= ~CF_RTT_TIMING;
	if (hs == c->snd_una)
		c->una_rtx_tick = c->t->tick;
	return xmit_range(c, hs, hl);
}

/*
 * Send what the windows allow. Sender SWS avoidance (RFC 9293 3.8.6.2.1):
 * a segment goes when it is full-sized, when it empties the queue (every
 * sl_tcp_send() is a push; Nagle is not applied, as TCP_NODELAY), or when
 * it is at least half the largest window the peer offered; otherwise the
 * persist timer is the override timeout.
 */
int
tcp_output(struct sl_tcp_conn *c)
{
	struct sl_tcp *t = c->t;
	int sent = 0;

	switch (c->state) {
	case SL_TCP_ESTABLISHED:
	case SL_TCP_CLOSE_WAIT:
	case SL_TCP_FIN_WAIT_1:
	case SL_TCP_CLOSING:
	case SL_TCP_LAST_ACK:
		break;
	default:
		return 0;
	}
	for (;;) {
		uint32_t data_end = c->snd_una + c->snd_q;
		uint32_t room, usable, avail, len, hs, hl, cw, smss;

		if (c->flags & CF_IN_RECOVERY) {
			uint32_t pipe = pipe_bytes(c);

			if (pipe >= c->cwnd)
				break;
			if (next_hole(c, &hs, &hl)) {
				c->rtx_nxt = hs + hl;
				t->st.rtx_fast++;
				c->retransmits++;
	c->last_rtx_tick = c->t->tick;
				if (xmit_range(c, hs, hl) < 0)
					break;
				sent++;
				continue;
			}
			cw = c->cwnd - pipe;
		} else {
			uint32_t flight = c->snd_nxt - c->snd_una;

			cw = c->cwnd > flight ? c->cwnd - flight : 0;
		}
		usable = SEQ_GT(c->snd_una + c->snd_wnd, c->snd_nxt) ?
			 c->snd_una + c->snd_wnd - c->snd_nxt : 0;
		room = RTE_MIN(usable, cw);
		avail = SEQ_LT(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
		len = RTE_MIN(avail, room);
		smss = send_mss(c);
		len = RTE_MIN(len, smss);
		if (len > 0) {
			uint8_t flags = 0;

			if (len < smss && len < avail && len < c->max_snd_wnd / 2 &&
			    !(c->flags & CF_FORCE))
				break;
			c->flags &= ~CF_FORCE;
			if (c->snd_nxt + len == data_end) {
				flags |= TH_PSH;
				if (c->flags & CF_FIN_QUEUED)
					flags |= TH_FIN;
			}
			if (SEQ_LT(c->snd_nxt, c->snd_max)) {
				t->st.rtx_timeout++;
				c->retransmits++;
	c->last_rtx_tick = c->t->tick;
			} else if (!(c->flags & (CF_RTT_TIMING | CF_TS))) {
				c->flags |= CF_RTT_TIMING;
				c->rtt_seq = c->snd_nxt;
				c->rtt_tick = t->tick;
			}
			if (tcp_xmit(c, c->snd_nxt, len, flags) < 0)
				break;
			sent++;
			c->snd_nxt += len;
			if (flags & TH_FIN) {
				c->snd_nxt++;
				if (!(c->flags & CF_FIN_SENT)) {
					c->flags |= CF_FIN_SENT;
					tcp_conn_set_state(c, c->state == SL_TCP_CLOSE_WAIT ?
							   SL_TCP_LAST_ACK : SL_TCP_FIN_WAIT_1);
				}
			}
			c->snd_max = SEQ_MAX(c->snd_max, c->snd_nxt);
			arm_rtx(c);
			continue;
		}
		if ((c->flags & CF_FIN_QUEUED) && c->snd_nxt == data_end) {
			/* A lone FIN (or its retransmission) needs no window. */
			if (tcp_xmit(c, c->snd_nxt, 0, TH_FIN) < 0)
				break;
			sent++;
			if (SEQ_LT(c->snd_nxt, c->snd_max))
				t->st.rtx_timeout++;
			c->snd_nxt++;
			if (!(c->flags & CF_FIN_SENT)) {
				c->flags |= CF_FIN_SENT;
				tcp_conn_set_state(c, c->state == SL_TCP_CLOSE_WAIT ?
						   SL_TCP_LAST_ACK : SL_TCP_FIN_WAIT_1);
			}
			c->snd_max = SEQ_MAX(c->snd_max, c->snd_nxt);
			arm_rtx(c);
		}
		break;
	}
	/* Data waits on the peer's window with nothing in flight: persist
	 * (RFC 9293 3.8.6.1); also the SWS override timer. */
	if (c->snd_una == c->snd_max && SEQ_LT(c->snd_nxt, c->snd_una + c->snd_q) &&
	    !c->tm[TCP_T_RTX].armed) {
		c->flags |= CF_PERSIST;
		tcp_timer_arm(t, c, TCP_T_RTX, rto_cur(c));
	}
	return sent;
}

/*
 * RFC 6298 section 5: on expiry retransmit the earliest unacknowledged
 * segment, back off (5.5, RTO doubles up to rto_max) and restart the timer.
 * RFC 5681 3.1 eq. 4 / 3.1: ssthresh = max(FlightSize/2, 2*SMSS) on the
 * first timeout of a segment, cwnd = 1 segment (loss window). SACK
 * information is dropped (RFC 2018 section 8: the receiver may renege) and
 * the send restarts from snd_una (go-back-N in slow start).
 */
static void
rtx_timeout(struct sl_tcp *t, struct sl_tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;

	if (c->state == SL_TCP_SYN_SENT || c->state == SL_TCP_SYN_RECEIVED) {
		if (++c->retries > t->p.syn_retries) {
			t->st.timeouts++;
			tcp_conn_finish(c, SL_TCP_CLOSE_TIMEOUT);
			return;
		}
		c->backoff++;
		t->st.rtx_syn++;
		tcp_send_syn(c);
		return;
	}
	if (flight == 0)
		return;
	if (++c->retries > t->p.max_retries) {
		t->st.timeouts++;
		tcp_send_rst_conn(c);
		tcp_conn_finish(c, SL_TCP_CLOSE_TIMEOUT);
		return;
	}
	if (c->backoff == 0)
		c->ssthresh = RTE_MAX(flight / 2, 2u * c->mss);
	c->cwnd = c->mss;
	c->cwnd_cnt = 0;
	c->flags &= ~(CF_IN_RECOVERY | CF_RTT_TIMING);
	c->recover = c->snd_max;
	c->nscore = 0;
	c->high_sack = c->snd_una;
	c->dupacks = 0;
	c->snd_nxt = c->snd_una;
	c->rtx_nxt = c->snd_una;
	c->backoff++;
	tcp_timer_arm(t, c, TCP_T_RTX, rto_cur(c));
	tcp_output(c);
}

static void
persist_timeout(struct sl_tcp *t, struct sl_tcp_conn *c)
{
	c->flags &= ~CF_PERSIST;
	if (c->snd_una != c->snd_max || !SEQ_LT(c->snd_nxt, c->snd_una + c->snd_q))
		return;
	if (c->snd_wnd > 0) {
		/* SWS override: send what fits. */
		c->flags |= CF_FORCE;
		tcp_output(c);
		c->flags &= ~CF_FORCE;
		return;
	}
	t->st.persist_probes++;
	tcp_send_probe(c);
	if (c->backoff < 16)
		c->backoff++;
	c->flags |= CF_PERSIST;
	tcp_timer_arm(t, c, TCP_T_RTX, rto_cur(c));
}

void
tcp_timer_fire(struct sl_tcp *t, struct sl_tcp_conn *c, enum tcp_timer_kind k)
{
	switch (k) {
	case TCP_T_RTX:
		if (c->flags & CF_PERSIST)
			persist_timeout(t, c);
		else if ((c->flags & CF_TLP) && c->snd_max != c->snd_una)
			tlp_fire(t, c);
		else
			rtx_timeout(t, c);
		break;
	case TCP_T_DELACK:
		if (c->unacked_bytes > 0 || (c->flags & CF_ACK_NOW))
			tcp_send_ack(c);
		break;
	case TCP_T_LINGER:
		/* TIME_WAIT over, or an orphaned FIN_WAIT_2 gave up. */
		tcp_conn_release(c);
		break;
	default:
		break;
	}
}

/*
 * The 16-bit one's complement sum of n bytes, folded to 16 bits, in native
 * byte order (RFC 1071 section 2(B): a sum over wider words folds to the
 * same result). 32-bit words are added into 64-bit accumulators, which
 * cannot overflow below 2^32 words and which the compiler vectorizes;
 * DPDK's __rte_raw_cksum adds one 16-bit word at a time.
 */
static inline uint32_t
raw_sum(const uint8_t *p, uint32_t n)
{
	uint64_t a = 0, b = 0;
	uint32_t w0, w1;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w0, p, 4);
		memcpy(&w1, p + 4, 4);
		a += w0;
		b += w1;
	}
	if (n >= 4) {
		memcpy(&w0, p, 4);
		a += w0;
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		uint16_t h;

		memcpy(&h, p, 2);
		a += h;
		p += 2;
		n -= 2;
	}
	if (n != 0) {
		/* The last byte is the first (lower-addressed) half of a 16-bit word. */
#if RTE_BYTE_ORDER == RTE_BIG_ENDIAN
		a += (uint32_t)*p << 8;
#else
		a += *p;
#endif
	}
	a += b;
	a = (a & 0xffffffff) + (a >> 32);
	a = (a & 0xffffffff) + (a >> 32);
	a = (a & 0xffff) + (a >> 16);
	a = (a & 0xffff) + (a >> 16);
	return (uint32_t)a;
}

uint16_t
tcp_cksum_sum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t l4)
{
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - l4, off = l4, done = 0;
	uint64_t sum = rte_ipv4_phdr_cksum(ip, 0);
	const struct rte_mbuf *seg = m;

	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	for (; seg != NULL && done < len; seg = seg->next, off = 0) {
		uint32_t n = RTE_MIN((uint32_t)seg->data_len - off, len - done);
		uint32_t part = raw_sum(rte_pktmbuf_mtod_offset(seg, const uint8_t *, off), n);

		if (done & 1)
			part = rte_bswap16((uint16_t)part);
		sum += part;
		done += n;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
