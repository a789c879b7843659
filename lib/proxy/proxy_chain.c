/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbuf chains as byte streams: append what TCP delivers, detach the front n
 * bytes to relay them (an indirect mbuf when n falls inside a segment, never
 * a copy), free the front n bytes, feed a parser piece by piece, and write
 * new heads into fresh mbufs.
 */
#include <string.h>

#include "proxy_priv.h"

void
px_chain_append(struct rte_mbuf **head, struct rte_mbuf *m)
{
	struct rte_mbuf *h = *head;

	if (m == NULL)
		return;
	if (h == NULL) {
		*head = m;
		return;
	}
	/* rte_pktmbuf_chain() refuses past RTE_MBUF_MAX_NB_SEGS; do it by hand. */
	rte_pktmbuf_lastseg(h)->next = m;
	h->pkt_len += m->pkt_len;
	h->nb_segs = (uint16_t)RTE_MIN((uint32_t)h->nb_segs + m->nb_segs, (uint32_t)UINT16_MAX);
}

/* Recount nb_segs and pkt_len of a chain whose head changed. */
static void
chain_fix(struct rte_mbuf *h, uint32_t pkt_len)
{
	uint32_t n = 0;

	for (struct rte_mbuf *s = h; s != NULL; s = s->next)
		n++;
	h->nb_segs = (uint16_t)RTE_MIN(n, (uint32_t)UINT16_MAX);
	h->pkt_len = pkt_len;
}

struct rte_mbuf *
px_chain_split(struct rte_mempool *mp, struct rte_mbuf **head, uint32_t n)
{
	struct rte_mbuf *h = *head, *seg, *prev = NULL, *rest;
	uint32_t total, acc = 0;

	if (h == NULL || n == 0)
		return NULL;
	total = h->pkt_len;
	if (n >= total) {
		*head = NULL;
		return h;
	}
	for (seg = h; seg != NULL && acc + seg->data_len <= n; seg = seg->next) {
		acc += seg->data_len;
		prev = seg;
	}
	if (acc == n) {
		/* On a segment boundary: cut the link. */
		prev->next = NULL;
		rest = seg;
	} else {
		/* Inside seg: the tail of seg becomes an indirect view of its buffer. */
		uint16_t cut = (uint16_t)(n - acc);

		rest = rte_pktmbuf_alloc(mp);
		if (rest == NULL)
			return NULL;
		rte_pktmbuf_attach(rest, seg);
		rest->data_off = (uint16_t)(seg->data_off + cut);
		rest->data_len = (uint16_t)(seg->data_len - cut);
		rest->next = seg->next;
		seg->data_len = cut;
		seg->next = NULL;
	}
	chain_fix(rest, total - n);
	chain_fix(h, n);
	*head = rest;
	return h;
}

void
px_chain_trim(struct rte_mbuf **head, uint32_t n)
{
	struct rte_mbuf *h = *head, *next;
	uint32_t total;

	if (h == NULL || n == 0)
		return;
	total = h->pkt_len;
	if (n >= total) {
		rte_pktmbuf_free(h);
		*head = NULL;
		return;
	}
	while (h != NULL && h->data_len <= n) {
		n -= h->data_len;
		total -= h->data_len;
		next = h->next;
		h->next = NULL;
		h->nb_segs = 1;
		rte_pktmbuf_free_seg(h);
		h = next;
	}
	h->data_off = (uint16_t)(h->data_off + n);
	h->data_len = (uint16_t)(h->data_len - n);
	chain_fix(h, total - n);
	*head = h;
}

int
px_chain_parse(struct sl_http_parser *p, const struct rte_mbuf *chain, uint32_t from,
	       uint32_t max, uint32_t *used)
{
	const struct rte_mbuf *seg = chain;
	uint32_t off = from;
	int rc = SL_HTTP_AGAIN;

	*used = 0;
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	if (seg == NULL || max == 0)
		/* Nothing new: still let a bodiless message report DONE. */
		return sl_http_parse(p, "", 0, &(size_t){ 0 });
	for (; seg != NULL && max > 0; seg = seg->next, off = 0) {
		size_t piece = RTE_MIN((uint32_t)seg->data_len - off, max), n = 0;

		rc = sl_http_parse(p, rte_pktmbuf_mtod_offset(seg, const char *, off), piece, &n);
		*used += (uint32_t)n;
		max -= (uint32_t)n;
		if (rc != SL_HTTP_AGAIN)
			break;
	}
	return rc;
}

void
px_wr_init(struct px_writer *w, struct rte_mempool *mp)
{
	w->cur = w->end = NULL;
	w->head = w->tail = NULL;
	w->mp = mp;
	w->failed = false;
}

/* The tail segment is full (or there is none): set its data_len, chain a new one. */
static bool
wr_grow(struct px_writer *w)
{
	struct rte_mbuf *t = w->tail, *m;

	if (t != NULL) {
		t->data_len = (uint16_t)(w->cur - rte_pktmbuf_mtod(t, char *));
		w->head->pkt_len += t->data_len;
	}
	m = rte_pktmbuf_alloc(w->mp);
	if (m == NULL) {
		w->failed = true;
		w->cur = w->end = NULL;
		return false;
	}
	if (w->head == NULL) {
		w->head = m;
	} else {
		t->next = m;
		w->head->nb_segs++;
	}
	w->tail = m;
	w->cur = rte_pktmbuf_mtod(m, char *);
	w->end = w->cur + rte_pktmbuf_tailroom(m);
	return true;
}

void
px_wr_put_more(struct px_writer *w, const void *data, size_t len)
{
	const char *src = data;

	while (len > 0 && !w->failed) {
		size_t n = RTE_MIN(len, (size_t)(w->end - w->cur));

		if (n == 0) {
			wr_grow(w);
			continue;
		}
		memcpy(w->cur, src, n);
		w->cur += n;
		src += n;
		len -= n;
	}
}

/* "00".."99": two digits per lookup. */
static const char digits2[200] = "0001020304050607080910111213141516171819"
				 "2021222324252627282930313233343536373839"
				 "4041424344454647484950515253545556575859"
				 "6061626364656667686970717273747576777879"
				 "8081828384858687888990919293949596979899";

void
px_wr_u64(struct px_writer *w, uint64_t v)
{
	char buf[20];
	char *d = buf + sizeof(buf);

	while (v >= 100) {
		d -= 2;
		memcpy(d, &digits2[2 * (v % 100)], 2);
		v /= 100;
	}
	if (v >= 10) {
		d -= 2;
		memcpy(d, &digits2[2 * v], 2);
	} else {
		*--d = (char)('0' + v);
	}
	px_wr_put(w, d, (size_t)(buf + sizeof(buf) - d));
}

/* Write v (0..255) in decimal at d; returns the end. */
static inline char *
put_u8(char *d, unsigned int v)
{
	if (v >= 100) {
		unsigned int h = v / 100;

		*d++ = (char)('0' + h);
		v -= 100 * h;
	} else if (v < 10) {
		*d = (char)('0' + v);
		return d + 1;
	}
	memcpy(d, &digits2[2 * v], 2);
	return d + 2;
}

void
px_wr_ip(struct px_writer *w, rte_be32_t ip)
{
	uint32_t a = rte_be_to_cpu_32(ip);
	char buf[16];
	/* "255.255.255.255" is 15 bytes: in place when the tail has the room */
	bool direct = (size_t)(w->end - w->cur) >= sizeof(buf);
	char *d = direct ? w->cur : buf;

	d = put_u8(d, a >> 24);
	*d++ = '.';
	d = put_u8(d, (a >> 16) & 0xff);
	*d++ = '.';
	d = put_u8(d, (a >> 8) & 0xff);
	*d++ = '.';
	d = put_u8(d, a & 0xff);
	if (direct)
		w->cur = d;
	else
		px_wr_put(w, buf, (size_t)(d - buf));
}

void
px_wr_span_more(struct px_writer *w, const struct rte_mbuf *chain, struct sl_http_span s)
{
	const struct rte_mbuf *seg = chain;
	uint32_t off = s.off, len = s.len;

	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	for (; seg != NULL && len > 0; seg = seg->next, off = 0) {
		uint32_t n = RTE_MIN((uint32_t)seg->data_len - off, len);

		px_wr_put(w, rte_pktmbuf_mtod_offset(seg, const char *, off), n);
		len -= n;
	}
}

struct rte_mbuf *
px_wr_done(struct px_writer *w)
{
	if (w->failed) {
		rte_pktmbuf_free(w->head);
		w->head = NULL;
	} else if (w->tail != NULL) {
		w->tail->data_len = (uint16_t)(w->cur - rte_pktmbuf_mtod(w->tail, char *));
		w->head->pkt_len += w->tail->data_len;
	}
	w->tail = NULL;
	w->cur = w->end = NULL;
	return w->head;
}
