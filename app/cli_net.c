/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI: show neighbours, show net stats, clear net stats. */
#include <inttypes.h>
#include <string.h>

#include <cmdline_parse_string.h>

#include "app.h"

struct cmd_net_result {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t sub;
};

struct neigh_print {
	struct cmdline *cl;
	unsigned int n;
};

static void
neigh_print_one(const struct sl_neigh_info *n, void *arg)
{
	struct neigh_print *np = arg;
	char mac[RTE_ETHER_ADDR_FMT_SIZE], ip[16];
	const char *iface = n->iface < sl_app.conf->n_ports ?
			    sl_app.conf->ports[n->iface].name : "?";

	if (n->state == SL_NEIGH_INCOMPLETE)
		strcpy(mac, "(incomplete)");
	else
		rte_ether_format_addr(mac, sizeof(mac), &n->mac);
	cmdline_printf(np->cl, "%-15s  %-17s  %-10s  %-8s  %ums\n",
		       sl_conf_ip_str(rte_be_to_cpu_32(n->ip), ip), mac,
		       sl_neigh_state_name(n->state), iface, n->age_ms);
	np->n++;
}

static void
cmd_show_neigh_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct neigh_print np = { .cl = cl, .n = 0 };

	cmdline_printf(cl, "%-15s  %-17s  %-10s  %-8s  %s\n", "IP", "MAC", "STATE", "PORT",
		       "AGE");
	sl_neigh_walk(sl_app.net, neigh_print_one, &np);
	cmdline_printf(cl, "%u neighbour(s)\n", np.n);
}

/* Worker counters minus the baseline "clear net stats" took. */
static void
net_stats_delta(unsigned int w, struct sl_net_stats *out)
{
	const uint64_t *cur = (const uint64_t *)&sl_app.workers[w].net.stats;
	const uint64_t *base = (const uint64_t *)&sl_app.net_base[w];
	uint64_t *o = (uint64_t *)out;

	RTE_BUILD_BUG_ON(sizeof(*out) % sizeof(uint64_t) != 0);
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		o[i] = cur[i] - base[i];
}

static void
net_stats_print(struct cmdline *cl, const char *title, const struct sl_net_stats *s)
{
	cmdline_printf(cl, "%s\n", title);
	cmdline_printf(cl, "  rx: %" PRIu64 "  arp: %" PRIu64 "  icmp: %" PRIu64 "  tcp: %" PRIu64
		       "\n", s->rx, s->rx_arp, s->rx_icmp, s->rx_tcp);
	cmdline_printf(cl, "  tx ip: %" PRIu64 "  arp replies: %" PRIu64 "  arp requests: %" PRIu64
		       "  echo replies: %" PRIu64 "\n", s->tx_ip, s->tx_arp_reply,
		       s->tx_arp_request, s->tx_icmp_reply);
	cmdline_printf(cl, "  handed to ARP owner: %" PRIu64 "  held for ARP: %" PRIu64 "\n",
		       s->handoff, s->held);
	cmdline_printf(cl, "  drops:");
	{
		uint64_t total = 0;

		for (unsigned int r = 0; r < SL_DROP__MAX; r++) {
			if (s->drop[r] == 0)
				continue;
			cmdline_printf(cl, " %s=%" PRIu64, sl_drop_name(r), s->drop[r]);
			total += s->drop[r];
		}
		cmdline_printf(cl, total == 0 ? " none\n" : "  (total %" PRIu64 ")\n", total);
	}
}

static void
cmd_net_stats_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_net_result *r = parsed;
	struct sl_net_stats sum, one;
	char title[64];

	if (strcmp(r->verb, "clear") == 0) {
		for (unsigned int w = 0; w < sl_app.n_workers; w++)
			memcpy(&sl_app.net_base[w], &sl_app.workers[w].net.stats, sizeof(one));
		cmdline_printf(cl, "net statistics cleared\n");
		return;
	}
	memset(&sum, 0, sizeof(sum));
	for (unsigned int w = 0; w < sl_app.n_workers; w++) {
		net_stats_delta(w, &one);
		for (size_t i = 0; i < sizeof(one) / sizeof(uint64_t); i++)
			((uint64_t *)&sum)[i] += ((uint64_t *)&one)[i];
		snprintf(title, sizeof(title), "worker %u (lcore %u)%s", w,
			 sl_app.workers[w].lcore_id, w == 0 ? ", ARP owner" : "");
		net_stats_print(cl, title, &one);
	}
	if (sl_app.n_workers > 1)
		net_stats_print(cl, "all workers", &sum);
}

static cmdline_parse_token_string_t cmd_net_show =
	TOKEN_STRING_INITIALIZER(struct cmd_net_result, verb, "show");
static cmdline_parse_token_string_t cmd_net_show_clear =
	TOKEN_STRING_INITIALIZER(struct cmd_net_result, verb, "show#clear");
static cmdline_parse_token_string_t cmd_net_neigh =
	TOKEN_STRING_INITIALIZER(struct cmd_net_result, what, "neighbours#neighbors#arp");
static cmdline_parse_token_string_t cmd_net_net =
	TOKEN_STRING_INITIALIZER(struct cmd_net_result, what, "net");
static cmdline_parse_token_string_t cmd_net_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_net_result, sub, "stats");

static cmdline_parse_inst_t cmd_show_neigh = {
	.f = cmd_show_neigh_parsed,
	.help_str = "show neighbours: the ARP table (address, MAC, state, port, age)",
	.tokens = { (void *)&cmd_net_show, (void *)&cmd_net_neigh, NULL },
};

static cmdline_parse_inst_t cmd_net_stats_inst = {
	.f = cmd_net_stats_parsed,
	.help_str = "show|clear net stats: per-worker Ethernet/ARP/IPv4/ICMP counters and "
		    "drops by reason",
	.tokens = { (void *)&cmd_net_show_clear, (void *)&cmd_net_net, (void *)&cmd_net_stats,
		    NULL },
};

cmdline_parse_inst_t *sl_cli_net_cmds[] = {
	&cmd_show_neigh,
	&cmd_net_stats_inst,
	NULL,
};
