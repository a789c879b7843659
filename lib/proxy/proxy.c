/* SPDX-License-Identifier: BSD-3-Clause */
/* Proxy life cycle, accept, event dispatch, timeout queues and counters. */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "proxy_priv.h"

RTE_LOG_REGISTER_SUFFIX(sl_proxy_logtype, proxy, INFO);

static const unsigned int err_codes[SL_PROXY_ERR__MAX] = {
#define SL_PROXY_ERR_CODE(code) code,
	SL_PROXY_ERRORS(SL_PROXY_ERR_CODE)
#undef SL_PROXY_ERR_CODE
};

unsigned int
sl_proxy_err_code(enum sl_proxy_err e)
{
	return (unsigned int)e < SL_PROXY_ERR__MAX ? err_codes[e] : 500;
}

/* --- timeout queues --------------------------------------------------- */

void
px_timer_stop(struct px_timer *t)
{
	if (t->kind == PX_T_NONE)
		return;
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->kind = PX_T_NONE;
}

void
px_timer_arm(struct sl_proxy *px, struct px_timer *t, enum px_tmo kind)
{
	struct px_timer *q = &px->queues[kind];

	px_timer_stop(t);
	t->kind = (uint8_t)kind;
	t->deadline = px->now + px->tmo_tsc[kind];
	t->prev = q->prev;
	t->next = q;
	q->prev->next = t;
	q->prev = t;
}

static bool
owns_client(const struct sl_proxy *px, const void *p)
{
	return (const char *)p >= (const char *)px->clients &&
	       (const char *)p < (const char *)(px->clients + px->max_clients);
}

static bool
owns_bconn(const struct sl_proxy *px, const void *p)
{
	return (const char *)p >= (const char *)px->bconns &&
	       (const char *)p < (const char *)(px->bconns + px->max_bconns);
}

bool
sl_proxy_owns(const struct sl_proxy *px, const void *user)
{
	return px != NULL && user != NULL && (owns_client(px, user) || owns_bconn(px, user));
}

void
sl_proxy_poll(struct sl_proxy *px, uint64_t now)
{
	px->now = now;
	if (px->n_waiting != 0)
		px_backend_kick(px);
	if (px->n_delayed != 0)
		px_limit_poll(px);
	if (now < px->next_check)
		return;
	/* Timeouts are coarse: look at the queues every millisecond at most. */
	px->next_check = now + px->tmo_tsc[PX_T_NONE];
	for (unsigned int k = PX_T_NONE + 1; k < PX_T__MAX; k++) {
		struct px_timer *q = &px->queues[k];

		while (q->next != q && q->next->deadline <= now) {
			struct px_timer *t = q->next;

			px_timer_stop(t);
			if (k == PX_T_PACE)
				px_client_pace_timeout(px, container_of(t, struct px_client, pace));
			else if (owns_client(px, t))
				px_client_timeout(px, (struct px_client *)t, (enum px_tmo)k);
			else
				px_backend_timeout(px, (struct px_bconn *)t, (enum px_tmo)k);
		}
	}
}

/* --- counters ----------------------------------------------------------- */

void
px_count_response(struct sl_proxy *px, struct px_client *c, unsigned int code)
{
	px->vstats[c->vip_idx].responses[RTE_MIN(code / 100, 5u)]++;
}

const struct sl_proxy_vip_stats *
sl_proxy_vip_stats(const struct sl_proxy *px, uint16_t vip)
{
	return &px->vstats[vip];
}

void
sl_proxy_shed_stats(const struct sl_proxy *px, struct sl_proxy_shed_stats *s)
{
	*s = px->shed;
	s->limited = px->limit_rejected;
	s->delayed = px->limit_delayed;
	s->delayed_now = px->n_delayed;
	s->conn_over = px->conn_over_answered;
}

const struct sl_proxy_backend_stats *
sl_proxy_backend_stats(const struct sl_proxy *px, uint16_t backend)
{
	return &px->bstats[backend];
}

/* --- accept and events ---------------------------------------------------- */

void
sl_proxy_accept(struct sl_proxy *px, struct sl_tcp_conn *conn, const struct sl_conf_vip *vip)
{
	uint16_t vi = (uint16_t)(vip - px->conf->vips);
	struct sl_proxy_vip_stats *vs = &px->vstats[vi];
	struct sl_tcp_conn_info info;
	struct px_client *c;

	if (px->client_free == PX_NONE) {
		sl_tcp_abort(conn);
		return;
	}
	if (vip->max_conns != 0) {
		/* All workers together when the VIP's count is shared. */
		if (px->shared != NULL) {
			uint32_t *n = &px->shared->vips[vi].conns;

			if (__atomic_fetch_add(n, 1, __ATOMIC_RELAXED) >= vip->max_conns) {
				__atomic_fetch_sub(n, 1, __ATOMIC_RELAXED);
				__atomic_fetch_add(&px->shared->vips[vi].conn_refused, 1,
						   __ATOMIC_RELAXED);
				sl_tcp_abort(conn);
				return;
			}
		} else if (vs->active >= vip->max_conns) {
			sl_tcp_abort(conn);
			return;
		}
	}
	c = &px->clients[px->client_free];
	px->client_free = c->next_free;
	memset(c, 0, offsetof(struct px_client, req));
	c->conn = conn;
	c->vip = vip;
	c->vip_idx = vi;
	c->state = C_IDLE;
	c->backend = -1;
	c->aff_had = c->set_cookie = -1;
	c->dh_pos = PX_NONE;
	c->bw_limit = -1;
	sl_limit_state_init(&c->bw_state, px->now);
	sl_limit_state_init(&c->vbw_state, px->now);
	sl_tcp_conn_get_info(conn, &info);
	c->ip = info.raddr;
	c->port = info.rport;
	vs->conns++;
	vs->active++;
	px_limit_accept(px, c);
	sl_tcp_set_user(conn, c);
	/* Until the first request's head is complete, the header timeout runs. */
	px_timer_arm(px, &c->tm, PX_T_CLIENT_HEAD);
}

void
sl_proxy_event(struct sl_proxy *px, const struct sl_tcp_event *ev)
{
	if (owns_client(px, ev->user)) {
		struct px_client *c = ev->user;

		if (c->state == C_FREE) {
			if (ev->type == SL_TCP_EV_DATA)
				rte_pktmbuf_free(ev->data.m);
			return;
		}
		px_client_event(px, c, ev);
	} else {
		struct px_bconn *b = ev->user;

		if (b->state == B_FREE) {
			if (ev->type == SL_TCP_EV_DATA)
				rte_pktmbuf_free(ev->data.m);
			return;
		}
		px_backend_event(px, b, ev);
	}
}

/* --- life cycle ----------------------------------------------------------- */

struct sl_proxy *
sl_proxy_create(const struct sl_proxy_params *pp)
{
	const struct sl_conf_http *hc = &pp->conf->http;
	uint64_t ms = rte_get_tsc_hz() / 1000;
	struct sl_proxy *px;
	uint32_t i;

	px = rte_zmalloc_socket("sl_proxy", sizeof(*px), RTE_CACHE_LINE_SIZE, pp->socket_id);
	if (px == NULL)
		goto nomem;
	px->conf = pp->conf;
	px->lb = pp->lb;
	px->net = pp->net;
	px->shared = pp->shared;
	px->shed_p = pp->shed;
	px->tcp = pp->tcp;
	px->pool = pp->pool;
	px->worker_id = pp->worker_id;
	px->max_clients = pp->max_clients;
	px->max_bconns = pp->max_backend_conns;
	if (sl_lb_worker_init(&px->lw, pp->lb, pp->socket_id) != 0)
		goto nomem;
	for (i = 0; i < PX_T__MAX; i++)
		px->queues[i].prev = px->queues[i].next = &px->queues[i];
	px->tmo_tsc[PX_T_NONE] = ms;	/* how often the queues are looked at */
	px->tmo_tsc[PX_T_CLIENT_HEAD] = ms * hc->client_header_timeout_ms;
	px->tmo_tsc[PX_T_CLIENT_IDLE] = ms * hc->client_idle_timeout_ms;
	px->tmo_tsc[PX_T_CLIENT_BODY] = ms * hc->client_body_timeout_ms;
	px->tmo_tsc[PX_T_BACKEND_CONNECT] = ms * hc->backend_connect_timeout_ms;
	px->tmo_tsc[PX_T_BACKEND_RESPONSE] = ms * hc->backend_response_timeout_ms;
	px->tmo_tsc[PX_T_BACKEND_IDLE] = ms * hc->backend_idle_timeout_ms;
	px->tmo_tsc[PX_T_QUEUE] = ms * (pp->shed.max_queue_ms != 0 ?
					pp->shed.max_queue_ms :
					hc->backend_connect_timeout_ms);
	px->tmo_tsc[PX_T_PACE] = ms;
	px->req_limits = (struct sl_http_limits){
		.max_line = hc->max_request_line,
		.max_head = hc->max_header_bytes,
		.max_headers = RTE_MIN(hc->max_headers, (uint32_t)SL_HTTP_MAX_HEADERS),
		.max_body = hc->max_body,
	};
	/* Responses: the same header limits, any body size. */
	px->resp_limits = px->req_limits;
	px->resp_limits.max_body = 0;
	px->resp_limits.max_headers = SL_HTTP_MAX_HEADERS;

	px->clients = rte_zmalloc_socket("sl_px_clients", sizeof(*px->clients) * px->max_clients,
					 RTE_CACHE_LINE_SIZE, pp->socket_id);
	px->bconns = rte_zmalloc_socket("sl_px_bconns", sizeof(*px->bconns) * px->max_bconns,
					RTE_CACHE_LINE_SIZE, pp->socket_id);
	/* Every backend slot: backends added at run time take slots past n_backends. */
	px->brt = rte_zmalloc_socket("sl_px_brt", sizeof(*px->brt) * SL_BACKENDS_MAX, 0,
				     pp->socket_id);
	px->bstats = rte_zmalloc_socket("sl_px_bstats", sizeof(*px->bstats) * SL_BACKENDS_MAX,
					RTE_CACHE_LINE_SIZE, pp->socket_id);
	px->dheap = rte_malloc_socket("sl_px_dheap", sizeof(*px->dheap) * (px->max_clients + 1), 0,
				      pp->socket_id);
	if (px->clients == NULL || px->bconns == NULL || px->brt == NULL || px->bstats == NULL ||
	    px->dheap == NULL)
		goto nomem;
	for (i = 0; i < px->max_clients; i++)
		px->clients[i].next_free = i + 1 < px->max_clients ? i + 1 : PX_NONE;
	for (i = 0; i < px->max_bconns; i++)
		px->bconns[i].next_free = i + 1 < px->max_bconns ? i + 1 : PX_NONE;
	px->client_free = px->max_clients != 0 ? 0 : PX_NONE;
	px->bconn_free = px->max_bconns != 0 ? 0 : PX_NONE;
	for (i = 0; i < pp->lb->n_backends; i++) {
		uint16_t iface;
		rte_be32_t nh;

		px->brt[i].gen = pp->lb->backends[i].gen;
		if (sl_net_route(pp->net, pp->lb->backends[i].addr, &iface, &nh) == 0)
			px->brt[i].laddr = pp->net->ifaces[iface].addr;
		else if (pp->lb->backends[i].used)
			PXLOG(WARNING, "backend %s: no route to it from any port",
			      pp->lb->backends[i].name);
	}
	return px;
nomem:
	sl_proxy_destroy(px);
	rte_errno = ENOMEM;
	return NULL;
}

void
sl_proxy_destroy(struct sl_proxy *px)
{
	uint32_t i;

	if (px == NULL)
		return;
	/* Connections go with the TCP instance; free what the records hold. */
	for (i = 0; px->clients != NULL && i < px->max_clients; i++) {
		rte_pktmbuf_free(px->clients[i].in);
		rte_pktmbuf_free(px->clients[i].out);
	}
	for (i = 0; px->bconns != NULL && i < px->max_bconns; i++) {
		rte_pktmbuf_free(px->bconns[i].in);
		rte_pktmbuf_free(px->bconns[i].out);
	}
	sl_lb_worker_fini(&px->lw);
	rte_free(px->clients);
	rte_free(px->bconns);
	rte_free(px->brt);
	rte_free(px->bstats);
	rte_free(px->dheap);
	rte_free(px);
}
