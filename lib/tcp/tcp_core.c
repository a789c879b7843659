/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Instance life cycle, connection table, listeners and the application
 * facing calls of sl_tcp.h.
 *
 * Connection slots are an array allocated at create; free slots are on a
 * list. The table is a chained hash over that array (the chain link is the
 * slot index), buckets = next power of two >= 2 * max_conns, keyed with
 * SipHash so that a remote peer cannot aim its 4-tuples at one bucket. It
 * never fails to insert: capacity is the slot array.
 *
 * A connection that ends is unhashed and its timers cancelled at once, but
 * its slot is only recycled by tcp_reap() at the end of sl_tcp_input() /
 * sl_tcp_poll(), so code up the stack (and an application holding a stale
 * handle inside a callback) never sees the slot reused under it.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "tcp_priv.h"

static const char *const state_names[SL_TCP_STATE__MAX] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

const char *
sl_tcp_state_name(enum sl_tcp_state s)
{
	return (unsigned int)s < SL_TCP_STATE__MAX ? state_names[s] : "?";
}

static const char *const drop_names[SL_TCP_DROP__MAX] = {
#define SL_TCP_DROP_NAME(e, s) s,
	SL_TCP_DROP_REASONS(SL_TCP_DROP_NAME)
#undef SL_TCP_DROP_NAME
};

const char *
sl_tcp_drop_name(enum sl_tcp_drop reason)
{
	return (unsigned int)reason < SL_TCP_DROP__MAX ? drop_names[reason] : "?";
}

#define DEF(field, val)			\
	do {				\
		if ((field) == 0)	\
			(field) = (val);\
	} while (0)

struct sl_tcp *
sl_tcp_create(const struct sl_tcp_params *params)
{
	struct sl_tcp *t;
	struct sl_tcp_params p;
	uint32_t nb;

	if (params == NULL || params->hdr_pool == NULL || params->output == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	p = *params;
	DEF(p.name, "tcp");
	DEF(p.max_conns, 1024);
	DEF(p.max_listeners, 16);
	DEF(p.syn_backlog, 256);
	DEF(p.snd_buf, 256 * 1024);
	DEF(p.rcv_buf, 256 * 1024);
	DEF(p.mtu, 1500);
	DEF(p.rto_min_ms, 200);
	DEF(p.rto_max_ms, 120000);
	DEF(p.rto_init_ms, 1000);
	DEF(p.delack_ms, 40);
	DEF(p.max_retries, 15);
	DEF(p.syn_retries, 6);
	DEF(p.time_wait_max, p.max_conns / 2 ? p.max_conns / 2 : 1);
	DEF(p.time_wait_ms, 60000);
	DEF(p.fin_wait2_ms, 60000);
	DEF(p.challenge_ack_limit, 1000);
	DEF(p.eph_lo, 32768);
	DEF(p.eph_hi, 60999);
	if (p.tsc_hz == 0)
		p.tsc_hz = rte_get_tsc_hz();
	if (p.mtu < 68 || p.mtu > 9216 || p.eph_lo > p.eph_hi || p.tsc_hz < 1000 ||
	    p.max_conns > (1u << 24) || p.rcv_buf > (1u << 30) || p.snd_buf > (1u << 30) ||
	    p.rto_min_ms > p.rto_max_ms) {
		rte_errno = EINVAL;
		return NULL;
	}

	t = rte_zmalloc_socket("sl_tcp", sizeof(*t), RTE_CACHE_LINE_SIZE, p.socket_id);
	if (t == NULL)
		goto nomem;
	t->p = p;
	for (nb = 1; nb < 2 * p.max_conns; nb <<= 1)
		;
	t->hmask = nb - 1;
	t->htab = rte_zmalloc_socket("sl_tcp_hash", nb * sizeof(uint32_t), RTE_CACHE_LINE_SIZE,
				     p.socket_id);
	t->conns = rte_zmalloc_socket("sl_tcp_conns", p.max_conns * sizeof(*t->conns),
				      RTE_CACHE_LINE_SIZE, p.socket_id);
	t->listeners = rte_zmalloc_socket("sl_tcp_listen", p.max_listeners *
					  sizeof(*t->listeners), 0, p.socket_id);
	t->wheel = rte_zmalloc_socket("sl_tcp_wheel", TCP_WHEEL_SLOTS * sizeof(*t->wheel),
				      RTE_CACHE_LINE_SIZE, p.socket_id);
	if (t->htab == NULL || t->conns == NULL || t->listeners == NULL || t->wheel == NULL)
		goto nomem;

	t->tick_cycles = p.tsc_hz / 1000;
	t->our_mss = p.mtu - 40;
	t->our_ws = 0;
	while (t->our_ws < TCP_MAX_WSCALE && (p.rcv_buf >> t->our_ws) > 65535)
		t->our_ws++;
	t->next_port = p.eph_lo;
	memcpy(&t->k0, p.key, 8);
	memcpy(&t->k1, p.key + 8, 8);
	if (t->k0 == 0 && t->k1 == 0) {
		t->k0 = rte_rand();
		t->k1 = rte_rand();
	}
	TAILQ_INIT(&t->free_list);
	TAILQ_INIT(&t->ack_list);
	TAILQ_INIT(&t->reap_list);
	for (uint32_t i = 0; i < p.max_conns; i++) {
		t->conns[i].idx = i;
		t->conns[i].t = t;
		TAILQ_INSERT_TAIL(&t->free_list, &t->conns[i], alink);
	}
	for (uint32_t i = 0; i < TCP_WHEEL_SLOTS; i++)
		LIST_INIT(&t->wheel[i]);
	return t;
nomem:
	sl_tcp_destroy(t);
	rte_errno = ENOMEM;
	return NULL;
}

static void
conn_free_queues(struct sl_tcp_conn *c)
{
	struct rte_mbuf *m, *n;

	for (m = c->snd_head; m != NULL; m = n) {
		n = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
	c->snd_head = c->snd_tail = c->cur_m = NULL;
	c->snd_q = 0;
	for (uint32_t i = 0; i < c->nooo; i++)
		rte_pktmbuf_free(c->ooo[i].m);
	c->nooo = 0;
}

void
sl_tcp_destroy(struct sl_tcp *t)
{
	if (t == NULL)
		return;
	if (t->conns != NULL)
		for (uint32_t i = 0; i < t->p.max_conns; i++)
			conn_free_queues(&t->conns[i]);
	rte_free(t->wheel);
	rte_free(t->listeners);
	rte_free(t->conns);
	rte_free(t->htab);
	rte_free(t);
}

static uint32_t
key_bucket(const struct sl_tcp *t, const struct tcp_key *k)
{
	return (uint32_t)tcp_siphash(t->k0 ^ 0x7461626c65ULL, t->k1, k, sizeof(*k)) & t->hmask;
}

static int
key_eq(const struct tcp_key *a, const struct tcp_key *b)
{
	return a->laddr == b->laddr && a->raddr == b->raddr && a->lport == b->lport &&
	       a->rport == b->rport;
}

struct sl_tcp_conn *
tcp_conn_lookup(struct sl_tcp *t, const struct tcp_key *k)
{
	uint32_t i = t->htab[key_bucket(t, k)];

	while (i != 0) {
		struct sl_tcp_conn *c = &t->conns[i - 1];

		if (key_eq(&c->key, k))
			return c;
		i = c->hnext;
	}
	return NULL;
}

static void
conn_unhash(struct sl_tcp_conn *c)
{
	struct sl_tcp *t = c->t;
	uint32_t *pp = &t->htab[key_bucket(t, &c->key)];

	while (*pp != 0) {
		if (*pp == c->idx + 1) {
			*pp = c->hnext;
			break;
		}
		pp = &t->conns[*pp - 1].hnext;
	}
	c->flags &= ~CF_IN_HASH;
}

/* Take a free slot for k and hash it; NULL when the table is full. */
struct sl_tcp_conn *
tcp_conn_alloc(struct sl_tcp *t, const struct tcp_key *k)
{
	struct sl_tcp_conn *c = TAILQ_FIRST(&t->free_list);
	uint32_t b, idx;

	if (c == NULL)
		return NULL;
	TAILQ_REMOVE(&t->free_list, c, alink);
	idx = c->idx;
	memset(c, 0, sizeof(*c));
	c->idx = idx;
	c->t = t;
	c->key = *k;
	b = key_bucket(t, k);
	c->hnext = t->htab[b];
	t->htab[b] = idx + 1;
	c->flags = CF_IN_HASH;
	c->state = SL_TCP_CLOSED;
	c->rto = t->p.rto_init_ms;
	c->peer_mss = TCP_DEFAULT_MSS;
	c->mss = TCP_DEFAULT_MSS;
	t->nconns++;
	return c;
}

void
tcp_conn_set_state(struct sl_tcp_conn *c, enum sl_tcp_state s)
{
	struct sl_tcp *t = c->t;

	if (c->state == s)
		return;
	if (c->state == SL_TCP_SYN_RECEIVED && (c->flags & CF_PASSIVE))
		t->half_open--;
	if (c->state == SL_TCP_TIME_WAIT)
		t->time_wait--;
	if (s == SL_TCP_SYN_RECEIVED && (c->flags & CF_PASSIVE))
		t->half_open++;
	if (s == SL_TCP_TIME_WAIT)
		t->time_wait++;
	if (s == SL_TCP_ESTABLISHED)
		t->st.established++;
	c->state = s;
}

/* End the connection inside the stack: no event, slot recycled by tcp_reap. */
void
tcp_conn_release(struct sl_tcp_conn *c)
{
	struct sl_tcp *t = c->t;

	if (c->flags & CF_DEAD)
		return;
	tcp_conn_set_state(c, SL_TCP_CLOSED);
	if (c->flags & CF_IN_HASH)
		conn_unhash(c);
	for (int k = 0; k < TCP_T__MAX; k++)
		tcp_timer_cancel(c, k);
	if (c->flags & CF_ON_ACKLIST)
		TAILQ_REMOVE(&t->ack_list, c, alink);
	c->flags = (c->flags & ~(CF_ON_ACKLIST | CF_ACK_NOW)) | CF_DEAD;
	TAILQ_INSERT_TAIL(&t->reap_list, c, alink);
}

void
tcp_reap(struct sl_tcp *t)
{
	struct sl_tcp_conn *c;

	while ((c = TAILQ_FIRST(&t->reap_list)) != NULL) {
		TAILQ_REMOVE(&t->reap_list, c, alink);
		conn_free_queues(c);
		c->flags = 0;
		c->user = NULL;
		t->nconns--;
		TAILQ_INSERT_TAIL(&t->free_list, c, alink);
	}
}

static int
app_holds(const struct sl_tcp_conn *c)
{
	return (c->flags & (CF_ACCEPTED | CF_ORPHAN | CF_DEAD)) == CF_ACCEPTED &&
	       c->t->p.event != NULL;
}

/*
 * Deliver an event if the application holds the connection. Data nobody
 * holds is freed. The callback may end the connection: callers check
 * CF_DEAD afterwards.
 */
void
tcp_event(struct sl_tcp_conn *c, enum sl_tcp_event_type type, struct rte_mbuf *m,
	  uint32_t len, enum sl_tcp_close_reason r)
{
	struct sl_tcp_event ev;

	if (type == SL_TCP_EV_ACCEPTED || type == SL_TCP_EV_CONNECTED)
		c->flags |= CF_ACCEPTED;
	if (!app_holds(c)) {
		if (m != NULL)
			rte_pktmbuf_free(m);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.conn = c;
	ev.user = c->user;
	if (type == SL_TCP_EV_DATA) {
		ev.data.m = m;
		ev.data.len = len;
		c->rcv_held += len;
	} else if (type == SL_TCP_EV_CLOSED) {
		ev.reason = r;
		/* The handle dies with this event. */
		c->flags |= CF_ORPHAN;
		c->flags &= ~CF_ACCEPTED;
	}
	c->t->p.event(c->t->p.event_arg, &ev);
}

/* The connection is over: tell the application (if it holds it), release. */
void
tcp_conn_finish(struct sl_tcp_conn *c, enum sl_tcp_close_reason r)
{
	if (c->flags & CF_DEAD)
		return;
	tcp_conn_set_state(c, SL_TCP_CLOSED);
	tcp_event(c, SL_TCP_EV_CLOSED, NULL, 0, r);
	tcp_conn_release(c);
}

/*
 * TIME_WAIT (RFC 9293 3.6): held for 2*MSL = params.time_wait_ms, unless the
 * instance already holds time_wait_max of them, then the connection goes at
 * once (Linux's "time wait bucket table overflow"). The application's part
 * ends here: it gets SL_TCP_EV_CLOSED now.
 */
void
tcp_enter_time_wait(struct sl_tcp_conn *c)
{
	struct sl_tcp *t = c->t;

	tcp_timer_cancel(c, TCP_T_RTX);
	tcp_timer_cancel(c, TCP_T_DELACK);
	if (t->time_wait >= t->p.time_wait_max) {
		t->st.tw_overflow++;
		if (c->flags & CF_ACK_NOW)
			tcp_send_ack(c);	/* the last ACK still goes */
		tcp_conn_finish(c, SL_TCP_CLOSE_NORMAL);
		return;
	}
	tcp_conn_set_state(c, SL_TCP_TIME_WAIT);
	tcp_timer_arm(t, c, TCP_T_LINGER, t->p.time_wait_ms);
	tcp_event(c, SL_TCP_EV_CLOSED, NULL, 0, SL_TCP_CLOSE_NORMAL);
}

struct sl_tcp_listener *
tcp_listener_find(struct sl_tcp *t, uint32_t addr, uint16_t port)
{
	struct sl_tcp_listener *any = NULL;

	for (uint32_t i = 0; i < t->p.max_listeners; i++) {
		struct sl_tcp_listener *l = &t->listeners[i];

		if (!l->used || l->port != port)
			continue;
		if (l->addr == addr)
			return l;
		if (l->addr == 0)
			any = l;
	}
	return any;
}

int
sl_tcp_listen(struct sl_tcp *t, uint32_t addr, uint16_t port, void *ctx)
{
	struct sl_tcp_listener *free_l = NULL;

	for (uint32_t i = 0; i < t->p.max_listeners; i++) {
		struct sl_tcp_listener *l = &t->listeners[i];

		if (l->used && l->port == port && l->addr == addr)
			return -EADDRINUSE;
		if (!l->used && free_l == NULL)
			free_l = l;
	}
	if (free_l == NULL)
		return -ENOSPC;
	free_l->addr = addr;
	free_l->port = port;
	free_l->ctx = ctx;
	free_l->used = 1;
	return 0;
}

int
sl_tcp_unlisten(struct sl_tcp *t, uint32_t addr, uint16_t port)
{
	for (uint32_t i = 0; i < t->p.max_listeners; i++) {
		struct sl_tcp_listener *l = &t->listeners[i];

		if (l->used && l->port == port && l->addr == addr) {
			l->used = 0;
			return 0;
		}
	}
	return -ENOENT;
}

static int
default_port(struct sl_tcp *t)
{
	int port = t->next_port;

	t->next_port = t->next_port >= t->p.eph_hi ? t->p.eph_lo : t->next_port + 1;
	return port;
}

/* Send-side and option defaults of a new connection (before negotiation). */
void
tcp_conn_init_snd(struct sl_tcp_conn *c)
{
	struct sl_tcp *t = c->t;

	c->rto = t->p.rto_init_ms;
	c->ssthresh = UINT32_MAX / 2;
	c->cwnd = TCP_INIT_CWND_SEGS * TCP_DEFAULT_MSS;
	c->rcv_ws = 0;
	c->snd_ws = 0;
}

int
sl_tcp_connect(struct sl_tcp *t, uint32_t laddr, uint32_t raddr, uint16_t rport, void *ctx,
	       struct sl_tcp_conn **out)
{
	struct sl_tcp_conn *c = NULL;
	struct tcp_key k;
	int port, rc;

	if (TAILQ_EMPTY(&t->free_list))
		return -ENOSPC;
	for (int tries = 0; tries < 64; tries++) {
		port = t->p.pick_port ? t->p.pick_port(t->p.pick_port_arg, laddr, raddr, rport)
				      : default_port(t);
		if (port <= 0 || port > 65535)
			return -EADDRNOTAVAIL;
		k.laddr = laddr;
		k.raddr = raddr;
		k.lport = (uint16_t)port;
		k.rport = rport;
		if (tcp_conn_lookup(t, &k) == NULL && tcp_listener_find(t, laddr, k.lport) == NULL) {
			c = tcp_conn_alloc(t, &k);
			break;
		}
	}
	if (c == NULL)
		return -EADDRNOTAVAIL;
	tcp_conn_init_snd(c);
	c->user = ctx;
	c->flags |= CF_ACCEPTED;
	if (t->p.flags & SL_TCP_F_WSCALE)
		c->rcv_ws = t->our_ws;
	c->iss = tcp_isn(t, &k);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	tcp_conn_set_state(c, SL_TCP_SYN_SENT);
	rc = tcp_send_syn(c);
	if (rc < 0) {
		tcp_conn_release(c);
		tcp_reap(t);
		return rc;
	}
	t->st.active_opens++;
	*out = c;
	return 0;
}

void
sl_tcp_poll(struct sl_tcp *t, uint64_t now_tsc)
{
	struct sl_tcp_conn *c;
	uint64_t tick;

	if (t->tsc_base == 0 && t->tick == 0)
		t->tsc_base = now_tsc ? now_tsc : 1;
	t->now_tsc = now_tsc;
	tick = now_tsc > t->tsc_base ? (now_tsc - t->tsc_base) / t->tick_cycles : 0;
	if (tick > t->tick)
		t->tick = tick;
	tcp_timer_run(t);
	/* Flush the ACKs sl_tcp_input() asked for (a data segment sent since
	 * then carried them already and cleared CF_ACK_NOW). */
	while ((c = TAILQ_FIRST(&t->ack_list)) != NULL) {
		TAILQ_REMOVE(&t->ack_list, c, alink);
		c->flags &= ~CF_ON_ACKLIST;
		if (c->flags & CF_ACK_NOW)
			tcp_send_ack(c);
	}
	tcp_reap(t);
}

static int
can_send_state(const struct sl_tcp_conn *c)
{
	switch (c->state) {
	case SL_TCP_SYN_SENT:
	case SL_TCP_SYN_RECEIVED:
	case SL_TCP_ESTABLISHED:
	case SL_TCP_CLOSE_WAIT:
		return !(c->flags & (CF_FIN_QUEUED | CF_DEAD));
	default:
		return 0;
	}
}

int
sl_tcp_send(struct sl_tcp_conn *c, struct rte_mbuf *chain)
{
	struct sl_tcp *t = c->t;
	struct rte_mbuf *m, *n;
	uint32_t len = 0;

	if (!can_send_state(c))
		return -EPIPE;
	for (m = chain; m != NULL; m = m->next)
		len += m->data_len;
	if (c->snd_q + len > t->p.snd_buf) {
		c->flags |= CF_WANT_SPACE;
		return -ENOBUFS;
	}
	for (m = chain; m != NULL; m = n) {
		n = m->next;
		m->next = NULL;
		if (m->data_len == 0) {
			rte_pktmbuf_free_seg(m);
			continue;
		}
		if (c->snd_tail != NULL)
			c->snd_tail->next = m;
		else
			c->snd_head = m;
		c->snd_tail = m;
	}
	c->snd_q += len;
	if (c->state == SL_TCP_ESTABLISHED || c->state == SL_TCP_CLOSE_WAIT)
		tcp_output(c);
	return 0;
}

void
sl_tcp_want_space(struct sl_tcp_conn *c)
{
	if (can_send_state(c))
		c->flags |= CF_WANT_SPACE;
}

uint32_t
sl_tcp_send_space(const struct sl_tcp_conn *c)
{
	if (!can_send_state(c))
		return 0;
	return c->t->p.snd_buf > c->snd_q ? c->t->p.snd_buf - c->snd_q : 0;
}

void
sl_tcp_consumed(struct sl_tcp_conn *c, uint32_t bytes)
{
	uint32_t cur, nw, thresh;

	if (c->flags & CF_DEAD)
		return;
	c->rcv_held = bytes >= c->rcv_held ? 0 : c->rcv_held - bytes;
	if (c->state != SL_TCP_ESTABLISHED && c->state != SL_TCP_FIN_WAIT_1 &&
	    c->state != SL_TCP_FIN_WAIT_2)
		return;
	/* Window update when the window opens "significantly" (RFC 9293
	 * 3.8.6.2.2, RFC 1122 4.2.3.3): by 2 segments or half the buffer, or
	 * from below one segment to at least one. */
	cur = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	nw = tcp_rcv_wnd_calc(c);
	thresh = RTE_MIN(c->t->p.rcv_buf / 2, 2u * c->t->our_mss);
	if (nw > cur && (nw - cur >= thresh || (cur < c->t->our_mss && nw >= c->t->our_mss)))
		tcp_send_ack(c);
}

int
sl_tcp_shutdown(struct sl_tcp_conn *c)
{
	if (!can_send_state(c))
		return -ENOTCONN;
	c->flags |= CF_FIN_QUEUED;
	if (c->state == SL_TCP_ESTABLISHED || c->state == SL_TCP_CLOSE_WAIT)
		tcp_output(c);
	return 0;
}

void
sl_tcp_close(struct sl_tcp_conn *c)
{
	struct sl_tcp *t = c->t;

	if (c->flags & CF_DEAD)
		return;
	c->flags |= CF_ORPHAN;
	c->user = NULL;
	switch (c->state) {
	case SL_TCP_SYN_SENT:
		/* RFC 9293 3.10.4: delete the TCB. */
		tcp_conn_release(c);
		return;
	case SL_TCP_SYN_RECEIVED:
	case SL_TCP_ESTABLISHED:
	case SL_TCP_CLOSE_WAIT:
		c->flags |= CF_FIN_QUEUED;
		if (c->state != SL_TCP_SYN_RECEIVED)
			tcp_output(c);
		return;
	case SL_TCP_FIN_WAIT_2:
		tcp_timer_arm(t, c, TCP_T_LINGER, t->p.fin_wait2_ms);
		return;
	default:
		return;
	}
}

void
sl_tcp_abort(struct sl_tcp_conn *c)
{
	if (c->flags & CF_DEAD)
		return;
	c->flags |= CF_ORPHAN;
	c->user = NULL;
	if (c->state != SL_TCP_SYN_SENT && c->state != SL_TCP_TIME_WAIT &&
	    c->state != SL_TCP_CLOSED)
		tcp_send_rst_conn(c);
	tcp_conn_release(c);
}

void *
sl_tcp_user(const struct sl_tcp_conn *c)
{
	return c->user;
}

void
sl_tcp_set_user(struct sl_tcp_conn *c, void *user)
{
	c->user = user;
}

enum sl_tcp_state
sl_tcp_conn_state(const struct sl_tcp_conn *c)
{
	return c->state;
}

void
sl_tcp_conn_get_info(const struct sl_tcp_conn *c, struct sl_tcp_conn_info *info)
{
	memset(info, 0, sizeof(*info));
	info->laddr = c->key.laddr;
	info->raddr = c->key.raddr;
	info->lport = c->key.lport;
	info->rport = c->key.rport;
	info->state = c->state;
	info->snd_una = c->snd_una;
	info->snd_nxt = c->snd_nxt;
	info->snd_wnd = c->snd_wnd;
	info->cwnd = c->cwnd;
	info->ssthresh = c->ssthresh;
	info->rcv_nxt = c->rcv_nxt;
	info->rcv_wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	info->srtt_us = c->srtt;
	info->rttvar_us = c->rttvar;
	info->rto_ms = c->rto;
	info->mss = c->mss;
	info->snd_queued = c->snd_q;
	info->rcv_held = c->rcv_held;
	info->retransmits = c->retransmits;
	info->snd_wscale = c->snd_ws;
	info->rcv_wscale = c->rcv_ws;
	info->sack = !!(c->flags & CF_SACK);
	info->timestamps = !!(c->flags & CF_TS);
}

int
sl_tcp_conn_next(const struct sl_tcp *t, uint32_t *pos, struct sl_tcp_conn_info *info)
{
	for (; *pos < t->p.max_conns; (*pos)++) {
		const struct sl_tcp_conn *c = &t->conns[*pos];

		if ((c->flags & CF_IN_HASH) && !(c->flags & CF_DEAD)) {
			sl_tcp_conn_get_info(c, info);
			(*pos)++;
			return 0;
		}
	}
	return -ENOENT;
}

const struct sl_tcp_stats *
sl_tcp_stats(const struct sl_tcp *t)
{
	return &t->st;
}

uint32_t
sl_tcp_conn_count(const struct sl_tcp *t)
{
	return t->nconns;
}
