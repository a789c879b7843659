/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http parser throughput: ns per message and MB/s over a small corpus of
 * realistic messages, ours against Debian's libhttp-parser 2.9 in the same
 * run (same machine, same moment). No DPDK: clock_gettime(CLOCK_MONOTONIC),
 * N iterations per round, best of 5 rounds.
 *
 * Both parsers do comparable work: ours records spans for the start line and
 * every field; libhttp-parser's callbacks record the same pointers/lengths.
 * Each message is fed whole (the common case: one segment), and ours also
 * split in 64-byte pieces to show the cost of resuming.
 *
 *   cc -O2 -Ilib/http tests/bench/bench_http.c lib/http/http_*.c -lhttp_parser -o /tmp/bench_http
 *   /tmp/bench_http [-n iterations]          the table
 *   /tmp/bench_http [-n iterations] NAME     one loop, for tests/bench/callgrind.sh:
 *     NAME = http_get | http_post | http_chunked | http_wrk | http_nginx (ours, fed
 *            whole) or hp_get | ... | hp_nginx (libhttp-parser); prints "RESULT NAME ..."
 *     (wrk and nginx: the GET /100 of bench_proxy and scripts/bench.sh, and nginx's
 *     200 with a 100-byte body)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <http_parser.h>

#ifdef SL_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s)
#endif

#include "sl_http.h"

struct sample {
	const char *name;
	enum sl_http_kind kind;
	const char *msg;
	size_t len;
};

static struct sample corpus[] = {
	{ "browser GET (13 fields)", SL_HTTP_REQUEST,
	  "GET /products/widgets/index.html?color=blue&size=xl&ref=homepage HTTP/1.1\r\n"
	  "Host: www.example-shop.com\r\n"
	  "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0\r\n"
	  "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
	  "Accept-Language: en-US,en;q=0.5\r\n"
	  "Accept-Encoding: gzip, deflate, br\r\n"
	  "Referer: https://www.example-shop.com/\r\n"
	  "Connection: keep-alive\r\n"
	  "Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark; consent=yes\r\n"
	  "Upgrade-Insecure-Requests: 1\r\n"
	  "Sec-Fetch-Dest: document\r\n"
	  "Sec-Fetch-Mode: navigate\r\n"
	  "Sec-Fetch-Site: same-origin\r\n"
	  "\r\n", 0 },
	{ "API POST + 62 B body", SL_HTTP_REQUEST,
	  "POST /api/v1/orders HTTP/1.1\r\n"
	  "Host: api.example.com\r\n"
	  "Content-Type: application/json\r\n"
	  "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.abc\r\n"
	  "Content-Length: 62\r\n"
	  "X-Request-Id: 3f2c9a1e-7d4b-4c8e-9f0a-1b2c3d4e5f60\r\n"
	  "\r\n"
	  "{\"item\":\"widget\",\"qty\":3,\"price\":19.99,\"currency\":\"EUR\",\"x\":1}", 0 },
	{ "chunked response (3 chunks)", SL_HTTP_RESPONSE,
	  "HTTP/1.1 200 OK\r\n"
	  "Server: nginx/1.22.1\r\n"
	  "Date: Mon, 01 Jan 2024 12:00:00 GMT\r\n"
	  "Content-Type: text/html; charset=utf-8\r\n"
	  "Transfer-Encoding: chunked\r\n"
	  "Connection: keep-alive\r\n"
	  "Cache-Control: no-cache\r\n"
	  "\r\n"
	  "3f\r\n<html><head><title>Widgets</title></head><body><h1>Widgets</h1>\r\n"
	  "40\r\n<ul><li>blue</li><li>red</li><li>green</li><li>black</li></ul>  \r\n"
	  "e\r\n</body></html>\r\n"
	  "0\r\n\r\n", 0 },
	/* What bench_proxy and scripts/bench.sh send: wrk's GET, and nginx's answer to it. */
	{ "wrk GET /100", SL_HTTP_REQUEST,
	  "GET /100 HTTP/1.1\r\n"
	  "Host: 10.0.1.1\r\n"
	  "\r\n", 0 },
	{ "nginx 200 + 100 B body", SL_HTTP_RESPONSE,
	  "HTTP/1.1 200 OK\r\n"
	  "Server: nginx\r\n"
	  "Date: Thu, 03 Dec 2026 14:46:34 GMT\r\n"
	  "Content-Type: text/plain\r\n"
	  "Content-Length: 100\r\n"
	  "Connection: keep-alive\r\n"
	  "\r\n"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxx\n", 0 },
};

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static struct sl_http_parser sp;
static const struct sl_http_limits lim = { 8192, 65536, SL_HTTP_MAX_HEADERS, 0 };
static volatile uint64_t sink;

static void
ours(const struct sample *s, size_t piece)
{
	size_t off = 0, used;
	int rc;

	sl_http_parser_init(&sp, s->kind, SL_HTTP_M_GET, &lim);
	for (;;) {
		size_t n = s->len - off < piece ? s->len - off : piece;

		rc = sl_http_parse(&sp, s->msg + off, n, &used);
		off += used;
		if (rc == SL_HTTP_DONE || rc < 0)
			break;
	}
	if (rc != SL_HTTP_DONE || off != s->len)
		abort();
	sink += sp.n_hdrs;
}

struct hp_spans {
	const char *at[2 * SL_HTTP_MAX_HEADERS + 2];
	size_t len[2 * SL_HTTP_MAX_HEADERS + 2];
	unsigned n;
	int done;
};

static int
hp_span(http_parser *p, const char *at, size_t len)
{
	struct hp_spans *s = p->data;

	if (s->n < 2 * SL_HTTP_MAX_HEADERS + 2) {
		s->at[s->n] = at;
		s->len[s->n++] = len;
	}
	return 0;
}

static int
hp_done(http_parser *p)
{
	((struct hp_spans *)p->data)->done = 1;
	return 0;
}

static const http_parser_settings hp_settings = {
	.on_url = hp_span,
	.on_status = hp_span,
	.on_header_field = hp_span,
	.on_header_value = hp_span,
	.on_message_complete = hp_done,
};

static void
theirs(const struct sample *s, size_t piece)
{
	static struct hp_spans spans;
	http_parser hp;
	size_t off = 0;

	(void)piece;
	spans.n = 0;
	spans.done = 0;
	http_parser_init(&hp, s->kind == SL_HTTP_REQUEST ? HTTP_REQUEST : HTTP_RESPONSE);
	hp.data = &spans;
	off = http_parser_execute(&hp, &hp_settings, s->msg, s->len);
	if (off != s->len || !spans.done)
		abort();
	sink += spans.n;
}

static double
best_of_5(void (*fn)(const struct sample *, size_t), const struct sample *s, size_t piece,
	  unsigned iters)
{
	double best = 1e30;

	for (int r = 0; r < 5; r++) {
		double t0 = now_ns(), dt;

		for (unsigned i = 0; i < iters; i++)
			fn(s, piece);
		dt = (now_ns() - t0) / iters;
		if (dt < best)
			best = dt;
	}
	return best;
}

/* One named loop, bracketed for callgrind (tests/bench/callgrind.sh). */
static int
one(const char *name, unsigned iters)
{
	static const char *const names[] = { "get", "post", "chunked", "wrk", "nginx" };
	bool mine = !strncmp(name, "http_", 5);
	const char *what = strchr(name, '_');
	struct sample *s = NULL;
	double t0, dt;

	for (size_t k = 0; what && k < sizeof(names) / sizeof(names[0]); k++)
		if (!strcmp(what + 1, names[k]))
			s = &corpus[k];
	if (s == NULL || (!mine && strncmp(name, "hp_", 3))) {
		fprintf(stderr, "bench_http: unknown benchmark %s\n", name);
		return 1;
	}
	s->len = strlen(s->msg);
	t0 = now_ns();
	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_ZERO_STATS;
	for (unsigned i = 0; i < iters; i++)
		(mine ? ours : theirs)(s, s->len);
	CALLGRIND_DUMP_STATS_AT(name);
	CALLGRIND_STOP_INSTRUMENTATION;
	dt = (now_ns() - t0) / iters;
	printf("%s: %.1f ns/msg, %.0f MB/s (%s, %zu bytes)\n", name, dt, s->len / dt * 1e3,
	       s->name, s->len);
	printf("RESULT %s units=%u unit=msg ns_loop=%.1f ns_stack=%.1f\n", name, iters, dt, dt);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned iters = 200000;
	int a = 1;

	if (a + 1 < argc && !strcmp(argv[a], "-n")) {
		iters = (unsigned)atoi(argv[a + 1]);
		a += 2;
	} else if (a < argc && argv[a][0] >= '0' && argv[a][0] <= '9') {
		iters = (unsigned)atoi(argv[a++]);
	}
	if (iters == 0)
		iters = 1;
	if (a < argc)
		return one(argv[a], iters);
	printf("%-28s %6s | %10s %8s | %10s %8s | %12s %8s | %s\n", "message", "bytes", "sluice ns",
	       "MB/s", "split64 ns", "MB/s", "http_parser", "MB/s", "ratio");
	for (size_t k = 0; k < sizeof(corpus) / sizeof(corpus[0]); k++) {
		struct sample *s = &corpus[k];
		double x, y, z;

		s->len = strlen(s->msg);
		x = best_of_5(ours, s, s->len, iters);
		y = best_of_5(ours, s, 64, iters);
		z = best_of_5(theirs, s, s->len, iters);
		printf("%-28s %6zu | %10.1f %8.0f | %10.1f %8.0f | %12.1f %8.0f | %.2fx\n", s->name,
		       s->len, x, s->len / x * 1e3, y, s->len / y * 1e3, z, s->len / z * 1e3, z / x);
	}
	return 0;
}
