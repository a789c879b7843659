/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment arrival, RFC 9293 section 3.10.7 ("SEGMENT ARRIVES"), with the
 * RFC 5961 protections (3.2 RST, 4.2 SYN, 5.2 ACK), RFC 7323 PAWS and
 * TS.Recent, RFC 2018 SACK scoreboard, out-of-order reassembly, RFC 5681 /
 * 6582 / 6675 congestion control and loss recovery on ACK, RFC 6298 RTT
 * estimation, RFC 4987 SYN cookies and RFC 6191 TIME_WAIT reuse.
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "tcp_priv.h"

/* Drop n bytes from the front of chain m; NULL (and m freed) if none left. */
static struct rte_mbuf *
mbuf_adj(struct rte_mbuf *m, uint32_t n)
{
	while (m != NULL && n >= m->data_len) {
		struct rte_mbuf *next = m->next;
		uint32_t plen = m->pkt_len - m->data_len;
		uint16_t nseg = m->nb_segs - 1;

		n -= m->data_len;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
		if (m != NULL) {
			m->pkt_len = plen;
			m->nb_segs = nseg;
		}
	}
	if (m != NULL && n > 0) {
		m->data_off += n;
		m->data_len -= n;
		m->pkt_len -= n;
	}
	if (m != NULL && m->pkt_len == 0) {
		rte_pktmbuf_free(m);
		m = NULL;
	}
	return m;
}

/* Keep the first keep bytes of chain m; NULL (and m freed) if keep is 0. */
static struct rte_mbuf *
mbuf_keep(struct rte_mbuf *m, uint32_t keep)
{
	struct rte_mbuf *x = m;
	uint32_t sum = 0;
	uint16_t nseg = 0;

	if (keep == 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	while (x != NULL) {
		nseg++;
		if (sum + x->data_len >= keep) {
			x->data_len = keep - sum;
			if (x->next != NULL) {
				rte_pktmbuf_free(x->next);
				x->next = NULL;
			}
			break;
		}
		sum += x->data_len;
		x = x->next;
	}
	m->pkt_len = RTE_MIN(keep, m->pkt_len);
	m->nb_segs = nseg;
	return m;
}

static void
parse_options(const uint8_t *p, uint32_t len, int syn, struct tcp_opts *o)
{
	uint32_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t kind = p[i], l;

		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		l = p[i + 1];
		if (l < 2 || i + l > len)
			break;
		switch (kind) {
		case TCP_OPT_MSS:
			if (l == 4 && syn) {
				o->has_mss = 1;
				o->mss = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
			}
			break;
		case TCP_OPT_WS:
			if (l == 3 && syn) {
				o->has_ws = 1;
				/* RFC 7323 2.3: a shift above 14 is taken as 14. */
				o->ws = RTE_MIN(p[i + 2], (uint8_t)TCP_MAX_WSCALE);
			}
			break;
		case TCP_OPT_SACK_PERM:
			if (l == 2 && syn)
				o->sack_ok = 1;
			break;
		case TCP_OPT_SACK:
			if (!syn && l >= 10 && (l - 2) % 8 == 0) {
				uint32_t n = RTE_MIN((uint32_t)(l - 2) / 8, (uint32_t)TCP_SACK_MAX);

				for (uint32_t b = 0; b < n; b++) {
					uint32_t s, e;

					memcpy(&s, p + i + 2 + 8 * b, 4);
					memcpy(&e, p + i + 6 + 8 * b, 4);
					o->sack[b][0] = rte_be_to_cpu_32(s);
					o->sack[b][1] = rte_be_to_cpu_32(e);
				}
				o->nsack = (uint8_t)n;
			}
			break;
		case TCP_OPT_TS:
			if (l == 10) {
				uint32_t v, e;

				memcpy(&v, p + i + 2, 4);
				memcpy(&e, p + i + 6, 4);
				o->has_ts = 1;
				o->tsval = rte_be_to_cpu_32(v);
				o->tsecr = rte_be_to_cpu_32(e);
			}
			break;
		default:
			break;
		}
		i += l;
	}
}

static void
drop(struct sl_tcp *t, enum sl_tcp_drop why, struct rte_mbuf *m)
{
	t->st.drops[why]++;
	if (m != NULL)
		rte_pktmbuf_free(m);
}

/* RFC 5961 section 7: challenge ACKs are rate limited per instance. */
static void
challenge_ack(struct sl_tcp_conn *c)
{
	struct sl_tcp *t = c->t;
	uint64_t sec = t->tick / 1000;

	if (sec != t->chack_sec) {
		t->chack_sec = sec;
		t->chack_count = 0;
	}
	if (t->chack_count++ < t->p.challenge_ack_limit) {
		t->st.challenge_acks++;
		tcp_send_ack(c);
	}
}

/* Options of the peer's SYN (or SYN-ACK) against ours, RFC 7323 / 2018. */
static void
negotiate(struct sl_tcp_conn *c, const struct tcp_opts *o)
{
	struct sl_tcp *t = c->t;

	c->peer_mss = o->has_mss ? RTE_MAX(o->mss, (uint16_t)64) : TCP_DEFAULT_MSS;
	c->flags &= ~(CF_WS | CF_SACK | CF_TS);
	if ((t->p.flags & SL_TCP_F_WSCALE) && o->has_ws) {
		c->flags |= CF_WS;
		c->snd_ws = o->ws;
		c->rcv_ws = t->our_ws;
	} else {
		c->snd_ws = c->rcv_ws = 0;
	}
	if ((t->p.flags & SL_TCP_F_SACK) && o->sack_ok)
		c->flags |= CF_SACK;
	if ((t->p.flags & SL_TCP_F_TIMESTAMPS) && o->has_ts) {
		c->flags |= CF_TS;
		c->ts_recent = o->tsval;
	}
}

/*
 * Sending MSS (RFC 9293 3.7.1, RFC 6691: the MSS option excludes TCP
 * options, so timestamps take 12 bytes of each segment) and the initial
 * window, RFC 6928: min(10*MSS, max(2*MSS, 14600)).
 */
static void
established_init(struct sl_tcp_conn *c)
{
	uint32_t mss = RTE_MIN(c->peer_mss, c->t->our_mss);

	if (c->flags & CF_TS)
		mss -= 12;
	c->mss = (uint16_t)mss;
	{
		uint32_t lo = RTE_MAX(2 * mss, 14600u);

		c->cwnd = RTE_MIN(10 * mss, lo);
	}
	c->ssthresh = UINT32_MAX / 2;
	c->recover = c->snd_una;
	c->high_sack = c->snd_una;
	c->rtx_nxt = c->snd_una;
	c->retries = 0;
	c->backoff = 0;
	tcp_timer_cancel(c, TCP_T_RTX);
}

/*
 * RFC 6298 section 2 (K = 4, G = 1 ms tick; alpha 1/8, beta 1/4), values
 * in microseconds; the RTO is clamped to [rto_min, rto_max] (2.4, 2.5).
 */
static void
rtt_update(struct sl_tcp_conn *c, uint32_t r_us)
{
	struct sl_tcp *t = c->t;
	uint32_t rto_us;

	if (c->srtt == 0 && c->rttvar == 0) {
		c->srtt = RTE_MAX(r_us, 1u);
		c->rttvar = r_us / 2;
	} else {
		uint32_t delta = c->srtt > r_us ? c->srtt - r_us : r_us - c->srtt;

		c->rttvar = (3 * c->rttvar + delta) / 4;
		c->srtt = RTE_MAX((7 * c->srtt + r_us) / 8, 1u);
	}
	rto_us = c->srtt + RTE_MAX(1000u, 4 * c->rttvar);
	c->rto = RTE_MAX((rto_us + 999) / 1000, t->p.rto_min_ms);
	c->rto = RTE_MIN(c->rto, t->p.rto_max_ms);
}

/* Free acked bytes from the head of the send queue. */
void
tcp_sndq_ack(struct sl_tcp_conn *c, uint32_t n)
{
	while (n > 0 && c->snd_head != NULL) {
		struct rte_mbuf *m = c->snd_head;
		uint32_t rest = m->data_len - c->head_off;

		if (n >= rest) {
			n -= rest;
			c->snd_q -= rest;
			c->snd_head = m->next;
			if (c->cur_m == m)
				c->cur_m = NULL;
			m->next = NULL;
			rte_pktmbuf_free_seg(m);
			c->head_off = 0;
		} else {
			c->head_off += n;
			c->snd_q -= n;
			n = 0;
		}
	}
	if (c->snd_head == NULL)
		c->snd_tail = NULL;
}

/* Merge the segment's SACK blocks into the scoreboard (RFC 6675 Update()). */
static int
sack_update(struct sl_tcp_conn *c, const struct tcp_opts *o)
{
	uint32_t r[TCP_SCORE_MAX + TCP_SACK_MAX][2], n = c->nscore, before = 0, after = 0;

	memcpy(r, c->score, sizeof(c->score[0]) * c->nscore);
	for (uint32_t b = 0; b < o->nsack; b++) {
		uint32_t s = o->sack[b][0], e = o->sack[b][1];

		/* Blocks must lie in (snd_una, snd_max]; ignore the rest
		 * (D-SACKs below snd_una included). */
		if (!SEQ_LT(s, e) || SEQ_LEQ(e, c->snd_una) || SEQ_GT(e, c->snd_max))
			continue;
		if (SEQ_LT(s, c->snd_una))
			s = c->snd_una;
		r[n][0] = s;
		r[n][1] = e;
		n++;
		c->t->st.sack_blocks_rcvd++;
	}
	if (n == c->nscore)
		return 0;
	/* Insertion sort by start, then merge overlaps. */
	for (uint32_t i = 1; i < n; i++) {
		uint32_t s = r[i][0], e = r[i][1], j = i;

		while (j > 0 && SEQ_GT(r[j - 1][0], s)) {
			r[j][0] = r[j - 1][0];
			r[j][1] = r[j - 1][1];
			j--;
		}
		r[j][0] = s;
		r[j][1] = e;
	}
	for (uint32_t i = 0; i < c->nscore; i++)
		before += c->score[i][1] - c->score[i][0];
	c->nscore = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (c->nscore > 0 && SEQ_LEQ(r[i][0], c->score[c->nscore - 1][1])) {
			c->score[c->nscore - 1][1] = SEQ_MAX(c->score[c->nscore - 1][1], r[i][1]);
			continue;
		}
		if (c->nscore == TCP_SCORE_MAX)
			break;	/* the highest ranges are forgotten */
		c->score[c->nscore][0] = r[i][0];
		c->score[c->nscore][1] = r[i][1];
		c->nscore++;
	}
	for (uint32_t i = 0; i < c->nscore; i++)
		after += c->score[i][1] - c->score[i][0];
	if (c->nscore > 0)
		c->high_sack = SEQ_MAX(c->high_sack, c->score[c->nscore - 1][1]);
	return after != before;
}

static void
sack_prune(struct sl_tcp_conn *c)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < c->nscore; i++) {
		if (SEQ_LEQ(c->score[i][1], c->snd_una))
			continue;
		c->score[j][0] = SEQ_MAX(c->score[i][0], c->snd_una);
		c->score[j][1] = c->score[i][1];
		j++;
	}
	c->nscore = j;
	if (SEQ_LT(c->high_sack, c->snd_una))
		c->high_sack = c->snd_una;
}

static uint32_t
score_bytes(const struct sl_tcp_conn *c)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->nscore; i++)
		n += c->score[i][1] - c->score[i][0];
	return n;
}

/*
 * ACK processing in synchronized states (RFC 9293 3.10.7.4 fifth check).
 * Returns -1 when the segment must be dropped.
 */
static int
ack_process(struct sl_tcp_conn *c, const struct tcp_seg *s)
{
	struct sl_tcp *t = c->t;
	uint32_t ack = s->ack, win = (uint32_t)s->win << c->snd_ws;
	int new_sack = 0;

	/* RFC 5961 5.2: acceptable iff SND.UNA - MAX.SND.WND <= SEG.ACK <=
	 * SND.NXT (snd_max here: after an RTO snd_nxt moved back). */
	if (SEQ_GT(ack, c->snd_max) || SEQ_LT(ack, c->snd_una - c->max_snd_wnd)) {
		t->st.drops[SL_TCP_DROP_BAD_ACK]++;
		challenge_ack(c);
		return -1;
	}
	if ((c->flags & CF_SACK) && s->o.nsack > 0)
		new_sack = sack_update(c, &s->o);

	if (SEQ_GT(ack, c->snd_una)) {
		uint32_t acked = ack - c->snd_una;

		/* RTT sample: RFC 7323 4.1 from TSecr, else Karn's algorithm
		 * (RFC 6298 3: rtt_seq is never a retransmitted segment). */
		if ((c->flags & CF_TS) && s->o.has_ts && s->o.tsecr != 0) {
			uint32_t r = tcp_ts_now(t) - s->o.tsecr;

			if (r < (1u << 24))
				rtt_update(c, r * 1000);
		} else if ((c->flags & CF_RTT_TIMING) && SEQ_GT(ack, c->rtt_seq)) {
			rtt_update(c, (uint32_t)(t->tick - c->rtt_tick) * 1000);
			c->flags &= ~CF_RTT_TIMING;
		}
		tcp_sndq_ack(c, RTE_MIN(acked, c->snd_q));
		c->snd_una = ack;
		/*
		 * In recovery the new first hole may have been resent already (it
		 * lies below rtx_nxt): then its resend is at most as recent as the
		 * latest one, which is what the lost-retransmission rule needs.
		 */
		c->una_rtx_tick = (c->flags & CF_IN_RECOVERY) && SEQ_GT(c->rtx_nxt, ack) ?
				  c->last_rtx_tick : 0;
		if (SEQ_LT(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		if (SEQ_LT(c->rtx_nxt, c->snd_una))
			c->rtx_nxt = c->snd_una;
		sack_prune(c);
		c->retries = 0;
		c->backoff = 0;

		if (c->flags & CF_IN_RECOVERY) {
			if (SEQ_GEQ(ack, c->recover)) {
				/* RFC 6582 3.2 step 3 full ACK: deflate. */
				uint32_t flight = c->snd_max - c->snd_una;

				uint32_t fl = RTE_MAX(flight, (uint32_t)c->mss) + c->mss;

				c->cwnd = RTE_MIN(c->ssthresh, fl);
				c->flags &= ~CF_IN_RECOVERY;
				c->dupacks = 0;
			} else {
				/* Partial ACK (RFC 6582 step 4): retransmit the
				 * first unacknowledged segment if not yet done. */
				c->dupacks = 0;
				if (SEQ_LEQ(c->rtx_nxt, c->snd_una))
					tcp_retransmit_una(c);
			}
		} else {
			c->dupacks = 0;
			if (c->cwnd < c->ssthresh) {
				/* Slow start with RFC 3465 byte counting, L = 2. */
				c->cwnd += RTE_MIN(acked, 2u * c->mss);
			} else {
				/* Congestion avoidance, RFC 5681 3.1 eq. 3 as a
				 * byte counter: +1 MSS per cwnd of acked data. */
				c->cwnd_cnt += acked;
				if (c->cwnd_cnt >= c->cwnd) {
					c->cwnd_cnt -= c->cwnd;
					c->cwnd += c->mss;
				}
			}
			c->cwnd = RTE_MIN(c->cwnd, 1u << 30);
		}
		/* RFC 6298 5.2 / 5.3. */
		c->flags &= ~CF_TLP_SENT;
		if (!(c->flags & CF_PERSIST)) {
			tcp_timer_cancel(c, TCP_T_RTX);
			c->flags &= ~CF_TLP;
			if (c->snd_una != c->snd_max)
				tcp_arm_rtx_or_pto(c);
		}
	} else if (ack == c->snd_una && !(s->flags & (TH_SYN | TH_FIN)) &&
		   c->snd_max != c->snd_una &&
		   ((s->len == 0 && win == c->snd_wnd) || new_sack)) {
		/*
		 * Duplicate ACK (RFC 5681 2), or with SACK any ACK that reports
		 * new SACK information (RFC 6675 2 "duplicate acknowledgment"
		 * counts segments carrying data too): in a bidirectional flow,
		 * such as echo, nearly every ACK rides on data, and loss would
		 * otherwise only ever be found by the RTO.
		 */
		if (c->dupacks < 255)
			c->dupacks++;
		/*
		 * Early retransmit (RFC 5827 3.1): with fewer than four segments
		 * outstanding and nothing new to send, three duplicate ACKs can
		 * never come, so the threshold is the outstanding count less one;
		 * otherwise a small window (after a timeout, say) waits for the RTO
		 * on every loss.
		 */
		uint32_t oseg = (c->snd_max - c->snd_una + c->mss - 1) / c->mss;
		uint32_t thresh = TCP_DUPTHRESH;

		if (oseg < 4 && c->snd_nxt == c->snd_una + c->snd_q)
			thresh = RTE_MAX(oseg, 2u) - 1;
		if (!(c->flags & CF_IN_RECOVERY) && SEQ_GEQ(ack, c->recover) &&
		    (c->dupacks >= thresh ||
		     ((c->flags & CF_SACK) && score_bytes(c) > (thresh - 1) * c->mss))) {
			/* RFC 5681 3.2 / RFC 6675 5 step 4: enter recovery. */
			uint32_t flight = c->snd_max - c->snd_una;

			c->ssthresh = RTE_MAX(flight / 2, 2u * c->mss);
			c->cwnd = c->ssthresh;
			c->cwnd_cnt = 0;
			c->recover = c->snd_max;
			c->rtx_nxt = c->snd_una;
			c->flags |= CF_IN_RECOVERY;
			tcp_retransmit_una(c);
		} else if ((c->flags & CF_IN_RECOVERY) && new_sack && c->una_rtx_tick != 0 &&
			   (t->tick - c->una_rtx_tick) * 1000 > (uint64_t)c->srtt * 5 / 4 + 1000) {
			/*
			 * The retransmission of the first hole was lost too: later
			 * data keeps being SACKed well over an RTT after it went out
			 * (the time-based rule of RACK, RFC 8985 6.2, for the one
			 * segment that matters most). Resend it rather than wait for
			 * the RTO, which would collapse cwnd to one segment.
			 */
			c->rtx_nxt = c->snd_una;
			tcp_retransmit_una(c);
		}
	}
	/* Window update, RFC 9293 3.10.7.4: only from a newer segment. */
	if (SEQ_LT(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, ack))) {
		c->snd_wnd = win;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = ack;
		c->max_snd_wnd = RTE_MAX(c->max_snd_wnd, win);
	}
	if ((c->flags & CF_WANT_SPACE) && c->snd_q <= t->p.snd_buf / 2) {
		c->flags &= ~CF_WANT_SPACE;
		tcp_event(c, SL_TCP_EV_SEND_SPACE, NULL, 0, 0);
	}
	return 0;
}

static void
deliver(struct sl_tcp_conn *c, struct rte_mbuf *m, uint32_t len)
{
	c->rcv_nxt += len;
	c->t->st.rx_bytes += len;
	tcp_event(c, SL_TCP_EV_DATA, m, len, 0);
}

/* Queue an out-of-order range, trimmed against the ranges already held. */
/* Append chain b to chain a (both reassembly entries). */
static void
ooo_chain(struct rte_mbuf *a, struct rte_mbuf *b)
{
	rte_pktmbuf_lastseg(a)->next = b;
	a->pkt_len += b->pkt_len;
	a->nb_segs = (uint16_t)RTE_MIN((uint32_t)a->nb_segs + b->nb_segs, (uint32_t)UINT16_MAX);
}

static void
ooo_insert(struct sl_tcp_conn *c, uint32_t seq, uint32_t len, struct rte_mbuf *m)
{
	struct sl_tcp *t = c->t;
	uint32_t end = seq + len, i = 0;

	while (i < c->nooo && SEQ_LEQ(c->ooo[i].seq + c->ooo[i].len, seq))
		i++;
	if (i < c->nooo && SEQ_LEQ(c->ooo[i].seq, seq)) {
		uint32_t e_end = c->ooo[i].seq + c->ooo[i].len;

		if (SEQ_GEQ(e_end, end)) {
			t->st.dup_segs++;
			rte_pktmbuf_free(m);
			return;
		}
		m = mbuf_adj(m, e_end - seq);
		len -= e_end - seq;
		seq = e_end;
		i++;
	}
	while (i < c->nooo && SEQ_LEQ(c->ooo[i].seq + c->ooo[i].len, end)) {
		rte_pktmbuf_free(c->ooo[i].m);
		memmove(&c->ooo[i], &c->ooo[i + 1], (c->nooo - i - 1) * sizeof(c->ooo[0]));
		c->nooo--;
	}
	if (i < c->nooo && SEQ_LT(c->ooo[i].seq, end)) {
		len = c->ooo[i].seq - seq;
		m = mbuf_keep(m, len);
	}
	if (len == 0 || m == NULL) {
		if (m != NULL)
			rte_pktmbuf_free(m);
		return;
	}
	/*
	 * An entry is a range, not a segment: data contiguous with a queued
	 * range extends it (its mbuf chain grows), so TCP_OOO_MAX bounds the
	 * holes, and the whole window can be held past a gap.
	 */
	if (i > 0 && c->ooo[i - 1].seq + c->ooo[i - 1].len == seq) {
		struct tcp_ooo *prev = &c->ooo[i - 1];

		ooo_chain(prev->m, m);
		prev->len += len;
		if (i < c->nooo && prev->seq + prev->len == c->ooo[i].seq) {
			ooo_chain(prev->m, c->ooo[i].m);
			prev->len += c->ooo[i].len;
			memmove(&c->ooo[i], &c->ooo[i + 1], (c->nooo - i - 1) * sizeof(c->ooo[0]));
			c->nooo--;
		}
		c->last_ooo_seq = seq;
		t->st.ooo_segs++;
		return;
	}
	if (i < c->nooo && end == c->ooo[i].seq) {
		ooo_chain(m, c->ooo[i].m);
		c->ooo[i].m = m;
		c->ooo[i].seq = seq;
		c->ooo[i].len += len;
		c->last_ooo_seq = seq;
		t->st.ooo_segs++;
		return;
	}
	if (c->nooo == TCP_OOO_MAX) {
		drop(t, SL_TCP_DROP_OOO_FULL, m);
		return;
	}
	memmove(&c->ooo[i + 1], &c->ooo[i], (c->nooo - i) * sizeof(c->ooo[0]));
	c->ooo[i].seq = seq;
	c->ooo[i].len = len;
	c->ooo[i].m = m;
	c->nooo++;
	c->last_ooo_seq = seq;
	t->st.ooo_segs++;
}

/*
 * Segment text (RFC 9293 3.10.7.4 seventh check): trim what was received
 * already and what lies beyond the window, deliver in order, queue out of
 * order. Delayed ACK (RFC 9293 3.8.6.3, RFC 5681 4.2): at least every
 * second full segment, at once for out-of-order data or a filled hole.
 */
static void
data_input(struct sl_tcp_conn *c, uint32_t seq, uint32_t len, struct rte_mbuf *m)
{
	struct sl_tcp *t = c->t;
	uint32_t right = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv : c->rcv_nxt;
	uint32_t rcv_mss = t->our_mss - ((c->flags & CF_TS) ? 12 : 0);

	if (SEQ_LT(seq, c->rcv_nxt)) {
		uint32_t d = c->rcv_nxt - seq;

		if (d >= len) {
			t->st.dup_segs++;
			rte_pktmbuf_free(m);
			tcp_ack_later(c);
			return;
		}
		m = mbuf_adj(m, d);
		seq = c->rcv_nxt;
		len -= d;
	}
	if (SEQ_GT(seq + len, right)) {
		if (SEQ_GEQ(seq, right)) {
			drop(t, SL_TCP_DROP_OUT_OF_WINDOW, m);
			tcp_ack_later(c);
			return;
		}
		len = right - seq;
		m = mbuf_keep(m, len);
	}
	if (seq != c->rcv_nxt) {
		ooo_insert(c, seq, len, m);
		tcp_ack_later(c);
		return;
	}
	{
		int had_ooo = c->nooo > 0;

		deliver(c, m, len);
		if (c->flags & CF_DEAD)
			return;
		while (c->nooo > 0 && SEQ_LEQ(c->ooo[0].seq, c->rcv_nxt)) {
			struct tcp_ooo e = c->ooo[0];
			uint32_t end = e.seq + e.len;

			memmove(&c->ooo[0], &c->ooo[1], (c->nooo - 1) * sizeof(c->ooo[0]));
			c->nooo--;
			if (SEQ_LEQ(end, c->rcv_nxt)) {
				rte_pktmbuf_free(e.m);
				continue;
			}
			e.m = mbuf_adj(e.m, c->rcv_nxt - e.seq);
			deliver(c, e.m, end - c->rcv_nxt);
			if (c->flags & CF_DEAD)
				return;
		}
		if (had_ooo) {
			tcp_ack_later(c);
			return;
		}
		c->unacked_bytes += len;
		if (c->unacked_bytes >= 2 * rcv_mss)
			tcp_ack_later(c);
		else if (!c->tm[TCP_T_DELACK].armed)
			tcp_timer_arm(t, c, TCP_T_DELACK, t->p.delack_ms);
	}
}

/* FIN in order (RFC 9293 3.10.7.4 eighth check). */
static void
fin_input(struct sl_tcp_conn *c)
{
	struct sl_tcp *t = c->t;

	c->rcv_nxt++;
	c->flags |= CF_PEER_FIN;
	c->flags &= ~CF_OOO_FIN;
	tcp_ack_later(c);
	switch (c->state) {
	case SL_TCP_SYN_RECEIVED:
	case SL_TCP_ESTABLISHED:
		tcp_conn_set_state(c, SL_TCP_CLOSE_WAIT);
		tcp_event(c, SL_TCP_EV_PEER_FIN, NULL, 0, 0);
		break;
	case SL_TCP_FIN_WAIT_1:
		tcp_event(c, SL_TCP_EV_PEER_FIN, NULL, 0, 0);
		if (c->flags & CF_DEAD)
			return;
		if (c->snd_una == c->snd_max)
			tcp_enter_time_wait(c);
		else
			tcp_conn_set_state(c, SL_TCP_CLOSING);
		break;
	case SL_TCP_FIN_WAIT_2:
		tcp_event(c, SL_TCP_EV_PEER_FIN, NULL, 0, 0);
		if (c->flags & CF_DEAD)
			return;
		tcp_enter_time_wait(c);
		break;
	case SL_TCP_TIME_WAIT:
		tcp_timer_arm(t, c, TCP_T_LINGER, t->p.time_wait_ms);
		break;
	default:
		break;
	}
}

/* Data, FIN and output: the tail shared by every synchronized state. */
static void
conn_input_rest(struct sl_tcp_conn *c, const struct tcp_seg *s, struct rte_mbuf *m,
		int zero_wnd)
{
	struct sl_tcp *t = c->t;
	uint32_t fin_pos = s->seq + s->len;

	if (s->len > 0) {
		switch (c->state) {
		case SL_TCP_ESTABLISHED:
		case SL_TCP_FIN_WAIT_1:
		case SL_TCP_FIN_WAIT_2:
			if (c->flags & CF_ORPHAN) {
				/* Data after close(): reset, as Linux does. */
				rte_pktmbuf_free(m);
				tcp_send_rst_conn(c);
				tcp_conn_release(c);
				return;
			}
			if (zero_wnd) {
				drop(t, SL_TCP_DROP_OUT_OF_WINDOW, m);
				tcp_ack_later(c);
			} else {
				data_input(c, s->seq, s->len, m);
			}
			m = NULL;
			if (c->flags & CF_DEAD)
				return;
			break;
		default:
			/* Text after the peer's FIN: ignored. */
			rte_pktmbuf_free(m);
			m = NULL;
			tcp_ack_later(c);
			break;
		}
	} else if (m != NULL) {
		rte_pktmbuf_free(m);
	}
	if ((s->flags & TH_FIN) && !zero_wnd && !(c->flags & CF_PEER_FIN)) {
		uint32_t right = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv : c->rcv_nxt;

		if (fin_pos == c->rcv_nxt) {
			fin_input(c);
		} else if (SEQ_GT(fin_pos, c->rcv_nxt) && SEQ_LEQ(fin_pos, right)) {
			c->flags |= CF_OOO_FIN;
			c->ooo_fin_seq = fin_pos;
			tcp_ack_later(c);
		} else {
			tcp_ack_later(c);
		}
	} else if ((s->flags & TH_FIN)) {
		tcp_ack_later(c);
	}
	if (!(c->flags & CF_DEAD) && (c->flags & CF_OOO_FIN) && c->rcv_nxt == c->ooo_fin_seq &&
	    !(c->flags & CF_PEER_FIN))
		fin_input(c);
	if (c->flags & CF_DEAD)
		return;
	tcp_output(c);
}

/* RFC 9293 3.10.7.3: SYN-SENT. */
static void
syn_sent_input(struct sl_tcp_conn *c, struct tcp_seg *s, struct rte_mbuf *m)
{
	struct sl_tcp *t = c->t;

	if ((s->flags & TH_ACK) && (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_max))) {
		if (!(s->flags & TH_RST))
			tcp_send_rst_reply(t, s);
		drop(t, SL_TCP_DROP_BAD_ACK, m);
		return;
	}
	if (s->flags & TH_RST) {
		if (s->flags & TH_ACK) {
			t->st.rst_rcvd++;
			rte_pktmbuf_free(m);
			tcp_conn_finish(c, SL_TCP_CLOSE_REFUSED);
		} else {
			drop(t, SL_TCP_DROP_RST_INVALID, m);
		}
		return;
	}
	if (!(s->flags & TH_SYN)) {
		drop(t, SL_TCP_DROP_STATE, m);
		return;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	negotiate(c, &s->o);
	/* RFC 7323 2.2: the window of a SYN is not scaled. */
	c->snd_wnd = s->win;
	c->max_snd_wnd = s->win;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (!(s->flags & TH_ACK)) {
		/* Simultaneous open (RFC 9293 3.5 figure 8). */
		tcp_conn_set_state(c, SL_TCP_SYN_RECEIVED);
		rte_pktmbuf_free(m);
		tcp_xmit_synack_again(c);
		return;
	}
	c->snd_una = s->ack;
	if ((c->flags & CF_RTT_TIMING) && c->backoff == 0)
		rtt_update(c, (uint32_t)(t->tick - c->rtt_tick) * 1000);
	c->flags &= ~CF_RTT_TIMING;
	established_init(c);
	tcp_conn_set_state(c, SL_TCP_ESTABLISHED);
	tcp_ack_later(c);
	tcp_event(c, SL_TCP_EV_CONNECTED, NULL, 0, 0);
	if (c->flags & CF_DEAD) {
		rte_pktmbuf_free(m);
		return;
	}
	s->seq++;
	s->flags &= ~TH_SYN;
	conn_input_rest(c, s, m, 0);
}

static int
seq_acceptable(const struct sl_tcp_conn *c, const struct tcp_seg *s, uint32_t rwnd)
{
	uint32_t nxt = c->rcv_nxt;

	/* RFC 9293 3.10.7.4 first check, the four cases. */
	if (s->seglen == 0) {
		if (rwnd == 0)
			return s->seq == nxt;
		return SEQ_LEQ(nxt, s->seq) && SEQ_LT(s->seq, nxt + rwnd);
	}
	if (rwnd == 0)
		return s->len == 0 && s->seq == nxt;	/* a lone FIN, as Linux */
	return (SEQ_LEQ(nxt, s->seq) && SEQ_LT(s->seq, nxt + rwnd)) ||
	       (SEQ_LEQ(nxt, s->seq + s->seglen - 1) && SEQ_LT(s->seq + s->seglen - 1, nxt + rwnd));
}

/* RFC 9293 3.10.7.4: SYN-RECEIVED and the synchronized states. */
static void
conn_input(struct sl_tcp_conn *c, struct tcp_seg *s, struct rte_mbuf *m)
{
	struct sl_tcp *t = c->t;
	uint32_t rwnd;
	int zero_wnd = 0;

	if (c->state == SL_TCP_SYN_SENT) {
		syn_sent_input(c, s, m);
		return;
	}
	if (c->state == SL_TCP_SYN_RECEIVED && (s->flags & TH_SYN) && s->seq == c->irs) {
		if (!(s->flags & TH_ACK)) {
			/* The peer retransmitted its SYN: so do we. */
			rte_pktmbuf_free(m);
			tcp_xmit_synack_again(c);
			return;
		}
		if (!(c->flags & CF_PASSIVE) && s->ack == c->snd_max && s->len == 0) {
			/* Simultaneous open: the peer's SYN-ACK acks our SYN
			 * (the RFC 5961 4.2 exception Linux makes). */
			s->seq++;
			s->seglen--;
			s->flags &= ~TH_SYN;
		}
	}
	rwnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;

	/* RFC 7323 5.3 R1 (PAWS), before the sequence check. */
	if ((c->flags & CF_TS) && s->o.has_ts && !(s->flags & TH_RST) &&
	    SEQ_LT(s->o.tsval, c->ts_recent)) {
		drop(t, SL_TCP_DROP_PAWS, m);
		tcp_ack_later(c);
		return;
	}
	if (!seq_acceptable(c, s, rwnd)) {
		if (s->flags & TH_RST) {
			drop(t, SL_TCP_DROP_RST_INVALID, m);
			return;
		}
		if (rwnd == 0 && s->seq == c->rcv_nxt) {
			/* RFC 9293: with a zero window, still process ACKs. */
			zero_wnd = 1;
		} else {
			if (c->state == SL_TCP_TIME_WAIT && (s->flags & TH_FIN))
				tcp_timer_arm(t, c, TCP_T_LINGER, t->p.time_wait_ms);
			drop(t, SL_TCP_DROP_OUT_OF_WINDOW, m);
			/* Answer, but a stream of old pure ACKs gets one
			 * answer per 500 ms (Linux tcp_invalid_ratelimit):
			 * two confused peers must not ping-pong forever. */
			if (s->seglen > 0 || c->oow_tick == 0 || t->tick - c->oow_tick >= 500) {
				if (s->seglen == 0)
					c->oow_tick = t->tick ? t->tick : 1;
				tcp_ack_later(c);
			}
			return;
		}
	}
	if (s->flags & TH_RST) {
		/* RFC 5961 3.2: reset only on the exact sequence number,
		 * challenge ACK if merely in the window. */
		rte_pktmbuf_free(m);
		if (s->seq == c->rcv_nxt) {
			t->st.rst_rcvd++;
			if (!(c->flags & CF_ACCEPTED) || c->state == SL_TCP_TIME_WAIT)
				tcp_conn_release(c);
			else
				tcp_conn_finish(c, SL_TCP_CLOSE_RESET);
			return;
		}
		t->st.drops[SL_TCP_DROP_RST_INVALID]++;
		challenge_ack(c);
		return;
	}
	if (s->flags & TH_SYN) {
		/* RFC 5961 4.2: any SYN here gets a challenge ACK. */
		drop(t, SL_TCP_DROP_SYN_INVALID, m);
		challenge_ack(c);
		return;
	}
	if (!(s->flags & TH_ACK)) {
		drop(t, SL_TCP_DROP_NO_ACK, m);
		return;
	}
	/* RFC 7323 4.3: TS.Recent from the segment covering Last.ACK.sent. */
	if ((c->flags & CF_TS) && s->o.has_ts && SEQ_GEQ(s->o.tsval, c->ts_recent) &&
	    SEQ_LEQ(s->seq, c->last_ack_sent))
		c->ts_recent = s->o.tsval;

	if (c->state == SL_TCP_SYN_RECEIVED) {
		if (!(SEQ_LT(c->snd_una, s->ack) && SEQ_LEQ(s->ack, c->snd_max))) {
			tcp_send_rst_reply(t, s);
			drop(t, SL_TCP_DROP_BAD_ACK, m);
			return;
		}
		c->snd_una = s->ack;
		c->snd_wnd = (uint32_t)s->win << c->snd_ws;
		c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		if ((c->flags & CF_RTT_TIMING) && c->backoff == 0)
			rtt_update(c, (uint32_t)(t->tick - c->rtt_tick) * 1000);
		c->flags &= ~CF_RTT_TIMING;
		established_init(c);
		tcp_conn_set_state(c, SL_TCP_ESTABLISHED);
		tcp_event(c, (c->flags & CF_PASSIVE) ? SL_TCP_EV_ACCEPTED : SL_TCP_EV_CONNECTED,
			  NULL, 0, 0);
		if (c->flags & CF_DEAD) {
			rte_pktmbuf_free(m);
			return;
		}
	} else {
		if (ack_process(c, s) < 0 || (c->flags & CF_DEAD)) {
			if (m != NULL)
				rte_pktmbuf_free(m);
			return;
		}
		if ((c->flags & CF_FIN_SENT) && c->snd_una == c->snd_max) {
			switch (c->state) {
			case SL_TCP_FIN_WAIT_1:
				tcp_conn_set_state(c, SL_TCP_FIN_WAIT_2);
				tcp_timer_cancel(c, TCP_T_RTX);
				if (c->flags & CF_ORPHAN)
					tcp_timer_arm(t, c, TCP_T_LINGER, t->p.fin_wait2_ms);
				break;
			case SL_TCP_CLOSING:
				if (m != NULL)
					rte_pktmbuf_free(m);
				tcp_enter_time_wait(c);
				return;
			case SL_TCP_LAST_ACK:
				if (m != NULL)
					rte_pktmbuf_free(m);
				tcp_conn_finish(c, SL_TCP_CLOSE_NORMAL);
				return;
			default:
				break;
			}
		}
		if (c->state == SL_TCP_TIME_WAIT) {
			if (m != NULL)
				rte_pktmbuf_free(m);
			return;
		}
	}
	conn_input_rest(c, s, m, zero_wnd);
}

/* RFC 9293 3.10.7.2: LISTEN, with RFC 4987 cookies. */
static void
listen_input(struct sl_tcp *t, struct sl_tcp_listener *l, struct tcp_seg *s, struct rte_mbuf *m,
	     uint32_t iss)
{
	struct tcp_key k = { s->laddr, s->raddr, s->lport, s->rport };
	struct sl_tcp_conn *c;
	uint16_t mss;

	if (s->flags & TH_RST) {
		drop(t, SL_TCP_DROP_STATE, m);
		return;
	}
	if ((s->flags & (TH_ACK | TH_SYN)) == TH_ACK) {
		if (!(t->p.flags & SL_TCP_F_SYNCOOKIES) ||
		    tcp_cookie_check(t, &k, s->seq - 1, s->ack - 1, &mss) < 0) {
			tcp_send_rst_reply(t, s);
			drop(t, (t->p.flags & SL_TCP_F_SYNCOOKIES) ? SL_TCP_DROP_BAD_COOKIE :
				SL_TCP_DROP_STATE, m);
			return;
		}
		c = tcp_conn_alloc(t, &k);
		if (c == NULL) {
			tcp_send_rst_reply(t, s);
			drop(t, SL_TCP_DROP_TABLE_FULL, m);
			return;
		}
		tcp_conn_init_snd(c);
		c->flags |= CF_PASSIVE;
		c->user = l->ctx;
		c->peer_mss = mss;
		if ((t->p.flags & SL_TCP_F_TIMESTAMPS) && s->o.has_ts) {
			/* Options we offered, recovered from our TSval. */
			uint32_t ws = s->o.tsecr & 0xf;

			c->flags |= CF_TS;
			c->ts_recent = s->o.tsval;
			if (ws != 0xf && (t->p.flags & SL_TCP_F_WSCALE)) {
				c->flags |= CF_WS;
				c->snd_ws = (uint8_t)ws;
				c->rcv_ws = t->our_ws;
			}
			if ((s->o.tsecr & 0x10) && (t->p.flags & SL_TCP_F_SACK))
				c->flags |= CF_SACK;
		}
		c->irs = s->seq - 1;
		c->rcv_nxt = s->seq;
		c->rcv_adv = c->rcv_nxt + RTE_MIN(t->p.rcv_buf, 65535u);
		c->last_ack_sent = c->rcv_nxt;
		c->iss = s->ack - 1;
		c->snd_una = c->snd_nxt = c->snd_max = s->ack;
		c->snd_wnd = (uint32_t)s->win << c->snd_ws;
		c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		established_init(c);
		tcp_conn_set_state(c, SL_TCP_ESTABLISHED);
		t->st.cookies_validated++;
		t->st.passive_opens++;
		tcp_event(c, SL_TCP_EV_ACCEPTED, NULL, 0, 0);
		if (c->flags & CF_DEAD) {
			if (m != NULL)
				rte_pktmbuf_free(m);
			return;
		}
		conn_input_rest(c, s, m, 0);
		return;
	}
	if (!(s->flags & TH_SYN)) {
		drop(t, SL_TCP_DROP_STATE, m);
		return;
	}
	if (s->flags & TH_ACK) {
		tcp_send_rst_reply(t, s);
		drop(t, SL_TCP_DROP_BAD_ACK, m);
		return;
	}
	if (t->p.syn_filter != NULL && !t->p.syn_filter(t->p.syn_filter_arg, l->ctx, s->raddr)) {
		drop(t, SL_TCP_DROP_SYN_LIMITED, m);
		return;
	}
	if (m != NULL)
		rte_pktmbuf_free(m);	/* data on a SYN is not kept */
	if (TAILQ_EMPTY(&t->free_list) || t->half_open >= t->p.syn_backlog) {
		if (t->p.flags & SL_TCP_F_SYNCOOKIES) {
			uint32_t cookie = tcp_cookie_make(t, &k, s->seq,
							  s->o.has_mss ? s->o.mss : TCP_DEFAULT_MSS,
							  &mss);

			if (tcp_send_syncookie_synack(t, s, cookie, mss) == 0)
				t->st.cookies_sent++;
			return;
		}
		if (TAILQ_EMPTY(&t->free_list)) {
			tcp_send_rst_reply(t, s);
			t->st.drops[SL_TCP_DROP_TABLE_FULL]++;
		} else {
			t->st.drops[SL_TCP_DROP_BACKLOG_FULL]++;
		}
		return;
	}
	c = tcp_conn_alloc(t, &k);
	tcp_conn_init_snd(c);
	c->flags |= CF_PASSIVE;
	c->user = l->ctx;
	negotiate(c, &s->o);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->last_ack_sent = c->rcv_nxt;
	c->iss = iss != 0 ? iss : tcp_isn(t, &k);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_wnd = s->win;
	c->snd_wl1 = s->seq;
	tcp_conn_set_state(c, SL_TCP_SYN_RECEIVED);
	t->st.passive_opens++;
	tcp_send_syn(c);
}

/* Parse and validate; on success *pm is the payload (or NULL). */
static int
seg_parse(struct sl_tcp *t, struct rte_mbuf **pm, struct tcp_seg *s)
{
	struct rte_mbuf *m = *pm;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const struct rte_tcp_hdr *th;
	uint32_t l3, iplen, hl;
	uint64_t ck;

	if (m->data_len < sizeof(*ip))
		return SL_TCP_DROP_SHORT;
	l3 = m->l3_len ? m->l3_len : (uint32_t)(ip->version_ihl & 0xf) * 4;
	iplen = rte_be_to_cpu_16(ip->total_length);
	if (l3 < sizeof(*ip) || m->data_len < l3 + sizeof(*th) || iplen < l3 + sizeof(*th) ||
	    iplen > m->pkt_len)
		return SL_TCP_DROP_SHORT;
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + l3);
	hl = (uint32_t)(th->data_off >> 4) * 4;
	if (hl < sizeof(*th) || l3 + hl > iplen || m->data_len < l3 + hl)
		return SL_TCP_DROP_SHORT;
	ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return SL_TCP_DROP_CKSUM;
	if (ck != RTE_MBUF_F_RX_L4_CKSUM_GOOD && tcp_cksum_sum(m, ip, l3) != 0xffff)
		return SL_TCP_DROP_CKSUM;
	s->laddr = ip->dst_addr;
	s->raddr = ip->src_addr;
	s->lport = rte_be_to_cpu_16(th->dst_port);
	s->rport = rte_be_to_cpu_16(th->src_port);
	s->seq = rte_be_to_cpu_32(th->sent_seq);
	s->ack = rte_be_to_cpu_32(th->recv_ack);
	s->win = rte_be_to_cpu_16(th->rx_win);
	s->flags = th->tcp_flags & 0x3f;
	s->len = iplen - l3 - hl;
	s->seglen = s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
	parse_options((const uint8_t *)(th + 1), hl - sizeof(*th), !!(s->flags & TH_SYN), &s->o);
	if (m->pkt_len > iplen)
		m = mbuf_keep(m, iplen);
	*pm = mbuf_adj(m, l3 + hl);
	return -1;
}

void
sl_tcp_input(struct sl_tcp *t, struct rte_mbuf *m)
{
	struct sl_tcp_conn *c;
	struct sl_tcp_listener *l;
	struct tcp_seg s;
	struct tcp_key k;
	int why;

	t->st.rx_segs++;
	why = seg_parse(t, &m, &s);
	if (why >= 0) {
		drop(t, (enum sl_tcp_drop)why, m);
		return;
	}
	if ((s.flags & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) ||
	    (s.flags & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN)) {
		drop(t, SL_TCP_DROP_BAD_FLAGS, m);
		return;
	}
	k.laddr = s.laddr;
	k.raddr = s.raddr;
	k.lport = s.lport;
	k.rport = s.rport;
	c = tcp_conn_lookup(t, &k);
	if (c != NULL && c->state == SL_TCP_TIME_WAIT &&
	    (s.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN) {
		/* RFC 6191: a new SYN may reuse the 4-tuple when its
		 * timestamp (or, without timestamps, its sequence number) is
		 * newer than the old incarnation's. */
		int ok = ((c->flags & CF_TS) && s.o.has_ts) ? SEQ_GT(s.o.tsval, c->ts_recent) :
							      SEQ_GT(s.seq, c->rcv_nxt);

		l = tcp_listener_find(t, s.laddr, s.lport);
		if (ok && l != NULL) {
			uint32_t iss = c->snd_max + 65535 + 2;

			tcp_conn_release(c);
			t->st.tw_reclaimed++;
			listen_input(t, l, &s, m, iss ? iss : 1);
			goto out;
		}
	}
	if (c != NULL) {
		conn_input(c, &s, m);
		goto out;
	}
	l = tcp_listener_find(t, s.laddr, s.lport);
	if (l != NULL) {
		listen_input(t, l, &s, m, 0);
		goto out;
	}
	/* RFC 9293 3.10.7.1: CLOSED. */
	drop(t, SL_TCP_DROP_NO_LISTENER, m);
	tcp_send_rst_reply(t, &s);
out:
	tcp_reap(t);
}
