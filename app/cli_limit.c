/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CLI: show limits, show limit <name> key <value>, clear limits, show shed.
 * The policies' tables are shared by the workers (lib/limit); the shedding
 * and throttling counters are per worker, summed here.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include <cmdline_parse_string.h>
#include <rte_cycles.h>

#include "app.h"

struct cmd_limit_result {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t name;
	cmdline_fixed_string_t key_kw;
	cmdline_fixed_string_t key;
};

static double
tsc_ms(uint64_t tsc)
{
	return (double)tsc * 1000.0 / (double)rte_get_tsc_hz();
}

static void
shed_sum(struct sl_proxy_shed_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int w = 0; w < sl_app.n_workers; w++) {
		struct sl_proxy_shed_stats s;

		sl_proxy_shed_stats(sl_app.workers[w].proxy, &s);
		sum->inflight += s.inflight;
		sum->waiting += s.waiting;
		sum->queued += s.queued;
		sum->shed_inflight += s.shed_inflight;
		sum->shed_queue += s.shed_queue;
		sum->shed_wait += s.shed_wait;
		sum->wait_max_us = RTE_MAX(sum->wait_max_us, s.wait_max_us);
		sum->limited += s.limited;
		sum->delayed += s.delayed;
		sum->delayed_now += s.delayed_now;
		sum->conn_over += s.conn_over;
	}
}

static void
print_rate(struct cmdline *cl, const struct sl_conf_limit *lc)
{
	static const char *const per[] = { [1] = "s", [60] = "m", [3600] = "h" };
	unsigned int p = lc->rate.period_s;

	if (lc->kind == SL_LIMIT_BANDWIDTH)
		cmdline_printf(cl, "bandwidth %" PRIu64 " B/s, burst %" PRIu64 " B", lc->rate.count,
			       lc->burst);
	else
		cmdline_printf(cl, "rate %" PRIu64 "/%s, burst %" PRIu64 ", action %s, status %u",
			       lc->rate.count, p < RTE_DIM(per) && per[p] ? per[p] : "?", lc->burst,
			       sl_conf_limit_action_name(lc->action), lc->status);
}

static void
cmd_show_limits_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct sl_config *conf = sl_app.conf;
	struct sl_proxy_shed_stats sum;

	for (uint16_t i = 0; i < conf->n_limits; i++) {
		const struct sl_conf_limit *lc = &conf->limits[i];
		struct sl_limit_stats st;

		cmdline_printf(cl, "limit %s: key %s%s%s, ", lc->name, sl_conf_limit_key_name(lc->key),
			       lc->key_name[0] ? ":" : "", lc->key_name);
		print_rate(cl, lc);
		cmdline_printf(cl, "\n");
		if (sl_app.shared->limits[i] == NULL)
			continue;
		sl_limit_stats(sl_app.shared->limits[i], &st);
		cmdline_printf(cl, "  keys tracked: %" PRIu64 " of %" PRIu64 ", memory %" PRIu64
			       " KiB, new %" PRIu64 ", expired %" PRIu64 ", table full (shared "
			       "overflow state) %" PRIu64 "\n", st.entries, st.capacity,
			       st.memory_bytes / 1024, st.new_keys, st.expired, st.overflow);
		cmdline_printf(cl, "  decisions: %" PRIu64 "  allowed: %" PRIu64 " (delayed %" PRIu64
			       ")  rejected: %" PRIu64 "\n", st.decisions, st.allowed, st.delayed,
			       st.rejected);
	}
	if (conf->n_limits == 0)
		cmdline_printf(cl, "no [limit.NAME] policies\n");
	for (uint16_t v = 0; v < conf->n_vips; v++) {
		const struct sl_conf_vip *vip = &conf->vips[v];
		const struct sl_proxy_vip_shared *vs = &sl_app.shared->vips[v];

		if (vip->n_limits == 0 && vip->bandwidth_bps == 0 && vip->max_conns == 0 &&
		    vip->max_conns_per_client == 0 && vip->max_new_conns.count == 0)
			continue;
		cmdline_printf(cl, "vip %s:", vip->name);
		for (uint8_t k = 0; k < vip->n_limits; k++)
			cmdline_printf(cl, "%s%s", k == 0 ? " limit " : ", ",
				       conf->limits[vip->limits[k]].name);
		if (vip->bandwidth_bps != 0)
			cmdline_printf(cl, " bandwidth %" PRIu64 " B/s per connection",
				       vip->bandwidth_bps);
		cmdline_printf(cl, "\n");
		if (vip->max_conns != 0)
			cmdline_printf(cl, "  max_conns %u: %u open, %" PRIu64 " refused\n",
				       vip->max_conns, __atomic_load_n(&vs->conns, __ATOMIC_RELAXED),
				       __atomic_load_n(&vs->conn_refused, __ATOMIC_RELAXED));
		if (vs->per_client != NULL) {
			struct sl_limit_conn_stats cs;

			sl_limit_conn_stats(vs->per_client, &cs);
			cmdline_printf(cl, "  max_conns_per_client %u: %" PRIu64 " clients tracked, %"
				       PRIu64 " over the limit, %" PRIu64 " untracked (table full)\n",
				       vip->max_conns_per_client, cs.entries,
				       __atomic_load_n(&vs->conn_over, __ATOMIC_RELAXED), cs.untracked);
		}
		if (vs->new_conns != NULL)
			cmdline_printf(cl, "  max_new_conns %" PRIu64 "/%us: %" PRIu64
				       " SYNs dropped\n", vip->max_new_conns.count,
				       vip->max_new_conns.period_s,
				       __atomic_load_n(&vs->syn_limited, __ATOMIC_RELAXED));
	}
	shed_sum(&sum);
	cmdline_printf(cl, "all workers: %" PRIu64 " requests refused by a limit, %" PRIu64
		       " delayed (%" PRIu64 " waiting now), %" PRIu64
		       " refused for too many connections\n", sum.limited, sum.delayed,
		       sum.delayed_now, sum.conn_over);
}

/* The key bytes of @p value for policy @p lc: an IPv4 address, or the text itself. */
static int
key_bytes(const struct sl_conf_limit *lc, const char *value, uint8_t *buf, size_t *len)
{
	if (lc->key == SL_LIMIT_KEY_CLIENT_IP) {
		struct in_addr a;

		if (inet_pton(AF_INET, value, &a) != 1)
			return -1;
		memcpy(buf, &a.s_addr, 4);
		*len = 4;
		return 0;
	}
	*len = strlen(value);
	memcpy(buf, value, *len);
	return 0;
}

static void
cmd_show_limit_key_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_limit_result *r = parsed;
	const struct sl_config *conf = sl_app.conf;
	struct sl_limit_verdict v;
	uint8_t key[sizeof(r->key)];
	size_t len;
	int rc = -1;
	uint16_t i;

	for (i = 0; i < conf->n_limits; i++)
		if (strcmp(conf->limits[i].name, r->name) == 0)
			break;
	if (i == conf->n_limits || sl_app.shared->limits[i] == NULL) {
		cmdline_printf(cl, "no limit '%s'\n", r->name);
		return;
	}
	if (key_bytes(&conf->limits[i], r->key, key, &len) != 0) {
		cmdline_printf(cl, "limit %s counts per client address: '%s' is not an IPv4 "
			       "address\n", r->name, r->key);
		return;
	}
	rc = sl_limit_lookup(sl_app.shared->limits[i], key, len, rte_rdtsc(), &v);
	if (rc == -ENOENT) {
		cmdline_printf(cl, "limit %s key %s: not tracked (a new key: %" PRIu64
			       " requests at once)\n", r->name, r->key, v.limit);
		return;
	}
	if (rc < 0) {
		cmdline_printf(cl, "limit %s key %s: %s\n", r->name, r->key, strerror(-rc));
		return;
	}
	cmdline_printf(cl, "limit %s key %s: next request %s", r->name, r->key,
		       rc == SL_LIMIT_ALLOWED ? "allowed" :
		       rc == SL_LIMIT_DELAYED ? "delayed" : "rejected");
	if (rc == SL_LIMIT_DELAYED)
		cmdline_printf(cl, " by %.1f ms", tsc_ms(v.delay_tsc));
	if (rc == SL_LIMIT_REJECTED)
		cmdline_printf(cl, " (retry after %.1f ms)", tsc_ms(v.retry_after_tsc));
	cmdline_printf(cl, "; remaining %" PRIu64 " of %" PRIu64 ", full again in %.1f ms\n",
		       v.remaining, v.limit, tsc_ms(v.reset_tsc));
}

static void
cmd_clear_limits_parsed(void *parsed, struct cmdline *cl, void *data)
{
	unsigned int n = 0;

	for (uint16_t i = 0; i < sl_app.conf->n_limits; i++)
		if (sl_app.shared->limits[i] != NULL)
			n += sl_limit_flush(sl_app.shared->limits[i]);
	cmdline_printf(cl, "%u key(s) forgotten: every client starts with a full budget\n", n);
}

static void
cmd_show_shed_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct sl_conf_shed *sh = &sl_app.conf->shed;
	struct sl_proxy_shed_stats sum;

	cmdline_printf(cl, "shedding (per worker): max_inflight %u, max_queue %u, max_queue_ms %u,"
		       " Retry-After %u s (0: that bound is off)\n", sh->max_inflight, sh->max_queue,
		       sh->max_queue_ms, sh->retry_after);
	for (unsigned int w = 0; w < sl_app.n_workers; w++) {
		struct sl_proxy_shed_stats s;
		const char *state = "normal";

		sl_proxy_shed_stats(sl_app.workers[w].proxy, &s);
		if ((sh->max_inflight != 0 && s.inflight >= sh->max_inflight) ||
		    (sh->max_queue != 0 && s.waiting >= sh->max_queue))
			state = "SHEDDING";
		cmdline_printf(cl, "worker %u: %s; in flight %" PRIu64 ", waiting for a backend "
			       "connection %" PRIu64 " (queued so far %" PRIu64 ", longest wait %.1f "
			       "ms)\n", w, state, s.inflight, s.waiting, s.queued,
			       (double)s.wait_max_us / 1000.0);
		cmdline_printf(cl, "  503 shed: in flight %" PRIu64 ", queue full %" PRIu64
			       ", queue wait %" PRIu64 "\n", s.shed_inflight, s.shed_queue,
			       s.shed_wait);
	}
	shed_sum(&sum);
	if (sl_app.n_workers > 1)
		cmdline_printf(cl, "all workers: in flight %" PRIu64 ", waiting %" PRIu64
			       ", shed %" PRIu64 "\n", sum.inflight, sum.waiting,
			       sum.shed_inflight + sum.shed_queue + sum.shed_wait);
}

static cmdline_parse_token_string_t t_show =
	TOKEN_STRING_INITIALIZER(struct cmd_limit_result, verb, "show");
static cmdline_parse_token_string_t t_clear =
	TOKEN_STRING_INITIALIZER(struct cmd_limit_result, verb, "clear");
static cmdline_parse_token_string_t t_limits =
	TOKEN_STRING_INITIALIZER(struct cmd_limit_result, what, "limits");
static cmdline_parse_token_string_t t_limit =
	TOKEN_STRING_INITIALIZER(struct cmd_limit_result, what, "limit");
static cmdline_parse_token_string_t t_shed =
	TOKEN_STRING_INITIALIZER(struct cmd_limit_result, what, "shed");
static cmdline_parse_token_string_t t_name =
	TOKEN_STRING_INITIALIZER(struct cmd_limit_result, name, NULL);
static cmdline_parse_token_string_t t_key_kw =
	TOKEN_STRING_INITIALIZER(struct cmd_limit_result, key_kw, "key");
static cmdline_parse_token_string_t t_key =
	TOKEN_STRING_INITIALIZER(struct cmd_limit_result, key, NULL);

static cmdline_parse_inst_t cmd_show_limits = {
	.f = cmd_show_limits_parsed,
	.help_str = "show limits: each policy (keys tracked, memory, allowed, delayed, rejected, "
		    "overflow) and each VIP's connection limits",
	.tokens = { (void *)&t_show, (void *)&t_limits, NULL },
};

static cmdline_parse_inst_t cmd_show_limit_key = {
	.f = cmd_show_limit_key_parsed,
	.help_str = "show limit <name> key <value>: what that key's next request would get "
		    "(nothing is taken)",
	.tokens = { (void *)&t_show, (void *)&t_limit, (void *)&t_name, (void *)&t_key_kw,
		    (void *)&t_key, NULL },
};

static cmdline_parse_inst_t cmd_clear_limits = {
	.f = cmd_clear_limits_parsed,
	.help_str = "clear limits: forget every key of every policy (full budgets again)",
	.tokens = { (void *)&t_clear, (void *)&t_limits, NULL },
};

static cmdline_parse_inst_t cmd_show_shed = {
	.f = cmd_show_shed_parsed,
	.help_str = "show shed: load-shedding thresholds and, per worker, state, requests in "
		    "flight and waiting, 503s by cause",
	.tokens = { (void *)&t_show, (void *)&t_shed, NULL },
};

cmdline_parse_inst_t *sl_cli_limit_cmds[] = {
	&cmd_show_limits,
	&cmd_show_limit_key,
	&cmd_clear_limits,
	&cmd_show_shed,
	NULL,
};
