/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI: show config, show lcores, help, quit. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline_parse_string.h>
#include <rte_cycles.h>
#include <rte_lcore.h>

#include "app.h"

struct cmd_sys_result {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t what;
};

static void
cmd_show_config_parsed(void *parsed, struct cmdline *cl, void *data)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL) {
		cmdline_printf(cl, "out of memory\n");
		return;
	}
	fprintf(f, "; %s\n", sl_app.conf->path);
	sl_conf_dump(sl_app.conf, f);
	fclose(f);
	/* Secrets stay out of terminals and logs: show that one is set, not its value. */
	for (char *line = text, *next; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (strncmp(line, "secret = ", 9) == 0)
			cmdline_printf(cl, "secret = (set, not shown)\n");
		else
			cmdline_printf(cl, "%s\n", line);
	}
	free(text);
}

static void
cmd_show_lcores_parsed(void *parsed, struct cmdline *cl, void *data)
{
	uint64_t hz = rte_get_tsc_hz();

	cmdline_printf(cl, "lcore %u: main, control plane (CLI, telemetry); polls no queue\n",
		       rte_get_main_lcore());
	for (unsigned int i = 0; i < sl_app.n_workers; i++) {
		const struct sl_worker *w = &sl_app.workers[i];
		const struct sl_worker_stats *s = &w->stats;
		uint64_t total = s->busy_tsc + s->idle_tsc;

		cmdline_printf(cl, "lcore %u: worker %u, queue %u on %u port(s)%s\n", w->lcore_id,
			       w->id, w->id, w->n_ports, w->id == 0 ? ", ARP owner" : "");
		cmdline_printf(cl, "  rx: %" PRIu64 "  tx: %" PRIu64 "  tx dropped: %" PRIu64
			       "  loops: %" PRIu64 "  idle sleeps: %" PRIu64 "\n", s->rx, s->tx,
			       s->tx_drop, s->loops, s->sleeps);
		cmdline_printf(cl, "  connections: %u  steered out: %" PRIu64 "  steered in: %" PRIu64
			       "  steering ring full: %" PRIu64 "  RSS self-test: %" PRIu64
			       " checked, %" PRIu64 " mismatched\n", sl_tcp_conn_count(w->tcp),
			       s->steered_out, s->steered_in, s->steer_drop, s->rss_checked,
			       s->rss_mismatch);
		cmdline_printf(cl, "  busy: %" PRIu64 " cycles (%.2f%%)  idle: %" PRIu64
			       " cycles  (%.1f s at %" PRIu64 " Hz, idle back-off %s)\n",
			       s->busy_tsc, total ? 100.0 * (double)s->busy_tsc / (double)total : 0.0,
			       s->idle_tsc, (double)total / (double)hz, hz, w->idle ? "on" : "off");
	}
}

static void
print_group(struct cmdline *cl, cmdline_parse_inst_t **g)
{
	for (; *g != NULL; g++)
		cmdline_printf(cl, "  %s\n", (*g)->help_str);
}

static void
cmd_help_parsed(void *parsed, struct cmdline *cl, void *data)
{
	cmdline_printf(cl, "Commands (testpmd grammar; TAB completes on the prompt):\n");
	print_group(cl, sl_cli_port_cmds);
	print_group(cl, sl_cli_net_cmds);
	print_group(cl, sl_cli_tcp_cmds);
	print_group(cl, sl_cli_proxy_cmds);
	print_group(cl, sl_cli_lb_cmds);
	print_group(cl, sl_cli_system_cmds);
}

static void
cmd_quit_parsed(void *parsed, struct cmdline *cl, void *data)
{
	cmdline_printf(cl, "Stopping sluice\n");
	sl_app_quit();
	cmdline_quit(cl);
}

static cmdline_parse_token_string_t cmd_sys_show =
	TOKEN_STRING_INITIALIZER(struct cmd_sys_result, verb, "show");
static cmdline_parse_token_string_t cmd_sys_config =
	TOKEN_STRING_INITIALIZER(struct cmd_sys_result, what, "config");
static cmdline_parse_token_string_t cmd_sys_lcores =
	TOKEN_STRING_INITIALIZER(struct cmd_sys_result, what, "lcores");
static cmdline_parse_token_string_t cmd_sys_help =
	TOKEN_STRING_INITIALIZER(struct cmd_sys_result, verb, "help");
static cmdline_parse_token_string_t cmd_sys_quit =
	TOKEN_STRING_INITIALIZER(struct cmd_sys_result, verb, "quit");

static cmdline_parse_inst_t cmd_show_config = {
	.f = cmd_show_config_parsed,
	.help_str = "show config: the running configuration, every key with its value",
	.tokens = { (void *)&cmd_sys_show, (void *)&cmd_sys_config, NULL },
};

static cmdline_parse_inst_t cmd_show_lcores = {
	.f = cmd_show_lcores_parsed,
	.help_str = "show lcores: each worker's queues, packets and busy/idle cycles",
	.tokens = { (void *)&cmd_sys_show, (void *)&cmd_sys_lcores, NULL },
};

static cmdline_parse_inst_t cmd_help = {
	.f = cmd_help_parsed,
	.help_str = "help: this list",
	.tokens = { (void *)&cmd_sys_help, NULL },
};

static cmdline_parse_inst_t cmd_quit = {
	.f = cmd_quit_parsed,
	.help_str = "quit: stop the gateway (ports stopped, every mbuf accounted for)",
	.tokens = { (void *)&cmd_sys_quit, NULL },
};

cmdline_parse_inst_t *sl_cli_system_cmds[] = {
	&cmd_show_config,
	&cmd_show_lcores,
	&cmd_help,
	&cmd_quit,
	NULL,
};
