/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up from a device profile: queues, descriptors, RSS, offloads and
 * MTU, each masked by what the device reports it can do, with a log line for
 * everything the profile wanted and the device refused.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "app.h"

int
sl_port_mbufs_needed(const struct sl_config *conf, unsigned int n_queues, unsigned int n_lcores)
{
	unsigned int need = 0;
	uint16_t i;

	/*
	 * Every RX descriptor holds an mbuf, every TX descriptor may, each lcore
	 * cache may hold up to 1.5 x its size, and each worker has a TX buffer of
	 * SL_BURST per port and the packets it holds awaiting ARP.
	 */
	for (i = 0; i < conf->n_ports; i++) {
		const struct sl_profile *p = &conf->ports[i].profile;

		need += n_queues * (p->rx_desc + p->tx_desc + SL_BURST);
	}
	need += n_lcores * (conf->global.mbuf_cache * 3 / 2);
	need += n_queues * conf->global.neigh_hold;
	return need;
}

const char *
sl_port_link_str(uint16_t port_id, char *buf, size_t len)
{
	struct rte_eth_link link;

	if (rte_eth_link_get_nowait(port_id, &link) != 0)
		snprintf(buf, len, "unknown");
	else
		rte_eth_link_to_str(buf, len, &link);
	return buf;
}

static void
port_log_refused(const char *port, const char *what, uint64_t wanted, uint64_t capa,
		 const char *(*name)(uint64_t))
{
	uint64_t refused = wanted & ~capa;

	while (refused != 0) {
		uint64_t bit = refused & -refused;

		APP_LOG(NOTICE, "port %s: %s offload %s not supported by the device, left off",
			port, what, name(bit));
		refused &= ~bit;
	}
}

int
sl_port_setup(struct sl_app *app, uint16_t idx, unsigned int n_queues)
{
	const struct sl_conf_port *cp = &app->conf->ports[idx];
	const struct sl_profile *prof = &cp->profile;
	struct sl_app_port *ap = &app->ports[idx];
	struct rte_eth_conf eth_conf;
	struct rte_eth_dev_info info;
	uint16_t port_id, q;
	int socket, rc;

	rc = rte_eth_dev_get_port_by_name(cp->device, &port_id);
	if (rc != 0) {
		APP_LOG(ERR, "port %s: device '%s' is not known to EAL (give it with -a or --vdev)",
			cp->name, cp->device);
		return -ENODEV;
	}
	ap->port_id = port_id;
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		APP_LOG(ERR, "port %s: cannot read device info: %s", cp->name, rte_strerror(-rc));
		return rc;
	}
	if (n_queues > info.max_rx_queues || n_queues > info.max_tx_queues ||
	    n_queues > prof->max_queues) {
		APP_LOG(ERR, "port %s: %u workers need %u queue pairs, device %s has %u rx/%u tx "
			"(profile %s allows %u)", cp->name, n_queues, n_queues, cp->device,
			info.max_rx_queues, info.max_tx_queues, prof->name, prof->max_queues);
		return -EINVAL;
	}

	memset(&eth_conf, 0, sizeof(eth_conf));
	ap->rx_offloads = prof->rx_offloads & info.rx_offload_capa;
	ap->tx_offloads = prof->tx_offloads & info.tx_offload_capa;
	port_log_refused(cp->name, "rx", prof->rx_offloads, info.rx_offload_capa,
			 rte_eth_dev_rx_offload_name);
	port_log_refused(cp->name, "tx", prof->tx_offloads, info.tx_offload_capa,
			 rte_eth_dev_tx_offload_name);
	eth_conf.rxmode.offloads = ap->rx_offloads;
	eth_conf.txmode.offloads = ap->tx_offloads;
	ap->rss_hf = 0;
	if (n_queues > 1 && prof->rss) {
		ap->rss_hf = prof->rss_hf & info.flow_type_rss_offloads;
		if (ap->rss_hf == 0) {
			APP_LOG(NOTICE, "port %s: device does no RSS on the profile's hash fields",
				cp->name);
		} else {
			eth_conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			eth_conf.rx_adv_conf.rss_conf.rss_hf = ap->rss_hf;
			if (prof->rss_key_len != 0 && prof->rss_key_len == info.hash_key_size) {
				eth_conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)prof->rss_key;
				eth_conf.rx_adv_conf.rss_conf.rss_key_len = prof->rss_key_len;
			} else if (prof->rss_key_len != 0) {
				APP_LOG(NOTICE, "port %s: profile key is %u bytes, device takes %u: "
					"keeping the device's key", cp->name, prof->rss_key_len,
					info.hash_key_size);
			}
		}
	}

	rc = rte_eth_dev_configure(port_id, n_queues, n_queues, &eth_conf);
	if (rc != 0) {
		APP_LOG(ERR, "port %s: configure failed: %s", cp->name, rte_strerror(-rc));
		return rc;
	}
	ap->rx_desc = prof->rx_desc;
	ap->tx_desc = prof->tx_desc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &ap->rx_desc, &ap->tx_desc);
	if (rc != 0) {
		APP_LOG(ERR, "port %s: descriptor counts refused: %s", cp->name, rte_strerror(-rc));
		return rc;
	}
	if (prof->mtu != 0) {
		rc = rte_eth_dev_set_mtu(port_id, prof->mtu);
		if (rc != 0)
			APP_LOG(NOTICE, "port %s: cannot set MTU %u (%s), keeping the device's",
				cp->name, prof->mtu, rte_strerror(-rc));
	}

	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (q = 0; q < n_queues; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;
		struct rte_eth_txconf txc = info.default_txconf;

		rxc.offloads = ap->rx_offloads;
		txc.offloads = ap->tx_offloads;
		rc = rte_eth_rx_queue_setup(port_id, q, ap->rx_desc, socket, &rxc, app->pool);
		if (rc != 0) {
			APP_LOG(ERR, "port %s: rx queue %u: %s", cp->name, q, rte_strerror(-rc));
			return rc;
		}
		rc = rte_eth_tx_queue_setup(port_id, q, ap->tx_desc, socket, &txc);
		if (rc != 0) {
			APP_LOG(ERR, "port %s: tx queue %u: %s", cp->name, q, rte_strerror(-rc));
			return rc;
		}
	}
	ap->n_queues = n_queues;

	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		APP_LOG(ERR, "port %s: start failed: %s", cp->name, rte_strerror(-rc));
		return rc;
	}
	ap->started = true;
	if (prof->promiscuous) {
		rc = rte_eth_promiscuous_enable(port_id);
		if (rc != 0)
			APP_LOG(NOTICE, "port %s: promiscuous mode refused: %s", cp->name,
				rte_strerror(-rc));
	}
	rc = rte_eth_macaddr_get(port_id, &ap->mac);
	if (rc != 0) {
		APP_LOG(ERR, "port %s: cannot read MAC address: %s", cp->name, rte_strerror(-rc));
		return rc;
	}
	if (prof->link_wait_ms != 0) {
		uint64_t deadline = rte_get_timer_cycles() +
				    rte_get_timer_hz() * prof->link_wait_ms / 1000;
		struct rte_eth_link link;

		do {
			if (rte_eth_link_get_nowait(port_id, &link) == 0 &&
			    link.link_status == RTE_ETH_LINK_UP)
				break;
			rte_delay_ms(10);
		} while (rte_get_timer_cycles() < deadline);
	}
	memset(&ap->base, 0, sizeof(ap->base));
	/*
	 * What the device really hashes with, read back, is the owner function:
	 * or, where it cannot say or cannot spread by RSS, software steering.
	 */
	ap->rss = sl_rss_from_port(port_id, n_queues, prof->rss_key_len ? prof->rss_key : NULL,
				   prof->rss_key_len, prof->rss_hf, socket);
	if (ap->rss == NULL) {
		APP_LOG(ERR, "port %s: RSS set-up: %s", cp->name, rte_strerror(rte_errno));
		return -rte_errno;
	}
	if (n_queues > 1) {
		char desc[256];

		sl_rss_describe(ap->rss, desc, sizeof(desc));
		if (ap->rss->software)
			APP_LOG(NOTICE, "port %s: %s", cp->name, desc);
		else
			APP_LOG(INFO, "port %s: %s", cp->name, desc);
	}
	{
		char mac[RTE_ETHER_ADDR_FMT_SIZE], link[RTE_ETH_LINK_MAX_STR_LEN];

		rte_ether_format_addr(mac, sizeof(mac), &ap->mac);
		APP_LOG(INFO, "port %s: %s (port %u, %s) mac %s, %u queue pair(s), %u/%u descriptors, "
			"link %s", cp->name, cp->device, port_id, info.driver_name, mac, n_queues,
			ap->rx_desc, ap->tx_desc, sl_port_link_str(port_id, link, sizeof(link)));
	}
	return 0;
}

void
sl_port_teardown(struct sl_app *app, uint16_t idx)
{
	struct sl_app_port *ap = &app->ports[idx];
	int rc;

	if (!ap->started)
		return;
	rc = rte_eth_dev_stop(ap->port_id);
	if (rc != 0)
		APP_LOG(NOTICE, "port %s: stop: %s", app->conf->ports[idx].name, rte_strerror(-rc));
	rte_eth_dev_close(ap->port_id);
	ap->started = false;
	sl_rss_free(ap->rss);
	ap->rss = NULL;
}
