/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CLI: show sessions [count|top N], clear sessions. Source-affinity entries
 * live in each VIP's shared table (lib/affinity); cookie affinity keeps no
 * state, so only its counters are shown.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_cycles.h>

#include "app.h"

#define TOP_MAX 1000

struct cmd_sess_result {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t sub;
	uint32_t n;
};

struct top_entry {
	rte_be32_t client;
	uint16_t backend;
	uint64_t idle;
};

struct walk_arg {
	uint32_t per_backend[SL_BACKENDS_MAX];
	struct top_entry *top;	/* the n most recently used, kept sorted by idle */
	uint32_t n, cap;
};

static void
walk_cb(rte_be32_t client, uint16_t backend, uint64_t idle, void *arg)
{
	struct walk_arg *w = arg;
	uint32_t i;

	if (backend < SL_BACKENDS_MAX)
		w->per_backend[backend]++;
	if (w->cap == 0 || (w->n == w->cap && idle >= w->top[w->n - 1].idle))
		return;
	/* Insertion into a short sorted array: cap is at most TOP_MAX. */
	i = w->n < w->cap ? w->n++ : w->n - 1;
	while (i > 0 && w->top[i - 1].idle > idle) {
		w->top[i] = w->top[i - 1];
		i--;
	}
	w->top[i] = (struct top_entry){ .client = client, .backend = backend, .idle = idle };
}

static void
show_vip_sessions(struct cmdline *cl, uint16_t v, uint32_t top)
{
	const struct sl_conf_vip *vip = &sl_app.conf->vips[v];
	const struct sl_proxy_vip_shared *vs = &sl_app.shared->vips[v];
	const struct sl_lb *lb = sl_app.lb;
	double ms = (double)rte_get_tsc_hz() / 1000.0;
	struct sl_affinity_stats st;
	struct walk_arg *w;

	cmdline_printf(cl, "vip %s: affinity %s, re-pinned %" PRIu64 "\n", vip->name,
		       sl_conf_affinity_name(vip->affinity),
		       __atomic_load_n(&vs->repinned, __ATOMIC_RELAXED));
	if (vip->affinity == SL_AFFINITY_COOKIE) {
		cmdline_printf(cl, "  cookie %s: %" PRIu64 " set, %" PRIu64
			       " rejected (forged, stale or another pool's); no table\n",
			       vip->cookie_name, __atomic_load_n(&vs->cookies_set, __ATOMIC_RELAXED),
			       __atomic_load_n(&vs->cookies_bad, __ATOMIC_RELAXED));
		return;
	}
	if (vs->aff == NULL)
		return;
	sl_affinity_stats(vs->aff, &st);
	cmdline_printf(cl, "  sessions: %" PRIu64 " of %" PRIu64 " (ttl %u ms), memory %" PRIu64
		       " KiB\n", st.entries, st.capacity, vip->affinity_ttl_ms,
		       st.memory_bytes / 1024);
	cmdline_printf(cl, "  lookups %" PRIu64 " (hits %" PRIu64 ", misses %" PRIu64
		       "), inserts %" PRIu64 " (races %" PRIu64 ", full %" PRIu64 "), updates %"
		       PRIu64 "\n", st.lookups, st.hits, st.misses, st.inserts, st.races, st.full,
		       st.updates);
	cmdline_printf(cl, "  removed: expired %" PRIu64 ", evicted %" PRIu64 ", forgotten %"
		       PRIu64 "; free nodes %" PRIu64 ", pending reuse %" PRIu64 "\n",
		       st.expired, st.evicted, st.forgotten, st.free_nodes, st.pending);
	if (top == UINT32_MAX)
		return;
	w = calloc(1, sizeof(*w));
	if (w == NULL || (top != 0 && (w->top = calloc(top, sizeof(*w->top))) == NULL)) {
		free(w);
		cmdline_printf(cl, "  out of memory\n");
		return;
	}
	w->cap = top;
	sl_affinity_walk(vs->aff, walk_cb, w);
	cmdline_printf(cl, "  sessions per backend:\n");
	for (uint16_t b = 0; b < lb->n_backends; b++)
		if (w->per_backend[b] != 0)
			cmdline_printf(cl, "    %-20s %u\n", lb->backends[b].name, w->per_backend[b]);
	if (top != 0) {
		cmdline_printf(cl, "  %u most recently used:\n    %-15s %-20s %s\n", w->n, "client",
			       "backend", "idle ms");
		for (uint32_t i = 0; i < w->n; i++) {
			char ip[16];
			uint16_t b = w->top[i].backend;

			cmdline_printf(cl, "    %-15s %-20s %.0f\n",
				       sl_conf_ip_str(rte_be_to_cpu_32(w->top[i].client), ip),
				       b < lb->n_backends ? lb->backends[b].name : "?",
				       (double)w->top[i].idle / ms);
		}
	}
	free(w->top);
	free(w);
}

static void
show_sessions(struct cmdline *cl, uint32_t top)
{
	unsigned int shown = 0;

	for (uint16_t v = 0; v < sl_app.conf->n_vips; v++) {
		if (sl_app.conf->vips[v].affinity == SL_AFFINITY_NONE)
			continue;
		show_vip_sessions(cl, v, top);
		shown++;
	}
	if (shown == 0)
		cmdline_printf(cl, "no VIP has affinity (affinity = source | cookie)\n");
}

static void
cmd_show_sessions_parsed(void *parsed, struct cmdline *cl, void *data)
{
	show_sessions(cl, 0);
}

static void
cmd_show_sessions_count_parsed(void *parsed, struct cmdline *cl, void *data)
{
	show_sessions(cl, UINT32_MAX);
}

static void
cmd_show_sessions_top_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_sess_result *r = parsed;

	if (r->n == 0 || r->n > TOP_MAX) {
		cmdline_printf(cl, "top N: N is 1..%u\n", TOP_MAX);
		return;
	}
	show_sessions(cl, r->n);
}

static void
cmd_clear_sessions_parsed(void *parsed, struct cmdline *cl, void *data)
{
	unsigned int n = 0;

	for (uint16_t v = 0; v < sl_app.conf->n_vips; v++)
		if (sl_app.shared->vips[v].aff != NULL)
			n += sl_affinity_flush(sl_app.shared->vips[v].aff);
	cmdline_printf(cl, "%u source-affinity session(s) removed\n", n);
}

static cmdline_parse_token_string_t cmd_sess_show =
	TOKEN_STRING_INITIALIZER(struct cmd_sess_result, verb, "show");
static cmdline_parse_token_string_t cmd_sess_clear =
	TOKEN_STRING_INITIALIZER(struct cmd_sess_result, verb, "clear");
static cmdline_parse_token_string_t cmd_sess_sessions =
	TOKEN_STRING_INITIALIZER(struct cmd_sess_result, what, "sessions");
static cmdline_parse_token_string_t cmd_sess_count =
	TOKEN_STRING_INITIALIZER(struct cmd_sess_result, sub, "count");
static cmdline_parse_token_string_t cmd_sess_top =
	TOKEN_STRING_INITIALIZER(struct cmd_sess_result, sub, "top");
static cmdline_parse_token_num_t cmd_sess_n =
	TOKEN_NUM_INITIALIZER(struct cmd_sess_result, n, RTE_UINT32);

static cmdline_parse_inst_t cmd_show_sessions = {
	.f = cmd_show_sessions_parsed,
	.help_str = "show sessions: each affinity VIP's table (entries, memory, hits, expiry) "
		    "and sessions per backend",
	.tokens = { (void *)&cmd_sess_show, (void *)&cmd_sess_sessions, NULL },
};

static cmdline_parse_inst_t cmd_show_sessions_count = {
	.f = cmd_show_sessions_count_parsed,
	.help_str = "show sessions count: entries and counters only (no walk of the tables)",
	.tokens = { (void *)&cmd_sess_show, (void *)&cmd_sess_sessions, (void *)&cmd_sess_count,
		    NULL },
};

static cmdline_parse_inst_t cmd_show_sessions_top = {
	.f = cmd_show_sessions_top_parsed,
	.help_str = "show sessions top <N>: also the N most recently used sessions (client, "
		    "backend, idle time)",
	.tokens = { (void *)&cmd_sess_show, (void *)&cmd_sess_sessions, (void *)&cmd_sess_top,
		    (void *)&cmd_sess_n, NULL },
};

static cmdline_parse_inst_t cmd_clear_sessions = {
	.f = cmd_clear_sessions_parsed,
	.help_str = "clear sessions: forget every source-affinity entry (clients are re-pinned "
		    "by the algorithm)",
	.tokens = { (void *)&cmd_sess_clear, (void *)&cmd_sess_sessions, NULL },
};

cmdline_parse_inst_t *sl_cli_session_cmds[] = {
	&cmd_show_sessions,
	&cmd_show_sessions_count,
	&cmd_show_sessions_top,
	&cmd_clear_sessions,
	NULL,
};
