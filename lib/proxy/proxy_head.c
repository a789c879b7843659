/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The heads the proxy writes. A forwarded message keeps its fields in order,
 * as sent, minus the hop-by-hop ones (RFC 9110 7.6.1: Connection and what it
 * names, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding,
 * Upgrade), which are re-added only where this hop needs them: its own
 * framing, the upgrade being relayed. The forwarding fields are the proxy's:
 * X-Forwarded-For is appended to (the client's values first, then its
 * address), X-Forwarded-Proto and X-Forwarded-Host replaced, Forwarded
 * (RFC 7239) appended to, Via (RFC 9110 7.6.3) added.
 */
#include <string.h>

#include "proxy_priv.h"

static bool
is_forwarding_field(const struct sl_conf_vip *vip, enum sl_http_hdr_id id)
{
	switch (id) {
	case SL_HTTP_H_X_FORWARDED_FOR:
	case SL_HTTP_H_X_FORWARDED_PROTO:
	case SL_HTTP_H_X_FORWARDED_HOST:
		return vip->forwarded_for;
	case SL_HTTP_H_FORWARDED:
		return vip->forwarded;
	default:
		return false;
	}
}

/* Write "Name: v1, v2" joining every field with id, or nothing when absent. */
static bool
put_joined(struct px_writer *w, const struct sl_http_parser *p, const struct rte_mbuf *chain,
	   enum sl_http_hdr_id id)
{
	bool any = false;

	for (uint16_t i = 0; i < p->n_hdrs; i++) {
		const struct sl_http_hdr *h = &p->hdrs[i];

		if (h->id != id || h->value.len == 0)
			continue;
		if (any)
			px_wr_str(w, ", ");
		px_wr_span(w, chain, h->value);
		any = true;
	}
	return any;
}

static void
put_fields(struct px_writer *w, const struct sl_http_parser *p, const struct rte_mbuf *chain,
	   const struct sl_conf_vip *vip)
{
	for (uint16_t i = 0; i < p->n_hdrs; i++) {
		const struct sl_http_hdr *h = &p->hdrs[i];

		if (h->hop_by_hop || (vip != NULL && is_forwarding_field(vip, h->id)))
			continue;
		px_wr_span(w, chain, h->name);
		px_wr_str(w, ": ");
		px_wr_span(w, chain, h->value);
		px_wr_str(w, "\r\n");
	}
}

static void
put_upgrade(struct px_writer *w, const struct sl_http_parser *p, const struct rte_mbuf *chain)
{
	px_wr_str(w, "Connection: upgrade\r\nUpgrade: ");
	put_joined(w, p, chain, SL_HTTP_H_UPGRADE);
	px_wr_str(w, "\r\n");
}

struct rte_mbuf *
px_request_head(struct sl_proxy *px, struct px_client *c, const char *host, size_t host_len)
{
	const struct sl_http_parser *p = &c->req;
	const struct sl_conf_vip *vip = c->vip;
	const struct rte_mbuf *in = c->in;
	struct px_writer w;

	px_wr_init(&w, px->pool);
	px_wr_span(&w, in, p->method_span);
	px_wr_str(&w, " ");
	px_wr_span(&w, in, p->target);
	/*
	 * An HTTP/1.0 request goes on as 1.0, as nginx does by default, so the
	 * backend frames its answer for a 1.0 client (no chunked coding); the
	 * pooled connection is kept with Connection: keep-alive.
	 */
	px_wr_str(&w, p->version_minor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
	put_fields(&w, p, in, vip);
	if (vip->forwarded_for) {
		px_wr_str(&w, "X-Forwarded-For: ");
		if (put_joined(&w, p, in, SL_HTTP_H_X_FORWARDED_FOR))
			px_wr_str(&w, ", ");
		px_wr_ip(&w, c->ip);
		px_wr_str(&w, "\r\nX-Forwarded-Proto: http\r\n");
		if (host_len != 0) {
			px_wr_str(&w, "X-Forwarded-Host: ");
			px_wr_put(&w, host, host_len);
			px_wr_str(&w, "\r\n");
		}
	}
	if (vip->forwarded) {
		px_wr_str(&w, "Forwarded: ");
		if (put_joined(&w, p, in, SL_HTTP_H_FORWARDED))
			px_wr_str(&w, ", ");
		px_wr_str(&w, "for=");
		px_wr_ip(&w, c->ip);
		px_wr_str(&w, ";proto=http");
		if (host_len != 0) {
			px_wr_str(&w, ";host=\"");
			px_wr_put(&w, host, host_len);
			px_wr_str(&w, "\"");
		}
		px_wr_str(&w, ";by=");
		px_wr_ip(&w, rte_cpu_to_be_32(vip->addr));
		px_wr_str(&w, "\r\n");
	}
	if (vip->via[0] != '\0') {
		px_wr_str(&w, p->version_minor == 0 ? "Via: 1.0 " : "Via: 1.1 ");
		px_wr_str(&w, vip->via);
		px_wr_str(&w, "\r\n");
	}
	if (p->framing == SL_HTTP_BODY_CHUNKED)
		px_wr_str(&w, "Transfer-Encoding: chunked\r\n");
	if (p->upgrade)
		put_upgrade(&w, p, in);
	else if (p->version_minor == 0)
		px_wr_str(&w, "Connection: keep-alive\r\n");
	px_wr_str(&w, "\r\n");
	return px_wr_done(&w);
}

struct rte_mbuf *
px_response_head(struct sl_proxy *px, struct px_client *c, struct px_bconn *b)
{
	const struct sl_http_parser *p = &b->resp;
	const struct rte_mbuf *in = b->in;
	struct px_writer w;

	px_wr_init(&w, px->pool);
	px_wr_str(&w, "HTTP/1.1 ");
	px_wr_u64(&w, p->code);
	px_wr_str(&w, " ");
	if (p->reason_phrase.len != 0)
		px_wr_span(&w, in, p->reason_phrase);
	else
		px_wr_str(&w, sl_http_status_reason(p->code));
	px_wr_str(&w, "\r\n");
	put_fields(&w, p, in, NULL);
	if (c->vip->via[0] != '\0') {
		px_wr_str(&w, p->version_minor == 0 ? "Via: 1.0 " : "Via: 1.1 ");
		px_wr_str(&w, c->vip->via);
		px_wr_str(&w, "\r\n");
	}
	if (p->code >= 200 && c->set_cookie >= 0)
		px_affinity_set_cookie(px, c, &w);
	if (p->code >= 200 && p->framing == SL_HTTP_BODY_CHUNKED)
		px_wr_str(&w, "Transfer-Encoding: chunked\r\n");
	if (p->code == 101)
		put_upgrade(&w, p, in);
	else if (p->code >= 200 && c->close_after)
		px_wr_str(&w, "Connection: close\r\n");
	else if (p->code >= 200 && c->req.version_minor == 0)
		px_wr_str(&w, "Connection: keep-alive\r\n");
	px_wr_str(&w, "\r\n");
	return px_wr_done(&w);
}

struct rte_mbuf *
px_error_response(struct sl_proxy *px, unsigned int code, const char *detail)
{
	return px_local_response(px, code, detail, NULL, true);
}

struct rte_mbuf *
px_local_response(struct sl_proxy *px, unsigned int code, const char *detail, const char *extra,
		  bool close)
{
	const char *reason = sl_http_status_reason(code);
	size_t body = strlen(reason) + 1 + (detail != NULL ? strlen(detail) + 2 : 0);
	struct px_writer w;

	px_wr_init(&w, px->pool);
	px_wr_str(&w, "HTTP/1.1 ");
	px_wr_u64(&w, code);
	px_wr_str(&w, " ");
	px_wr_str(&w, reason);
	px_wr_str(&w, "\r\nContent-Type: text/plain\r\nContent-Length: ");
	px_wr_u64(&w, body);
	if (code == 503) {
		px_wr_str(&w, "\r\nRetry-After: ");
		px_wr_u64(&w, px->shed_p.retry_after);
	}
	px_wr_str(&w, "\r\n");
	if (extra != NULL)
		px_wr_str(&w, extra);	/* whole field lines, each ending in CRLF */
	px_wr_str(&w, close ? "Connection: close\r\n\r\n" : "\r\n");
	px_wr_str(&w, reason);
	if (detail != NULL) {
		px_wr_str(&w, ": ");
		px_wr_str(&w, detail);
	}
	px_wr_str(&w, "\n");
	return px_wr_done(&w);
}
