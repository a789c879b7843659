/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/http: the same bytes parsed whole and split into
 * pieces must give the same messages (results, offsets, spans, framing,
 * errors); no crash, no read outside the input (ASan), no UB (UBSan).
 * abort() on any disagreement.
 *
 * Build standalone (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib/http \
 *     tests/fuzz/fuzz_http.c lib/http/http_*.c -o /tmp/fuzz_http
 *   mkdir -p /tmp/fuzz_http_corpus
 *   /tmp/fuzz_http -dict=tests/fuzz/http.dict -max_total_time=60 /tmp/fuzz_http_corpus tests/fuzz/corpus/http
 *
 * Input format: byte 0 = options, then the message bytes.
 *   bit 0     request (0) / response (1)
 *   bits 1-3  response: method of the request (0 GET, 1 HEAD, 2 CONNECT, 3 POST, ...)
 *   bit 4     small limits (to reach every limit) / generous ones
 *   bits 5-7  split: 0 one byte at a time, 1-6 pieces of 2^k - 1 bytes, 7 two
 *             pieces cut in the middle
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl_http.h"

#define MAXMSG 16

struct out {
	int n;
	int rc[MAXMSG];
	size_t head_at[MAXMSG], end[MAXMSG];
	struct sl_http_parser p[MAXMSG];
};

static const enum sl_http_method methods[8] = {
	SL_HTTP_M_GET, SL_HTTP_M_HEAD, SL_HTTP_M_CONNECT, SL_HTTP_M_POST,
	SL_HTTP_M_PUT, SL_HTTP_M_OPTIONS, SL_HTTP_M_DELETE, SL_HTTP_M_OTHER,
};
static const struct sl_http_limits small = { 40, 200, 6, 64 };
static const struct sl_http_limits big = { 8192, 65536, SL_HTTP_MAX_HEADERS, 0 };

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
parse(const uint8_t *in, size_t len, enum sl_http_kind kind, enum sl_http_method m,
      const struct sl_http_limits *l, size_t piece, size_t cut, struct out *o)
{
	size_t pos = 0;

	o->n = 0;
	sl_http_parser_init(&o->p[0], kind, m, l);
	o->head_at[0] = (size_t)-1;
	for (;;) {
		struct sl_http_parser *p = &o->p[o->n];
		size_t pe = cut ? (pos < cut ? cut : len) : (pos / piece + 1) * piece, used;
		int rc;

		if (pe > len)
			pe = len;
		/* a copy of exactly the piece: ASan sees any read beyond it */
		{
			size_t n = pe - pos;
			char *c = malloc(n ? n : 1);

			memcpy(c, in + pos, n);
			rc = sl_http_parse(p, c, n, &used);
			free(c);
			check(used <= n);
			check(rc != SL_HTTP_AGAIN || used == n);
		}
		pos += used;
		if (rc == SL_HTTP_HEAD) {
			check(o->head_at[o->n] == (size_t)-1);
			check(p->head_len > 0 && p->n_hdrs <= SL_HTTP_MAX_HEADERS);
			for (unsigned h = 0; h < p->n_hdrs; h++)
				check(p->hdrs[h].value.off + p->hdrs[h].value.len < p->head_len);
			o->head_at[o->n] = pos;
			continue;
		}
		if (rc == SL_HTTP_AGAIN && pos < len)
			continue;
		if (rc == SL_HTTP_AGAIN)
			rc = sl_http_parse_eof(p);
		if (rc < 0 && rc != SL_HTTP_E_STATE)
			check(p->status >= 400 && p->reason != NULL);
		o->rc[o->n] = rc;
		o->end[o->n] = pos;
		o->n++;
		if (rc != SL_HTTP_DONE || o->n == MAXMSG || pos == len)
			return;
		sl_http_parser_init(&o->p[o->n], kind, m, l);
		o->head_at[o->n] = (size_t)-1;
	}
}

static void
same(const struct out *a, const struct out *b)
{
	check(a->n == b->n);
	for (int k = 0; k < a->n; k++) {
		const struct sl_http_parser *p = &a->p[k], *q = &b->p[k];

		check(a->rc[k] == b->rc[k] && a->end[k] == b->end[k] &&
		      a->head_at[k] == b->head_at[k]);
		check(p->status == q->status && p->reason == q->reason);
		if (a->rc[k] < 0)
			continue;
		check(p->method == q->method && !memcmp(&p->method_span, &q->method_span, 8) &&
		      !memcmp(&p->target, &q->target, 8) && p->code == q->code &&
		      !memcmp(&p->reason_phrase, &q->reason_phrase, 8) &&
		      p->version_minor == q->version_minor);
		check(p->framing == q->framing && p->content_length == q->content_length &&
		      p->body_bytes == q->body_bytes && p->head_len == q->head_len);
		check(p->keep_alive == q->keep_alive && p->upgrade == q->upgrade &&
		      p->expect_continue == q->expect_continue &&
		      p->has_trailers == q->has_trailers);
		check(p->n_hdrs == q->n_hdrs);
		for (unsigned h = 0; h < p->n_hdrs; h++)
			check(!memcmp(&p->hdrs[h].name, &q->hdrs[h].name, 8) &&
			      !memcmp(&p->hdrs[h].value, &q->hdrs[h].value, 8) &&
			      p->hdrs[h].id == q->hdrs[h].id &&
			      p->hdrs[h].hop_by_hop == q->hdrs[h].hop_by_hop);
		check(!memcmp(p->hdr_index, q->hdr_index, sizeof(p->hdr_index)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct out whole, split;
	enum sl_http_kind kind;
	enum sl_http_method m;
	const struct sl_http_limits *l;
	unsigned s;

	if (size < 1)
		return 0;
	kind = data[0] & 1 ? SL_HTTP_RESPONSE : SL_HTTP_REQUEST;
	m = methods[(data[0] >> 1) & 7];
	l = data[0] & 0x10 ? &small : &big;
	s = data[0] >> 5;
	data++;
	size--;
	parse(data, size, kind, m, l, size ? size : 1, 0, &whole);
	if (s == 7)
		parse(data, size, kind, m, l, 1, size / 2 ? size / 2 : 1, &split);
	else
		parse(data, size, kind, m, l, s ? (1u << s) - 1 : 1, 0, &split);
	same(&whole, &split);
	return 0;
}
