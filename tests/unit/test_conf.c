/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conf: every good file is checked value by value, every bad one by the
 * exact, complete text of its messages.
 *
 * Files come from $SL_TEST_DATA/conf (one per theme, each with several
 * problems, so that "all problems are reported" is tested everywhere) or are
 * written to a scratch folder when their bytes matter (CRLF, BOM, NUL, a long
 * line). Profiles come from a scratch folder holding the real
 * $SL_PROFILE_DIR/default.ini and the test profiles of $SL_TEST_DATA/profiles,
 * so no colleague-written <pmd>.ini can change a result.
 *
 * In expected messages, {F} stands for the config path given to
 * sl_conf_load() and {P} for the profile folder.
 *
 * No EAL, no hugepages, no root.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <rte_ethdev.h> /* RTE_ETH_* bits only: nothing is linked from DPDK */

#include "sl_conf.h"

#define DIM(a)		(sizeof(a) / sizeof((a)[0]))
#define CONF_LINE_MAX_T 1022 /* the longest line iniparser reads (conf_priv.h CONF_LINE_MAX) */

static char data_dir[PATH_MAX];	      /* $SL_TEST_DATA */
static char real_prof_dir[PATH_MAX];  /* $SL_PROFILE_DIR */
static char tmp_dir[PATH_MAX];	      /* scratch, removed by the group teardown */
static char prof_dir[PATH_MAX];	      /* tmp/profiles: default.ini + test profiles */
static char nodefault_dir[PATH_MAX];  /* tmp/nodefault: no default.ini */
static char baddefault_dir[PATH_MAX]; /* tmp/baddefault: a broken default.ini */

/* The well-known 40-byte Toeplitz key default.ini gives. */
static const uint8_t default_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

#define SIZE \
	"(accepted: 0..9223372036854775807 bytes, or a number with K, M or G for KiB, MiB or GiB)"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* Helpers */

static void
path_join(char *buf, const char *dir, const char *name)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);

	assert_true(n > 0 && n < PATH_MAX);
}

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The whole file, NUL-terminated; free() it. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf != NULL) {
		buf[n] = '\0';
		if (len != NULL)
			*len = (size_t)n;
	}
	return buf;
}

static int
copy_file(const char *from, const char *to)
{
	size_t len;
	char *text = read_file(from, &len);
	FILE *f;
	int rc = 0;

	if (text == NULL)
		return -1;
	f = fopen(to, "wb");
	if (f == NULL || fwrite(text, 1, len, f) != len)
		rc = -1;
	if (f != NULL && fclose(f) != 0)
		rc = -1;
	free(text);
	return rc;
}

/* Load @p path; *msgs gets everything written to errf (free() it), *err errno. */
static struct sl_config *
load(const char *path, const char *pdir, char **msgs, int *err)
{
	struct sl_config *conf;
	size_t len = 0;
	FILE *errf;

	*msgs = NULL;
	errf = open_memstream(msgs, &len);
	assert_non_null(errf);
	errno = 0;
	conf = sl_conf_load(path, pdir, errf);
	*err = errno;
	assert_int_equal(fclose(errf), 0);
	return conf;
}

/* Load a file that must be good: no message at all. */
static struct sl_config *
load_good(const char *path, const char *pdir)
{
	struct sl_config *conf;
	char *msgs;
	int err;

	conf = load(path, pdir, &msgs, &err);
	assert_string_equal(msgs, "");
	free(msgs);
	assert_non_null(conf);
	return conf;
}

static void
data_path(char *buf, const char *name)
{
	char conf_dir[PATH_MAX];

	path_join(conf_dir, data_dir, "conf");
	path_join(buf, conf_dir, name);
}

/* @p tmpl with {F} and {P} replaced; free() it. */
static char *
expand(const char *tmpl, const char *file, const char *pdir)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *p;

	assert_non_null(f);
	for (p = tmpl; *p != '\0'; p++) {
		if (strncmp(p, "{F}", 3) == 0) {
			fputs(file, f);
			p += 2;
		} else if (strncmp(p, "{P}", 3) == 0) {
			fputs(pdir, f);
			p += 2;
		} else {
			fputc(*p, f);
		}
	}
	assert_int_equal(fclose(f), 0);
	return out;
}

static void
assert_bad(const char *path, const char *pdir, const char *expect, int expect_errno)
{
	struct sl_config *conf;
	char *msgs, *want;
	int err;

	conf = load(path, pdir, &msgs, &err);
	want = expand(expect, path, pdir);
	if (strcmp(msgs, want) != 0)
		print_message("--- expected\n%s--- got\n%s---\n", want, msgs);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);
	assert_null(conf);
	assert_int_equal(err, expect_errno);
}

static void
assert_default_profile(const struct sl_profile *p)
{
	assert_string_equal(p->name, "default");
	assert_int_equal(p->max_queues, 16);
	assert_int_equal(p->rx_desc, 1024);
	assert_int_equal(p->tx_desc, 1024);
	assert_int_equal(p->mtu, 1500);
	assert_false(p->promiscuous);
	assert_false(p->idle);
	assert_true(p->rss);
	assert_int_equal(p->rss_key_len, 40);
	assert_memory_equal(p->rss_key, default_key, 40);
	assert_int_equal(p->rss_hf, RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP);
	assert_int_equal(p->rx_offloads,
			 RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
	assert_int_equal(p->tx_offloads,
			 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM);
	assert_int_equal(p->link_wait_ms, 0);
}

static void
assert_profile_equal(const struct sl_profile *a, const struct sl_profile *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->max_queues, b->max_queues);
	assert_int_equal(a->rx_desc, b->rx_desc);
	assert_int_equal(a->tx_desc, b->tx_desc);
	assert_int_equal(a->mtu, b->mtu);
	assert_int_equal(a->promiscuous, b->promiscuous);
	assert_int_equal(a->idle, b->idle);
	assert_int_equal(a->rss, b->rss);
	assert_int_equal(a->rss_key_len, b->rss_key_len);
	assert_memory_equal(a->rss_key, b->rss_key, sizeof(a->rss_key));
	assert_int_equal(a->rss_hf, b->rss_hf);
	assert_int_equal(a->rx_offloads, b->rx_offloads);
	assert_int_equal(a->tx_offloads, b->tx_offloads);
	assert_int_equal(a->link_wait_ms, b->link_wait_ms);
}

/* [tcp] as the gateway runs without one. */
static void
assert_tcp_defaults(const struct sl_conf_tcp *t)
{
	static const uint8_t zero[SL_TCP_SECRET_LEN];

	assert_int_equal(t->max_conns, 16384);
	assert_int_equal(t->syn_backlog, 1024);
	assert_int_equal(t->snd_buf, 262144);
	assert_int_equal(t->rcv_buf, 262144);
	assert_int_equal(t->rto_min_ms, 200);
	assert_int_equal(t->rto_max_ms, 120000);
	assert_int_equal(t->rto_init_ms, 1000);
	assert_int_equal(t->delack_ms, 40);
	assert_int_equal(t->max_retries, 15);
	assert_int_equal(t->syn_retries, 6);
	assert_int_equal(t->time_wait_max, 8192); /* 0: max_conns / 2 */
	assert_int_equal(t->time_wait_ms, 60000);
	assert_int_equal(t->fin_wait2_ms, 60000);
	assert_int_equal(t->challenge_ack_limit, 1000);
	assert_true(t->sack);
	assert_true(t->timestamps);
	assert_true(t->wscale);
	assert_true(t->syncookies);
	assert_false(t->has_secret);
	assert_memory_equal(t->secret, zero, sizeof(zero));
}

static void
assert_tcp_equal(const struct sl_conf_tcp *a, const struct sl_conf_tcp *b)
{
	assert_int_equal(a->max_conns, b->max_conns);
	assert_int_equal(a->syn_backlog, b->syn_backlog);
	assert_int_equal(a->snd_buf, b->snd_buf);
	assert_int_equal(a->rcv_buf, b->rcv_buf);
	assert_int_equal(a->rto_min_ms, b->rto_min_ms);
	assert_int_equal(a->rto_max_ms, b->rto_max_ms);
	assert_int_equal(a->rto_init_ms, b->rto_init_ms);
	assert_int_equal(a->delack_ms, b->delack_ms);
	assert_int_equal(a->max_retries, b->max_retries);
	assert_int_equal(a->syn_retries, b->syn_retries);
	assert_int_equal(a->time_wait_max, b->time_wait_max);
	assert_int_equal(a->time_wait_ms, b->time_wait_ms);
	assert_int_equal(a->fin_wait2_ms, b->fin_wait2_ms);
	assert_int_equal(a->challenge_ack_limit, b->challenge_ack_limit);
	assert_int_equal(a->sack, b->sack);
	assert_int_equal(a->timestamps, b->timestamps);
	assert_int_equal(a->wscale, b->wscale);
	assert_int_equal(a->syncookies, b->syncookies);
	assert_int_equal(a->has_secret, b->has_secret);
	assert_memory_equal(a->secret, b->secret, sizeof(a->secret));
}

/* [http] as the gateway runs without one. */
static void
assert_http_defaults(const struct sl_conf_http *h)
{
	assert_int_equal(h->client_header_timeout_ms, 10000);
	assert_int_equal(h->client_idle_timeout_ms, 60000);
	assert_int_equal(h->client_body_timeout_ms, 60000);
	assert_int_equal(h->backend_connect_timeout_ms, 3000);
	assert_int_equal(h->backend_response_timeout_ms, 30000);
	assert_int_equal(h->backend_idle_timeout_ms, 15000);
	assert_int_equal(h->max_request_line, 8192);
	assert_int_equal(h->max_header_bytes, 32768);
	assert_int_equal(h->max_headers, 100);
	assert_int_equal(h->max_body, 0);
	assert_int_equal(h->max_idle_per_backend, 64);
	assert_int_equal(h->retries, 1);
}

static void
assert_http_equal(const struct sl_conf_http *a, const struct sl_conf_http *b)
{
	assert_int_equal(a->client_header_timeout_ms, b->client_header_timeout_ms);
	assert_int_equal(a->client_idle_timeout_ms, b->client_idle_timeout_ms);
	assert_int_equal(a->client_body_timeout_ms, b->client_body_timeout_ms);
	assert_int_equal(a->backend_connect_timeout_ms, b->backend_connect_timeout_ms);
	assert_int_equal(a->backend_response_timeout_ms, b->backend_response_timeout_ms);
	assert_int_equal(a->backend_idle_timeout_ms, b->backend_idle_timeout_ms);
	assert_int_equal(a->max_request_line, b->max_request_line);
	assert_int_equal(a->max_header_bytes, b->max_header_bytes);
	assert_int_equal(a->max_headers, b->max_headers);
	assert_int_equal(a->max_body, b->max_body);
	assert_int_equal(a->max_idle_per_backend, b->max_idle_per_backend);
	assert_int_equal(a->retries, b->retries);
}

/* A VIP's mode http keys left out (or a mode echo / discard VIP). */
static void
assert_vip_http_defaults(const struct sl_conf_vip *v)
{
	assert_int_equal(v->n_routes, 0);
	assert_null(v->routes);
	assert_true(v->forwarded_for);
	assert_false(v->forwarded);
	assert_string_equal(v->via, "");
	assert_int_equal(v->max_conns, 0);
	assert_int_equal(v->n_limits, 0);
	assert_int_equal(v->bandwidth_bps, 0);
	assert_int_equal(v->max_conns_per_client, 0);
	assert_int_equal(v->max_new_conns.count, 0);
}

static void
assert_route(const struct sl_conf_route *r, unsigned int number, const char *host, bool wildcard,
	     const char *path, int pool)
{
	assert_int_equal(r->number, number);
	assert_string_equal(r->host, host);
	assert_int_equal(r->host_wildcard, wildcard);
	assert_string_equal(r->path, path);
	assert_int_equal(r->pool, pool);
}

static void
assert_limit_equal(const struct sl_conf_limit *a, const struct sl_conf_limit *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->key, b->key);
	assert_string_equal(a->key_name, b->key_name);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->rate.count, b->rate.count);
	assert_int_equal(a->rate.period_s, b->rate.period_s);
	assert_int_equal(a->burst, b->burst);
	assert_int_equal(a->action, b->action);
	assert_int_equal(a->max_keys, b->max_keys);
	assert_int_equal(a->status, b->status);
}

/* Field by field: padding bytes are nobody's business. Paths may differ. */
static void
assert_conf_equal(const struct sl_config *a, const struct sl_config *b)
{
	unsigned int i, j;

	assert_memory_equal(&a->global, &b->global, sizeof(a->global));
	assert_tcp_equal(&a->tcp, &b->tcp);
	assert_http_equal(&a->http, &b->http);
	assert_int_equal(a->shed.max_inflight, b->shed.max_inflight);
	assert_int_equal(a->shed.max_queue, b->shed.max_queue);
	assert_int_equal(a->shed.max_queue_ms, b->shed.max_queue_ms);
	assert_int_equal(a->shed.retry_after, b->shed.retry_after);
	assert_int_equal(a->n_limits, b->n_limits);
	for (i = 0; i < a->n_limits; i++)
		assert_limit_equal(&a->limits[i], &b->limits[i]);
	assert_int_equal(a->n_ports, b->n_ports);
	assert_int_equal(a->n_vips, b->n_vips);
	assert_int_equal(a->n_pools, b->n_pools);
	assert_int_equal(a->n_backends, b->n_backends);
	for (i = 0; i < a->n_ports; i++) {
		const struct sl_conf_port *x = &a->ports[i], *y = &b->ports[i];

		assert_string_equal(x->name, y->name);
		assert_string_equal(x->device, y->device);
		assert_profile_equal(&x->profile, &y->profile);
		assert_int_equal(x->addr, y->addr);
		assert_int_equal(x->prefix_len, y->prefix_len);
		assert_int_equal(x->gateway, y->gateway);
	}
	for (i = 0; i < a->n_vips; i++) {
		const struct sl_conf_vip *x = &a->vips[i], *y = &b->vips[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->addr, y->addr);
		assert_int_equal(x->port, y->port);
		assert_int_equal(x->mode, y->mode);
		assert_int_equal(x->pool, y->pool);
		assert_int_equal(x->forwarded_for, y->forwarded_for);
		assert_int_equal(x->forwarded, y->forwarded);
		assert_string_equal(x->via, y->via);
		assert_int_equal(x->max_conns, y->max_conns);
		assert_int_equal(x->n_limits, y->n_limits);
		assert_memory_equal(x->limits, y->limits, x->n_limits);
		assert_int_equal(x->bandwidth_bps, y->bandwidth_bps);
		assert_int_equal(x->max_conns_per_client, y->max_conns_per_client);
		assert_int_equal(x->max_new_conns.count, y->max_new_conns.count);
		assert_int_equal(x->max_new_conns.period_s, y->max_new_conns.period_s);
		assert_int_equal(x->affinity, y->affinity);
		assert_int_equal(x->affinity_ttl_ms, y->affinity_ttl_ms);
		assert_int_equal(x->affinity_max, y->affinity_max);
		assert_string_equal(x->cookie_name, y->cookie_name);
		assert_int_equal(x->cookie_key_len, y->cookie_key_len);
		assert_memory_equal(x->cookie_key, y->cookie_key, sizeof(x->cookie_key));
		assert_string_equal(x->cookie_path, y->cookie_path);
		assert_int_equal(x->cookie_max_age, y->cookie_max_age);
		assert_int_equal(x->cookie_httponly, y->cookie_httponly);
		assert_int_equal(x->cookie_secure, y->cookie_secure);
		assert_int_equal(x->cookie_samesite, y->cookie_samesite);
		assert_int_equal(x->n_routes, y->n_routes);
		for (j = 0; j < x->n_routes; j++) {
			assert_route(&y->routes[j], x->routes[j].number, x->routes[j].host,
				     x->routes[j].host_wildcard, x->routes[j].path,
				     x->routes[j].pool);
			assert_int_equal(y->routes[j].n_limits, x->routes[j].n_limits);
			assert_memory_equal(y->routes[j].limits, x->routes[j].limits,
					    x->routes[j].n_limits);
		}
	}
	for (i = 0; i < a->n_pools; i++) {
		assert_string_equal(a->pools[i].name, b->pools[i].name);
		assert_int_equal(a->pools[i].algorithm, b->pools[i].algorithm);
		assert_int_equal(a->pools[i].maglev_size, b->pools[i].maglev_size);
		assert_int_equal(a->pools[i].hash_key, b->pools[i].hash_key);
		assert_string_equal(a->pools[i].hash_name, b->pools[i].hash_name);
		assert_int_equal(a->pools[i].slow_start_ms, b->pools[i].slow_start_ms);
	}
	for (i = 0; i < a->n_backends; i++) {
		const struct sl_conf_backend *x = &a->backends[i], *y = &b->backends[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->pool, y->pool);
		assert_int_equal(x->addr, y->addr);
		assert_int_equal(x->port, y->port);
		assert_int_equal(x->weight, y->weight);
		assert_int_equal(x->backup, y->backup);
		assert_int_equal(x->max_conns, y->max_conns);
	}
}

/* Good files */

static void
test_good_full(void **state)
{
	const struct sl_profile *p;
	struct sl_config *conf;
	char path[PATH_MAX];
	unsigned int i;
	static const uint8_t key52[52] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
		0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
		0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
		0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33,
	};
	static const uint8_t secret[SL_TCP_SECRET_LEN] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};

	(void)state;
	data_path(path, "good_full.ini");
	conf = load_good(path, prof_dir);
	assert_string_equal(conf->path, path);

	assert_int_equal(conf->global.mbufs, 32767);
	assert_int_equal(conf->global.mbuf_cache, 128);
	assert_int_equal(conf->global.idle, SL_IDLE_OFF);
	assert_int_equal(conf->global.idle_polls, 1000);
	assert_int_equal(conf->global.idle_sleep_us, 50);
	assert_int_equal(conf->global.neigh_size, 4096);
	assert_int_equal(conf->global.neigh_reachable_ms, 60000);
	assert_int_equal(conf->global.neigh_retry_ms, 500);
	assert_int_equal(conf->global.neigh_retries, 5);
	assert_int_equal(conf->global.neigh_hold, 0);

	/* [TCP], Max_Conns: case-insensitive like every section and key. */
	assert_int_equal(conf->tcp.max_conns, 65536);
	assert_int_equal(conf->tcp.syn_backlog, 4096);
	assert_int_equal(conf->tcp.snd_buf, 1048576);
	assert_int_equal(conf->tcp.rcv_buf, 524288);
	assert_int_equal(conf->tcp.rto_min_ms, 250);
	assert_int_equal(conf->tcp.rto_max_ms, 90000);
	assert_int_equal(conf->tcp.rto_init_ms, 3000);
	assert_int_equal(conf->tcp.delack_ms, 0);
	assert_int_equal(conf->tcp.max_retries, 8);
	assert_int_equal(conf->tcp.syn_retries, 3);
	assert_int_equal(conf->tcp.time_wait_max, 30000);
	assert_int_equal(conf->tcp.time_wait_ms, 30000);
	assert_int_equal(conf->tcp.fin_wait2_ms, 15000);
	assert_int_equal(conf->tcp.challenge_ack_limit, 100);
	assert_false(conf->tcp.sack);
	assert_false(conf->tcp.timestamps);
	assert_false(conf->tcp.wscale);
	assert_false(conf->tcp.syncookies);
	assert_true(conf->tcp.has_secret);
	assert_memory_equal(conf->tcp.secret, secret, sizeof(secret));

	assert_int_equal(conf->n_ports, 4);
	assert_string_equal(conf->ports[0].name, "front");
	assert_string_equal(conf->ports[0].device, "sltest0");
	assert_int_equal(conf->ports[0].addr, IP(10, 0, 0, 1));
	assert_int_equal(conf->ports[0].prefix_len, 24);
	assert_int_equal(conf->ports[0].gateway, IP(10, 0, 0, 254));
	/* sltest.ini over default.ini: what it gives, and default.ini's for the rest. */
	p = &conf->ports[0].profile;
	assert_string_equal(p->name, "sltest");
	assert_int_equal(p->max_queues, 4);
	assert_int_equal(p->rx_desc, 1024);
	assert_int_equal(p->tx_desc, 1024);
	assert_int_equal(p->mtu, 9000);
	assert_true(p->promiscuous);
	assert_true(p->idle);
	assert_int_equal(p->link_wait_ms, 0);
	assert_true(p->rss);
	assert_int_equal(p->rss_key_len, 0);
	assert_int_equal(p->rss_hf,
			 RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_L3_SRC_ONLY);
	assert_int_equal(p->rx_offloads, 0);
	assert_int_equal(p->tx_offloads,
			 RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE);

	/* Section and key names are case-insensitive, and so is the profile name. */
	assert_string_equal(conf->ports[1].name, "back");
	assert_string_equal(conf->ports[1].device, "net_null0");
	assert_int_equal(conf->ports[1].addr, IP(10, 1, 0, 0)); /* /31: no network address */
	assert_int_equal(conf->ports[1].prefix_len, 31);
	assert_int_equal(conf->ports[1].gateway, 0);
	p = &conf->ports[1].profile;
	assert_string_equal(p->name, "sltest_big");
	assert_int_equal(p->max_queues, 64);
	assert_int_equal(p->mtu, 1500);
	assert_false(p->promiscuous);
	assert_false(p->idle);
	assert_int_equal(p->link_wait_ms, 60000);
	assert_false(p->rss);
	assert_int_equal(p->rss_key_len, 52);
	assert_memory_equal(p->rss_key, key52, 52);
	assert_int_equal(p->rss_hf, RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP |
					    RTE_ETH_RSS_NONFRAG_IPV4_UDP |
					    RTE_ETH_RSS_NONFRAG_IPV4_OTHER |
					    RTE_ETH_RSS_L3_DST_ONLY | RTE_ETH_RSS_L4_SRC_ONLY |
					    RTE_ETH_RSS_L4_DST_ONLY);
	assert_int_equal(p->rx_offloads,
			 RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM);

	/* Derived: the longest prefix naming a profile (sltest_big, not sltest). */
	assert_string_equal(conf->ports[2].name, "mgmt");
	assert_string_equal(conf->ports[2].profile.name, "sltest_big");
	assert_int_equal(conf->ports[2].addr, IP(192, 168, 7, 2));
	assert_int_equal(conf->ports[2].prefix_len, 30);
	assert_profile_equal(&conf->ports[2].profile, &conf->ports[1].profile);

	/* Derived: no prefix names a profile. */
	assert_string_equal(conf->ports[3].name, "plain-1");
	assert_int_equal(conf->ports[3].addr, IP(172, 16, 0, 9));
	assert_int_equal(conf->ports[3].prefix_len, 32);
	assert_default_profile(&conf->ports[3].profile);

	/* Pools in file order, referenced by index whatever the section order. */
	assert_int_equal(conf->n_pools, 2);
	assert_string_equal(conf->pools[0].name, "web");
	assert_int_equal(conf->pools[0].algorithm, SL_LB_ROUNDROBIN);
	assert_string_equal(conf->pools[1].name, "api");
	assert_int_equal(conf->pools[1].algorithm, SL_LB_ROUNDROBIN);

	assert_int_equal(conf->n_vips, 4);
	assert_string_equal(conf->vips[0].name, "web");
	assert_int_equal(conf->vips[0].addr, IP(10, 0, 0, 1));
	assert_int_equal(conf->vips[0].port, 80);
	assert_int_equal(conf->vips[0].mode, SL_VIP_HTTP);
	assert_int_equal(conf->vips[0].pool, 0);
	assert_string_equal(conf->vips[1].name, "api");
	assert_int_equal(conf->vips[1].port, 8080);
	assert_int_equal(conf->vips[1].mode, SL_VIP_HTTP);
	assert_int_equal(conf->vips[1].pool, 1); /* "API": pool names are case-insensitive */
	assert_string_equal(conf->vips[2].name, "echo");
	assert_int_equal(conf->vips[2].addr, IP(10, 0, 0, 2));
	assert_int_equal(conf->vips[2].port, 7);
	assert_int_equal(conf->vips[2].mode, SL_VIP_ECHO); /* a quoted value */
	assert_int_equal(conf->vips[2].pool, -1);
	assert_int_equal(conf->vips[3].port, 65535);
	assert_int_equal(conf->vips[3].mode, SL_VIP_DISCARD);
	assert_int_equal(conf->vips[3].pool, -1);
	for (i = 0; i < conf->n_vips; i++)
		assert_vip_http_defaults(&conf->vips[i]);
	assert_http_defaults(&conf->http); /* no [http] section */

	assert_int_equal(conf->n_backends, 3);
	assert_string_equal(conf->backends[0].name, "w1");
	assert_int_equal(conf->backends[0].pool, 0);
	assert_int_equal(conf->backends[0].addr, IP(10, 1, 0, 11));
	assert_int_equal(conf->backends[0].port, 8080);
	assert_int_equal(conf->backends[0].weight, 1);
	assert_string_equal(conf->backends[1].name, "w2");
	assert_int_equal(conf->backends[1].addr, IP(10, 1, 0, 12));
	assert_int_equal(conf->backends[1].weight, 1000);
	assert_string_equal(conf->backends[2].name, "a_1");
	assert_int_equal(conf->backends[2].pool, 1);
	assert_int_equal(conf->backends[2].addr, IP(10, 1, 0, 21));
	assert_int_equal(conf->backends[2].port, 1);
	assert_int_equal(conf->backends[2].weight, 0);
	for (i = 0; i < conf->n_backends; i++) {
		assert_false(conf->backends[i].backup);
		assert_int_equal(conf->backends[i].max_conns, 0);
	}
	sl_conf_free(conf);
}

static void
test_good_minimal(void **state)
{
	struct sl_config *conf;
	char path[PATH_MAX];

	(void)state;
	data_path(path, "good_minimal.ini");
	conf = load_good(path, prof_dir);
	assert_int_equal(conf->global.mbufs, 16383);
	assert_int_equal(conf->global.mbuf_cache, 256);
	assert_int_equal(conf->global.idle, SL_IDLE_AUTO);
	assert_int_equal(conf->global.idle_polls, 256);
	assert_int_equal(conf->global.idle_sleep_us, 200);
	assert_int_equal(conf->global.neigh_size, 1024);
	assert_int_equal(conf->global.neigh_reachable_ms, 30000);
	assert_int_equal(conf->global.neigh_retry_ms, 1000);
	assert_int_equal(conf->global.neigh_retries, 3);
	assert_int_equal(conf->global.neigh_hold, 256);
	assert_tcp_defaults(&conf->tcp); /* no [tcp] section */
	assert_http_defaults(&conf->http);
	assert_int_equal(conf->n_ports, 1);
	assert_int_equal(conf->n_vips, 0);
	assert_int_equal(conf->n_pools, 0);
	assert_int_equal(conf->n_backends, 0);
	assert_string_equal(conf->ports[0].name, "p0");
	assert_string_equal(conf->ports[0].device, "net_null0");
	assert_int_equal(conf->ports[0].addr, IP(10, 0, 0, 1));
	assert_int_equal(conf->ports[0].prefix_len, 8);
	assert_int_equal(conf->ports[0].gateway, 0);
	assert_default_profile(&conf->ports[0].profile);
	sl_conf_free(conf);
}

/* Every [tcp] key at the ends of its range, and the booleans in every spelling. */
static void
test_tcp_range_ends(void **state)
{
	static const uint8_t one[SL_TCP_SECRET_LEN] = { [15] = 0x01 };
	static const uint8_t ff[SL_TCP_SECRET_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	const struct sl_conf_tcp *t;
	struct sl_config *conf;
	char path[PATH_MAX];

	(void)state;
	data_path(path, "good_tcp_min.ini");
	conf = load_good(path, prof_dir);
	t = &conf->tcp;
	assert_int_equal(t->max_conns, 16);
	assert_int_equal(t->syn_backlog, 1);
	assert_int_equal(t->snd_buf, 4096);
	assert_int_equal(t->rcv_buf, 4096);
	assert_int_equal(t->rto_min_ms, 1);
	assert_int_equal(t->rto_max_ms, 100);
	assert_int_equal(t->rto_init_ms, 1);
	assert_int_equal(t->delack_ms, 0);
	assert_int_equal(t->max_retries, 1);
	assert_int_equal(t->syn_retries, 1);
	assert_int_equal(t->time_wait_max, 8); /* 0: max_conns / 2 */
	assert_int_equal(t->time_wait_ms, 0);
	assert_int_equal(t->fin_wait2_ms, 1000);
	assert_int_equal(t->challenge_ack_limit, 1);
	assert_false(t->sack);
	assert_false(t->timestamps);
	assert_false(t->wscale);
	assert_false(t->syncookies);
	assert_true(t->has_secret);
	assert_memory_equal(t->secret, one, sizeof(one));
	sl_conf_free(conf);

	data_path(path, "good_tcp_max.ini");
	conf = load_good(path, prof_dir);
	t = &conf->tcp;
	assert_int_equal(t->max_conns, 4194304);
	assert_int_equal(t->syn_backlog, 1048576);
	assert_int_equal(t->snd_buf, 67108864);
	assert_int_equal(t->rcv_buf, 67108864);
	assert_int_equal(t->rto_min_ms, 60000);
	assert_int_equal(t->rto_max_ms, 600000);
	assert_int_equal(t->rto_init_ms, 60000);
	assert_int_equal(t->delack_ms, 500);
	assert_int_equal(t->max_retries, 100);
	assert_int_equal(t->syn_retries, 20);
	assert_int_equal(t->time_wait_max, 4194303);
	assert_int_equal(t->time_wait_ms, 600000);
	assert_int_equal(t->fin_wait2_ms, 600000);
	assert_int_equal(t->challenge_ack_limit, 1000000);
	assert_true(t->sack);
	assert_true(t->timestamps);
	assert_true(t->wscale);
	assert_true(t->syncookies);
	assert_true(t->has_secret);
	assert_memory_equal(t->secret, ff, sizeof(ff));
	sl_conf_free(conf);
}

/* Every algorithm and pool key, and session affinity, at their range ends. */
static void
test_good_lb(void **state)
{
	static const uint8_t key64[32] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
		0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};
	static const uint8_t key32[16] = {
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};
	const struct sl_conf_vip *v;
	const struct sl_conf_pool *p;
	struct sl_config *conf;
	char path[PATH_MAX];

	(void)state;
	data_path(path, "good_lb.ini");
	conf = load_good(path, prof_dir);
	assert_int_equal(conf->n_pools, 8);
	p = conf->pools;
	assert_int_equal(p[0].algorithm, SL_LB_ROUNDROBIN);
	assert_int_equal(p[0].slow_start_ms, 3600000);
	assert_int_equal(p[0].maglev_size, SL_MAGLEV_SIZE_DEFAULT);
	assert_int_equal(p[1].algorithm, SL_LB_LEASTCONN);
	assert_int_equal(p[1].slow_start_ms, 10000);
	assert_int_equal(p[2].algorithm, SL_LB_RANDOM2);
	assert_int_equal(p[2].slow_start_ms, 0);
	assert_int_equal(p[3].algorithm, SL_LB_MAGLEV);
	assert_int_equal(p[3].maglev_size, 101);
	assert_int_equal(p[4].algorithm, SL_LB_HASH);
	assert_int_equal(p[4].hash_key, SL_LB_HASH_SOURCE);
	assert_string_equal(p[4].hash_name, "");
	assert_int_equal(p[4].maglev_size, 65537);
	assert_int_equal(p[5].hash_key, SL_LB_HASH_URI);
	assert_int_equal(p[5].maglev_size, 16777213);
	assert_int_equal(p[6].hash_key, SL_LB_HASH_HEADER);
	assert_string_equal(p[6].hash_name, "x-user-id"); /* header names: lower case */
	assert_int_equal(p[7].hash_key, SL_LB_HASH_COOKIE);
	assert_string_equal(p[7].hash_name, "Session_ID"); /* cookie names: as given */
	assert_string_equal(sl_conf_lb_algo_name(SL_LB_HASH), "hash");
	assert_string_equal(sl_conf_lb_algo_name((enum sl_lb_algo)9), "?");

	v = &conf->vips[0];
	assert_int_equal(v->affinity, SL_AFFINITY_COOKIE);
	assert_int_equal(v->affinity_ttl_ms, 1000);
	assert_int_equal(v->affinity_max, 16);
	assert_string_equal(v->cookie_name, "shop_id");
	assert_int_equal(v->cookie_key_len, 32);
	assert_memory_equal(v->cookie_key, key64, sizeof(key64));
	assert_string_equal(v->cookie_path, "/cart");
	assert_int_equal(v->cookie_max_age, 31536000);
	assert_false(v->cookie_httponly);
	assert_true(v->cookie_secure);
	assert_int_equal(v->cookie_samesite, SL_SAMESITE_NONE);
	v = &conf->vips[1];
	assert_int_equal(v->affinity, SL_AFFINITY_SOURCE);
	assert_int_equal(v->affinity_ttl_ms, 86400000);
	assert_int_equal(v->affinity_max, 16777216);
	assert_int_equal(v->cookie_key_len, 16);
	assert_memory_equal(v->cookie_key, key32, sizeof(key32));
	assert_int_equal(v->cookie_samesite, SL_SAMESITE_STRICT);
	v = &conf->vips[2];
	assert_int_equal(v->affinity, SL_AFFINITY_NONE);
	assert_int_equal(v->affinity_ttl_ms, 300000);
	assert_int_equal(v->affinity_max, 65536);
	assert_string_equal(v->cookie_name, "SLUICE");
	assert_int_equal(v->cookie_key_len, 0);
	assert_string_equal(v->cookie_path, "/");
	assert_int_equal(v->cookie_max_age, 0);
	assert_true(v->cookie_httponly);
	assert_false(v->cookie_secure);
	assert_int_equal(v->cookie_samesite, SL_SAMESITE_OFF);
	assert_string_equal(sl_conf_affinity_name(SL_AFFINITY_COOKIE), "cookie");
	assert_string_equal(sl_conf_samesite_name(SL_SAMESITE_OFF), "off");
	assert_string_equal(sl_conf_samesite_name((enum sl_cookie_samesite)9), "?");
	sl_conf_free(conf);
}

/* Write @p more after a good port section and load it: it must be good. */
static struct sl_config *
load_text(const char *more)
{
	static const char port[] = "[port.a]\ndevice = net_null0\naddress = 10.0.0.1/24\n";
	char path[PATH_MAX];
	char *text;
	struct sl_config *conf;
	size_t len = strlen(port) + strlen(more);

	text = malloc(len + 1);
	assert_non_null(text);
	memcpy(text, port, strlen(port));
	memcpy(text + strlen(port), more, strlen(more) + 1);
	path_join(path, tmp_dir, "text.ini");
	write_file(path, text, len);
	free(text);
	conf = load_good(path, prof_dir);
	return conf;
}

/* Pool and affinity defaults; the 100 x backends rule at its edge; the key never shown. */
static void
test_lb_defaults(void **state)
{
	struct sl_config *conf;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	conf = load_text("[pool.p]\n[vip.v]\nlisten = 10.0.0.1:80\npool = p\n");
	assert_int_equal(conf->pools[0].algorithm, SL_LB_ROUNDROBIN);
	assert_int_equal(conf->pools[0].maglev_size, SL_MAGLEV_SIZE_DEFAULT);
	assert_int_equal(conf->pools[0].hash_key, SL_LB_HASH_SOURCE);
	assert_int_equal(conf->pools[0].slow_start_ms, 0);
	assert_int_equal(conf->vips[0].affinity, SL_AFFINITY_NONE);
	assert_int_equal(conf->vips[0].cookie_samesite, SL_SAMESITE_LAX);
	assert_true(conf->vips[0].cookie_httponly);
	sl_conf_free(conf);
	/* 211 >= 100 x 2. */
	conf = load_text("[pool.p]\nalgorithm = maglev\nmaglev_size = 211\n"
			 "[backend.a]\npool = p\naddress = 10.1.0.1:80\n"
			 "[backend.b]\npool = p\naddress = 10.1.0.2:80\n");
	assert_int_equal(conf->pools[0].maglev_size, 211);
	sl_conf_free(conf);
	/* The cookie key is written back like the tcp secret, in lower-case hex. */
	conf = load_text("[pool.p]\n[vip.v]\nlisten = 10.0.0.1:80\npool = p\naffinity = cookie\n"
			 "cookie_key = ABCDEF0123456789ABCDEF0123456789\n");
	f = open_memstream(&text, &len);
	assert_non_null(f);
	sl_conf_dump(conf, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, "\ncookie_key = abcdef0123456789abcdef0123456789\n"));
	free(text);
	sl_conf_free(conf);
}

/* An empty [tcp] is no [tcp]; the defaults that follow other keys; the rules' edges. */
static void
test_tcp_defaults(void **state)
{
	struct sl_config *conf;

	(void)state;
	conf = load_text("[tcp]\n");
	assert_tcp_defaults(&conf->tcp);
	sl_conf_free(conf);

	/* time_wait_max left out follows max_conns (not the default's 8192). */
	conf = load_text("[tcp]\nmax_conns = 1000\n");
	assert_int_equal(conf->tcp.max_conns, 1000);
	assert_int_equal(conf->tcp.time_wait_max, 500);
	sl_conf_free(conf);
	conf = load_text("[tcp]\nmax_conns = 17\ntime_wait_max = 0\n");
	assert_int_equal(conf->tcp.time_wait_max, 8);
	sl_conf_free(conf);

	/* Equal RTOs are consistent; time_wait_max may be one below max_conns. */
	conf = load_text("[tcp]\nrto_min_ms = 1000\nrto_max_ms = 1000\nrto_init_ms = 1000\n"
			 "max_conns = 100\ntime_wait_max = 99\n");
	assert_int_equal(conf->tcp.rto_min_ms, 1000);
	assert_int_equal(conf->tcp.rto_max_ms, 1000);
	assert_int_equal(conf->tcp.rto_init_ms, 1000);
	assert_int_equal(conf->tcp.time_wait_max, 99);
	sl_conf_free(conf);

	/* A bound given alone, compatible with the defaults of the others. */
	conf = load_text("[tcp]\nrto_min_ms = 1000\nrto_max_ms = 1000\n");
	assert_int_equal(conf->tcp.rto_init_ms, 1000);
	sl_conf_free(conf);
}

/* [http], a VIP's and a backend's new keys at both ends of their ranges. */
static void
test_http_range_ends(void **state)
{
	const struct sl_conf_http *h;
	const struct sl_conf_vip *v;
	const struct sl_conf_backend *b;
	struct sl_config *conf;
	char path[PATH_MAX];

	(void)state;
	data_path(path, "good_http_min.ini");
	conf = load_good(path, prof_dir);
	h = &conf->http;
	assert_int_equal(h->client_header_timeout_ms, 100);
	assert_int_equal(h->client_idle_timeout_ms, 100);
	assert_int_equal(h->client_body_timeout_ms, 100);
	assert_int_equal(h->backend_connect_timeout_ms, 10);
	assert_int_equal(h->backend_response_timeout_ms, 100);
	assert_int_equal(h->backend_idle_timeout_ms, 100);
	assert_int_equal(h->max_request_line, 256);
	assert_int_equal(h->max_header_bytes, 1024);
	assert_int_equal(h->max_headers, 1);
	assert_int_equal(h->max_body, 0);
	assert_int_equal(h->max_idle_per_backend, 0);
	assert_int_equal(h->retries, 0);
	v = &conf->vips[0];
	assert_false(v->forwarded_for);
	assert_true(v->forwarded);
	assert_string_equal(v->via, "x");
	assert_int_equal(v->max_conns, 0);
	assert_int_equal(v->n_routes, 1);
	assert_route(&v->routes[0], 1, "a", false, "", 0); /* a one-letter host */
	b = &conf->backends[0];
	assert_true(b->backup);
	assert_int_equal(b->max_conns, 0);
	sl_conf_free(conf);

	data_path(path, "good_http_max.ini");
	conf = load_good(path, prof_dir);
	h = &conf->http;
	assert_int_equal(h->client_header_timeout_ms, 3600000);
	assert_int_equal(h->client_idle_timeout_ms, 3600000);
	assert_int_equal(h->client_body_timeout_ms, 3600000);
	assert_int_equal(h->backend_connect_timeout_ms, 600000);
	assert_int_equal(h->backend_response_timeout_ms, 3600000);
	assert_int_equal(h->backend_idle_timeout_ms, 3600000);
	assert_int_equal(h->max_request_line, 1048576);
	assert_int_equal(h->max_header_bytes, 1048576);
	assert_int_equal(h->max_headers, 128);
	assert_int_equal(h->max_body, INT64_MAX);
	assert_int_equal(h->max_idle_per_backend, 65535);
	assert_int_equal(h->retries, 10);
	v = &conf->vips[0];
	assert_true(v->forwarded_for);
	assert_false(v->forwarded);
	assert_string_equal(v->via, "Gw-1.example!#$%&'*+^_`|~abcdef"); /* 31, case kept */
	assert_int_equal(v->max_conns, 4194304);
	assert_int_equal(v->n_routes, 1);
	assert_route(&v->routes[0], 64, "", false, "/", 0);
	b = &conf->backends[0];
	assert_false(b->backup);
	assert_int_equal(b->max_conns, 1000000);
	sl_conf_free(conf);
}

/* An empty [http] is no [http]; the cross-key rule's edges. */
static void
test_http_defaults(void **state)
{
	struct sl_config *conf;

	(void)state;
	conf = load_text("[http]\n");
	assert_http_defaults(&conf->http);
	sl_conf_free(conf);

	/* Equal is fine; either key alone, within the other's default. */
	conf = load_text("[http]\nmax_request_line = 4096\nmax_header_bytes = 4096\n");
	assert_int_equal(conf->http.max_request_line, 4096);
	assert_int_equal(conf->http.max_header_bytes, 4096);
	sl_conf_free(conf);
	conf = load_text("[http]\nmax_header_bytes = 8192\n");
	assert_int_equal(conf->http.max_request_line, 8192);
	assert_int_equal(conf->http.max_header_bytes, 8192);
	sl_conf_free(conf);
	conf = load_text("[http]\nmax_request_line = 32768\n");
	assert_int_equal(conf->http.max_request_line, 32768);
	assert_int_equal(conf->http.max_header_bytes, 32768);
	sl_conf_free(conf);

	/* via = none in any case is no Via; a pseudonym keeps its case. */
	conf = load_text("[pool.p]\n[vip.v]\nlisten = 10.0.0.1:80\npool = p\nvia = NONE\n"
			 "[vip.w]\nlisten = 10.0.0.1:81\npool = p\nvia = Sluice\n");
	assert_string_equal(conf->vips[0].via, "");
	assert_string_equal(conf->vips[1].via, "Sluice");
	sl_conf_free(conf);
}

/* max_body: plain bytes or K, M, G (powers of 1024), and how the dump writes it. */
static void
test_http_max_body(void **state)
{
	static const struct {
		const char *text;
		uint64_t v;
		const char *dump;
	} good[] = {
		{ "0", 0, "0" },
		{ "0K", 0, "0" },
		{ "1", 1, "1" },
		{ "1023", 1023, "1023" },
		{ "1024", 1024, "1K" },
		{ "1K", 1024, "1K" },
		{ "1k", 1024, "1K" },
		{ "1536", 1536, "1536" },
		{ "3K", 3072, "3K" },
		{ "1024K", 1048576, "1M" },
		{ "10M", 10485760, "10M" },
		{ "10m", 10485760, "10M" },
		{ "1G", 1073741824, "1G" },
		{ "1g", 1073741824, "1G" },
		{ "2048M", 2147483648, "2G" },
		{ "4294967296", 4294967296, "4G" }, /* past 32 bits */
		{ "8589934591G", (UINT64_C(1) << 63) - (UINT64_C(1) << 30), "8589934591G" },
		{ "9007199254740991K", (UINT64_C(1) << 63) - 1024, "9007199254740991K" },
		{ "9223372036854775807", INT64_MAX, "9223372036854775807" },
	};
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{ "9223372036854775808", "is out of range 0..9223372036854775807" },
		{ "8589934592G", "is out of range 0..9223372036854775807" },
		{ "9007199254740992K", "is out of range 0..9223372036854775807" },
		{ "18446744073709551616", "is out of range 0..9223372036854775807" },
		{ "99999999999999999999999999G", "is out of range 0..9223372036854775807" },
		{ "010", "has a leading zero, which other tools read as octal " SIZE },
		{ "01K", "has a leading zero, which other tools read as octal " SIZE },
		{ "1T", "is not a size " SIZE },
		{ "10MB", "is not a size " SIZE },
		{ "10KiB", "is not a size " SIZE },
		{ "1.5M", "is not a size " SIZE },
		{ "1 M", "is not a size " SIZE },
		{ "M", "is not a size " SIZE },
		{ "", "is not a size " SIZE },
		{ "-1", "is not a size " SIZE },
		{ "+1", "is not a size " SIZE },
		{ "0x10", "is not a size " SIZE },
		{ "1KK", "is not a size " SIZE },
	};
	static const char port[] = "[port.a]\ndevice = net_null0\naddress = 10.0.0.1/24\n";
	char text[256], want[512], line[64], path[PATH_MAX];
	struct sl_config *conf;
	char *dump = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	for (i = 0; i < DIM(good); i++) {
		snprintf(text, sizeof(text), "[http]\nmax_body = %s\n", good[i].text);
		conf = load_text(text);
		assert_int_equal(conf->http.max_body, good[i].v);
		f = open_memstream(&dump, &len);
		assert_non_null(f);
		sl_conf_dump(conf, f);
		assert_int_equal(fclose(f), 0);
		snprintf(line, sizeof(line), "\nmax_body = %s\n", good[i].dump);
		assert_non_null(strstr(dump, line));
		free(dump);
		dump = NULL;
		sl_conf_free(conf);
	}
	path_join(path, tmp_dir, "max_body.ini");
	for (i = 0; i < DIM(bad); i++) {
		int n = snprintf(text, sizeof(text), "%s[http]\nmax_body = %s\n", port,
				 bad[i].text);

		write_file(path, text, (size_t)n);
		snprintf(want, sizeof(want), "{F}:5: [http] max_body: '%s' %s\n", bad[i].text,
			 bad[i].why);
		assert_bad(path, prof_dir, want, EINVAL);
	}
}

/* Routes: every field, wildcards, case, blanks, quoting, and N order over file order. */
static void
test_routes(void **state)
{
	const struct sl_conf_vip *v;
	struct sl_config *conf;
	char path[PATH_MAX];

	(void)state;
	data_path(path, "good_routes.ini");
	conf = load_good(path, prof_dir);
	assert_int_equal(conf->n_pools, 3); /* web, api, static */
	assert_int_equal(conf->http.max_body, 10 << 20);
	v = &conf->vips[0];
	assert_int_equal(v->pool, 0);
	assert_int_equal(v->n_routes, 5);
	/* Host lower case; path as given. */
	assert_route(&v->routes[0], 1, "api.example.com", false, "/v1/", 1);
	/* *.Example.COM: the suffix with its dot; the pool named in another case. */
	assert_route(&v->routes[1], 2, ".example.com", true, "", 1);
	/* Quoted: the ';' is the path's, not a comment. */
	assert_route(&v->routes[2], 3, "static-1.example.com", false, "/x;y", 2);
	/* 10 after 3: numeric order, not the order of the text. */
	assert_route(&v->routes[3], 10, "", false, "/static/", 2);
	/* Fields in any order, blanks and tabs, '=' and %XX in the path, an address as host. */
	assert_route(&v->routes[4], 64, "10.0.0.1", false, "/a=b/%2F", 0);
	assert_true(v->forwarded_for);
	assert_false(v->forwarded);

	/* No routes: the VIP's pool takes every request. */
	v = &conf->vips[1];
	assert_int_equal(v->pool, 2);
	assert_string_equal(v->via, ""); /* "None" */
	assert_vip_http_defaults(v);
	assert_vip_http_defaults(&conf->vips[2]); /* echo */
	sl_conf_free(conf);
}

/* SL_ROUTES_MAX routes, written from the last to the first. */
static void
test_routes_max(void **state)
{
	char *text = NULL;
	struct sl_config *conf;
	size_t len = 0;
	unsigned int n;
	FILE *f;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fputs("[pool.p]\n[vip.v]\nlisten = 10.0.0.1:80\npool = p\n", f);
	for (n = SL_ROUTES_MAX; n >= 1; n--)
		fprintf(f, "route.%u = host=h%u.example.com path=/%u/ pool=p\n", n, n, n);
	assert_int_equal(fclose(f), 0);
	conf = load_text(text);
	free(text);
	assert_int_equal(conf->vips[0].n_routes, SL_ROUTES_MAX);
	for (n = 1; n <= SL_ROUTES_MAX; n++) {
		char host[32], path[16];

		snprintf(host, sizeof(host), "h%u.example.com", n);
		snprintf(path, sizeof(path), "/%u/", n);
		assert_route(&conf->vips[0].routes[n - 1], n, host, false, path, 0);
	}
	sl_conf_free(conf);
}

/* The real drivers-config/default.ini (read directly, and through profile_dir NULL). */
static void
test_real_default_profile(void **state)
{
	static const char text[] =
		"[port.a]\ndevice = net_null0\naddress = 10.0.0.1/24\nprofile = default\n";
	struct sl_config *conf;
	char path[PATH_MAX];

	(void)state;
	path_join(path, tmp_dir, "real_default.ini");
	write_file(path, text, sizeof(text) - 1);
	conf = load_good(path, real_prof_dir);
	assert_default_profile(&conf->ports[0].profile);
	sl_conf_free(conf);
	/* NULL: the folder the build was configured with (meson: drivers-config). */
	conf = load_good(path, NULL);
	assert_default_profile(&conf->ports[0].profile);
	sl_conf_free(conf);
}

/* A CRLF file reads exactly like its LF original. */
static void
test_crlf(void **state)
{
	struct sl_config *lf, *crlf;
	char path[PATH_MAX], crlf_path[PATH_MAX];
	char *text, *out;
	size_t len, i, o = 0;

	(void)state;
	data_path(path, "good_full.ini");
	text = read_file(path, &len);
	assert_non_null(text);
	out = malloc(2 * len + 1);
	assert_non_null(out);
	for (i = 0; i < len; i++) {
		if (text[i] == '\n')
			out[o++] = '\r';
		out[o++] = text[i];
	}
	path_join(crlf_path, tmp_dir, "good_full_crlf.ini");
	write_file(crlf_path, out, o);
	free(text);
	free(out);

	lf = load_good(path, prof_dir);
	crlf = load_good(crlf_path, prof_dir);
	assert_conf_equal(lf, crlf);
	sl_conf_free(lf);
	sl_conf_free(crlf);
}

/* Loading the dump gives the same snapshot, and dumping that gives the same text. */
static void
dump_round_trip_path(const char *path)
{
	struct sl_config *a, *b;
	char dump_path[PATH_MAX];
	char *text1, *text2;
	FILE *f;

	path_join(dump_path, tmp_dir, "dump.ini");
	a = load_good(path, prof_dir);
	f = fopen(dump_path, "w");
	assert_non_null(f);
	sl_conf_dump(a, f);
	assert_int_equal(fclose(f), 0);
	text1 = read_file(dump_path, NULL);
	assert_non_null(text1);

	b = load_good(dump_path, prof_dir);
	assert_string_equal(b->path, dump_path);
	assert_conf_equal(a, b);
	f = fopen(dump_path, "w");
	assert_non_null(f);
	sl_conf_dump(b, f);
	assert_int_equal(fclose(f), 0);
	text2 = read_file(dump_path, NULL);
	assert_non_null(text2);
	assert_string_equal(text1, text2);
	free(text1);
	free(text2);
	sl_conf_free(a);
	sl_conf_free(b);
}

static void
dump_round_trip(const char *name)
{
	char path[PATH_MAX];

	data_path(path, name);
	dump_round_trip_path(path);
}

static void
test_dump_round_trip(void **state)
{
	(void)state;
	dump_round_trip("good_full.ini");
	dump_round_trip("good_minimal.ini");
	dump_round_trip("good_tcp_min.ini");
	dump_round_trip("good_tcp_max.ini");
	dump_round_trip("good_http_min.ini");
	dump_round_trip("good_http_max.ini");
	dump_round_trip("good_routes.ini");
	dump_round_trip("good_lb.ini");
}

/* The exact text, for one small snapshot: every key, defaults included. */
static void
test_dump_text(void **state)
{
	static const char want[] =
		"[global]\n"
		"mbufs = 16383\n"
		"mbuf_cache = 256\n"
		"idle = auto\n"
		"idle_polls = 256\n"
		"idle_sleep_us = 200\n"
		"neigh_size = 1024\n"
		"neigh_reachable_ms = 30000\n"
		"neigh_retry_ms = 1000\n"
		"neigh_retries = 3\n"
		"neigh_hold = 256\n"
		"\n"
		"[tcp]\n"
		"max_conns = 16384\n"
		"syn_backlog = 1024\n"
		"snd_buf = 262144\n"
		"rcv_buf = 262144\n"
		"rto_min_ms = 200\n"
		"rto_max_ms = 120000\n"
		"rto_init_ms = 1000\n"
		"delack_ms = 40\n"
		"max_retries = 15\n"
		"syn_retries = 6\n"
		"time_wait_max = 8192\n"
		"time_wait_ms = 60000\n"
		"fin_wait2_ms = 60000\n"
		"challenge_ack_limit = 1000\n"
		"sack = yes\n"
		"timestamps = yes\n"
		"wscale = yes\n"
		"syncookies = yes\n"
		"; secret: none (random at each start)\n"
		"\n"
		"[http]\n"
		"client_header_timeout_ms = 10000\n"
		"client_idle_timeout_ms = 60000\n"
		"client_body_timeout_ms = 60000\n"
		"backend_connect_timeout_ms = 3000\n"
		"backend_response_timeout_ms = 30000\n"
		"backend_idle_timeout_ms = 15000\n"
		"max_request_line = 8192\n"
		"max_header_bytes = 32768\n"
		"max_headers = 100\n"
		"max_body = 0\n"
		"max_idle_per_backend = 64\n"
		"retries = 1\n"
		"\n"
		"[shed]\n"
		"max_inflight = 0\n"
		"max_queue = 0\n"
		"max_queue_ms = 0\n"
		"retry_after = 1\n"
		"\n"
		"[port.p0]\n"
		"device = net_null0\n"
		"profile = default\n"
		"address = 10.0.0.1/8\n"
		"; gateway: none\n"
		"; profile default: [device] max_queues = 16, rx_desc = 1024, tx_desc = 1024, "
		"mtu = 1500, promiscuous = no, idle = no, link_wait_ms = 0\n"
		"; profile default: [rss] enabled = yes, key = "
		"6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa"
		", hash = ipv4,ipv4_tcp\n"
		"; profile default: [offloads] rx = ipv4_cksum,tcp_cksum, "
		"tx = ipv4_cksum,tcp_cksum\n";
	struct sl_config *conf;
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	data_path(path, "good_minimal.ini");
	conf = load_good(path, prof_dir);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	sl_conf_dump(conf, f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(text, want);
	free(text);
	sl_conf_free(conf);
}

/* [tcp] of good_full.ini: every key, the secret in lower-case hex. */
static void
test_dump_tcp_secret(void **state)
{
	static const char want[] = "\n[tcp]\n"
				   "max_conns = 65536\n"
				   "syn_backlog = 4096\n"
				   "snd_buf = 1048576\n"
				   "rcv_buf = 524288\n"
				   "rto_min_ms = 250\n"
				   "rto_max_ms = 90000\n"
				   "rto_init_ms = 3000\n"
				   "delack_ms = 0\n"
				   "max_retries = 8\n"
				   "syn_retries = 3\n"
				   "time_wait_max = 30000\n"
				   "time_wait_ms = 30000\n"
				   "fin_wait2_ms = 15000\n"
				   "challenge_ack_limit = 100\n"
				   "sack = no\n"
				   "timestamps = no\n"
				   "wscale = no\n"
				   "syncookies = no\n"
				   "secret = 00112233445566778899aabbccddeeff\n"
				   "\n[http]\n";
	struct sl_config *conf;
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	data_path(path, "good_full.ini");
	conf = load_good(path, prof_dir);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	sl_conf_dump(conf, f);
	assert_int_equal(fclose(f), 0);
	/* Right after [global]'s last key, and followed by [http], then the first port. */
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "neigh_hold = 0\n\n[tcp]\n"));
	assert_non_null(strstr(text, "retries = 1\n\n[shed]\n"));
	assert_non_null(strstr(text, "retry_after = 1\n\n[port.front]\n"));
	free(text);
	sl_conf_free(conf);
}

/*
 * The VIPs and backend of good_routes.ini: routes in N order, the wildcard as
 * "*.", a value with ';' quoted, every mode http key; none for mode echo.
 */
static void
test_dump_vip_http(void **state)
{
	static const char want[] = "\n[vip.web]\n"
				   "listen = 10.0.0.1:80\n"
				   "mode = http\n"
				   "pool = web\n"
				   "route.1 = host=api.example.com path=/v1/ pool=api\n"
				   "route.2 = host=*.example.com pool=api\n"
				   "route.3 = \"host=static-1.example.com path=/x;y pool=static\"\n"
				   "route.10 = path=/static/ pool=static\n"
				   "route.64 = host=10.0.0.1 path=/a=b/%2F pool=web\n"
				   "forwarded_for = yes\n"
				   "forwarded = no\n"
				   "via = none\n"
				   "max_conns = 0\n"
				   "; limit: none\n"
				   "bandwidth = 0\n"
				   "max_conns_per_client = 0\n"
				   "max_new_conns = 0\n"
				   "affinity = none\n"
				   "affinity_ttl_ms = 300000\n"
				   "affinity_max = 65536\n"
				   "cookie_name = SLUICE\n"
				   "; cookie_key: none\n"
				   "cookie_path = /\n"
				   "cookie_max_age = 0\n"
				   "cookie_httponly = yes\n"
				   "cookie_secure = no\n"
				   "cookie_samesite = lax\n"
				   "\n[vip.plain]\n"
				   "listen = 10.0.0.1:8080\n"
				   "mode = http\n"
				   "pool = static\n"
				   "forwarded_for = yes\n"
				   "forwarded = no\n"
				   "via = none\n"
				   "max_conns = 0\n"
				   "; limit: none\n"
				   "bandwidth = 0\n"
				   "max_conns_per_client = 0\n"
				   "max_new_conns = 0\n"
				   "affinity = none\n"
				   "affinity_ttl_ms = 300000\n"
				   "affinity_max = 65536\n"
				   "cookie_name = SLUICE\n"
				   "; cookie_key: none\n"
				   "cookie_path = /\n"
				   "cookie_max_age = 0\n"
				   "cookie_httponly = yes\n"
				   "cookie_secure = no\n"
				   "cookie_samesite = lax\n"
				   "\n[vip.echo]\n"
				   "listen = 10.0.0.1:7\n"
				   "mode = echo\n"
				   "\n[pool.web]\n";
	static const char backend[] = "\n[backend.w1]\n"
				      "pool = web\n"
				      "address = 10.1.0.11:8080\n"
				      "weight = 1\n"
				      "backup = no\n"
				      "max_conns = 0\n";
	struct sl_config *conf;
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	data_path(path, "good_routes.ini");
	conf = load_good(path, prof_dir);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	sl_conf_dump(conf, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "\nmax_body = 10M\n"));
	/* The last section. */
	assert_true(len > strlen(backend));
	assert_string_equal(text + len - strlen(backend), backend);
	free(text);

	/* A pseudonym that starts with a quote is quoted, or iniparser would strip it. */
	sl_conf_free(conf);
	conf = load_text("[pool.p]\n[vip.v]\nlisten = 10.0.0.1:80\npool = p\n"
			 "via = \"'gw'\"\n");
	assert_string_equal(conf->vips[0].via, "'gw'");
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	sl_conf_dump(conf, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, "\nvia = \"'gw'\"\n"));
	free(text);
	sl_conf_free(conf);
}

static void
test_names(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(sl_conf_vip_mode_name(SL_VIP_HTTP), "http");
	assert_string_equal(sl_conf_vip_mode_name(SL_VIP_ECHO), "echo");
	assert_string_equal(sl_conf_vip_mode_name(SL_VIP_DISCARD), "discard");
	assert_string_equal(sl_conf_vip_mode_name((enum sl_vip_mode)42), "?");
	assert_string_equal(sl_conf_lb_algo_name(SL_LB_ROUNDROBIN), "roundrobin");
	assert_string_equal(sl_conf_lb_algo_name((enum sl_lb_algo)7), "?");
	assert_string_equal(sl_conf_limit_key_name(SL_LIMIT_KEY_CLIENT_IP), "client_ip");
	assert_string_equal(sl_conf_limit_key_name(SL_LIMIT_KEY_CONNECTION), "connection");
	assert_string_equal(sl_conf_limit_key_name((enum sl_limit_key)9), "?");
	assert_string_equal(sl_conf_limit_action_name(SL_LIMIT_DELAY), "delay");
	assert_string_equal(sl_conf_limit_action_name((enum sl_limit_action)9), "?");
	assert_ptr_equal(sl_conf_ip_str(IP(10, 0, 0, 1), buf), buf);
	assert_string_equal(buf, "10.0.0.1");
	assert_string_equal(sl_conf_ip_str(IP(255, 255, 255, 255), buf), "255.255.255.255");
	assert_string_equal(sl_conf_ip_str(0, buf), "0.0.0.0");
	assert_string_equal(sl_conf_ip_str(IP(192, 168, 100, 7), buf), "192.168.100.7");
}

/* Traffic control: [limit.NAME], the VIP's and routes' limit keys, [shed] */

/* Every kind of limit, every new VIP key, a route with limits. */
static const char limits_text[] = "[shed]\n"
				  "max_inflight = 10000\n"
				  "max_queue = 512\n"
				  "max_queue_ms = 250\n"
				  "retry_after = 5\n"
				  "[limit.per_ip]\n"
				  "key = client_ip\n"
				  "rate = 100/s\n"
				  "burst = 20\n"
				  "[limit.api]\n"
				  "key = header:X-API-Key\n"
				  "rate = 1000/m\n"
				  "action = delay\n"
				  "status = 503\n"
				  "max_keys = 1024\n"
				  "[Limit.Login]\n"
				  "key = cookie:Session\n"
				  "rate = 5/h\n"
				  "burst = 554\n"
				  "[limit.all]\n"
				  "key = vip\n"
				  "rate = 4294967295/s\n"
				  "burst = 4294967295\n"
				  "[limit.dl]\n"
				  "key = connection\n"
				  "bandwidth = 1MiB/s\n"
				  "[limit.bw_ip]\n"
				  "key = client_ip\n"
				  "bandwidth = 10GiB/s\n"
				  "burst = 1MB\n"
				  "max_keys = 16777216\n"
				  "[limit.slow]\n"
				  "key = client_ip\n"
				  "bandwidth = 1500B/s\n"
				  "burst = 0\n"
				  "max_keys = 1\n"
				  "[limit.k]\n"
				  "key = vip\n"
				  "bandwidth = 64kB/s\n"
				  "burst = 1000KiB\n"
				  "[limit.max]\n"
				  "key = vip\n"
				  "bandwidth = 128GiB/s\n"
				  "burst = 1099511627776\n"
				  "[pool.p]\n"
				  "[vip.v]\n"
				  "listen = 10.0.0.1:80\n"
				  "pool = p\n"
				  "limit = per_ip, API all\n"
				  "bandwidth = 2MB/s\n"
				  "max_conns_per_client = 16\n"
				  "max_new_conns = 1000/s\n"
				  "route.1 = path=/login limit=login,dl pool=p\n"
				  "route.2 = host=x.example.com pool=p\n"
				  "route.3 = path=/a Limit=k pool=p\n"
				  "[vip.w]\n"
				  "listen = 10.0.0.1:81\n"
				  "pool = p\n"
				  "limit = bw_ip,slow,max,k,per_ip,api,login,all\n"
				  "bandwidth = 0\n"
				  "max_conns_per_client = 4194304\n"
				  "max_new_conns = 7/h\n"
				  "[vip.x]\n"
				  "listen = 10.0.0.1:82\n"
				  "pool = p\n"
				  "bandwidth = 128GiB/s\n"
				  "max_new_conns = 0/s\n";

static void
assert_limit(const struct sl_conf_limit *l, const char *name, enum sl_limit_key key,
	     const char *key_name, enum sl_limit_kind kind, uint64_t count, uint32_t period,
	     uint64_t burst, enum sl_limit_action action, uint32_t max_keys, uint16_t status)
{
	assert_string_equal(l->name, name);
	assert_int_equal(l->key, key);
	assert_string_equal(l->key_name, key_name);
	assert_int_equal(l->kind, kind);
	assert_int_equal(l->rate.count, count);
	assert_int_equal(l->rate.period_s, period);
	assert_int_equal(l->burst, burst);
	assert_int_equal(l->action, action);
	assert_int_equal(l->max_keys, max_keys);
	assert_int_equal(l->status, status);
}

static void
test_limits(void **state)
{
	const struct sl_conf_vip *v;
	struct sl_config *conf;

	(void)state;
	conf = load_text(limits_text);
	assert_int_equal(conf->shed.max_inflight, 10000);
	assert_int_equal(conf->shed.max_queue, 512);
	assert_int_equal(conf->shed.max_queue_ms, 250);
	assert_int_equal(conf->shed.retry_after, 5);
	assert_int_equal(conf->n_limits, 9);
	assert_limit(&conf->limits[0], "per_ip", SL_LIMIT_KEY_CLIENT_IP, "", SL_LIMIT_RATE, 100, 1,
		     20, SL_LIMIT_REJECT, 65536, 429);
	/* Header names lower case, cookie names as given. */
	assert_limit(&conf->limits[1], "api", SL_LIMIT_KEY_HEADER, "x-api-key", SL_LIMIT_RATE, 1000,
		     60, 0, SL_LIMIT_DELAY, 1024, 503);
	/* (554 + 1) x 3600 s = 1998000 s: just within 2000000. */
	assert_limit(&conf->limits[2], "login", SL_LIMIT_KEY_COOKIE, "Session", SL_LIMIT_RATE, 5,
		     3600, 554, SL_LIMIT_REJECT, 65536, 429);
	assert_limit(&conf->limits[3], "all", SL_LIMIT_KEY_VIP, "", SL_LIMIT_RATE, 4294967295, 1,
		     4294967295, SL_LIMIT_REJECT, 65536, 429);
	/* Bandwidth: bytes per second, burst 64 KiB unless given. */
	assert_limit(&conf->limits[4], "dl", SL_LIMIT_KEY_CONNECTION, "", SL_LIMIT_BANDWIDTH,
		     1048576, 1, 65536, SL_LIMIT_REJECT, 65536, 429);
	assert_limit(&conf->limits[5], "bw_ip", SL_LIMIT_KEY_CLIENT_IP, "", SL_LIMIT_BANDWIDTH,
		     UINT64_C(10) << 30, 1, 1000000, SL_LIMIT_REJECT, 16777216, 429);
	assert_limit(&conf->limits[6], "slow", SL_LIMIT_KEY_CLIENT_IP, "", SL_LIMIT_BANDWIDTH, 1500,
		     1, 0, SL_LIMIT_REJECT, 1, 429);
	assert_limit(&conf->limits[7], "k", SL_LIMIT_KEY_VIP, "", SL_LIMIT_BANDWIDTH, 64000, 1,
		     1024000, SL_LIMIT_REJECT, 65536, 429);
	assert_limit(&conf->limits[8], "max", SL_LIMIT_KEY_VIP, "", SL_LIMIT_BANDWIDTH,
		     UINT64_C(128) << 30, 1, UINT64_C(1) << 40, SL_LIMIT_REJECT, 65536, 429);

	v = &conf->vips[0];
	/* Names case-insensitive, commas and blanks, in the order given. */
	assert_int_equal(v->n_limits, 3);
	assert_int_equal(v->limits[0], 0);
	assert_int_equal(v->limits[1], 1);
	assert_int_equal(v->limits[2], 3);
	assert_int_equal(v->bandwidth_bps, 2000000);
	assert_int_equal(v->max_conns_per_client, 16);
	assert_int_equal(v->max_new_conns.count, 1000);
	assert_int_equal(v->max_new_conns.period_s, 1);
	assert_int_equal(v->n_routes, 3);
	assert_int_equal(v->routes[0].n_limits, 2);
	assert_int_equal(v->routes[0].limits[0], 2);
	assert_int_equal(v->routes[0].limits[1], 4);
	assert_route(&v->routes[0], 1, "", false, "/login", 0);
	assert_int_equal(v->routes[1].n_limits, 0);
	assert_int_equal(v->routes[2].n_limits, 1);
	assert_int_equal(v->routes[2].limits[0], 7);

	v = &conf->vips[1];
	assert_int_equal(v->n_limits, SL_VIP_LIMITS_MAX);
	assert_memory_equal(v->limits, ((const uint8_t[]){ 5, 6, 8, 7, 0, 1, 2, 3 }), 8);
	assert_int_equal(v->bandwidth_bps, 0);
	assert_int_equal(v->max_conns_per_client, 4194304);
	assert_int_equal(v->max_new_conns.count, 7);
	assert_int_equal(v->max_new_conns.period_s, 3600);

	v = &conf->vips[2];
	assert_int_equal(v->n_limits, 0);
	assert_int_equal(v->bandwidth_bps, UINT64_C(128) << 30);
	assert_int_equal(v->max_new_conns.count, 0);
	sl_conf_free(conf);

	/* No [shed]: every bound off, Retry-After 1 s. */
	conf = load_text("");
	assert_int_equal(conf->shed.max_inflight, 0);
	assert_int_equal(conf->shed.max_queue, 0);
	assert_int_equal(conf->shed.max_queue_ms, 0);
	assert_int_equal(conf->shed.retry_after, 1);
	assert_int_equal(conf->n_limits, 0);
	sl_conf_free(conf);
	/* The range ends of [shed]. */
	conf = load_text("[shed]\nmax_inflight = 4194304\nmax_queue = 4194304\n"
			 "max_queue_ms = 3600000\nretry_after = 86400\n");
	assert_int_equal(conf->shed.max_inflight, 4194304);
	assert_int_equal(conf->shed.max_queue, 4194304);
	assert_int_equal(conf->shed.max_queue_ms, 3600000);
	assert_int_equal(conf->shed.retry_after, 86400);
	sl_conf_free(conf);
	conf = load_text("[shed]\nretry_after = 0\n");
	assert_int_equal(conf->shed.retry_after, 0);
	sl_conf_free(conf);
}

/* SL_LIMITS_MAX sections load; one more does not. */
static void
test_limits_max(void **state)
{
	struct sl_config *conf;
	char *text = NULL, path[PATH_MAX];
	size_t len = 0;
	unsigned int n;
	FILE *f;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	for (n = 1; n <= SL_LIMITS_MAX; n++)
		fprintf(f, "[limit.l%u]\nkey = vip\nrate = %u/s\n", n, n);
	assert_int_equal(fclose(f), 0);
	conf = load_text(text);
	free(text);
	text = NULL;
	assert_int_equal(conf->n_limits, SL_LIMITS_MAX);
	assert_string_equal(conf->limits[SL_LIMITS_MAX - 1].name, "l32");
	assert_int_equal(conf->limits[SL_LIMITS_MAX - 1].rate.count, SL_LIMITS_MAX);
	sl_conf_free(conf);

	f = open_memstream(&text, &len);
	assert_non_null(f);
	fputs("[port.a]\ndevice = net_null0\naddress = 10.0.0.1/24\n", f);
	for (n = 1; n <= SL_LIMITS_MAX + 1; n++)
		fprintf(f, "[limit.l%u]\nkey = vip\nrate = %u/s\n", n, n);
	assert_int_equal(fclose(f), 0);
	path_join(path, tmp_dir, "limits.ini");
	write_file(path, text, len);
	free(text);
	/* The 33rd section is at line 3 + 32 x 3 + 1. */
	assert_bad(path, prof_dir,
		   "{F}:100: [limit.l33]: too many limits: at most 32 (SL_LIMITS_MAX)\n", EINVAL);
}

/*
 * A route of limit=A,...: its line as show config writes it ("route.1 = "
 * where the file may say "route.1=") may pass the 1022 characters a line
 * can have, though the file's fits: refused, as it would not load back.
 */
static void
route_line_file(const char *path, size_t line_len)
{
	char host[254], pathv[512], names[8][32], list[300];
	size_t head, want, off = 0, i, n;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	memset(host, 'h', 253);
	host[253] = '\0';
	for (i = 63; i < 253; i += 64)
		host[i] = '.';
	pathv[0] = '/';
	memset(pathv + 1, 'p', 510);
	pathv[511] = '\0';
	/* "route.1=host=H path=P pool=p limit=": the names and 7 commas fill the rest. */
	head = strlen("route.1=host= path= pool=p limit=") + 253 + 511;
	want = line_len - head - 7;
	for (i = 0; i < 8; i++) {
		n = want / 8 + (i < want % 8);
		assert_true(n >= 2 && n <= 31);
		snprintf(names[i], sizeof(names[i]), "%c", (char)('a' + i));
		memset(names[i] + 1, 'x', n - 1);
		names[i][n] = '\0';
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? "," : "",
					names[i]);
	}
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fputs("[port.a]\ndevice = net_null0\naddress = 10.0.0.1/24\n[pool.p]\n", f);
	for (i = 0; i < 8; i++)
		fprintf(f, "[limit.%s]\nkey = vip\nrate = 1/s\n", names[i]);
	fprintf(f, "[vip.v]\nlisten = 10.0.0.1:80\npool = p\n");
	n = (size_t)fprintf(f, "route.1=host=%s path=%s pool=p limit=%s", host, pathv, list);
	fputs("\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(n, line_len);
	write_file(path, text, len);
	free(text);
}

static void
test_limits_route_line(void **state)
{
	char path[PATH_MAX], expect[256];
	struct sl_config *conf;
	size_t n;

	(void)state;
	path_join(path, tmp_dir, "route_line.ini");
	/* The route is line 3 + 1 + 8 x 3 + 3 + 1 = 32. */
	for (n = CONF_LINE_MAX_T - 1; n <= CONF_LINE_MAX_T; n++) {
		route_line_file(path, n);
		snprintf(expect, sizeof(expect),
			 "{F}:32: [vip.v] route.1: is %zu characters long as show config writes "
			 "it, above 1022 (shorten the host, the path or the limit names)\n",
			 n + 2);
		assert_bad(path, prof_dir, expect, EINVAL);
	}
	/* 1020: 1022 written, the longest line there is; it reloads from its dump. */
	route_line_file(path, CONF_LINE_MAX_T - 2);
	conf = load_good(path, prof_dir);
	assert_int_equal(conf->vips[0].routes[0].n_limits, 8);
	sl_conf_free(conf);
	dump_round_trip_path(path);
}

/* The dump of limits_text: each limit with the keys that apply, the VIP and route lists. */
static void
test_limits_dump(void **state)
{
	static const char *const want[] = {
		"\nretries = 1\n\n[shed]\nmax_inflight = 10000\nmax_queue = 512\n"
		"max_queue_ms = 250\nretry_after = 5\n\n[port.a]\n",
		"\n[limit.per_ip]\nkey = client_ip\nrate = 100/s\nburst = 20\naction = reject\n"
		"status = 429\nmax_keys = 65536\n\n[limit.api]\nkey = header:x-api-key\n"
		"rate = 1000/m\nburst = 0\naction = delay\nstatus = 503\nmax_keys = 1024\n"
		"\n[limit.login]\nkey = cookie:Session\nrate = 5/h\nburst = 554\n"
		"action = reject\nstatus = 429\nmax_keys = 65536\n\n[limit.all]\nkey = vip\n"
		"rate = 4294967295/s\nburst = 4294967295\naction = reject\nstatus = 429\n"
		"\n[limit.dl]\nkey = connection\nbandwidth = 1MiB/s\nburst = 64KiB\n"
		"\n[limit.bw_ip]\nkey = client_ip\nbandwidth = 10GiB/s\nburst = 1MB\n"
		"max_keys = 16777216\n\n[limit.slow]\nkey = client_ip\nbandwidth = 1500B/s\n"
		"burst = 0\nmax_keys = 1\n\n[limit.k]\nkey = vip\nbandwidth = 64KB/s\n"
		"burst = 1000KiB\n\n[limit.max]\nkey = vip\nbandwidth = 128GiB/s\n"
		"burst = 1024GiB\n\n[vip.v]\n",
		"\nroute.1 = path=/login pool=p limit=login,dl\n"
		"route.2 = host=x.example.com pool=p\nroute.3 = path=/a pool=p limit=k\n",
		"\nmax_conns = 0\nlimit = per_ip, api, all\nbandwidth = 2MB/s\n"
		"max_conns_per_client = 16\nmax_new_conns = 1000/s\naffinity = none\n",
		"\nlimit = bw_ip, slow, max, k, per_ip, api, login, all\nbandwidth = 0\n"
		"max_conns_per_client = 4194304\nmax_new_conns = 7/h\n",
		"\n; limit: none\nbandwidth = 128GiB/s\nmax_conns_per_client = 0\n"
		"max_new_conns = 0\n",
	};
	struct sl_config *conf;
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	conf = load_text(limits_text);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	sl_conf_dump(conf, f);
	assert_int_equal(fclose(f), 0);
	for (i = 0; i < DIM(want); i++) {
		if (strstr(text, want[i]) == NULL)
			print_message("--- missing\n%s--- in\n%s---\n", want[i], text);
		assert_non_null(strstr(text, want[i]));
	}
	free(text);
	sl_conf_free(conf);

	/* And it loads back into the same snapshot, which dumps the same. */
	path_join(path, tmp_dir, "limits.ini");
	{
		static const char port[] = "[port.a]\ndevice = net_null0\naddress = 10.0.0.1/24\n";
		char *all = malloc(sizeof(port) + sizeof(limits_text));

		assert_non_null(all);
		memcpy(all, port, sizeof(port) - 1);
		memcpy(all + sizeof(port) - 1, limits_text, sizeof(limits_text));
		write_file(path, all, strlen(all));
		free(all);
	}
	dump_round_trip_path(path);
}

/* Files that cannot be read */

static void
test_missing_file(void **state)
{
	char path[PATH_MAX];

	(void)state;
	path_join(path, tmp_dir, "no-such-file.ini");
	assert_bad(path, prof_dir, "{F}: cannot open: No such file or directory\n", ENOENT);
}

static void
test_directory(void **state)
{
	(void)state;
	assert_bad(tmp_dir, prof_dir, "{F}: cannot read: Is a directory\n", EISDIR);
}

/* iniparser opens the file a second time: a pipe or device would read differently. */
static void
test_not_regular(void **state)
{
	(void)state;
	assert_bad("/dev/null", prof_dir,
		   "{F}: not a regular file (it is read twice: give a file, not a pipe)\n", EINVAL);
}

/* Line length: iniparser 4.1 fails a whole file on one line over 1022 characters. */
static void
test_long_line(void **state)
{
	static const char port[] = "[port.a]\ndevice = net_null0\naddress = 10.0.0.1/24\n";
	char path[PATH_MAX];
	char text[2048];
	struct sl_config *conf;
	size_t n;

	(void)state;
	path_join(path, tmp_dir, "long.ini");
	/* "; xxx...": a comment of exactly 1022 characters, then one of 1023. */
	for (n = 1022; n <= 1023; n++) {
		memcpy(text, port, sizeof(port) - 1);
		text[sizeof(port) - 1] = ';';
		memset(text + sizeof(port), 'x', n - 1);
		text[sizeof(port) - 1 + n] = '\n';
		write_file(path, text, sizeof(port) + n);
		if (n == 1022) {
			conf = load_good(path, prof_dir);
			assert_int_equal(conf->n_ports, 1);
			sl_conf_free(conf);
		} else {
			assert_bad(path, prof_dir,
				   "{F}:4: syntax error: line longer than 1022 characters\n",
				   EINVAL);
		}
	}
}

/* Bad files, each with the full text of its messages */

struct bad_case {
	const char *name;
	const char *file; /* in $SL_TEST_DATA/conf, or NULL: text is written to tmp */
	const char *text;
	size_t len; /* of text, which may hold a NUL */
	int pdir;   /* which profile folder */
	const char *expect;
};

enum {
	PDIR_TEST,
	PDIR_NODEFAULT,
	PDIR_BADDEFAULT
};

#define DATA(name) name, NULL, 0
#define TEXT(s)	   NULL, s, sizeof(s) - 1

#define NOT_UNICAST "is not a unicast address (0/8, 127/8 and 224.0.0.0 and above are not accepted)"
#define GLOBAL_KEYS                                                        \
	"mbufs, mbuf_cache, idle, idle_polls, idle_sleep_us, neigh_size, " \
	"neigh_reachable_ms, neigh_retry_ms, neigh_retries, neigh_hold"
#define SECTIONS                                                                  \
	"[global], [tcp], [http], [shed], [port.NAME], [vip.NAME], [pool.NAME], " \
	"[backend.NAME], [limit.NAME]"
#define BAD_NAME    "is not a valid name (1..31 of a-z, 0-9, _ and -)"
#define PREFIX	    "is not an IPv4 prefix (A.B.C.D/LEN, LEN 1..32)"
#define BOOL	    "is not a boolean (accepted: yes, no, true, false, on, off, 1, 0)"
#define DEVICE_KEYS "max_queues, rx_desc, tx_desc, mtu, promiscuous, idle, link_wait_ms"
#define EVERY_KEY   "required key missing (default.ini gives every key)"

#define TCP_KEYS                                                                           \
	"max_conns, syn_backlog, snd_buf, rcv_buf, rto_min_ms, rto_max_ms, rto_init_ms, "  \
	"delack_ms, max_retries, syn_retries, time_wait_max, time_wait_ms, fin_wait2_ms, " \
	"challenge_ack_limit, sack, timestamps, wscale, syncookies, secret"
#define SECRET "(accepted: 32 hex digits for 16 bytes; the value is not shown)"
#define HTTP_KEYS                                                                    \
	"client_header_timeout_ms, client_idle_timeout_ms, client_body_timeout_ms, " \
	"backend_connect_timeout_ms, backend_response_timeout_ms, "                  \
	"backend_idle_timeout_ms, max_request_line, max_header_bytes, max_headers, " \
	"max_body, max_idle_per_backend, retries"
#define VIP_KEYS                                                                                \
	"listen, mode, pool, route.N, forwarded_for, forwarded, via, max_conns, limit, "        \
	"bandwidth, max_conns_per_client, max_new_conns, affinity, "                            \
	"affinity_ttl_ms, affinity_max, cookie_name, cookie_key, cookie_path, cookie_max_age, " \
	"cookie_httponly, cookie_secure, cookie_samesite"
#define NOT_HOST                                                                       \
	"is not a hostname or *.DOMAIN (labels of a-z, 0-9 and '-', 1..63 characters " \
	"each and 253 in all)"
#define PATH_CHARS "(accepted: a-z, A-Z, 0-9, -._~!$&'()*+,;=:@/ and %XX, RFC 3986 3.3)"
#define NOT_VIA	   "is not none or a pseudonym (1..31 of a-z, A-Z, 0-9 and !#$%&'*+-.^_`|~)"
#define HTTP_ONLY  "applies to mode http only"
/* Three lines: a [tcp] after it starts at line 4. */
#define PORT_A "[port.a]\ndevice = net_null0\naddress = 10.0.0.1/24\n"

#define COOKIE_KEY \
	"(accepted: 32 or 64 hex digits for a 16- or 32-byte key; the value is not shown)"
#define TOKEN63 "1..63 of a-z, A-Z, 0-9 and !#$%&'*+-.^_`|~"

#define RATE	   "(accepted: N/s, N/m or N/h, N 1..4294967295)"
#define RATE0	   "(accepted: 0 for none, or N/s, N/m or N/h, N 1..4294967295)"
#define BYTE_UNITS "B, KB, MB, GB (powers of 1000), KiB, MiB, GiB (powers of 1024)"
#define BW \
	"(accepted: N/s or N with one of " BYTE_UNITS " then /s, such as 10MiB/s; 1B/s..128GiB/s)"
#define BW0                                                                               \
	"(accepted: 0 for none, or N/s or N with one of " BYTE_UNITS " then /s, such as " \
	"10MiB/s; up to 128GiB/s)"
#define BYTES "(accepted: N bytes, or N with one of " BYTE_UNITS "; up to 1099511627776 bytes)"
#define BW_ONLY \
	"applies to rate limits only (a bandwidth is paced: bytes wait, nothing is rejected)"
#define NO_TABLE "applies to key client_ip, header or cookie only"
#define REFILL	 "a full budget would take more than 2000000 seconds (23 days) to refill"
#define ONCE	 "is in the VIP's limit already (a limit applies once per request)"
/* A limit that is good, in three lines. */
#define LIM(name) "[limit." name "]\nkey = vip\nrate = 1/s\n"

static const struct bad_case bad_cases[] = {
	{
		"[limit.*] rate: syntax, range, leading zero; burst too long to refill",
		TEXT(PORT_A "[limit.a]\nkey = client_ip\nrate = 100\n"
			    "[limit.b]\nkey = client_ip\nrate = 100/d\n"
			    "[limit.c]\nkey = client_ip\nrate = 0/s\n"
			    "[limit.d]\nkey = client_ip\nrate = 01/s\n"
			    "[limit.e]\nkey = client_ip\nrate = 4294967296/s\n"
			    "[limit.f]\nkey = client_ip\nrate = 1.5/s\n"
			    "[limit.g]\nkey = client_ip\nrate = 1/h\nburst = 555\n"
			    "[limit.h]\nkey = client_ip\nrate = 1/h\nburst = 554\n"
			    "[limit.i]\nkey = client_ip\nrate = /s\n"
			    "[limit.j]\nkey = client_ip\nrate = 10/S\nburst = -1\n"),
		PDIR_TEST,
		"{F}:6: [limit.a] rate: '100' is not a rate " RATE "\n"
		"{F}:9: [limit.b] rate: '100/d' is not a rate " RATE "\n"
		"{F}:12: [limit.c] rate: '0/s' is out of range " RATE "\n"
		"{F}:15: [limit.d] rate: '01/s' has a leading zero, which other tools read as "
		"octal " RATE "\n"
		"{F}:18: [limit.e] rate: '4294967296/s' is out of range " RATE "\n"
		"{F}:21: [limit.f] rate: '1.5/s' is not a rate " RATE "\n"
		"{F}:25: [limit.g] burst: 555 is too large for rate 1/h: " REFILL "\n"
		"{F}:32: [limit.i] rate: '/s' is not a rate " RATE "\n"
		"{F}:35: [limit.j] rate: '10/S' is not a rate " RATE "\n"
		"{F}:36: [limit.j] burst: '-1' is not a decimal number (accepted: 0..4294967295)\n",
	},
	{
		"[limit.*] bandwidth and burst in bytes: bits, units, range",
		TEXT(PORT_A "[limit.a]\nkey = connection\nbandwidth = 10Mb/s\n"
			    "[limit.b]\nkey = connection\nbandwidth = 10MiB\n"
			    "[limit.c]\nkey = connection\nbandwidth = 0B/s\n"
			    "[limit.d]\nkey = connection\nbandwidth = 129GiB/s\n"
			    "[limit.e]\nkey = connection\nbandwidth = 010KiB/s\n"
			    "[limit.f]\nkey = connection\nbandwidth = 1TB/s\n"
			    "[limit.g]\nkey = connection\nbandwidth = 1MiB/s\nburst = 64K\n"
			    "[limit.h]\nkey = connection\nbandwidth = 1KB/s\nburst = 2GiB\n"
			    "[limit.i]\nkey = connection\nbandwidth = 1kbit/s\nburst = 1025GiB\n"
			    "[limit.j]\nkey = connection\nbandwidth = 10 MiB/s\nburst = 08\n"
			    "[limit.k]\nkey = connection\nbandwidth = 1MiB/m\n"),
		PDIR_TEST,
		"{F}:6: [limit.a] bandwidth: '10Mb/s' counts bits: give bytes " BW "\n"
		"{F}:9: [limit.b] bandwidth: '10MiB' is not a bandwidth " BW "\n"
		"{F}:12: [limit.c] bandwidth: '0B/s' is out of range " BW "\n"
		"{F}:15: [limit.d] bandwidth: '129GiB/s' is out of range " BW "\n"
		"{F}:18: [limit.e] bandwidth: '010KiB/s' has a leading zero, which other tools read "
		"as octal " BW "\n"
		"{F}:21: [limit.f] bandwidth: '1TB/s' is not a bandwidth " BW "\n"
		"{F}:25: [limit.g] burst: '64K' is not a byte count " BYTES "\n"
		"{F}:29: [limit.h] burst: 2GiB is too large for bandwidth 1KB/s: " REFILL "\n"
		"{F}:32: [limit.i] bandwidth: '1kbit/s' counts bits: give bytes " BW "\n"
		"{F}:33: [limit.i] burst: '1025GiB' is out of range " BYTES "\n"
		"{F}:36: [limit.j] bandwidth: '10 MiB/s' is not a bandwidth " BW "\n"
		"{F}:37: [limit.j] burst: '08' has a leading zero, which other tools read as "
		"octal " BYTES "\n"
		"{F}:40: [limit.k] bandwidth: '1MiB/m' is not a bandwidth " BW "\n",
	},
	{
		"[limit.*] keys: required, together, apart; key, action, status, max_keys values",
		TEXT(PORT_A
		     "[limit.a]\nkey = connection\nrate = 10/s\n"
		     "[limit.b]\nkey = client_ip\nrate = 10/s\nbandwidth = 1MiB/s\n"
		     "[limit.c]\nkey = vip\n"
		     "[limit.d]\nrate = 5/s\n"
		     "[limit.e]\nkey = vip\nbandwidth = 1MiB/s\naction = delay\nstatus = 503\n"
		     "max_keys = 100\n"
		     "[limit.f]\nkey = vip\nrate = 1/s\nmax_keys = 100\naction = drop\n"
		     "status = 404\n"
		     "[limit.g]\nkey = header:\nrate = 1/s\nmax_keys = 0\n"
		     "[limit.h]\nkey = ip\nrate = 1/s\nmax_keys = 16777217\ncolour = red\n"
		     "[limit.i]\nkey = cookie:a b\nrate = 1/s\n"
		     "[limit]\nkey = vip\nrate = 1/s\n"
		     "[limit.Bad!]\nkey = vip\nrate = 1/s\n"),
		PDIR_TEST,
		"{F}:5: [limit.a] key: connection applies to bandwidth limits only (a rate limit "
		"counts the requests of a client_ip, header, cookie or vip)\n"
		"{F}:10: [limit.b] bandwidth: a limit has a rate or a bandwidth, not both (rate is at "
		"line 9)\n"
		"{F}:11: [limit.c] rate: required key missing (a limit has rate = N/s, N/m or N/h, or "
		"bandwidth = N/s in bytes)\n"
		"{F}:13: [limit.d] key: required key missing\n"
		"{F}:18: [limit.e] action: action " BW_ONLY "\n"
		"{F}:19: [limit.e] status: status " BW_ONLY "\n"
		"{F}:20: [limit.e] max_keys: max_keys " NO_TABLE " (key vip keeps no table)\n"
		"{F}:24: [limit.f] max_keys: max_keys " NO_TABLE " (key vip keeps no table)\n"
		"{F}:25: [limit.f] action: 'drop' is not an action (accepted: reject or delay)\n"
		"{F}:26: [limit.f] status: '404' is not a status for a rejected request (accepted: "
		"429 or 503)\n"
		"{F}:28: [limit.g] key: 'header:': the header name is not " TOKEN63 "\n"
		"{F}:30: [limit.g] max_keys: '0' is out of range 1..16777216\n"
		"{F}:32: [limit.h] key: 'ip' is not a limit key (accepted: client_ip, header:NAME, "
		"cookie:NAME, vip or connection)\n"
		"{F}:34: [limit.h] max_keys: '16777217' is out of range 1..16777216\n"
		"{F}:35: [limit.h] colour: unknown key (accepted: key, rate, bandwidth, burst, action, "
		"max_keys, status)\n"
		"{F}:37: [limit.i] key: 'cookie:a b': the cookie name is not " TOKEN63 "\n"
		"{F}:39: [limit]: a name is needed: [limit.NAME]\n"
		"{F}:42: [limit.bad!]: 'bad!' " BAD_NAME "\n",
	},
	{
		"[vip.*] limit lists, bandwidth, connection keys; route limit fields",
		TEXT(PORT_A LIM("a") LIM("b") "[limit.Bad!]\nkey = vip\nrate = 1/s\n[pool.p]\n"
					      "[vip.v]\nlisten = 10.0.0.1:80\npool = p\n"
					      "limit = a, nope, A\n"
					      "bandwidth = 1Mbps\n"
					      "max_conns_per_client = 4194305\n"
					      "max_new_conns = 100\n"
					      "route.1 = path=/x pool=p limit=a\n"
					      "route.2 = path=/y pool=p limit=b,,b\n"
					      "route.3 = path=/z pool=p limit=\n"
					      "route.4 = path=/w pool=p limit=b limit=b\n"
					      "route.5 = path=/v pool=p limit=bad!\n"
					      "route.6 = path=/u pool=p limit=b,zz\n"
					      "[vip.w]\nlisten = 10.0.0.1:81\npool = p\n"
					      "limit = a b a\n"
					      "max_new_conns = 0/x\n"
					      "bandwidth = 0/s\n" /* none, as 0 */
					      "[vip.x]\nlisten = 10.0.0.1:82\npool = p\n"
					      "limit = ,\n"
					      "max_new_conns = 00/s\n"
					      "[vip.y]\nlisten = 10.0.0.1:83\npool = p\n"
					      "limit =\n"
					      "max_conns_per_client = -1\n"),
		PDIR_TEST,
		"{F}:10: [limit.bad!]: 'bad!' " BAD_NAME "\n"
		"{F}:17: [vip.v] limit: 'nope' names no [limit.nope]\n"
		"{F}:17: [vip.v] limit: 'A' is listed twice\n"
		"{F}:18: [vip.v] bandwidth: '1Mbps' counts bits: give bytes " BW0 "\n"
		"{F}:19: [vip.v] max_conns_per_client: '4194305' is out of range 0..4194304\n"
		"{F}:20: [vip.v] max_new_conns: '100' is not a rate " RATE0 "\n"
		"{F}:21: [vip.v] route.1: limit 'a' " ONCE "\n"
		"{F}:22: [vip.v] route.2: limit 'b,,b' has an empty item\n"
		"{F}:22: [vip.v] route.2: limit 'b' is listed twice\n"
		"{F}:23: [vip.v] route.3: field 'limit' is empty\n"
		"{F}:24: [vip.v] route.4: field 'limit' given twice\n"
		"{F}:26: [vip.v] route.6: limit 'zz' names no [limit.zz]\n"
		"{F}:30: [vip.w] limit: 'a' is listed twice\n"
		"{F}:31: [vip.w] max_new_conns: '0/x' is not a rate " RATE0 "\n"
		"{F}:36: [vip.x] limit: ',' has an empty item\n"
		"{F}:37: [vip.x] max_new_conns: '00/s' has a leading zero, which other tools read as "
		"octal " RATE0 "\n"
		"{F}:41: [vip.y] limit: is empty (accepted: names of [limit.NAME] sections, separated "
		"by commas)\n"
		"{F}:42: [vip.y] max_conns_per_client: '-1' is not a decimal number (accepted: "
		"0..4194304)\n",
	},
	{
		"[vip.*] more than 8 limits; limit keys on an echo VIP",
		TEXT(PORT_A LIM("l1") LIM("l2") LIM("l3") LIM("l4") LIM("l5") LIM("l6") LIM("l7")
			     LIM("l8") LIM(
				     "l9") "[pool.p]\n[vip.v]\nlisten = 10.0.0.1:80\npool = p\n"
					   "limit = l1, l2, l3, l4, l5, l6, l7, l8, l9\n"
					   "[vip.e]\nlisten = 10.0.0.1:7\nmode = echo\nlimit = l1\n"
					   "bandwidth = 1MiB/s\nmax_conns_per_client = 1\n"
					   "max_new_conns = 10/s\n"),
		PDIR_TEST,
		"{F}:35: [vip.v] limit: more than 8 limits (SL_VIP_LIMITS_MAX)\n"
		"{F}:39: [vip.e] limit: limit " HTTP_ONLY "\n"
		"{F}:40: [vip.e] bandwidth: bandwidth " HTTP_ONLY "\n"
		"{F}:41: [vip.e] max_conns_per_client: max_conns_per_client " HTTP_ONLY "\n"
		"{F}:42: [vip.e] max_new_conns: max_new_conns " HTTP_ONLY "\n",
	},
	{
		"[shed] ranges and keys",
		TEXT(PORT_A "[shed]\nmax_inflight = 4194305\nmax_queue = -1\n"
			    "max_queue_ms = 3600001\nretry_after = 86401\ndrop = yes\n[shed.x]\n"),
		PDIR_TEST,
		"{F}:5: [shed] max_inflight: '4194305' is out of range 0..4194304\n"
		"{F}:6: [shed] max_queue: '-1' is not a decimal number (accepted: 0..4194304)\n"
		"{F}:7: [shed] max_queue_ms: '3600001' is out of range 0..3600000\n"
		"{F}:8: [shed] retry_after: '86401' is out of range 0..86400\n"
		"{F}:9: [shed] drop: unknown key (accepted: max_inflight, max_queue, max_queue_ms, "
		"retry_after)\n"
		"{F}:10: [shed.x]: unknown section (accepted: " SECTIONS ")\n",
	},
	{
		"[pool.*] algorithms, maglev_size, hash_key, slow_start_ms; [vip.*] affinity",
		DATA("bad_lb.ini"),
		PDIR_TEST,
		"{F}:7: [pool.a] maglev_size: 65536 is not a prime (Maglev's permutations need a prime table size, such as 65537 or 655373)\n"
		"{F}:11: [pool.b] maglev_size: '100' is out of range 101..16777213\n"
		"{F}:12: [pool.b] hash_key: 'header:': the header name is not " TOKEN63 "\n"
		"{F}:13: [pool.b] slow_start_ms: '3600001' is out of range 0..3600000\n"
		"{F}:17: [pool.c] maglev_size: maglev_size applies to algorithm maglev or hash only\n"
		"{F}:18: [pool.c] hash_key: hash_key applies to algorithm hash only\n"
		"{F}:22: [pool.d] hash_key: 'body' is not a hash key (accepted: source, uri, header:NAME or cookie:NAME)\n"
		"{F}:26: [pool.e] maglev_size: 199 is under 100 x the pool's 2 backends (a prime of at least 200 keeps each backend's share within 1%)\n"
		"{F}:34: [pool.g] hash_key: 'header:a b': the header name is not " TOKEN63 "\n"
		"{F}:47: [vip.a] affinity: 'sticky' is not an affinity mode (accepted: none, source or cookie)\n"
		"{F}:48: [vip.a] affinity_ttl_ms: '999' is out of range 1000..86400000\n"
		"{F}:49: [vip.a] affinity_max: '15' is out of range 16..16777216\n"
		"{F}:50: [vip.a] cookie_name: 'a=b' is not a cookie name (" TOKEN63
		", RFC 6265 4.1.1)\n"
		"{F}:51: [vip.a] cookie_path: 'cart' does not start with '/'\n"
		"{F}:52: [vip.a] cookie_max_age: '31536001' is out of range 0..31536000\n"
		"{F}:53: [vip.a] cookie_httponly: 'maybe' is not a boolean (accepted: yes, no, true, false, on, off, 1, 0)\n"
		"{F}:54: [vip.a] cookie_samesite: none requires cookie_secure = yes (browsers drop a SameSite=None cookie that is not Secure)\n"
		"{F}:56: [vip.b] cookie_key: required key missing (affinity = cookie signs its cookie with it)\n"
		"{F}:60: [vip.b] affinity_ttl_ms: '86400001' is out of range 1000..86400000\n"
		"{F}:61: [vip.b] affinity_max: '16777217' is out of range 16..16777216\n"
		"{F}:62: [vip.b] cookie_name: '' is not a cookie name (" TOKEN63
		", RFC 6265 4.1.1)\n"
		"{F}:63: [vip.b] cookie_samesite: 'loose' is not a SameSite value (accepted: lax, strict, none or off)\n"
		"{F}:69: [vip.c] cookie_key: character 32 is not a hex digit " COOKIE_KEY "\n"
		"{F}:70: [vip.c] cookie_path: '/a;b': character 3 is not allowed in a cookie path (RFC 6265 4.1.1: printable ASCII but ';')\n"
		"{F}:75: [vip.d] cookie_key: is 4 hex digits long " COOKIE_KEY "\n"
		"{F}:77: [vip.d] cookie_samesite: none requires cookie_secure = yes (browsers drop a SameSite=None cookie that is not Secure)\n"
		"{F}:82: [vip.e] cookie_key: is empty " COOKIE_KEY "\n"
		"{F}:83: [vip.e] cookie_name: 'ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCD' is not a cookie name (" TOKEN63
		", RFC 6265 4.1.1)\n"
		"{F}:88: [vip.f] affinity: affinity applies to mode http only\n"
		"{F}:89: [vip.f] cookie_key: cookie_key applies to mode http only\n",
	},
	{
		"syntax errors, and the structure checked after them",
		DATA("bad_syntax.ini"),
		PDIR_TEST,
		"{F}:2: syntax error: 'mbufs 100' is not [section], key = value, "
		"a comment (; or #) or blank\n"
		"{F}:3: syntax error: '[port.a] ; the port' has text after ']' "
		"(a comment needs a line of its own)\n"
		"{F}:5: syntax error: '[port.b' has no closing ']'\n"
		"{F}:6: syntax error: empty section name\n"
		"{F}:7: syntax error: '= 5' has no key before '='\n"
		"{F}:9: syntax error: 'listen = 10.0.0.1:80 \\' ends with '\\', "
		"which would join the next line to it\n"
		"{F}:11: [vip.a] colour: unknown key (accepted: " VIP_KEYS ")\n"
		"{F}: no [port.NAME] section: at least one port is required\n",
	},
	{
		"sections and keys: unknown, duplicate, misnamed, outside any section",
		DATA("bad_structure.ini"),
		PDIR_TEST,
		"{F}:1: mbufs: key before the first [section]\n"
		"{F}:4: [global] colour: unknown key (accepted: " GLOBAL_KEYS ")\n"
		"{F}:5: [global] mbufs: given twice (first at line 3)\n"
		"{F}:6: [bogus]: unknown section (accepted: " SECTIONS ")\n"
		"{F}:8: [port]: a name is needed: [port.NAME]\n"
		"{F}:8: [port] address: required key missing\n"
		"{F}:10: [port.front!]: 'front!' " BAD_NAME "\n"
		"{F}:10: [port.front!] address: required key missing\n"
		"{F}:15: [global]: given twice (first at line 2)\n"
		"{F}:17: [global] mbufs: given twice (first at line 3)\n"
		"{F}:18: [port.this-name-is-far-too-long-for-a-port]: "
		"'this-name-is-far-too-long-for-a-port' " BAD_NAME "\n"
		"{F}:18: [port.this-name-is-far-too-long-for-a-port] device: "
		"required key missing\n"
		"{F}:18: [port.this-name-is-far-too-long-for-a-port] address: "
		"required key missing\n",
	},
	{
		"[global] numbers: range, sign, hex, octal, junk, empty, overflow",
		DATA("bad_global.ini"),
		PDIR_TEST,
		"{F}:2: [global] mbufs: '1022' is out of range 1023..4194303\n"
		"{F}:3: [global] mbuf_cache: '-1' is not a decimal number (accepted: 0..512)\n"
		"{F}:4: [global] idle: 'sometimes' is not an idle mode "
		"(accepted: auto, on or off)\n"
		"{F}:5: [global] idle_polls: '0x10' is not a decimal number "
		"(accepted: 1..1000000)\n"
		"{F}:6: [global] idle_sleep_us: '010' has a leading zero, which other tools "
		"read as octal (accepted: 0..100000)\n"
		"{F}:7: [global] neigh_size: '99999999999999999999' is out of range "
		"16..1048576\n"
		"{F}:8: [global] neigh_reachable_ms: '30s' is not a decimal number "
		"(accepted: 1000..3600000)\n"
		"{F}:9: [global] neigh_retry_ms: '' is not a decimal number "
		"(accepted: 10..60000)\n"
		"{F}:10: [global] neigh_retries: '+5' is not a decimal number "
		"(accepted: 1..100)\n"
		"{F}:11: [global] neigh_hold: '65537' is out of range 0..65536\n",
	},
	{
		"[tcp] numbers, booleans, secret, unknown key, section given twice",
		DATA("bad_tcp.ini"),
		PDIR_TEST,
		"{F}:6: [tcp] max_conns: '15' is out of range 16..4194304\n"
		"{F}:7: [tcp] syn_backlog: '0' is out of range 1..1048576\n"
		"{F}:8: [tcp] snd_buf: '67108865' is out of range 4096..67108864\n"
		"{F}:9: [tcp] rcv_buf: '4095' is out of range 4096..67108864\n"
		"{F}:10: [tcp] rto_min_ms: '0' is out of range 1..60000\n"
		"{F}:11: [tcp] rto_max_ms: '600001' is out of range 100..600000\n"
		"{F}:12: [tcp] rto_init_ms: '60001' is out of range 1..60000\n"
		"{F}:13: [tcp] delack_ms: '501' is out of range 0..500\n"
		"{F}:15: [tcp] syn_retries: '21' is out of range 1..20\n"
		"{F}:16: [tcp] time_wait_max: '4194305' is out of range 0..4194304\n"
		"{F}:17: [tcp] time_wait_ms: '600001' is out of range 0..600000\n"
		"{F}:18: [tcp] fin_wait2_ms: '999' is out of range 1000..600000\n"
		"{F}:19: [tcp] challenge_ack_limit: '1000001' is out of range 1..1000000\n"
		"{F}:20: [tcp] secret: is 31 hex digits long " SECRET "\n"
		"{F}:21: [tcp] window: unknown key (accepted: " TCP_KEYS ")\n"
		"{F}:23: [tcp]: given twice (first at line 5)\n"
		"{F}:24: [tcp] sack: 'maybe' " BOOL "\n"
		"{F}:25: [tcp] timestamps: '2' " BOOL "\n"
		"{F}:26: [tcp] wscale: 'enabled' " BOOL "\n"
		"{F}:27: [tcp] syncookies: '' " BOOL "\n"
		"{F}:28: [tcp] max_retries: given twice (first at line 14)\n"
		"{F}:28: [tcp] max_retries: '101' is out of range 1..100\n",
	},
	{
		"[tcp] numbers: leading zero, sign, junk",
		TEXT(PORT_A "[tcp]\nmax_conns = 016384\nsnd_buf = -4096\nrcv_buf = 256k\n"
			    "delack_ms = 0x28\n"),
		PDIR_TEST,
		"{F}:5: [tcp] max_conns: '016384' has a leading zero, which other tools read "
		"as octal (accepted: 16..4194304)\n"
		"{F}:6: [tcp] snd_buf: '-4096' is not a decimal number (accepted: 4096..67108864)\n"
		"{F}:7: [tcp] rcv_buf: '256k' is not a decimal number (accepted: 4096..67108864)\n"
		"{F}:8: [tcp] delack_ms: '0x28' is not a decimal number (accepted: 0..500)\n",
	},
	{
		"[tcp] secret: not hex",
		TEXT(PORT_A "[tcp]\nsecret = 00112233445566778899aabbccddeefg\n"),
		PDIR_TEST,
		"{F}:5: [tcp] secret: character 32 is not a hex digit " SECRET "\n",
	},
	{
		"[tcp] secret: 0x prefix",
		TEXT(PORT_A "[tcp]\nsecret = 0x00112233445566778899aabbccddeeff\n"),
		PDIR_TEST,
		"{F}:5: [tcp] secret: character 2 is not a hex digit " SECRET "\n",
	},
	{
		"[tcp] secret: blanks inside",
		TEXT(PORT_A "[tcp]\nsecret = 00112233 44556677 8899aabb ccddeeff\n"),
		PDIR_TEST,
		"{F}:5: [tcp] secret: character 9 is not a hex digit " SECRET "\n",
	},
	{
		"[tcp] secret: 33 hex digits",
		TEXT(PORT_A "[tcp]\nsecret = 00112233445566778899aabbccddeeff0\n"),
		PDIR_TEST,
		"{F}:5: [tcp] secret: is 33 hex digits long " SECRET "\n",
	},
	{
		"[tcp] secret: 64 hex digits",
		TEXT(PORT_A "[tcp]\nsecret = 00112233445566778899aabbccddeeff"
			    "00112233445566778899aabbccddeeff\n"),
		PDIR_TEST,
		"{F}:5: [tcp] secret: is 64 hex digits long " SECRET "\n",
	},
	{
		"[tcp] secret: empty",
		TEXT(PORT_A "[tcp]\nsecret =\n"),
		PDIR_TEST,
		"{F}:5: [tcp] secret: is empty " SECRET "\n",
	},
	{
		"[tcp] rto_min_ms above rto_max_ms, both given: the minimum is wrong",
		TEXT(PORT_A "[tcp]\nrto_max_ms = 1000\n\n; a comment\n; another\n\n\n\n\n\n"
			    "rto_min_ms = 2000\n"),
		PDIR_TEST,
		"{F}:14: [tcp] rto_min_ms: 2000 is above rto_max_ms (1000)\n",
	},
	{
		"[tcp] rto_max_ms below the default rto_min_ms",
		TEXT(PORT_A "[tcp]\nrto_max_ms = 150\nrto_init_ms = 150\n"),
		PDIR_TEST,
		"{F}:5: [tcp] rto_max_ms: 150 is below rto_min_ms (200, the default)\n",
	},
	{
		"[tcp] rto_min_ms above rto_max_ms: rto_init_ms is not compared with them",
		TEXT(PORT_A "[tcp]\nrto_min_ms = 60000\nrto_max_ms = 100\n"),
		PDIR_TEST,
		"{F}:5: [tcp] rto_min_ms: 60000 is above rto_max_ms (100)\n",
	},
	{
		"[tcp] rto_min_ms above the default rto_init_ms",
		TEXT(PORT_A "[tcp]\nrto_min_ms = 2000\n"),
		PDIR_TEST,
		"{F}:5: [tcp] rto_min_ms: 2000 is above rto_init_ms (1000, the default)\n",
	},
	{
		"[tcp] rto_max_ms below the default rto_init_ms",
		TEXT(PORT_A "[tcp]\nrto_max_ms = 500\n"),
		PDIR_TEST,
		"{F}:5: [tcp] rto_max_ms: 500 is below rto_init_ms (1000, the default)\n",
	},
	{
		"[tcp] rto_init_ms below rto_min_ms, both given: the initial RTO is wrong",
		TEXT(PORT_A "[tcp]\nrto_init_ms = 300\nrto_min_ms = 500\n"),
		PDIR_TEST,
		"{F}:5: [tcp] rto_init_ms: 300 is below rto_min_ms (500)\n",
	},
	{
		"[tcp] rto_init_ms above rto_max_ms, both given: the initial RTO is wrong",
		TEXT(PORT_A "[tcp]\nrto_max_ms = 30000\nrto_init_ms = 60000\n"),
		PDIR_TEST,
		"{F}:6: [tcp] rto_init_ms: 60000 is above rto_max_ms (30000)\n",
	},
	{
		"[tcp] rto_init_ms below the default rto_min_ms",
		TEXT(PORT_A "[tcp]\nrto_init_ms = 100\n"),
		PDIR_TEST,
		"{F}:5: [tcp] rto_init_ms: 100 is below rto_min_ms (200, the default)\n",
	},
	{
		"[tcp] given twice: one section, its keys checked together",
		TEXT(PORT_A
		     "[tcp]\nrto_init_ms = 100\n[port.b]\ndevice = net_null1\n"
		     "address = 10.0.1.1/24\n[TCP]\nrto_init_ms = 60000\nrto_max_ms = 50000\n"),
		PDIR_TEST,
		"{F}:9: [tcp]: given twice (first at line 4)\n"
		"{F}:10: [tcp] rto_init_ms: given twice (first at line 5)\n"
		"{F}:10: [tcp] rto_init_ms: 60000 is above rto_max_ms (50000)\n",
	},
	{
		"[tcp] time_wait_max not below max_conns, and an RTO clash: both reported",
		TEXT(PORT_A "[tcp]\nmax_conns = 1024\ntime_wait_max = 1024\nrto_min_ms = 5000\n"
			    "rto_max_ms = 4000\n"),
		PDIR_TEST,
		"{F}:6: [tcp] time_wait_max: 1024 is not below max_conns (1024)\n"
		"{F}:7: [tcp] rto_min_ms: 5000 is above rto_max_ms (4000)\n",
	},
	{
		"[tcp] time_wait_max not below the default max_conns",
		TEXT(PORT_A "[tcp]\ntime_wait_max = 4194304\n"),
		PDIR_TEST,
		"{F}:5: [tcp] time_wait_max: 4194304 is not below max_conns (16384, the default)\n",
	},
	{
		"[tcp] a bad value is not compared with other keys",
		TEXT(PORT_A "[tcp]\nrto_min_ms = lots\nrto_max_ms = 100\nrto_init_ms = 50\n"
			    "max_conns = 10\ntime_wait_max = 20\n"),
		PDIR_TEST,
		"{F}:5: [tcp] rto_min_ms: 'lots' is not a decimal number (accepted: 1..60000)\n"
		"{F}:8: [tcp] max_conns: '10' is out of range 16..4194304\n",
	},
	{
		"[port.*]: device, profile, address and gateway",
		DATA("bad_port.ini"),
		PDIR_TEST,
		"{F}:1: [port.a] device: required key missing\n"
		"{F}:2: [port.a] address: '10.0.0.300/24' " PREFIX "\n"
		"{F}:3: [port.a] gateway: '10.0.0.1.5' is not an IPv4 address (A.B.C.D)\n"
		"{F}:7: [port.b] address: '10.0.1.0/24' is the network address of its subnet "
		"(a host address is needed)\n"
		"{F}:11: [port.c] device: 'net_null0' is already the device of [port.b]\n"
		"{F}:12: [port.c] address: '10.0.2.255/24' is the broadcast address of its "
		"subnet (a host address is needed)\n"
		"{F}:13: [port.c] profile: 'nope' not found in {P}\n"
		"{F}:18: [port.d] gateway: '10.0.4.1' is outside the port's subnet "
		"10.0.3.0/24 (a next hop must be on-link)\n"
		"{F}:23: [port.e] gateway: '10.0.5.1' is the port's own address\n"
		"{F}:27: [port.f] address: '127.0.0.1/8' " NOT_UNICAST "\n"
		"{F}:28: [port.f] profile: '../etc/passwd' is not a profile name "
		"(1..31 of a-z, 0-9, _ and -)\n"
		"{F}:32: [port.g] address: '10.0.6.1/33' " PREFIX "\n"
		"{F}:33: [port.g] gateway: '224.0.0.1' " NOT_UNICAST "\n"
		"{F}:36: [port.h] device: '' is not a device (an ethdev name such as net_tap0 "
		"or a PCI address such as 0000:03:00.0)\n"
		"{F}:37: [port.h] address: '10.0.7.1' " PREFIX "\n",
	},
	{
		"[port.*]: /0, /30, /31, /32, 0/8, leading zero, long device, too many ports",
		DATA("bad_port_more.ini"),
		PDIR_TEST,
		"{F}:4: [port.p1] gateway: '10.0.1.3' is the broadcast address of the port's "
		"subnet\n"
		"{F}:9: [port.p2] gateway: '10.0.2.0' is the network address of the port's "
		"subnet\n"
		"{F}:13: [port.p3] address: '10.0.3.1/0' " PREFIX "\n"
		"{F}:17: [port.p4] address: '0.1.2.3/8' " NOT_UNICAST "\n"
		"{F}:22: [port.p5] gateway: '10.0.5.01' is not an IPv4 address (A.B.C.D)\n"
		"{F}:30: [port.p7] device: '0123456789012345678901234567890123456789012345678"
		"901234567890123456789012345...' is longer than 127 characters\n"
		"{F}:37: [port.p9]: too many ports: at most 8 (SL_PORTS_MAX)\n"
		"{F}:39: [port.p9] address: '10.0.9.1/24x' " PREFIX "\n",
	},
	{
		"[vip.*] and [pool.*]",
		DATA("bad_vip.ini"),
		PDIR_TEST,
		"{F}:10: [vip.b] listen: '10.0.0.1:80' is already the listen address of "
		"[vip.a] (line 5)\n"
		"{F}:12: [vip.b] pool: pool applies to mode http only\n"
		"{F}:15: [vip.c] listen: '10.0.0.1:70000': port '70000' is out of range "
		"1..65535\n"
		"{F}:16: [vip.c] mode: 'tcp' is not a mode (accepted: http, echo or discard)\n"
		"{F}:17: [vip.c] pool: 'nope' names no [pool.nope]\n"
		"{F}:20: [vip.d] listen: '10.0.0.1' is not an IPv4 address and port "
		"(A.B.C.D:PORT)\n"
		"{F}:23: [vip.e] pool: required key missing (mode http relays to a pool)\n"
		"{F}:24: [vip.e] listen: '10.0.0.1:0': port '0' is out of range 1..65535\n"
		"{F}:26: [vip.f] listen: required key missing\n"
		"{F}:28: [vip.f] pool: 'Nope]' names no [pool.nope?]\n"
		"{F}:31: [vip.g] listen: '0.0.0.0:80' " NOT_UNICAST "\n"
		"{F}:35: [pool.web] algorithm: 'fastest' is not an algorithm "
		"(accepted: roundrobin, leastconn, random2, maglev or hash)\n",
	},
	{
		"[backend.*]",
		DATA("bad_backend.ini"),
		PDIR_TEST,
		"{F}:10: [backend.a] weight: '1001' is out of range 0..1000\n"
		"{F}:13: [backend.b] pool: 'nope' names no [pool.nope]\n"
		"{F}:14: [backend.b] address: '10.1.0.1' is not an IPv4 address and port "
		"(A.B.C.D:PORT)\n"
		"{F}:16: [backend.c] pool: required key missing\n"
		"{F}:16: [backend.c] address: required key missing\n"
		"{F}:17: [backend.c] weight: '1x' is not a decimal number (accepted: 0..1000)\n"
		"{F}:21: [backend.d] address: '255.255.255.255:80' " NOT_UNICAST "\n"
		"{F}:26: [backend.e] backup: 'maybe' " BOOL "\n"
		"{F}:27: [backend.e] max_conns: '1000001' is out of range 0..1000000\n"
		"{F}:32: [backend.f] backup: '' " BOOL "\n"
		"{F}:33: [backend.f] max_conns: '01' has a leading zero, which other tools read "
		"as octal (accepted: 0..1000000)\n",
	},
	{
		"[http] numbers below their ranges",
		DATA("bad_http_low.ini"),
		PDIR_TEST,
		"{F}:6: [http] client_header_timeout_ms: '99' is out of range 100..3600000\n"
		"{F}:7: [http] client_idle_timeout_ms: '99' is out of range 100..3600000\n"
		"{F}:8: [http] client_body_timeout_ms: '99' is out of range 100..3600000\n"
		"{F}:9: [http] backend_connect_timeout_ms: '9' is out of range 10..600000\n"
		"{F}:10: [http] backend_response_timeout_ms: '99' is out of range 100..3600000\n"
		"{F}:11: [http] backend_idle_timeout_ms: '99' is out of range 100..3600000\n"
		"{F}:12: [http] max_request_line: '255' is out of range 256..1048576\n"
		"{F}:13: [http] max_header_bytes: '1023' is out of range 1024..1048576\n"
		"{F}:14: [http] max_headers: '0' is out of range 1..128\n"
		"{F}:15: [http] max_body: '-1' is not a size " SIZE "\n"
		"{F}:16: [http] max_idle_per_backend: '-1' is not a decimal number "
		"(accepted: 0..65535)\n"
		"{F}:17: [http] retries: '-1' is not a decimal number (accepted: 0..10)\n",
	},
	{
		"[http] numbers above their ranges, unknown key, section given twice",
		DATA("bad_http_high.ini"),
		PDIR_TEST,
		"{F}:6: [http] client_header_timeout_ms: '3600001' is out of range 100..3600000\n"
		"{F}:7: [http] client_idle_timeout_ms: '3600001' is out of range 100..3600000\n"
		"{F}:8: [http] client_body_timeout_ms: '3600001' is out of range 100..3600000\n"
		"{F}:9: [http] backend_connect_timeout_ms: '600001' is out of range 10..600000\n"
		"{F}:10: [http] backend_response_timeout_ms: '3600001' is out of range "
		"100..3600000\n"
		"{F}:11: [http] backend_idle_timeout_ms: '3600001' is out of range 100..3600000\n"
		"{F}:12: [http] max_request_line: '1048577' is out of range 256..1048576\n"
		"{F}:13: [http] max_header_bytes: '1048577' is out of range 1024..1048576\n"
		"{F}:14: [http] max_headers: '129' is out of range 1..128\n"
		"{F}:15: [http] max_body: '9223372036854775808' is out of range "
		"0..9223372036854775807\n"
		"{F}:16: [http] max_idle_per_backend: '65536' is out of range 0..65535\n"
		"{F}:17: [http] keepalive: unknown key (accepted: " HTTP_KEYS ")\n"
		"{F}:19: [http]: given twice (first at line 5)\n"
		"{F}:20: [http] retries: '11' is out of range 0..10\n",
	},
	{
		"[http] max_request_line above max_header_bytes, both given: the line is wrong",
		TEXT(PORT_A "[http]\nmax_header_bytes = 2048\nmax_request_line = 4096\n"),
		PDIR_TEST,
		"{F}:6: [http] max_request_line: 4096 is above max_header_bytes (2048)\n",
	},
	{
		"[http] max_request_line above the default max_header_bytes",
		TEXT(PORT_A "[http]\nmax_request_line = 65536\n"),
		PDIR_TEST,
		"{F}:5: [http] max_request_line: 65536 is above max_header_bytes (32768, the "
		"default)\n",
	},
	{
		"[http] max_header_bytes below the default max_request_line",
		TEXT(PORT_A "[http]\nmax_header_bytes = 4096\n"),
		PDIR_TEST,
		"{F}:5: [http] max_header_bytes: 4096 is below max_request_line (8192, the "
		"default)\n",
	},
	{
		"[http] a bad value is not compared with the other",
		TEXT(PORT_A "[http]\nmax_header_bytes = 1000\nmax_request_line = 2000000\n"),
		PDIR_TEST,
		"{F}:5: [http] max_header_bytes: '1000' is out of range 1024..1048576\n"
		"{F}:6: [http] max_request_line: '2000000' is out of range 256..1048576\n",
	},
	{
		"[vip.*] route.N: numbers, fields, host, path, pool",
		DATA("bad_routes.ini"),
		PDIR_TEST,
		"{F}:10: [vip.web] route.x: unknown key (accepted: " VIP_KEYS ")\n"
		"{F}:11: [vip.web] route.0: route number must be 1..64\n"
		"{F}:12: [vip.web] route.65: route number must be 1..64\n"
		"{F}:13: [vip.web] route.01: route number must be 1..64, without a leading zero\n"
		"{F}:14: [vip.web] route.1x: unknown key (accepted: " VIP_KEYS ")\n"
		"{F}:15: [vip.web] route.1: unknown field 'colour' (accepted: host, path, pool, limit)\n"
		"{F}:16: [vip.web] route.2: field 'host' given twice\n"
		"{F}:17: [vip.web] route.3: field 'host' is empty\n"
		"{F}:18: [vip.web] route.4: field 'pool' missing (a route names the pool it "
		"relays to)\n"
		"{F}:19: [vip.web] route.5: neither host nor path given (a route matches on one "
		"or both; the VIP's pool takes what no route matches)\n"
		"{F}:20: [vip.web] route.6: pool 'Nope' names no [pool.nope]\n"
		"{F}:21: [vip.web] route.7: path 'v1/' does not start with '/'\n"
		"{F}:22: [vip.web] route.8: path '/a?b': character 3 is not a path "
		"character " PATH_CHARS "\n"
		"{F}:23: [vip.web] route.9: path '/a%2': '%' at character 3 is not followed by "
		"two hex digits\n"
		"{F}:24: [vip.web] route.10: host 'a.example.com:8080' has a port (a route "
		"matches the Host header's name only: give the name alone)\n"
		"{F}:25: [vip.web] route.11: host '-bad.example.com' " NOT_HOST "\n"
		"{F}:26: [vip.web] route.12: host '*.' " NOT_HOST "\n"
		"{F}:27: [vip.web] route.13: host 'a.*.com' " NOT_HOST "\n"
		"{F}:28: [vip.web] route.14: 'web' is not a field (NAME=VALUE; accepted: host, "
		"path, pool, limit)\n"
		"{F}:29: [vip.web] route.15: is empty (accepted: host=NAME path=/PREFIX "
		"pool=NAME limit=A,B, with pool and host or path)\n"
		"{F}:30: [vip.web] route.16: unknown field 'hots' (accepted: host, path, pool, limit)\n"
		"{F}:31: [vip.web] route.17: host 'a_b.example.com' " NOT_HOST "\n"
		"{F}:31: [vip.web] route.17: field 'path' is empty\n"
		"{F}:32: [vip.web] route.18: field 'pool' given twice\n"
		"{F}:33: [vip.web] route.19: host 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaa.example.com' " NOT_HOST "\n"
		"{F}:34: [vip.web] route.20: '=x' is not a field (NAME=VALUE; accepted: host, "
		"path, pool, limit)\n"
		"{F}:35: [vip.web] route.21: path '/ppppppppppppppppppppppppppppppppppppppppppp"
		"pppppppppppppppppppppppppppppppp...' is longer than 511 characters\n"
		"{F}:36: [vip.web] route.22: host '*' " NOT_HOST "\n"
		"{F}:37: [vip.web] route.23: path '/%zz': '%' at character 2 is not followed by "
		"two hex digits\n",
	},
	{
		"[vip.*] mode http keys: for echo and discard, bad values, a bad mode",
		DATA("bad_vip_http.ini"),
		PDIR_TEST,
		"{F}:10: [vip.e] route.1: route.1 " HTTP_ONLY "\n"
		"{F}:11: [vip.e] forwarded_for: forwarded_for " HTTP_ONLY "\n"
		"{F}:12: [vip.e] forwarded: forwarded " HTTP_ONLY "\n"
		"{F}:13: [vip.e] via: via " HTTP_ONLY "\n"
		"{F}:14: [vip.e] max_conns: max_conns " HTTP_ONLY "\n"
		"{F}:19: [vip.d] route.0: route number must be 1..64\n"
		"{F}:20: [vip.d] via: via " HTTP_ONLY "\n"
		"{F}:25: [vip.h] forwarded_for: 'maybe' " BOOL "\n"
		"{F}:26: [vip.h] forwarded: '2' " BOOL "\n"
		"{F}:27: [vip.h] via: 'a b' " NOT_VIA "\n"
		"{F}:28: [vip.h] max_conns: '4194305' is out of range 0..4194304\n"
		"{F}:33: [vip.h2] via: '0123456789abcdef0123456789abcdef' " NOT_VIA "\n"
		"{F}:34: [vip.h2] max_conns: '-1' is not a decimal number (accepted: 0..4194304)\n"
		"{F}:39: [vip.h3] via: '' " NOT_VIA "\n"
		"{F}:43: [vip.m] mode: 'tcp' is not a mode (accepted: http, echo or discard)\n"
		"{F}:44: [vip.m] via: 'a,b' " NOT_VIA "\n"
		"{F}:45: [vip.m] route.1: pool 'nope' names no [pool.nope]\n",
	},
	{
		"[vip.*] a route naming a pool that got no slot: reported once, at the pool",
		TEXT(PORT_A "[pool.Bad!]\n[pool.ok]\n[vip.v]\nlisten = 10.0.0.1:80\npool = ok\n"
			    "route.1 = path=/ pool=bad!\n"),
		PDIR_TEST,
		"{F}:4: [pool.bad!]: 'bad!' " BAD_NAME "\n",
	},
	{
		"a profile with a problem on every line, reported once for two ports",
		DATA("bad_profile.ini"),
		PDIR_TEST,
		"{F}:8: [port.b] address: '10.0.1.256/24' " PREFIX "\n"
		"{P}/sltest_bad.ini:3: [device] max_queues: '0' is out of range 1..1024\n"
		"{P}/sltest_bad.ini:4: [device] rx_desc: '16385' is out of range 64..16384\n"
		"{P}/sltest_bad.ini:5: [device] tx_desc: 'lots' is not a decimal number "
		"(accepted: 64..16384)\n"
		"{P}/sltest_bad.ini:6: [device] mtu: '575' is out of range 576..9600\n"
		"{P}/sltest_bad.ini:7: [device] promiscuous: 'maybe' " BOOL "\n"
		"{P}/sltest_bad.ini:8: [device] idle: '2' " BOOL "\n"
		"{P}/sltest_bad.ini:9: [device] link_wait_ms: '60001' is out of range "
		"0..60000\n"
		"{P}/sltest_bad.ini:10: [device] colour: unknown key (accepted: " DEVICE_KEYS ")\n"
		"{P}/sltest_bad.ini:14: [rss] key: '6d5a56da255b0ec2' is not an RSS key "
		"(80 or 104 hex digits for 40 or 52 bytes, or device)\n"
		"{P}/sltest_bad.ini:15: [rss] hash: 'sctp' is not an RSS hash field (accepted: "
		"ipv4, frag_ipv4, ipv4_tcp, ipv4_udp, ipv4_other, tcp, udp, l3_src_only, "
		"l3_dst_only, l4_src_only, l4_dst_only)\n"
		"{P}/sltest_bad.ini:15: [rss] hash: 'ipv4,sctp,,tcp' has an empty item\n"
		"{P}/sltest_bad.ini:18: [offloads] rx: 'none' cannot be combined with other "
		"offloads\n"
		"{P}/sltest_bad.ini:19: [offloads] tx: an empty list is not accepted (a comma "
		"list of ipv4_cksum, udp_cksum, tcp_cksum, tcp_tso, multi_segs, "
		"mbuf_fast_free; or none)\n"
		"{P}/sltest_bad.ini:21: [queues]: unknown section (accepted: [device], [rss], "
		"[offloads])\n",
	},
	{
		"no default.ini",
		DATA("good_minimal.ini"),
		PDIR_NODEFAULT,
		"{P}/default.ini: cannot open: No such file or directory\n",
	},
	{
		"a default.ini that lacks keys and a section",
		DATA("good_minimal.ini"),
		PDIR_BADDEFAULT,
		"{P}/default.ini:1: [device] tx_desc: " EVERY_KEY "\n"
		"{P}/default.ini:1: [device] mtu: " EVERY_KEY "\n"
		"{P}/default.ini:1: [device] promiscuous: " EVERY_KEY "\n"
		"{P}/default.ini:1: [device] idle: " EVERY_KEY "\n"
		"{P}/default.ini:1: [device] link_wait_ms: " EVERY_KEY "\n"
		"{P}/default.ini:4: [device] colour: unknown key (accepted: " DEVICE_KEYS ")\n"
		"{P}/default.ini:7: [offloads] tx: 'tcp_tso,' has an empty item\n"
		"{P}/default.ini: [rss]: section missing (default.ini gives every key)\n",
	},
	{
		"an empty file",
		TEXT(""),
		PDIR_TEST,
		"{F}: no [port.NAME] section: at least one port is required\n",
	},
	{
		"a CRLF file: lines counted, no '\\r' in messages",
		TEXT("[port.a]\r\ndevice = net_null0\r\n\r\naddress = 10.0.0.300/24\r\n"),
		PDIR_TEST,
		"{F}:4: [port.a] address: '10.0.0.300/24' " PREFIX "\n",
	},
	{
		"a UTF-8 byte order mark: reported, the rest still checked",
		TEXT("\xef\xbb\xbf[port.a]\ndevice = net_null0\ncolour = red\n"),
		PDIR_TEST,
		"{F}:1: syntax error: the file starts with a UTF-8 byte order mark: "
		"save it without\n"
		"{F}:3: [port.a] colour: unknown key (accepted: device, profile, address, "
		"gateway)\n",
	},
	{
		"a NUL byte",
		TEXT("[port.a]\ndevice = net\0null0\naddress = 10.0.0.1/24\n"),
		PDIR_TEST,
		"{F}:2: syntax error: NUL byte in the line\n",
	},
	{
		"control characters in a message are shown as '?'",
		TEXT("[port.a]\ndevice = net_null0\naddress = 10.0\x1b[31m.0.1/24\n"),
		PDIR_TEST,
		"{F}:3: [port.a] address: '10.0?[31m.0.1/24' " PREFIX "\n",
	},
};

static const char bad_default_ini[] = "[device]\n"
				      "max_queues = 16\n"
				      "rx_desc = 1024\n"
				      "colour = red\n"
				      "[offloads]\n"
				      "rx = none\n"
				      "tx = tcp_tso, \n";

static void
test_bad(void **state)
{
	const struct bad_case *c = *state;
	char path[PATH_MAX];
	const char *pdir;

	pdir = c->pdir == PDIR_NODEFAULT  ? nodefault_dir :
	       c->pdir == PDIR_BADDEFAULT ? baddefault_dir :
					    prof_dir;
	if (c->file != NULL) {
		data_path(path, c->file);
	} else {
		path_join(path, tmp_dir, "case.ini");
		write_file(path, c->text, c->len);
	}
	assert_bad(path, pdir, c->expect, EINVAL);
}

/* Group setup: the scratch folder and its profile folders */

/* snprintf() into a PATH_MAX buffer; -1 when it does not fit. */
static int __attribute__((format(printf, 2, 3))) pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

static int
setup(void **state)
{
	const char *data = getenv("SL_TEST_DATA");
	const char *prof = getenv("SL_PROFILE_DIR");
	const char *tmp = getenv("TMPDIR");
	char from[PATH_MAX], to[PATH_MAX], test_prof[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	(void)state;
	if (data == NULL || prof == NULL) {
		fprintf(stderr, "test_conf: set SL_TEST_DATA and SL_PROFILE_DIR "
				"(meson test does)\n");
		return -1;
	}
	if (pathf(data_dir, "%s", data) != 0 || pathf(real_prof_dir, "%s", prof) != 0 ||
	    pathf(tmp_dir, "%s/sl_test_conf.XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp") !=
		    0)
		return -1;
	if (mkdtemp(tmp_dir) == NULL) {
		tmp_dir[0] = '\0';
		return -1;
	}
	if (pathf(prof_dir, "%s/profiles", tmp_dir) != 0 ||
	    pathf(nodefault_dir, "%s/nodefault", tmp_dir) != 0 ||
	    pathf(baddefault_dir, "%s/baddefault", tmp_dir) != 0 || mkdir(prof_dir, 0700) != 0 ||
	    mkdir(nodefault_dir, 0700) != 0 || mkdir(baddefault_dir, 0700) != 0)
		return -1;

	if (pathf(from, "%s/default.ini", real_prof_dir) != 0 ||
	    pathf(to, "%s/default.ini", prof_dir) != 0 || copy_file(from, to) != 0)
		return -1;
	if (pathf(test_prof, "%s/profiles", data_dir) != 0)
		return -1;
	d = opendir(test_prof);
	if (d == NULL)
		return -1;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		if (pathf(from, "%s/%s", test_prof, de->d_name) != 0 ||
		    pathf(to, "%s/%s", prof_dir, de->d_name) != 0 || copy_file(from, to) != 0)
			rc = -1;
	}
	closedir(d);
	if (rc != 0 || pathf(to, "%s/default.ini", baddefault_dir) != 0)
		return -1;
	{
		FILE *f = fopen(to, "w");

		if (f == NULL)
			return -1;
		fputs(bad_default_ini, f);
		if (fclose(f) != 0)
			return -1;
	}
	return 0;
}

/* Remove @p path and, when it is a folder, everything under it. */
static int
rm_tree(const char *path)
{
	char child[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	if (lstat(path, &st) != 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		d = opendir(path);
		if (d == NULL)
			return -1;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
			if (rm_tree(child) != 0)
				rc = -1;
		}
		closedir(d);
	}
	if (remove(path) != 0)
		rc = -1;
	return rc;
}

static int
teardown(void **state)
{
	(void)state;
	return tmp_dir[0] != '\0' ? rm_tree(tmp_dir) : 0;
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_good_full),
		cmocka_unit_test(test_good_minimal),
		cmocka_unit_test(test_tcp_range_ends),
		cmocka_unit_test(test_tcp_defaults),
		cmocka_unit_test(test_http_range_ends),
		cmocka_unit_test(test_http_defaults),
		cmocka_unit_test(test_http_max_body),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_routes_max),
		cmocka_unit_test(test_good_lb),
		cmocka_unit_test(test_lb_defaults),
		cmocka_unit_test(test_real_default_profile),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_dump_round_trip),
		cmocka_unit_test(test_dump_text),
		cmocka_unit_test(test_dump_tcp_secret),
		cmocka_unit_test(test_dump_vip_http),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_limits_max),
		cmocka_unit_test(test_limits_route_line),
		cmocka_unit_test(test_limits_dump),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_long_line),
	};
	static struct CMUnitTest tests[DIM(fixed) + DIM(bad_cases)];
	size_t i;

	memcpy(tests, fixed, sizeof(fixed));
	/* One test per bad case, named after it, so that a failure says which. */
	for (i = 0; i < DIM(bad_cases); i++) {
		struct CMUnitTest *t = &tests[DIM(fixed) + i];

		t->name = bad_cases[i].name;
		t->test_func = test_bad;
		t->initial_state = (void *)(uintptr_t)&bad_cases[i];
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
