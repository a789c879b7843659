/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend side: connections this worker opens to backends, kept in a
 * per-backend pool of idle keep-alive connections (most recently used first,
 * so the least used ones reach backend_idle_timeout and close), responses
 * parsed and relayed to the client as fast as the client takes them.
 *
 * A pooled connection may be closed by the backend at any moment (its own
 * keep-alive timeout). A request sent on one that then fails before any
 * response byte is re-sent on a new connection when that is safe: the request
 * is idempotent (RFC 9110 9.2.2), has no body, and its head is still held
 * (px_client_may_retry). Anything else gets a 502.
 */
#include <string.h>

#include "proxy_priv.h"

static struct px_bconn *
bconn_alloc(struct sl_proxy *px)
{
	struct px_bconn *b;

	if (px->bconn_free == PX_NONE)
		return NULL;
	b = &px->bconns[px->bconn_free];
	px->bconn_free = b->next_free;
	memset(b, 0, offsetof(struct px_bconn, resp));
	return b;
}

static void
idle_remove(struct sl_proxy *px, struct px_bconn *b)
{
	struct px_backend_rt *rt = &px->brt[b->backend];
	struct px_bconn **pp;

	for (pp = &rt->idle; *pp != NULL; pp = &(*pp)->idle_next)
		if (*pp == b) {
			*pp = b->idle_next;
			rt->n_idle--;
			px->bstats[b->backend].idle--;
			break;
		}
	b->idle_next = NULL;
}

static void
bconn_free(struct sl_proxy *px, struct px_bconn *b)
{
	if (b->state == B_IDLE)
		idle_remove(px, b);
	px_timer_stop(&b->tm);
	rte_pktmbuf_free(b->in);
	rte_pktmbuf_free(b->out);
	b->in = b->out = NULL;
	b->state = B_FREE;
	b->c = NULL;
	b->conn = NULL;
	px->bstats[b->backend].active--;
	b->next_free = px->bconn_free;
	px->bconn_free = (uint32_t)(b - px->bconns);
}

void
px_bconn_close(struct sl_proxy *px, struct px_bconn *b, bool abort)
{
	if (b->conn != NULL) {
		if (abort)
			sl_tcp_abort(b->conn);
		else
			sl_tcp_close(b->conn);
	}
	bconn_free(px, b);
}

static void
bconn_release(struct px_bconn *b, uint32_t n)
{
	if (n != 0 && b->conn != NULL)
		sl_tcp_consumed(b->conn, n);
}

void
px_backend_send(struct sl_proxy *px, struct px_bconn *b, struct rte_mbuf *m)
{
	px_chain_append(&b->out, m);
	while (b->out != NULL && b->conn != NULL) {
		uint32_t space = sl_tcp_send_space(b->conn), n;
		struct rte_mbuf *part;

		if (space == 0) {
			sl_tcp_want_space(b->conn);
			return;
		}
		n = RTE_MIN(space, b->out->pkt_len);
		part = px_chain_split(px->pool, &b->out, n);
		if (part == NULL)
			return;
		if (sl_tcp_send(b->conn, part) != 0) {
			px_chain_append(&part, b->out);
			b->out = part;
			sl_tcp_want_space(b->conn);
			return;
		}
	}
}

/* Put b in its backend's pool, or close it when the pool is full. */
static void
bconn_park(struct sl_proxy *px, struct px_bconn *b)
{
	struct px_backend_rt *rt = &px->brt[b->backend];

	if (rt->n_idle >= px->conf->http.max_idle_per_backend || b->conn == NULL) {
		px_bconn_close(px, b, false);
		return;
	}
	b->state = B_IDLE;
	b->c = NULL;
	b->reused = true;
	b->got_bytes = false;
	b->head_done = false;
	b->idle_next = rt->idle;
	rt->idle = b;
	rt->n_idle++;
	px->bstats[b->backend].idle++;
	px_timer_arm(px, &b->tm, PX_T_BACKEND_IDLE);
}

void
px_backend_detach(struct sl_proxy *px, struct px_bconn *b, bool reusable)
{
	b->c = NULL;
	if (reusable && b->state == B_BUSY && b->in == NULL && b->out == NULL && !b->peer_fin) {
		bconn_park(px, b);
		return;
	}
	if (b->state == B_CONNECTING && b->conn != NULL) {
		/* Let the handshake finish: the connection may serve the next request. */
		return;
	}
	/* Mid-message: the backend must not take the next request as this one's rest. */
	px_bconn_close(px, b, !reusable);
}

/* Assign b to c and send c's request. */
static void
bconn_start_request(struct sl_proxy *px, struct px_bconn *b, struct px_client *c)
{
	b->state = B_BUSY;
	b->c = c;
	b->got_bytes = false;
	b->head_done = false;
	c->b = b;
	px->bstats[b->backend].requests++;
	sl_http_parser_init(&b->resp, SL_HTTP_RESPONSE, c->req.method, &px->resp_limits);
	px_client_send_head(px, c, b);
	if (c->b != b)
		return;	/* the head could not be built: the client was answered */
	if (c->req_done)
		px_timer_arm(px, &b->tm, PX_T_BACKEND_RESPONSE);
	else
		px_timer_stop(&b->tm);
	px_client_process(px, c);
}

/* Connections this worker may open to backend k: its max_conns (config backends only). */
static uint32_t
backend_max_conns(const struct sl_proxy *px, int k)
{
	const struct sl_config *conf = px->conf;

	if (k >= conf->n_backends || conf->backends[k].max_conns == 0 ||
	    strcmp(conf->backends[k].name, px->lb->backends[k].name) != 0)
		return 0;
	return conf->backends[k].max_conns;
}

static void
enqueue(struct sl_proxy *px, struct px_client *c, int k)
{
	struct px_backend_rt *rt = &px->brt[k];

	c->queued = true;
	c->q_backend = (uint16_t)k;
	c->q_since = px->now;
	c->wq_next = NULL;
	c->wq_prev = rt->wq_tail;
	if (rt->wq_tail != NULL)
		rt->wq_tail->wq_next = c;
	else
		rt->wq_head = c;
	rt->wq_tail = c;
	rt->n_wait++;
	px->n_waiting++;
	px->shed.waiting = px->n_waiting;
	px->shed.queued++;
	px_timer_arm(px, &c->tm, PX_T_QUEUE);
}

void
px_backend_unqueue(struct sl_proxy *px, struct px_client *c)
{
	struct px_backend_rt *rt;
	uint64_t us;

	if (!c->queued)
		return;
	rt = &px->brt[c->q_backend];
	if (c->wq_prev != NULL)
		c->wq_prev->wq_next = c->wq_next;
	else
		rt->wq_head = c->wq_next;
	if (c->wq_next != NULL)
		c->wq_next->wq_prev = c->wq_prev;
	else
		rt->wq_tail = c->wq_prev;
	c->wq_next = c->wq_prev = NULL;
	c->queued = false;
	rt->n_wait--;
	px->n_waiting--;
	px->shed.waiting = px->n_waiting;
	us = (px->now - c->q_since) * 1000000 / rte_get_tsc_hz();
	if (us > px->shed.wait_max_us)
		px->shed.wait_max_us = us;
	if (c->tm.kind == PX_T_QUEUE)
		px_timer_stop(&c->tm);
}

/* Start c's request on backend k: a pooled connection, a new one, or k's queue. */
static int
backend_go(struct sl_proxy *px, struct px_client *c, int k)
{
	struct px_backend_rt *rt = &px->brt[k];
	struct px_bconn *b;
	struct sl_tcp_conn *conn;
	uint32_t max;
	int rc;

	if (rt->gen != px->lb->backends[k].gen || rt->laddr == 0) {
		/* A new backend in this slot: its pooled connections are another's. */
		uint16_t iface;
		rte_be32_t nh;

		while ((b = rt->idle) != NULL) {
			idle_remove(px, b);
			b->state = B_BUSY;
			px_bconn_close(px, b, false);
		}
		rt->gen = px->lb->backends[k].gen;
		if (sl_net_route(px->net, px->lb->backends[k].addr, &iface, &nh) == 0)
			rt->laddr = px->net->ifaces[iface].addr;
	}
	/* A pooled connection the backend has not closed yet. */
	while ((b = rt->idle) != NULL) {
		idle_remove(px, b);
		px_timer_stop(&b->tm);
		if (b->conn != NULL && !b->peer_fin &&
		    sl_tcp_conn_state(b->conn) == SL_TCP_ESTABLISHED) {
			px->bstats[k].reused++;
			b->state = B_BUSY;
			bconn_start_request(px, b, c);
			return 0;
		}
		b->state = B_BUSY;
		px_bconn_close(px, b, false);
	}
	max = backend_max_conns(px, k);
	if (max != 0 && px->bstats[k].active >= max) {
		/* Every connection this worker may open to k is busy: wait for one. */
		const struct sl_proxy_shed_params *sh = &px->shed_p;

		if (sh->max_queue != 0 && px->n_waiting >= sh->max_queue) {
			px->shed.shed_queue++;
			px_client_error(px, c, SL_PROXY_ERR_503, "overloaded: backend queue full");
			return -1;
		}
		enqueue(px, c, k);
		return 0;
	}
	b = bconn_alloc(px);
	if (b == NULL) {
		px_client_error(px, c, SL_PROXY_ERR_503, "too many backend connections");
		return -1;
	}
	b->backend = (uint16_t)k;
	b->state = B_CONNECTING;
	b->c = c;
	c->b = b;
	px->bstats[k].active++;
	px->bstats[k].connects++;
	rc = sl_tcp_connect(px->tcp, rt->laddr, px->lb->backends[k].addr, px->lb->backends[k].port,
			    b, &conn);
	if (rc != 0) {
		px->bstats[k].connect_fail++;
		c->b = NULL;
		bconn_free(px, b);
		px_client_error(px, c, SL_PROXY_ERR_503, "cannot open a backend connection");
		return -1;
	}
	b->conn = conn;
	px_timer_arm(px, &b->tm, PX_T_BACKEND_CONNECT);
	return 0;
}

int
px_backend_start(struct sl_proxy *px, struct px_client *c, int avoid)
{
	const struct sl_lb_pool *pool = &px->lb->pools[c->pool];
	int k;

	k = px_affinity_pick(px, c, avoid);
	if (k < 0)
		k = sl_lb_pick(pool, &px->lw, px_request_key(px, c, pool), avoid);
	if (k < 0) {
		px_client_error(px, c, SL_PROXY_ERR_503, "no backend available");
		return -1;
	}
	k = px_affinity_record(px, c, k, avoid);
	/* Counted in flight in the same iteration as the pick (leastconn, deletion). */
	sl_lb_backend_acquire((struct sl_lb_backend *)&px->lb->backends[k]);
	c->acquired = true;
	c->backend = k;
	return backend_go(px, c, k);
}

void
px_backend_kick(struct sl_proxy *px)
{
	uint16_t n = __atomic_load_n(&px->lb->n_backends, __ATOMIC_ACQUIRE);

	for (uint16_t k = 0; k < n && px->n_waiting != 0; k++) {
		struct px_backend_rt *rt = &px->brt[k];

		while (rt->n_wait != 0) {
			uint32_t max = backend_max_conns(px, k);
			struct px_client *c;

			if (rt->idle == NULL && max != 0 && px->bstats[k].active >= max)
				break;
			c = rt->wq_head;
			px_backend_unqueue(px, c);
			backend_go(px, c, k);
			if (c->queued)
				break;	/* the pooled one was dead and no room: queued again */
		}
	}
}

void
px_backend_flush_to_client(struct sl_proxy *px, struct px_bconn *b)
{
	struct px_client *c = b->c;

	while (c != NULL && b->head_done) {
		bool paced = false;
		uint32_t space, used = 0;
		struct rte_mbuf *part;
		int rc;

		if (b->state == B_TUNNEL) {
			if (b->in == NULL && b->peer_fin && !b->fin_relayed && c->out == NULL &&
			    c->conn != NULL) {
				/* Everything relayed (paced or held back): now pass the FIN on. */
				b->fin_relayed = true;
				sl_tcp_shutdown(c->conn);
			}
			if (b->in == NULL || c->out != NULL)
				return;
			space = px_client_room(px, c, b->in_len, &paced);
			used = RTE_MIN(space, b->in_len);
			if (used == 0) {
				if (!paced)
					sl_tcp_want_space(c->conn);
				return;
			}
			part = px_chain_split(px->pool, &b->in, used);
			if (part == NULL)
				return;
			b->in_len -= used;
			b->parsed = b->in_len;
			px_client_send(px, c, part);
			bconn_release(b, used);
			continue;
		}
		if (b->parsed == b->in_len && b->resp.framing != SL_HTTP_BODY_NONE &&
		    !b->peer_fin)
			return;	/* wait for more */
		if (c->out == NULL) {
			space = px_client_room(px, c, b->in_len - b->parsed, &paced);
		} else if (c->corked) {
			/* The head waits in c->out: the body may fill the rest of the room. */
			space = px_client_room(px, c, b->in_len - b->parsed + c->out->pkt_len, &paced);
			space = space > c->out->pkt_len ? space - c->out->pkt_len : 0;
		} else {
			space = 0;
		}
		if (space == 0 && b->parsed != b->in_len) {
			/* Waiting on the client (or its pacing), not the backend: no response timeout. */
			px_timer_stop(&b->tm);
			if (!paced)
				sl_tcp_want_space(c->conn);
			return;
		}
		if (b->parsed == b->in_len && b->resp.framing != SL_HTTP_BODY_NONE) {
			/* Everything relayed and the backend closed: a close-delimited end? */
			rc = sl_http_parse_eof(&b->resp);
			if (rc == SL_HTTP_DONE) {
				c->close_after = true;
				px_client_response_done(px, c, false);
			} else {
				px->bstats[b->backend].resets++;
				px_client_error(px, c, SL_PROXY_ERR_502, "response truncated");
			}
			return;
		}
		rc = px_chain_parse(&b->resp, b->in, b->parsed, space, &used);
		if (rc < 0) {
			px_client_error(px, c, SL_PROXY_ERR_502, b->resp.reason);
			return;
		}
		b->parsed += used;
		if (used != 0) {
			part = px_chain_split(px->pool, &b->in, used);
			if (part == NULL)
				return;
			b->in_len -= used;
			b->parsed -= used;
			px_client_send(px, c, part);
			bconn_release(b, used);
			if (rc != SL_HTTP_DONE)
				px_timer_arm(px, &b->tm, PX_T_BACKEND_RESPONSE);
		}
		if (rc == SL_HTTP_DONE) {
			bool reusable = b->resp.keep_alive && b->in == NULL && !b->peer_fin;

			px_timer_stop(&b->tm);
			px_client_response_done(px, c, reusable);
			return;
		}
	}
}

/* Parse the response head in b->in and relay it; then the body. */
void
px_backend_process(struct sl_proxy *px, struct px_bconn *b)
{
	struct px_client *c = b->c;

	while (c != NULL && !b->head_done) {
		uint32_t used = 0, head_len;
		struct rte_mbuf *head;
		int rc;

		rc = px_chain_parse(&b->resp, b->in, b->parsed, b->in_len - b->parsed, &used);
		b->parsed += used;
		if (rc < 0) {
			px_client_error(px, c, SL_PROXY_ERR_502, b->resp.reason);
			return;
		}
		if (rc == SL_HTTP_AGAIN)
			break;	/* a 1xx may be corked: pushed below */
		px_client_response_started(px, c);
		head = px_response_head(px, c, b);
		if (head == NULL) {
			px_client_error(px, c, SL_PROXY_ERR_502, "out of buffers");
			return;
		}
		c->resp_started = true;
		/* Held until the body bytes that came with it join it: one send, one segment. */
		c->corked = true;
		px_client_send(px, c, head);
		head_len = b->resp.head_len;
		px_chain_trim(&b->in, head_len);
		b->in_len -= head_len;
		b->parsed -= head_len;
		bconn_release(b, head_len);
		if (b->resp.code < 200 && b->resp.code != 101) {
			/* 1xx: relayed; the final response follows on the same connection. */
			sl_http_parser_init(&b->resp, SL_HTTP_RESPONSE, c->req.method,
					    &px->resp_limits);
			continue;
		}
		px_count_response(px, c, b->resp.code);
		px->bstats[b->backend].responses[RTE_MIN((unsigned int)b->resp.code / 100, 5u)]++;
		b->head_done = true;
		if (b->resp.upgrade) {
			/* 101, or 2xx to CONNECT: a byte tunnel from here on. */
			b->state = B_TUNNEL;
			c->state = C_TUNNEL;
			px_client_inflight_end(px, c);
			px_timer_stop(&b->tm);
			px_timer_stop(&c->tm);
			px_client_process(px, c);
		}
	}
	if (c != NULL) {
		px_backend_flush_to_client(px, b);
		/* Still ours (not answered, not closed by the flush): push the head and body. */
		if (c->state != C_FREE && c->corked) {
			px_client_uncork(px, c);
			/* A tunnel's first bytes wait behind a corked 101: relay them now. */
			if (b->state == B_TUNNEL && b->c == c && b->in != NULL)
				px_backend_flush_to_client(px, b);
		}
	}
}

void
px_backend_timeout(struct sl_proxy *px, struct px_bconn *b, enum px_tmo kind)
{
	struct px_client *c = b->c;

	switch (kind) {
	case PX_T_BACKEND_IDLE:
		px_bconn_close(px, b, false);
		return;
	case PX_T_BACKEND_CONNECT:
		px->bstats[b->backend].connect_fail++;
		if (c != NULL)
			c->b = NULL;
		px_bconn_close(px, b, true);
		/* Nothing was sent: any request may go to another backend. */
		if (c != NULL)
			px_client_backend_failed(px, c, true, SL_PROXY_ERR_504);
		return;
	case PX_T_BACKEND_RESPONSE:
	default:
		px->bstats[b->backend].timeouts++;
		if (c == NULL) {
			px_bconn_close(px, b, true);
			return;
		}
		px_client_backend_failed(px, c, false, SL_PROXY_ERR_504);
		return;
	}
}

void
px_backend_event(struct sl_proxy *px, struct px_bconn *b, const struct sl_tcp_event *ev)
{
	struct px_client *c = b->c;

	switch (ev->type) {
	case SL_TCP_EV_CONNECTED:
		px_timer_stop(&b->tm);
		if (c == NULL) {
			/* Its client left while connecting: keep it for the next one. */
			b->state = B_BUSY;
			bconn_park(px, b);
			return;
		}
		bconn_start_request(px, b, c);
		return;
	case SL_TCP_EV_DATA:
		px_chain_append(&b->in, ev->data.m);
		b->in_len += ev->data.len;
		b->got_bytes = true;
		if (b->state == B_IDLE || c == NULL) {
			/* Bytes nobody asked for: the connection is out of step. */
			px_bconn_close(px, b, true);
			return;
		}
		if (b->state != B_TUNNEL)
			px_timer_arm(px, &b->tm, PX_T_BACKEND_RESPONSE);
		px_backend_process(px, b);
		return;
	case SL_TCP_EV_PEER_FIN:
		b->peer_fin = true;
		if (b->state == B_IDLE || c == NULL) {
			px_bconn_close(px, b, false);
			return;
		}
		if (b->state == B_TUNNEL) {
			/* flush passes the FIN on once b->in is relayed (now, or when pacing allows) */
			px_backend_flush_to_client(px, b);
			return;
		}
		if (!b->got_bytes) {
			/* Closed before answering: a pooled connection the backend timed out. */
			px->bstats[b->backend].resets++;
			px_client_backend_failed(px, c, b->reused && px_client_may_retry(c),
						 SL_PROXY_ERR_502);
			return;
		}
		if (b->head_done)
			px_backend_flush_to_client(px, b);
		else
			px_client_error(px, c, SL_PROXY_ERR_502, "response header truncated");
		return;
	case SL_TCP_EV_SEND_SPACE:
		px_backend_send(px, b, NULL);
		if (c != NULL && (c->state == C_BODY || c->state == C_TUNNEL))
			px_client_process(px, c);
		return;
	case SL_TCP_EV_CLOSED:
		b->conn = NULL;
		if (c == NULL) {
			bconn_free(px, b);
			return;
		}
		if (b->state == B_CONNECTING) {
			px->bstats[b->backend].connect_fail++;
			px_client_backend_failed(px, c, true, SL_PROXY_ERR_502);
			return;
		}
		if (b->state == B_TUNNEL) {
			c->b = NULL;
			bconn_free(px, b);
			if (c->conn != NULL)
				sl_tcp_shutdown(c->conn);
			return;
		}
		px->bstats[b->backend].resets++;
		px_client_backend_failed(px, c, !b->got_bytes && b->reused &&
					 px_client_may_retry(c), SL_PROXY_ERR_502);
		return;
	default:
		return;
	}
}
