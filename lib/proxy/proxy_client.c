/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side: parse each request, route it, hand it to a backend,
 * stream its body, relay the response, keep the connection alive or close it.
 * Requests on one connection are served one at a time, so pipelined requests
 * are answered in order: bytes past the current request wait, unconsumed, in
 * c->in (their TCP window stays closed) until its response is complete.
 *
 * Byte accounting: every byte TCP delivered stays in c->in until it is either
 * handed to a backend's send queue or freed, and only then is it returned to
 * the client's receive window with sl_tcp_consumed(). That is the whole of the
 * back-pressure: nothing is buffered that TCP has not accounted for.
 */
#include <string.h>

#include "sl_affinity.h"
#include "proxy_priv.h"

static void
client_release(struct px_client *c, uint32_t n)
{
	if (n == 0)
		return;
	if (c->conn != NULL)
		sl_tcp_consumed(c->conn, n);
}

void
px_client_inflight_end(struct sl_proxy *px, struct px_client *c)
{
	if (c->in_flight) {
		c->in_flight = false;
		px->inflight--;
		px->shed.inflight = px->inflight;
	}
}

void
px_client_release_backend(struct sl_proxy *px, struct px_client *c)
{
	px_backend_unqueue(px, c);
	if (c->acquired && c->backend >= 0) {
		sl_lb_backend_release((struct sl_lb_backend *)&px->lb->backends[c->backend]);
		c->acquired = false;
	}
}

const char *
px_request_cookie(const struct px_client *c, const char *name, char *buf, size_t size,
	       size_t *vlen)
{
	for (uint16_t i = 0; i < c->req.n_hdrs; i++) {
		const struct sl_http_hdr *h = &c->req.hdrs[i];
		const char *v, *val;

		if (h->id != SL_HTTP_H_COOKIE || h->value.len >= size)
			continue;
		v = rte_pktmbuf_read(c->in, h->value.off, h->value.len, buf);
		if (v != NULL && sl_affinity_cookie_find(v, h->value.len, name, &val, vlen) == 0)
			return val;
	}
	return NULL;
}

const char *
px_request_header(const struct px_client *c, const char *name, char *buf, size_t size,
	       size_t *vlen)
{
	size_t nl = strlen(name);

	for (uint16_t i = 0; i < c->req.n_hdrs; i++) {
		const struct sl_http_hdr *h = &c->req.hdrs[i];
		char nbuf[SL_HASH_NAME_MAX];
		const char *n;
		size_t k;

		if (h->name.len != nl || nl >= sizeof(nbuf))
			continue;
		n = rte_pktmbuf_read(c->in, h->name.off, h->name.len, nbuf);
		for (k = 0; n != NULL && k < nl; k++)
			if ((n[k] | 0x20) != name[k] && n[k] != name[k])
				break;
		if (n == NULL || k != nl || h->value.len >= size)
			continue;
		*vlen = h->value.len;
		return rte_pktmbuf_read(c->in, h->value.off, h->value.len, buf);
	}
	return NULL;
}

uint64_t
px_request_key(const struct sl_proxy *px, const struct px_client *c, const struct sl_lb_pool *pool)
{
	char buf[1024];
	const char *v = NULL;
	size_t len = 0;

	if (pool->ops == &sl_lb_maglev) {
		/* Consistent per connection: the client's address and port. */
		uint8_t t[6];

		memcpy(t, &c->ip, 4);
		memcpy(t + 4, &c->port, 2);
		return sl_lb_hash_bytes(t, sizeof(t));
	}
	if (pool->ops != &sl_lb_hash)
		return 0;
	switch (pool->hash_key) {
	case SL_LB_HASH_URI:
		if (c->req.target.len <= sizeof(buf)) {
			len = c->req.target.len;
			v = rte_pktmbuf_read(c->in, c->req.target.off, c->req.target.len, buf);
		}
		break;
	case SL_LB_HASH_HEADER:
		v = px_request_header(c, pool->hash_name, buf, sizeof(buf), &len);
		break;
	case SL_LB_HASH_COOKIE:
		v = px_request_cookie(c, pool->hash_name, buf, sizeof(buf), &len);
		break;
	case SL_LB_HASH_SOURCE:
	default:
		break;
	}
	/* A missing header or cookie hashes the client's address, as documented. */
	if (v == NULL)
		return sl_lb_hash_bytes(&c->ip, sizeof(c->ip));
	return sl_lb_hash_bytes(v, len);
}

void
px_client_free(struct sl_proxy *px, struct px_client *c)
{
	struct sl_proxy_vip_stats *vs = &px->vstats[c->vip_idx];

	px_timer_stop(&c->tm);
	px_timer_stop(&c->pace);
	c->corked = false;
	px_limit_undelay(px, c);
	px_limit_close(px, c);
	px_client_release_backend(px, c);
	px_client_inflight_end(px, c);
	if (c->b != NULL) {
		px_backend_detach(px, c->b, false);
		c->b = NULL;
	}
	rte_pktmbuf_free(c->in);
	rte_pktmbuf_free(c->out);
	c->in = c->out = NULL;
	c->state = C_FREE;
	c->conn = NULL;
	vs->active--;
	if (c->vip->max_conns != 0 && px->shared != NULL)
		__atomic_fetch_sub(&px->shared->vips[c->vip_idx].conns, 1, __ATOMIC_RELAXED);
	c->next_free = px->client_free;
	px->client_free = (uint32_t)(c - px->clients);
}

/*
 * Close the client connection (FIN after what is queued) and forget it; if
 * some of the response is still waiting for room in TCP's send queue, wait
 * for SEND_SPACE to flush it first.
 */
static void
client_close(struct sl_proxy *px, struct px_client *c)
{
	if (c->out != NULL && c->conn != NULL) {
		c->closing = true;
		if (c->b != NULL) {
			px_backend_detach(px, c->b, false);
			c->b = NULL;
		}
		px_timer_arm(px, &c->tm, PX_T_CLIENT_IDLE);
		return;
	}
	if (c->conn != NULL)
		sl_tcp_close(c->conn);
	px_client_free(px, c);
}

static void
client_abort(struct sl_proxy *px, struct px_client *c)
{
	if (c->conn != NULL)
		sl_tcp_abort(c->conn);
	px_client_free(px, c);
}

void
px_client_uncork(struct sl_proxy *px, struct px_client *c)
{
	if (!c->corked)
		return;
	c->corked = false;
	px_client_send(px, c, NULL);
}

void
px_client_send(struct sl_proxy *px, struct px_client *c, struct rte_mbuf *m)
{
	if (m != NULL) {
		px->vstats[c->vip_idx].tx_bytes += m->pkt_len;
		px_chain_append(&c->out, m);
	}
	if (c->conn == NULL || c->corked)
		return;
	while (c->out != NULL) {
		uint32_t space = sl_tcp_send_space(c->conn), n;
		struct rte_mbuf *part;

		if (space == 0) {
			sl_tcp_want_space(c->conn);
			return;
		}
		n = RTE_MIN(space, c->out->pkt_len);
		part = px_chain_split(px->pool, &c->out, n);
		if (part == NULL)
			return;	/* no mbuf for a split: SEND_SPACE or the next event retries */
		if (sl_tcp_send(c->conn, part) != 0) {
			/* Refused though space was reported: put it back and wait. */
			px_chain_append(&part, c->out);
			c->out = part;
			sl_tcp_want_space(c->conn);
			return;
		}
	}
}

uint32_t
px_client_room(struct sl_proxy *px, struct px_client *c, uint32_t want, bool *paced)
{
	uint32_t space = c->conn != NULL ? sl_tcp_send_space(c->conn) : 0;

	*paced = false;
	if (space != 0 && (c->bw_limit >= 0 || c->vip->bandwidth_bps != 0))
		space = px_limit_room(px, c, RTE_MIN(space, want), paced);
	return space;
}

void
px_client_pace_timeout(struct sl_proxy *px, struct px_client *c)
{
	if (c->state != C_FREE && c->b != NULL)
		px_backend_flush_to_client(px, c->b);
}

static unsigned int
err_code(enum sl_proxy_err e)
{
	return sl_proxy_err_code(e);
}

void
px_client_error(struct sl_proxy *px, struct px_client *c, enum sl_proxy_err e, const char *detail)
{
	unsigned int code = err_code(e);

	px->vstats[c->vip_idx].errors[e]++;
	px_count_response(px, c, code);
	px_client_uncork(px, c);
	px_client_release_backend(px, c);
	px_client_inflight_end(px, c);
	if (c->b != NULL) {
		px_backend_detach(px, c->b, false);
		c->b = NULL;
	}
	if (c->resp_started) {
		/* Part of a response is out: the only honest signal left is a reset. */
		client_abort(px, c);
		return;
	}
	px_client_send(px, c, px_error_response(px, code, detail));
	client_close(px, c);
}

/* The request's host (lower case, no port) for routing and X-Forwarded-Host. */
static size_t
request_host(const struct px_client *c, char *buf, size_t size)
{
	const struct sl_http_parser *p = &c->req;
	const struct sl_http_hdr *h = sl_http_find(p, SL_HTTP_H_HOST);
	char tmp[256];
	const char *s;
	size_t len, i;

	if (h == NULL || h->value.len == 0 || h->value.len >= sizeof(tmp))
		return 0;
	s = rte_pktmbuf_read(c->in, h->value.off, h->value.len, tmp);
	if (s == NULL)
		return 0;
	len = h->value.len;
	/* Keep the port out: "[v6]:80" and "host:80". */
	for (i = len; i > 0; i--) {
		if (s[i - 1] == ':') {
			len = i - 1;
			break;
		}
		if (s[i - 1] == ']' || s[i - 1] < '0' || s[i - 1] > '9')
			break;
	}
	len = RTE_MIN(len, size - 1);
	for (i = 0; i < len; i++)
		buf[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	buf[len] = '\0';
	return len;
}

/* The request's path (origin-form target, or the path of an absolute-form one). */
static size_t
request_path(const struct px_client *c, char *buf, size_t size)
{
	const struct sl_http_span *t = &c->req.target;
	uint32_t len = RTE_MIN(t->len, (uint32_t)size - 1);
	const char *s = rte_pktmbuf_read(c->in, t->off, len, buf);

	if (s == NULL)
		return 0;
	if (s != buf)
		memcpy(buf, s, len);
	buf[len] = '\0';
	if (len > 7 && (strncmp(buf, "http://", 7) == 0 || strncmp(buf, "https://", 8) == 0)) {
		char *slash = strchr(buf + (buf[4] == 's' ? 8 : 7), '/');

		if (slash == NULL)
			return (size_t)snprintf(buf, size, "/");
		len = (uint32_t)strlen(slash);
		memmove(buf, slash, len + 1);
	}
	return len;
}

static bool
route_match(const struct sl_conf_route *r, const char *host, size_t host_len, const char *path,
	    size_t path_len)
{
	if (r->host[0] != '\0') {
		size_t hl = strlen(r->host);

		if (r->host_wildcard) {
			/* ".example.com": any subdomain, not the apex. */
			if (host_len <= hl || strcmp(host + host_len - hl, r->host) != 0)
				return false;
		} else if (hl != host_len || memcmp(host, r->host, hl) != 0) {
			return false;
		}
	}
	if (r->path[0] != '\0') {
		size_t pl = strlen(r->path);

		if (path_len < pl || memcmp(path, r->path, pl) != 0)
			return false;
	}
	return true;
}

/* The pool of the request; *route the route that matched (NULL: the VIP's pool). */
static int
route_pool(const struct px_client *c, const char *host, size_t host_len,
	   const struct sl_conf_route **route)
{
	const struct sl_conf_vip *vip = c->vip;
	char path[1024];
	size_t path_len;

	*route = NULL;
	if (vip->n_routes == 0)
		return vip->pool;
	path_len = request_path(c, path, sizeof(path));
	for (uint16_t i = 0; i < vip->n_routes; i++)
		if (route_match(&vip->routes[i], host, host_len, path, path_len)) {
			*route = &vip->routes[i];
			return vip->routes[i].pool;
		}
	return vip->pool;
}

static bool
method_idempotent(enum sl_http_method m)
{
	/* RFC 9110 9.2.2 */
	switch (m) {
	case SL_HTTP_M_GET:
	case SL_HTTP_M_HEAD:
	case SL_HTTP_M_PUT:
	case SL_HTTP_M_DELETE:
	case SL_HTTP_M_OPTIONS:
	case SL_HTTP_M_TRACE:
		return true;
	default:
		return false;
	}
}

static enum sl_proxy_err
parse_error(int rc, const struct sl_http_parser *p)
{
	switch (p->status) {
	case 413:
		return SL_PROXY_ERR_413;
	case 414:
		return SL_PROXY_ERR_414;
	case 417:
		return SL_PROXY_ERR_417;
	case 431:
		return SL_PROXY_ERR_431;
	case 501:
		return SL_PROXY_ERR_501;
	case 505:
		return SL_PROXY_ERR_505;
	default:
		(void)rc;
		return SL_PROXY_ERR_400;
	}
}

static int client_validate(struct sl_proxy *px, struct px_client *c);

/* The header section is complete: route, pick, send. */
static void
client_request_head(struct sl_proxy *px, struct px_client *c)
{
	struct sl_http_parser *p = &c->req;
	const struct sl_conf_route *route;
	char host[256];
	size_t host_len;
	int pool;

	px->vstats[c->vip_idx].requests++;
	c->close_after = !p->keep_alive;
	c->resp_started = false;
	c->req_done = p->framing == SL_HTTP_BODY_NONE;
	c->retries = 0;
	c->backend = -1;
	if (p->method == SL_HTTP_M_CONNECT) {
		px_client_error(px, c, SL_PROXY_ERR_405, "CONNECT is not served here");
		return;
	}
	host_len = request_host(c, host, sizeof(host));
	pool = route_pool(c, host, host_len, &route);
	if (pool < 0) {
		px_client_error(px, c, SL_PROXY_ERR_404, "no route");
		return;
	}
	c->pool = (int16_t)pool;
	c->head_kept = true;
	c->body_end_seen = false;
	/* Rate limits: a rejected request is answered here, a throttled one waits. */
	if (px_limit_request(px, c, route) != 0)
		return;
	px_client_request_go(px, c);
}

void
px_client_request_go(struct sl_proxy *px, struct px_client *c)
{
	struct sl_http_parser *p = &c->req;

	/* Load shedding: past the worker's limit, refuse at once, before any backend work. */
	if (px->shed_p.max_inflight != 0 && px->inflight >= px->shed_p.max_inflight) {
		px->shed.shed_inflight++;
		px_client_error(px, c, SL_PROXY_ERR_503, "overloaded");
		return;
	}
	c->in_flight = true;
	px->inflight++;
	px->shed.inflight = px->inflight;
	c->state = p->framing == SL_HTTP_BODY_NONE ? C_WAIT : C_BODY;
	px_timer_stop(&c->tm);
	/* What of the body came with the head is checked before any backend sees it. */
	if (c->state == C_BODY && client_validate(px, c) < 0)
		return;
	if (px_backend_start(px, c, -1) != 0)
		return;	/* it answered the client */
}

void
px_client_local_reply(struct sl_proxy *px, struct px_client *c, unsigned int code,
		      const char *detail, const char *extra)
{
	bool keep = !c->close_after && c->req.framing == SL_HTTP_BODY_NONE && !c->peer_fin &&
		    c->req.version_minor != 0;	/* (the local answer says no keep-alive to 1.0) */
	uint32_t head_len = c->req.head_len;

	for (unsigned int e = 0; e < SL_PROXY_ERR__MAX; e++)
		if (sl_proxy_err_code((enum sl_proxy_err)e) == code)
			px->vstats[c->vip_idx].errors[e]++;
	px_count_response(px, c, code);
	px_client_release_backend(px, c);
	px_client_inflight_end(px, c);
	px_client_send(px, c, px_local_response(px, code, detail, extra, !keep));
	if (!keep) {
		client_close(px, c);
		return;
	}
	/* Bodiless and answered: its head goes, the connection waits for the next one. */
	if (c->head_kept) {
		px_chain_trim(&c->in, head_len);
		c->in_len -= head_len;
		c->parsed -= head_len;
		c->head_kept = false;
		client_release(c, head_len);
	}
	c->state = C_IDLE;
	c->backend = -1;
	px_timer_arm(px, &c->tm, PX_T_CLIENT_IDLE);
	/* px_client_process's loop goes on to a pipelined request. */
}

void
px_client_send_head(struct sl_proxy *px, struct px_client *c, struct px_bconn *b)
{
	char host[256];
	size_t host_len = request_host(c, host, sizeof(host));
	struct rte_mbuf *head = px_request_head(px, c, host, host_len);

	if (head == NULL) {
		px_client_error(px, c, SL_PROXY_ERR_503, "out of buffers");
		return;
	}
	px_backend_send(px, b, head);
	/*
	 * A request with a body cannot be re-sent (its body goes out as it comes):
	 * free its head now so the body is at the front of c->in. A bodiless one
	 * keeps its head until the response starts, to retry on another
	 * connection if this pooled one turns out to be closing.
	 */
	if (c->req.framing != SL_HTTP_BODY_NONE) {
		uint32_t head_len = c->req.head_len;

		px_chain_trim(&c->in, head_len);
		c->in_len -= head_len;
		c->parsed -= head_len;
		c->head_kept = false;
		client_release(c, head_len);
	}
}

bool
px_client_may_retry(const struct px_client *c)
{
	return c->head_kept && !c->resp_started && method_idempotent(c->req.method);
}

void
px_client_response_started(struct sl_proxy *px, struct px_client *c)
{
	if (c->head_kept) {
		uint32_t head_len = c->req.head_len;

		px_chain_trim(&c->in, head_len);
		c->in_len -= head_len;
		c->parsed -= head_len;
		c->head_kept = false;
		client_release(c, head_len);
	}
}

/*
 * Validate the request body bytes that have arrived, ahead of relaying them:
 * a framing error in what the client already sent is answered with 400 before
 * those bytes (or, for the first ones, even the head) reach a backend.
 * Returns -1 when the client was answered (and freed).
 */
static int
client_validate(struct sl_proxy *px, struct px_client *c)
{
	uint32_t used = 0;
	int rc;

	if (c->body_end_seen || c->parsed == c->in_len)
		return 0;
	rc = px_chain_parse(&c->req, c->in, c->parsed, c->in_len - c->parsed, &used);
	c->parsed += used;
	if (rc < 0) {
		px_client_error(px, c, parse_error(rc, &c->req), c->req.reason);
		return -1;
	}
	if (rc == SL_HTTP_DONE)
		c->body_end_seen = true;
	return 0;
}

/*
 * Stream validated request body bytes to the backend, as much as its send
 * queue takes; c->parsed counts the validated bytes at the front of c->in
 * once the head is gone.
 */
static void
client_body(struct sl_proxy *px, struct px_client *c)
{
	for (;;) {
		struct px_bconn *b = c->b;
		uint32_t space, n;
		struct rte_mbuf *part;

		if (client_validate(px, c) < 0)
			return;
		if (c->req_done || b == NULL || b->state != B_BUSY || c->head_kept)
			return;	/* not connected yet: CONNECTED brings us back */
		if (c->parsed == 0 && c->body_end_seen) {
			c->req_done = true;
			c->state = C_WAIT;
			px_timer_stop(&c->tm);
			px_timer_arm(px, &b->tm, PX_T_BACKEND_RESPONSE);
			return;
		}
		if (c->parsed == 0) {
			if (c->tm.kind != PX_T_CLIENT_BODY)
				px_timer_arm(px, &c->tm, PX_T_CLIENT_BODY);
			return;	/* wait for more from the client */
		}
		space = b->out != NULL ? 0 : sl_tcp_send_space(b->conn);
		if (space == 0) {
			/* Held back by the backend, not the client: no body timeout. */
			px_timer_stop(&c->tm);
			sl_tcp_want_space(b->conn);
			return;
		}
		n = RTE_MIN(space, c->parsed);
		part = px_chain_split(px->pool, &c->in, n);
		if (part == NULL)
			return;	/* retried on the next event */
		c->in_len -= n;
		c->parsed -= n;
		px_backend_send(px, b, part);
		client_release(c, n);
		px_timer_arm(px, &c->tm, PX_T_CLIENT_BODY);
	}
}

void
px_client_process(struct sl_proxy *px, struct px_client *c)
{
	for (;;) {
		uint32_t used = 0;
		int rc;

		switch (c->state) {
		case C_IDLE:
		case C_HEAD:
			if (c->parsed == c->in_len) {
				if (c->peer_fin && c->state == C_IDLE) {
					client_close(px, c);	/* the client is done */
					return;
				}
				return;
			}
			if (c->state == C_IDLE) {
				/*
				 * The previous answer still waits for room in TCP's send
				 * queue: the next request waits too (SEND_SPACE resumes it),
				 * so a client that pipelines and does not read holds one
				 * answer here, not one per request.
				 */
				if (c->out != NULL)
					return;
				sl_http_parser_init(&c->req, SL_HTTP_REQUEST, SL_HTTP_M_NONE,
						    &px->req_limits);
				c->state = C_HEAD;
				px_timer_arm(px, &c->tm, PX_T_CLIENT_HEAD);
			}
			rc = px_chain_parse(&c->req, c->in, c->parsed, c->in_len - c->parsed,
					    &used);
			c->parsed += used;
			if (rc < 0) {
				px_client_error(px, c, parse_error(rc, &c->req), c->req.reason);
				return;
			}
			if (rc == SL_HTTP_AGAIN) {
				if (c->peer_fin) {
					/* EOF inside a header section: nothing to answer. */
					client_close(px, c);
				}
				return;
			}
			/* SL_HTTP_HEAD (or DONE for a bodiless message). */
			client_request_head(px, c);
			/*
			 * Answered here and kept open (a 429): the next pipelined request in
			 * this loop, not by recursion (thousands can be waiting in c->in).
			 */
			if (c->state == C_IDLE && !c->closing && c->conn != NULL)
				continue;
			return;
		case C_BODY:
			client_body(px, c);
			return;
		case C_WAIT:
		case C_DELAY:
			return;
		case C_TUNNEL:
			if (c->b != NULL && c->in != NULL && c->b->out == NULL) {
				uint32_t space = sl_tcp_send_space(c->b->conn);
				uint32_t n = RTE_MIN(space, c->in_len);
				struct rte_mbuf *part;

				if (n == 0) {
					sl_tcp_want_space(c->b->conn);
					return;
				}
				part = px_chain_split(px->pool, &c->in, n);
				if (part == NULL)
					return;
				c->in_len -= n;
				c->parsed = c->in_len;
				px_backend_send(px, c->b, part);
				client_release(c, n);
				continue;
			}
			return;
		default:
			return;
		}
	}
}

void
px_client_response_done(struct sl_proxy *px, struct px_client *c, bool backend_reusable)
{
	struct px_bconn *b = c->b;

	px_client_uncork(px, c);
	px_client_release_backend(px, c);
	px_client_inflight_end(px, c);
	if (b != NULL) {
		c->b = NULL;
		/* A backend that answered before taking the whole body cannot be reused. */
		px_backend_detach(px, b, backend_reusable && c->req_done);
	}
	if (!c->req_done)
		c->close_after = true;
	if (c->close_after) {
		client_close(px, c);
		return;
	}
	/* The next request may already be waiting in c->in. */
	c->state = C_IDLE;
	c->backend = -1;
	px_timer_arm(px, &c->tm, PX_T_CLIENT_IDLE);
	px_client_process(px, c);
}

void
px_client_backend_failed(struct sl_proxy *px, struct px_client *c, bool retryable,
			 enum sl_proxy_err e)
{
	int failed = c->backend;

	px_client_release_backend(px, c);
	if (c->b != NULL) {
		px_backend_detach(px, c->b, false);
		c->b = NULL;
	}
	if (retryable && c->head_kept && !c->resp_started &&
	    c->retries < px->conf->http.retries) {
		c->retries++;
		if (failed >= 0)
			px->bstats[failed].retries++;
		px_backend_start(px, c, failed);	/* on failure it answered the client */
		return;
	}
	px_client_error(px, c, e, e == SL_PROXY_ERR_504 ? "backend timeout" : "backend failed");
}

void
px_client_timeout(struct sl_proxy *px, struct px_client *c, enum px_tmo kind)
{
	if (c->closing) {
		/* The answer could not be flushed in time: give up on it. */
		client_abort(px, c);
		return;
	}
	switch (kind) {
	case PX_T_CLIENT_HEAD:
		if (c->parsed == 0 && c->in_len == 0) {
			client_close(px, c);	/* nothing sent at all */
			return;
		}
		px_client_error(px, c, SL_PROXY_ERR_408, "request header timeout");
		return;
	case PX_T_CLIENT_BODY:
		px_client_error(px, c, SL_PROXY_ERR_408, "request body timeout");
		return;
	case PX_T_QUEUE:
		px->shed.shed_wait++;
		px_client_error(px, c, SL_PROXY_ERR_503, "overloaded: no backend connection in time");
		return;
	case PX_T_CLIENT_IDLE:
	default:
		client_close(px, c);
		return;
	}
}

void
px_client_event(struct sl_proxy *px, struct px_client *c, const struct sl_tcp_event *ev)
{
	if (c->closing && ev->type == SL_TCP_EV_DATA) {
		/* Closing after an answer: what the client still sends is dropped. */
		rte_pktmbuf_free(ev->data.m);
		client_release(c, ev->data.len);
		return;
	}
	switch (ev->type) {
	case SL_TCP_EV_DATA:
		px->vstats[c->vip_idx].rx_bytes += ev->data.len;
		px_chain_append(&c->in, ev->data.m);
		c->in_len += ev->data.len;
		px_client_process(px, c);
		return;
	case SL_TCP_EV_PEER_FIN:
		c->peer_fin = true;
		if (c->closing)
			return;	/* answered and closing: nothing more is parsed */
		if (c->state == C_TUNNEL) {
			if (c->b != NULL && c->b->conn != NULL)
				sl_tcp_shutdown(c->b->conn);
			return;
		}
		if (c->state == C_BODY && !c->req_done) {
			/* The body will never complete. */
			px_client_error(px, c, SL_PROXY_ERR_400, "request body truncated");
			return;
		}
		/*
		 * A half-close after pipelined requests still wants every answer: the
		 * connection closes when the last buffered request has been served.
		 */
		px_client_process(px, c);
		return;
	case SL_TCP_EV_SEND_SPACE:
		px_client_send(px, c, NULL);
		if (c->closing) {
			if (c->out == NULL)
				client_close(px, c);
			return;
		}
		if (c->b != NULL)
			px_backend_flush_to_client(px, c->b);
		else if (c->state == C_IDLE && c->out == NULL && c->parsed < c->in_len)
			px_client_process(px, c);	/* pipelined requests held behind an answer */
		return;
	case SL_TCP_EV_CLOSED:
		/* Reset or timed out: the connection is gone, and so is the request. */
		c->conn = NULL;
		px_client_free(px, c);
		return;
	default:
		return;
	}
}
