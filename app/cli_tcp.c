/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI: show tcp stats, show connections [count|N]. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>

#include "app.h"

#define CONN_SHOW_DEFAULT 100
#define CONN_SHOW_MAX 10000

struct cmd_tcp_result {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t arg;
};

static void
tcp_stats_print(struct cmdline *cl, const char *title, const struct sl_tcp_stats *s)
{
	uint64_t total = 0;

	cmdline_printf(cl, "%s\n", title);
	cmdline_printf(cl, "  segments in: %" PRIu64 "  out: %" PRIu64 "  payload in: %" PRIu64
		       " bytes  out: %" PRIu64 " bytes\n", s->rx_segs, s->tx_segs, s->rx_bytes,
		       s->tx_bytes);
	cmdline_printf(cl, "  active opens: %" PRIu64 "  passive opens: %" PRIu64
		       "  established: %" PRIu64 "  timed out: %" PRIu64 "\n", s->active_opens,
		       s->passive_opens, s->established, s->timeouts);
	cmdline_printf(cl, "  resets sent: %" PRIu64 "  received: %" PRIu64
		       "  challenge ACKs: %" PRIu64 "\n", s->rst_sent, s->rst_rcvd,
		       s->challenge_acks);
	cmdline_printf(cl, "  retransmits: %" PRIu64 " (timeout %" PRIu64 ", fast %" PRIu64
		       ", SYN %" PRIu64 ")  persist probes: %" PRIu64 "  tail loss probes: %" PRIu64
		       "\n", s->rtx_timeout + s->rtx_fast + s->rtx_syn, s->rtx_timeout, s->rtx_fast,
		       s->rtx_syn, s->persist_probes, s->tlp_probes);
	cmdline_printf(cl, "  out of order: %" PRIu64 "  duplicates: %" PRIu64
		       "  SACK blocks in: %" PRIu64 "\n", s->ooo_segs, s->dup_segs,
		       s->sack_blocks_rcvd);
	cmdline_printf(cl, "  SYN cookies sent: %" PRIu64 "  validated: %" PRIu64
		       "  TIME_WAIT reclaimed: %" PRIu64 "  TIME_WAIT overflow: %" PRIu64 "\n",
		       s->cookies_sent, s->cookies_validated, s->tw_reclaimed, s->tw_overflow);
	cmdline_printf(cl, "  drops:");
	for (unsigned int r = 0; r < SL_TCP_DROP__MAX; r++) {
		if (s->drops[r] == 0)
			continue;
		cmdline_printf(cl, " %s=%" PRIu64, sl_tcp_drop_name(r), s->drops[r]);
		total += s->drops[r];
	}
	cmdline_printf(cl, total == 0 ? " none\n" : "  (total %" PRIu64 ")\n", total);
}

static void
cmd_tcp_stats_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct sl_tcp_stats sum;
	char title[96];

	memset(&sum, 0, sizeof(sum));
	for (unsigned int w = 0; w < sl_app.n_workers; w++) {
		const struct sl_worker *wk = &sl_app.workers[w];
		const struct sl_tcp_stats *s = sl_tcp_stats(wk->tcp);

		/* Counters are only read: a plain 64-bit load cannot tear. */
		for (size_t i = 0; i < sizeof(sum) / sizeof(uint64_t); i++)
			((uint64_t *)&sum)[i] += ((const uint64_t *)s)[i];
		snprintf(title, sizeof(title), "worker %u (lcore %u): %u connection slot(s) in use"
			 "%s", w, wk->lcore_id, sl_tcp_conn_count(wk->tcp),
			 wk->tcp_svc_full ? " (service slots ran out)" : "");
		tcp_stats_print(cl, title, s);
	}
	if (sl_app.n_workers > 1)
		tcp_stats_print(cl, "all workers", &sum);
}

/* Gathered on the worker's lcore: only it may walk its connection table. */
struct conn_dump {
	uint32_t max;
	uint32_t n;
	uint32_t total;
	uint32_t by_state[SL_TCP_STATE__MAX];
	struct sl_tcp_conn_info info[];
};

static int
conn_collect(struct sl_worker *w, void *arg)
{
	struct conn_dump *d = arg;
	struct sl_tcp_conn_info info;
	uint32_t pos = 0;

	while (sl_tcp_conn_next(w->tcp, &pos, &info) == 0) {
		if ((unsigned int)info.state < SL_TCP_STATE__MAX)
			d->by_state[info.state]++;
		d->total++;
		if (d->n < d->max)
			d->info[d->n++] = info;
	}
	return 0;
}

static void
conn_print(struct cmdline *cl, unsigned int worker, const struct sl_tcp_conn_info *c)
{
	char la[16], ra[16];

	cmdline_printf(cl, "%-3u %15s:%-5u %15s:%-5u %-12s %8u %8u %8u %7u %6u %5u\n", worker,
		       sl_conf_ip_str(rte_be_to_cpu_32(c->laddr), la), c->lport,
		       sl_conf_ip_str(rte_be_to_cpu_32(c->raddr), ra), c->rport,
		       sl_tcp_state_name(c->state), c->snd_queued, c->rcv_held, c->cwnd,
		       c->srtt_us, c->rto_ms, c->retransmits);
}

static void
show_connections(struct cmdline *cl, bool count_only, uint32_t max)
{
	uint32_t by_state[SL_TCP_STATE__MAX] = { 0 }, total = 0, shown = 0;

	if (!count_only)
		cmdline_printf(cl, "%-3s %21s %21s %-12s %8s %8s %8s %7s %6s %5s\n", "wrk",
			       "local", "remote", "state", "sndq", "rcvheld", "cwnd", "srtt_us",
			       "rto_ms", "rtx");
	for (unsigned int w = 0; w < sl_app.n_workers; w++) {
		uint32_t want = count_only || shown >= max ? 0 : max - shown;
		struct conn_dump *d = calloc(1, sizeof(*d) + want * sizeof(d->info[0]));
		int rc;

		if (d == NULL) {
			cmdline_printf(cl, "out of memory\n");
			return;
		}
		d->max = want;
		rc = sl_worker_call(&sl_app.workers[w], conn_collect, d, 2000);
		if (rc == -ETIMEDOUT) {
			/* The worker may still write into d: leave it to it (leaked, bounded). */
			cmdline_printf(cl, "worker %u did not answer\n", w);
			continue;
		}
		if (rc != 0) {
			cmdline_printf(cl, "worker %u: %s\n", w, strerror(-rc));
			free(d);
			continue;
		}
		for (uint32_t i = 0; i < d->n; i++)
			conn_print(cl, w, &d->info[i]);
		shown += d->n;
		total += d->total;
		for (unsigned int s = 0; s < SL_TCP_STATE__MAX; s++)
			by_state[s] += d->by_state[s];
		free(d);
	}
	if (!count_only && shown < total)
		cmdline_printf(cl, "(%u of %u shown: show connections N for more)\n", shown, total);
	cmdline_printf(cl, "%u connection(s)", total);
	for (unsigned int s = 0; s < SL_TCP_STATE__MAX; s++)
		if (by_state[s] != 0)
			cmdline_printf(cl, " %s=%u", sl_tcp_state_name(s), by_state[s]);
	cmdline_printf(cl, "\n");
}

static void
cmd_connections_parsed(void *parsed, struct cmdline *cl, void *data)
{
	show_connections(cl, false, CONN_SHOW_DEFAULT);
}

static void
cmd_connections_arg_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_tcp_result *r = parsed;
	char *end;
	unsigned long n;

	if (strcmp(r->arg, "count") == 0) {
		show_connections(cl, true, 0);
		return;
	}
	n = strtoul(r->arg, &end, 10);
	if (*r->arg == '\0' || *end != '\0' || n == 0 || n > CONN_SHOW_MAX) {
		cmdline_printf(cl, "Bad arguments: show connections [count|1..%u]\n",
			       CONN_SHOW_MAX);
		return;
	}
	show_connections(cl, false, (uint32_t)n);
}

static cmdline_parse_token_string_t cmd_tcp_show =
	TOKEN_STRING_INITIALIZER(struct cmd_tcp_result, verb, "show");
static cmdline_parse_token_string_t cmd_tcp_tcp =
	TOKEN_STRING_INITIALIZER(struct cmd_tcp_result, what, "tcp");
static cmdline_parse_token_string_t cmd_tcp_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_tcp_result, arg, "stats");
static cmdline_parse_token_string_t cmd_tcp_connections =
	TOKEN_STRING_INITIALIZER(struct cmd_tcp_result, what, "connections");
static cmdline_parse_token_string_t cmd_tcp_any =
	TOKEN_STRING_INITIALIZER(struct cmd_tcp_result, arg, NULL);

static cmdline_parse_inst_t cmd_tcp_stats_inst = {
	.f = cmd_tcp_stats_parsed,
	.help_str = "show tcp stats: per worker: opens, resets, retransmits, out-of-order, "
		    "SYN cookies, drops by reason",
	.tokens = { (void *)&cmd_tcp_show, (void *)&cmd_tcp_tcp, (void *)&cmd_tcp_stats, NULL },
};

static cmdline_parse_inst_t cmd_connections = {
	.f = cmd_connections_parsed,
	.help_str = "show connections: the first 100 TCP connections of each worker",
	.tokens = { (void *)&cmd_tcp_show, (void *)&cmd_tcp_connections, NULL },
};

static cmdline_parse_inst_t cmd_connections_arg = {
	.f = cmd_connections_arg_parsed,
	.help_str = "show connections count|N: connections per state, or the first N",
	.tokens = { (void *)&cmd_tcp_show, (void *)&cmd_tcp_connections, (void *)&cmd_tcp_any,
		    NULL },
};

cmdline_parse_inst_t *sl_cli_tcp_cmds[] = {
	&cmd_tcp_stats_inst,
	&cmd_connections,
	&cmd_connections_arg,
	NULL,
};
