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

/* Write "v1, v2" joining the values of every field with id; false when there is none. */
static bool
put_joined(struct px_writer *w, const struct sl_http_parser *p, const struct rte_mbuf *chain,
	   enum sl_http_hdr_id id)
{
	bool any = false;

	if (p->hdr_index[id] == 0)
		return false;
	for (uint16_t i = p->hdr_index[id] - 1; i < p->n_hdrs; i++) {
		const struct sl_http_hdr *h = &p->hdrs[i];

		if (h->id != id || h->value.len == 0)
			continue;
		if (any)
			px_wr_lit(w, ", ");
		px_wr_span(w, chain, h->value);
		any = true;
	}
	return any;
}

/* The byte at message offset off of chain, -1 past its end. */
static inline int
byte_at(const struct rte_mbuf *m, uint32_t off)
{
	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	return m != NULL ? *rte_pktmbuf_mtod_offset(m, const unsigned char *, off) : -1;
}

/* The bytes [from, to) of the message in chain, when there are any. */
static inline void
put_run(struct px_writer *w, const struct rte_mbuf *chain, uint32_t from, uint32_t to)
{
	if (to != from)
		px_wr_span(w, chain, (struct sl_http_span){ from, to - from });
}

/*
 * Whether field line h was received as "Name: value" CRLF, the form this proxy
 * writes: one SP after the colon and the CR right after the value (no other OWS;
 * a bare CR is refused, so it is CR LF). The line is then [name.off, value end + 2).
 */
static inline bool
as_received(const struct rte_mbuf *chain, const struct sl_http_hdr *h)
{
	uint32_t name_end = h->name.off + h->name.len;

	return h->value.off == name_end + 2 && byte_at(chain, name_end + 1) == ' ' &&
	       byte_at(chain, h->value.off + h->value.len) == '\r';
}

/*
 * The kept field lines, in order, each as "Name: value" CRLF. A line received in that
 * form is copied as it was, and a run of such lines, contiguous in the message, as one
 * span. The run may begin with the start line: [run, run_end), message offsets.
 */
static void
put_fields(struct px_writer *w, const struct sl_http_parser *p, const struct rte_mbuf *chain,
	   const struct sl_conf_vip *vip, uint32_t run, uint32_t run_end)
{
	for (uint16_t i = 0; i < p->n_hdrs; i++) {
		const struct sl_http_hdr *h = &p->hdrs[i];

		if (h->hop_by_hop || (vip != NULL && is_forwarding_field(vip, h->id))) {
			put_run(w, chain, run, run_end);
			run = run_end;
		} else if (as_received(chain, h)) {
			if (h->name.off != run_end) {
				put_run(w, chain, run, run_end);
				run = h->name.off;
			}
			run_end = h->value.off + h->value.len + 2;
		} else {
			put_run(w, chain, run, run_end);
			run = run_end;
			px_wr_span(w, chain, h->name);
			px_wr_lit(w, ": ");
			px_wr_span(w, chain, h->value);
			px_wr_lit(w, "\r\n");
		}
	}
	put_run(w, chain, run, run_end);
}

static void
put_upgrade(struct px_writer *w, const struct sl_http_parser *p, const struct rte_mbuf *chain)
{
	px_wr_lit(w, "Connection: upgrade\r\nUpgrade: ");
	put_joined(w, p, chain, SL_HTTP_H_UPGRADE);
	px_wr_lit(w, "\r\n");
}

static void
put_via(struct px_writer *w, const struct sl_conf_vip *vip, uint8_t version_minor)
{
	if (version_minor == 0)
		px_wr_lit(w, "Via: 1.0 ");
	else
		px_wr_lit(w, "Via: 1.1 ");
	px_wr_str(w, vip->via);
	px_wr_lit(w, "\r\n");
}

struct rte_mbuf *
px_request_head(struct sl_proxy *px, struct px_client *c, const char *host, size_t host_len)
{
	const struct sl_http_parser *p = &c->req;
	const struct sl_conf_vip *vip = c->vip;
	const struct rte_mbuf *in = c->in;
	struct px_writer w;

	px_wr_init(&w, px->pool);
	/*
	 * The request line goes on as received: method SP target SP "HTTP/1." DIGIT CRLF,
	 * exactly one SP each, only 1.0 and 1.1 (docs/http.md), is the line this proxy
	 * would write. An HTTP/1.0 request goes on as 1.0, as nginx does by default, so the
	 * backend frames its answer for a 1.0 client (no chunked coding); the pooled
	 * connection is kept with Connection: keep-alive. The line starts the first run
	 * of fields copied as received.
	 */
	put_fields(&w, p, in, vip, p->method_span.off,
		   p->target.off + p->target.len + (uint32_t)sizeof(" HTTP/1.1\r\n") - 1);
	if (vip->forwarded_for) {
		px_wr_lit(&w, "X-Forwarded-For: ");
		if (put_joined(&w, p, in, SL_HTTP_H_X_FORWARDED_FOR))
			px_wr_lit(&w, ", ");
		px_wr_ip(&w, c->ip);
		px_wr_lit(&w, "\r\nX-Forwarded-Proto: http\r\n");
		if (host_len != 0) {
			px_wr_lit(&w, "X-Forwarded-Host: ");
			px_wr_put(&w, host, host_len);
			px_wr_lit(&w, "\r\n");
		}
	}
	if (vip->forwarded) {
		px_wr_lit(&w, "Forwarded: ");
		if (put_joined(&w, p, in, SL_HTTP_H_FORWARDED))
			px_wr_lit(&w, ", ");
		px_wr_lit(&w, "for=");
		px_wr_ip(&w, c->ip);
		px_wr_lit(&w, ";proto=http");
		if (host_len != 0) {
			px_wr_lit(&w, ";host=\"");
			px_wr_put(&w, host, host_len);
			px_wr_lit(&w, "\"");
		}
		px_wr_lit(&w, ";by=");
		px_wr_ip(&w, rte_cpu_to_be_32(vip->addr));
		px_wr_lit(&w, "\r\n");
	}
	if (vip->via[0] != '\0')
		put_via(&w, vip, p->version_minor);
	if (p->framing == SL_HTTP_BODY_CHUNKED)
		px_wr_lit(&w, "Transfer-Encoding: chunked\r\n");
	if (p->upgrade)
		put_upgrade(&w, p, in);
	else if (p->version_minor == 0)
		px_wr_lit(&w, "Connection: keep-alive\r\n");
	px_wr_lit(&w, "\r\n");
	return px_wr_done(&w);
}

struct rte_mbuf *
px_response_head(struct sl_proxy *px, struct px_client *c, struct px_bconn *b)
{
	const struct sl_http_parser *p = &b->resp;
	const struct rte_mbuf *in = b->in;
	struct px_writer w;
	uint32_t run;

	px_wr_init(&w, px->pool);
	px_wr_lit(&w, "HTTP/1.1 ");
	if (p->reason_phrase.len != 0) {
		/*
		 * "HTTP/1.x" SP 3DIGIT SP reason CRLF from offset 0 (no empty line before
		 * a status line; the code is 100..599, its 3 digits as written): from the
		 * code on, the line is what this proxy would write; it starts the run.
		 */
		run = (uint32_t)sizeof("HTTP/1.1 ") - 1;
		put_fields(&w, p, in, NULL, run, p->reason_phrase.off + p->reason_phrase.len + 2);
	} else {
		px_wr_u64(&w, p->code);
		px_wr_lit(&w, " ");
		px_wr_str(&w, sl_http_status_reason(p->code));
		px_wr_lit(&w, "\r\n");
		put_fields(&w, p, in, NULL, 0, 0);
	}
	if (c->vip->via[0] != '\0')
		put_via(&w, c->vip, p->version_minor);
	if (p->code >= 200 && c->set_cookie >= 0)
		px_affinity_set_cookie(px, c, &w);
	if (p->code >= 200 && p->framing == SL_HTTP_BODY_CHUNKED)
		px_wr_lit(&w, "Transfer-Encoding: chunked\r\n");
	if (p->code == 101)
		put_upgrade(&w, p, in);
	else if (p->code >= 200 && c->close_after)
		px_wr_lit(&w, "Connection: close\r\n");
	else if (p->code >= 200 && c->req.version_minor == 0)
		px_wr_lit(&w, "Connection: keep-alive\r\n");
	px_wr_lit(&w, "\r\n");
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
	px_wr_lit(&w, "HTTP/1.1 ");
	px_wr_u64(&w, code);
	px_wr_lit(&w, " ");
	px_wr_str(&w, reason);
	px_wr_lit(&w, "\r\nContent-Type: text/plain\r\nContent-Length: ");
	px_wr_u64(&w, body);
	if (code == 503) {
		px_wr_lit(&w, "\r\nRetry-After: ");
		px_wr_u64(&w, px->shed_p.retry_after);
	}
	px_wr_lit(&w, "\r\n");
	if (extra != NULL)
		px_wr_str(&w, extra);	/* whole field lines, each ending in CRLF */
	if (close)
		px_wr_lit(&w, "Connection: close\r\n\r\n");
	else
		px_wr_lit(&w, "\r\n");
	px_wr_str(&w, reason);
	if (detail != NULL) {
		px_wr_lit(&w, ": ");
		px_wr_str(&w, detail);
	}
	px_wr_lit(&w, "\n");
	return px_wr_done(&w);
}
