/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI: show port info|stats, clear port stats (testpmd grammar). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline_parse_string.h>
#include <rte_ethdev.h>

#include "app.h"

struct cmd_port_result {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t port;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t which;
};

/*
 * "all", a DPDK port id or a [port.NAME] name: calls fn for each port meant.
 * Prints an error and returns false when nothing matches.
 */
static bool
for_each_port(struct cmdline *cl, const char *which,
	      void (*fn)(struct cmdline *cl, uint16_t idx))
{
	struct sl_app *app = &sl_app;
	bool all = strcmp(which, "all") == 0, found = false;
	char *end;
	unsigned long id = strtoul(which, &end, 10);
	bool numeric = *which != '\0' && *end == '\0';
	uint16_t i;

	for (i = 0; i < app->conf->n_ports; i++) {
		if (all || (numeric && app->ports[i].port_id == id) ||
		    strcmp(app->conf->ports[i].name, which) == 0) {
			fn(cl, i);
			found = true;
		}
	}
	if (!found)
		cmdline_printf(cl, "No port '%s': give all, a port id or a port name\n", which);
	return found;
}

static void
print_offloads(struct cmdline *cl, const char *label, uint64_t bits,
	       const char *(*name)(uint64_t))
{
	cmdline_printf(cl, "%s", label);
	if (bits == 0)
		cmdline_printf(cl, " none");
	while (bits != 0) {
		uint64_t bit = bits & -bits;

		cmdline_printf(cl, " %s", name(bit));
		bits &= ~bit;
	}
	cmdline_printf(cl, "\n");
}

static void
port_info(struct cmdline *cl, uint16_t idx)
{
	const struct sl_conf_port *cp = &sl_app.conf->ports[idx];
	const struct sl_app_port *ap = &sl_app.ports[idx];
	char mac[RTE_ETHER_ADDR_FMT_SIZE], link[RTE_ETH_LINK_MAX_STR_LEN];
	char addr[16], gw[16];
	struct rte_eth_dev_info info;
	uint16_t mtu = 0;

	rte_ether_format_addr(mac, sizeof(mac), &ap->mac);
	if (rte_eth_dev_info_get(ap->port_id, &info) != 0)
		memset(&info, 0, sizeof(info));
	rte_eth_dev_get_mtu(ap->port_id, &mtu);
	cmdline_printf(cl, "\n********************* Infos for port %-3u (%s) *********************\n",
		       ap->port_id, cp->name);
	cmdline_printf(cl, "Device: %s\nDriver: %s\nProfile: %s\n", cp->device,
		       info.driver_name != NULL ? info.driver_name : "?", cp->profile.name);
	cmdline_printf(cl, "MAC address: %s\n", mac);
	cmdline_printf(cl, "IPv4 address: %s/%u\n", sl_conf_ip_str(cp->addr, addr),
		       cp->prefix_len);
	cmdline_printf(cl, "Gateway: %s\n", cp->gateway != 0 ? sl_conf_ip_str(cp->gateway, gw) :
		       "none");
	cmdline_printf(cl, "Link: %s\n", sl_port_link_str(ap->port_id, link, sizeof(link)));
	cmdline_printf(cl, "MTU: %u\n", mtu);
	cmdline_printf(cl, "Queues: %u rx, %u tx (device max %u rx, %u tx)\n", ap->n_queues,
		       ap->n_queues, info.max_rx_queues, info.max_tx_queues);
	cmdline_printf(cl, "Descriptors: %u rx, %u tx\n", ap->rx_desc, ap->tx_desc);
	cmdline_printf(cl, "RSS: %s (hash fields 0x%" PRIx64 ", key %u bytes)\n",
		       ap->rss_hf != 0 ? "on" : "off", ap->rss_hf, info.hash_key_size);
	if (ap->rss != NULL && ap->n_queues > 1) {
		char desc[256];

		sl_rss_describe(ap->rss, desc, sizeof(desc));
		cmdline_printf(cl, "Steering: %s\n", desc);
	}
	print_offloads(cl, "RX offloads:", ap->rx_offloads, rte_eth_dev_rx_offload_name);
	print_offloads(cl, "TX offloads:", ap->tx_offloads, rte_eth_dev_tx_offload_name);
}

static void
port_stats(struct cmdline *cl, uint16_t idx)
{
	const struct sl_app_port *ap = &sl_app.ports[idx];
	const struct rte_eth_stats *b = &ap->base;
	struct rte_eth_stats s;

	if (rte_eth_stats_get(ap->port_id, &s) != 0) {
		cmdline_printf(cl, "port %u: statistics unavailable\n", ap->port_id);
		return;
	}
	cmdline_printf(cl, "\n  ######################## NIC statistics for port %-2u (%s) "
		       "########################\n", ap->port_id, sl_app.conf->ports[idx].name);
	cmdline_printf(cl, "  RX-packets: %-10" PRIu64 " RX-missed: %-10" PRIu64
		       " RX-bytes:  %-" PRIu64 "\n", s.ipackets - b->ipackets,
		       s.imissed - b->imissed, s.ibytes - b->ibytes);
	cmdline_printf(cl, "  RX-errors: %" PRIu64 "\n", s.ierrors - b->ierrors);
	cmdline_printf(cl, "  RX-nombuf:  %-10" PRIu64 "\n", s.rx_nombuf - b->rx_nombuf);
	cmdline_printf(cl, "  TX-packets: %-10" PRIu64 " TX-errors: %-10" PRIu64
		       " TX-bytes:  %-" PRIu64 "\n", s.opackets - b->opackets,
		       s.oerrors - b->oerrors, s.obytes - b->obytes);
	cmdline_printf(cl, "  ################################################################"
		       "############################\n");
}

static void
port_clear(struct cmdline *cl, uint16_t idx)
{
	struct sl_app_port *ap = &sl_app.ports[idx];

	/* A baseline, not rte_eth_stats_reset(): works on every PMD, races with nobody. */
	if (rte_eth_stats_get(ap->port_id, &ap->base) == 0)
		cmdline_printf(cl, "\n  NIC statistics for port %u (%s) cleared\n", ap->port_id,
			       sl_app.conf->ports[idx].name);
}

static void
cmd_show_port_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_port_result *r = parsed;

	if (strcmp(r->what, "info") == 0)
		for_each_port(cl, r->which, port_info);
	else
		for_each_port(cl, r->which, port_stats);
}

static void
cmd_clear_port_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_port_result *r = parsed;

	for_each_port(cl, r->which, port_clear);
}

static cmdline_parse_token_string_t cmd_port_show =
	TOKEN_STRING_INITIALIZER(struct cmd_port_result, verb, "show");
static cmdline_parse_token_string_t cmd_port_clear =
	TOKEN_STRING_INITIALIZER(struct cmd_port_result, verb, "clear");
static cmdline_parse_token_string_t cmd_port_port =
	TOKEN_STRING_INITIALIZER(struct cmd_port_result, port, "port");
static cmdline_parse_token_string_t cmd_port_info_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_port_result, what, "info#stats");
static cmdline_parse_token_string_t cmd_port_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_port_result, what, "stats");
static cmdline_parse_token_string_t cmd_port_which =
	TOKEN_STRING_INITIALIZER(struct cmd_port_result, which, NULL);

static cmdline_parse_inst_t cmd_show_port = {
	.f = cmd_show_port_parsed,
	.help_str = "show port info|stats all|<port id>|<port name>: "
		    "device, addresses, queues and offloads, or NIC counters",
	.tokens = {
		(void *)&cmd_port_show, (void *)&cmd_port_port, (void *)&cmd_port_info_stats,
		(void *)&cmd_port_which, NULL,
	},
};

static cmdline_parse_inst_t cmd_clear_port = {
	.f = cmd_clear_port_parsed,
	.help_str = "clear port stats all|<port id>|<port name>: count NIC counters from zero",
	.tokens = {
		(void *)&cmd_port_clear, (void *)&cmd_port_port, (void *)&cmd_port_stats,
		(void *)&cmd_port_which, NULL,
	},
};

cmdline_parse_inst_t *sl_cli_port_cmds[] = {
	&cmd_show_port,
	&cmd_clear_port,
	NULL,
};
