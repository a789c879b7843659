/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic control on the request path (lib/limit does the GCRA and the
 * tables): the VIP's and then the route's rate limits decide each request
 * once its head is complete; a rejected one is answered here (429 or the
 * policy's status, Retry-After, RateLimit-Policy / RateLimit) and never
 * reaches a backend; a delayed one waits on this worker's delay heap, in no
 * one's way; a bandwidth policy paces what is relayed to the client.
 * Connection admission (new connections per second, connections per client)
 * is here too. docs/limits.md.
 */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "proxy_priv.h"

/* ---- the delay heap: a binary min-heap of clients by release time ------ */

static inline uint64_t
dh_key(const struct sl_proxy *px, uint32_t i)
{
	return px->clients[px->dheap[i]].delay_until;
}

static void
dh_swap(struct sl_proxy *px, uint32_t i, uint32_t j)
{
	uint32_t a = px->dheap[i], b = px->dheap[j];

	px->dheap[i] = b;
	px->dheap[j] = a;
	px->clients[b].dh_pos = i;
	px->clients[a].dh_pos = j;
}

static void
dh_up(struct sl_proxy *px, uint32_t i)
{
	while (i > 0 && dh_key(px, (i - 1) / 2) > dh_key(px, i)) {
		dh_swap(px, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
dh_down(struct sl_proxy *px, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < px->n_delayed && dh_key(px, l) < dh_key(px, m))
			m = l;
		if (r < px->n_delayed && dh_key(px, r) < dh_key(px, m))
			m = r;
		if (m == i)
			return;
		dh_swap(px, i, m);
		i = m;
	}
}

static void
dh_push(struct sl_proxy *px, struct px_client *c)
{
	uint32_t i = px->n_delayed++;

	px->dheap[i] = (uint32_t)(c - px->clients);
	c->dh_pos = i;
	dh_up(px, i);
}

void
px_limit_undelay(struct sl_proxy *px, struct px_client *c)
{
	uint32_t i = c->dh_pos, last;

	if (c->state != C_DELAY || i == PX_NONE)
		return;
	c->dh_pos = PX_NONE;
	last = --px->n_delayed;
	if (i != last) {
		px->dheap[i] = px->dheap[last];
		px->clients[px->dheap[i]].dh_pos = i;
		dh_down(px, i);
		dh_up(px, i);
	}
}

void
px_limit_poll(struct sl_proxy *px)
{
	while (px->n_delayed != 0 && dh_key(px, 0) <= px->now) {
		struct px_client *c = &px->clients[px->dheap[0]];

		px_limit_undelay(px, c);
		px_client_request_go(px, c);
	}
}

/* ---- request limits ------------------------------------------------------ */

/* The key bytes of policy @p lc for the current request: a missing header or cookie
 * counts against the client's address, as documented. */
static const void *
limit_key(const struct px_client *c, const struct sl_conf_limit *lc, char *buf, size_t size,
	  size_t *len)
{
	const char *v = NULL;

	switch (lc->key) {
	case SL_LIMIT_KEY_HEADER:
		v = px_request_header(c, lc->key_name, buf, size, len);
		break;
	case SL_LIMIT_KEY_COOKIE:
		v = px_request_cookie(c, lc->key_name, buf, size, len);
		break;
	case SL_LIMIT_KEY_VIP:
	case SL_LIMIT_KEY_CONNECTION:
		*len = 0;
		return NULL;
	case SL_LIMIT_KEY_CLIENT_IP:
	default:
		break;
	}
	if (v != NULL)
		return v;
	*len = sizeof(c->ip);
	return &c->ip;
}

static uint64_t
tsc_to_s_up(uint64_t tsc)
{
	uint64_t hz = rte_get_tsc_hz();

	return (tsc + hz - 1) / hz;
}

/*
 * Answer the current request with policy @p li's rejection. RateLimit-Policy
 * states the policy as configured (q requests per w seconds: its rate);
 * RateLimit the key's state: r requests it may make now, t seconds until its
 * budget is full again (draft-ietf-httpapi-ratelimit-headers-10).
 */
static void
limit_reject(struct sl_proxy *px, struct px_client *c, unsigned int li,
	     const struct sl_limit_verdict *v)
{
	const struct sl_conf_limit *lc = &px->conf->limits[li];
	char extra[512], detail[80];

	snprintf(extra, sizeof(extra),
		 "Retry-After: %" PRIu64 "\r\n"
		 "RateLimit-Policy: \"%s\";q=%" PRIu64 ";w=%" PRIu64 "\r\n"
		 "RateLimit: \"%s\";r=%" PRIu64 ";t=%" PRIu64 "\r\n",
		 RTE_MAX(tsc_to_s_up(v->retry_after_tsc), (uint64_t)1), lc->name, lc->rate.count,
		 (uint64_t)lc->rate.period_s, lc->name, v->remaining, tsc_to_s_up(v->reset_tsc));
	snprintf(detail, sizeof(detail), "rate limit %s", lc->name);
	px->limit_rejected++;
	px_client_local_reply(px, c, lc->status, detail, extra);
}

/* Pace this connection's response bytes by bandwidth policy @p li. */
static void
limit_bandwidth(struct px_client *c, const struct sl_conf_limit *lc, unsigned int li)
{
	char buf[256];
	const void *k;
	size_t len;

	if (c->bw_limit >= 0)
		return;	/* the first bandwidth policy of the request's lists applies */
	c->bw_limit = (int8_t)li;
	if (lc->key == SL_LIMIT_KEY_CONNECTION) {
		c->bw_key_len = 0;
		return;
	}
	k = limit_key(c, lc, buf, sizeof(buf), &len);
	len = RTE_MIN(len, sizeof(c->bw_key));
	if (k != NULL)
		memcpy(c->bw_key, k, len);
	c->bw_key_len = (uint8_t)len;
}

/* One list of policies. 0: passed (*delay the longest wait asked); -1: answered. */
static int
limit_list(struct sl_proxy *px, struct px_client *c, const uint8_t *idx, unsigned int n,
	   uint64_t *delay)
{
	for (unsigned int i = 0; i < n; i++) {
		unsigned int li = idx[i];
		const struct sl_conf_limit *lc = &px->conf->limits[li];
		struct sl_limit *l = px->shared->limits[li];
		struct sl_limit_verdict v;
		char buf[1024];
		const void *k;
		size_t len;
		int rc;

		if (l == NULL)
			continue;
		if (lc->kind == SL_LIMIT_BANDWIDTH) {
			limit_bandwidth(c, lc, li);
			continue;
		}
		k = limit_key(c, lc, buf, sizeof(buf), &len);
		rc = sl_limit_decide(l, k, len, 1, px->now, &v);
		if (rc == SL_LIMIT_REJECTED) {
			limit_reject(px, c, li, &v);
			return -1;
		}
		if (rc == SL_LIMIT_DELAYED && v.delay_tsc > *delay)
			*delay = v.delay_tsc;
	}
	return 0;
}

int
px_limit_request(struct sl_proxy *px, struct px_client *c, const struct sl_conf_route *route)
{
	uint64_t delay = 0;

	c->bw_limit = -1;
	if (px->shared == NULL)
		return 0;
	if (c->conn_over) {
		/* Over max_conns_per_client since its accept: told so on its first request. */
		px->conn_over_answered++;
		c->close_after = true;
		px_client_local_reply(px, c, 429, "too many connections from this address",
				      "Retry-After: 1\r\n");
		return -1;
	}
	if (limit_list(px, c, c->vip->limits, c->vip->n_limits, &delay) < 0)
		return -1;
	if (route != NULL && limit_list(px, c, route->limits, route->n_limits, &delay) < 0)
		return -1;
	if (delay == 0)
		return 0;
	/* Throttled: wait on the heap, then go on where client_request_head left off. */
	c->state = C_DELAY;
	c->delay_until = px->now + delay;
	px->limit_delayed++;
	px_timer_stop(&c->tm);
	dh_push(px, c);
	return 1;
}

/* ---- bandwidth by policy -------------------------------------------------- */

/* What policy c->bw_limit grants of want now (want when it cannot decide). */
static uint64_t
limit_policy_room(struct sl_proxy *px, struct px_client *c, uint64_t want)
{
	struct sl_limit *l = px->shared->limits[c->bw_limit];
	uint64_t granted = 0, wait = 0;
	int rc;

	if (c->bw_key_len == 0 && px->conf->limits[c->bw_limit].key == SL_LIMIT_KEY_CONNECTION)
		rc = sl_limit_state_take(l, &c->bw_state, want, 1, px->now, &granted, &wait);
	else
		rc = sl_limit_take(l, c->bw_key, c->bw_key_len, want, 1, px->now, &granted, &wait);
	return rc == 0 ? granted : want;	/* a key the policy cannot take: counted as errors */
}

uint32_t
px_limit_room(struct sl_proxy *px, struct px_client *c, uint32_t want, bool *paced)
{
	uint64_t g = want;

	if (px->shared == NULL || want == 0)
		return want;
	if (c->bw_limit >= 0)
		g = limit_policy_room(px, c, g);
	if (g != 0 && c->vip->bandwidth_bps != 0) {
		/* [vip] bandwidth: the VIP's rate on this connection's own state. */
		struct sl_limit *l = px->shared->vips[c->vip_idx].bandwidth;
		uint64_t granted, wait;

		if (l != NULL && sl_limit_state_take(l, &c->vbw_state, g, 1, px->now, &granted,
						     &wait) == 0)
			g = granted;
	}
	if (g == 0) {
		*paced = true;
		if (c->pace.kind == PX_T_NONE)
			px_timer_arm(px, &c->pace, PX_T_PACE);
	}
	return (uint32_t)g;
}

/* ---- connection admission ------------------------------------------------ */

bool
sl_proxy_syn_admit(struct sl_proxy *px, const struct sl_conf_vip *vip, uint32_t raddr)
{
	struct sl_proxy_vip_shared *vs;
	struct sl_limit_verdict v;

	(void)raddr;
	if (px == NULL || px->shared == NULL || vip < px->conf->vips ||
	    vip >= px->conf->vips + px->conf->n_vips)
		return true;
	vs = &px->shared->vips[vip - px->conf->vips];
	if (vs->new_conns == NULL)
		return true;
	if (sl_limit_decide(vs->new_conns, NULL, 0, 1, rte_rdtsc(), &v) == SL_LIMIT_REJECTED) {
		__atomic_fetch_add(&vs->syn_limited, 1, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

void
px_limit_accept(struct sl_proxy *px, struct px_client *c)
{
	struct sl_proxy_vip_shared *vs;
	int rc;

	c->conn_over = false;
	c->conn_counted = false;
	if (px->shared == NULL || c->vip->max_conns_per_client == 0)
		return;
	vs = &px->shared->vips[c->vip_idx];
	if (vs->per_client == NULL)
		return;
	rc = sl_limit_conn_acquire(vs->per_client, c->ip, c->vip->max_conns_per_client);
	if (rc == 0)
		c->conn_counted = true;
	else if (rc == -EBUSY) {
		c->conn_over = true;
		__atomic_fetch_add(&vs->conn_over, 1, __ATOMIC_RELAXED);
	}
}

void
px_limit_close(struct sl_proxy *px, struct px_client *c)
{
	if (c->conn_counted) {
		sl_limit_conn_release(px->shared->vips[c->vip_idx].per_client, c->ip);
		c->conn_counted = false;
	}
}
