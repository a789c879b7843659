/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry endpoints (read with the stock dpdk-telemetry.py):
 *   /sluice/workers  per worker: lcore, packets, cycles, steering, TCP
 *   /sluice/ports    per port: name, device, NIC counters, steering
 *   /sluice/tcp      per worker TCP counters
 *   /sluice/vips     per VIP request and response counters (all workers)
 *   /sluice/sessions per affinity VIP: table entries, memory, hits, re-pins
 *   /sluice/limits   per [limit.NAME]: keys tracked, memory, allowed, delayed, rejected
 *   /sluice/shed     per worker: in flight, waiting, 503s shed by cause, throttling
 * Callbacks run on EAL's telemetry thread and only read counters.
 */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "app.h"

/* Add each of a dict's u64 fields from a struct of u64 counters. */
#define ADD_U64(d, s, f) rte_tel_data_add_dict_u64((d), #f, (s)->f)

static int
tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < sl_app.n_workers; i++) {
		const struct sl_worker *w = &sl_app.workers[i];
		const struct sl_worker_stats *s = &w->stats;
		struct rte_tel_data *e = rte_tel_data_alloc();
		char key[32];

		if (e == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_u64(e, "worker", w->id);
		rte_tel_data_add_dict_u64(e, "lcore", w->lcore_id);
		ADD_U64(e, s, loops);
		ADD_U64(e, s, rx);
		ADD_U64(e, s, tx);
		ADD_U64(e, s, tx_drop);
		ADD_U64(e, s, busy_tsc);
		ADD_U64(e, s, idle_tsc);
		ADD_U64(e, s, sleeps);
		ADD_U64(e, s, steered_in);
		ADD_U64(e, s, steered_out);
		ADD_U64(e, s, steer_drop);
		ADD_U64(e, s, rss_checked);
		ADD_U64(e, s, rss_mismatch);
		rte_tel_data_add_dict_u64(e, "connections", sl_tcp_conn_count(w->tcp));
		snprintf(key, sizeof(key), "worker%u", w->id);
		rte_tel_data_add_dict_container(d, key, e, 0);
	}
	return 0;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (uint16_t i = 0; i < sl_app.conf->n_ports; i++) {
		const struct sl_app_port *ap = &sl_app.ports[i];
		struct rte_tel_data *e = rte_tel_data_alloc();
		struct rte_eth_stats st;

		if (e == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_string(e, "device", sl_app.conf->ports[i].device);
		rte_tel_data_add_dict_u64(e, "port_id", ap->port_id);
		rte_tel_data_add_dict_u64(e, "queues", ap->n_queues);
		rte_tel_data_add_dict_string(e, "steering",
					     ap->rss != NULL && ap->rss->software ? "software"
										 : "hardware");
		if (rte_eth_stats_get(ap->port_id, &st) == 0) {
			rte_tel_data_add_dict_u64(e, "ipackets", st.ipackets - ap->base.ipackets);
			rte_tel_data_add_dict_u64(e, "opackets", st.opackets - ap->base.opackets);
			rte_tel_data_add_dict_u64(e, "ibytes", st.ibytes - ap->base.ibytes);
			rte_tel_data_add_dict_u64(e, "obytes", st.obytes - ap->base.obytes);
			rte_tel_data_add_dict_u64(e, "imissed", st.imissed - ap->base.imissed);
			rte_tel_data_add_dict_u64(e, "ierrors", st.ierrors - ap->base.ierrors);
			rte_tel_data_add_dict_u64(e, "oerrors", st.oerrors - ap->base.oerrors);
			rte_tel_data_add_dict_u64(e, "rx_nombuf", st.rx_nombuf - ap->base.rx_nombuf);
		}
		rte_tel_data_add_dict_container(d, sl_app.conf->ports[i].name, e, 0);
	}
	return 0;
}

static int
tel_tcp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < sl_app.n_workers; i++) {
		const struct sl_tcp_stats *s = sl_tcp_stats(sl_app.workers[i].tcp);
		struct rte_tel_data *e = rte_tel_data_alloc();
		char key[32];

		if (e == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_u64(e, "worker", i);
		ADD_U64(e, s, rx_segs);
		ADD_U64(e, s, tx_segs);
		ADD_U64(e, s, active_opens);
		ADD_U64(e, s, passive_opens);
		ADD_U64(e, s, established);
		ADD_U64(e, s, rst_sent);
		ADD_U64(e, s, rst_rcvd);
		ADD_U64(e, s, rtx_timeout);
		ADD_U64(e, s, rtx_fast);
		ADD_U64(e, s, rtx_syn);
		ADD_U64(e, s, ooo_segs);
		ADD_U64(e, s, cookies_sent);
		ADD_U64(e, s, cookies_validated);
		for (unsigned int r = 0; r < SL_TCP_DROP__MAX; r++) {
			char name[48];

			snprintf(name, sizeof(name), "drop_%s", sl_tcp_drop_name(r));
			rte_tel_data_add_dict_u64(e, name, s->drops[r]);
		}
		snprintf(key, sizeof(key), "worker%u", i);
		rte_tel_data_add_dict_container(d, key, e, 0);
	}
	return 0;
}

static int
tel_vips(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (uint16_t v = 0; v < sl_app.conf->n_vips; v++) {
		struct sl_proxy_vip_stats sum;
		struct rte_tel_data *e = rte_tel_data_alloc();

		if (e == NULL)
			return -ENOMEM;
		memset(&sum, 0, sizeof(sum));
		for (unsigned int w = 0; w < sl_app.n_workers; w++) {
			const uint64_t *s =
				(const uint64_t *)sl_proxy_vip_stats(sl_app.workers[w].proxy, v);

			for (size_t i = 0; i < sizeof(sum) / sizeof(uint64_t); i++)
				((uint64_t *)&sum)[i] += s[i];
		}
		rte_tel_data_start_dict(e);
		ADD_U64(e, &sum, conns);
		ADD_U64(e, &sum, active);
		ADD_U64(e, &sum, requests);
		rte_tel_data_add_dict_u64(e, "responses_1xx", sum.responses[1]);
		rte_tel_data_add_dict_u64(e, "responses_2xx", sum.responses[2]);
		rte_tel_data_add_dict_u64(e, "responses_3xx", sum.responses[3]);
		rte_tel_data_add_dict_u64(e, "responses_4xx", sum.responses[4]);
		rte_tel_data_add_dict_u64(e, "responses_5xx", sum.responses[5]);
		ADD_U64(e, &sum, rx_bytes);
		ADD_U64(e, &sum, tx_bytes);
		rte_tel_data_add_dict_container(d, sl_app.conf->vips[v].name, e, 0);
	}
	return 0;
}

static int
tel_sessions(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (uint16_t v = 0; v < sl_app.conf->n_vips; v++) {
		const struct sl_conf_vip *vip = &sl_app.conf->vips[v];
		const struct sl_proxy_vip_shared *vs = &sl_app.shared->vips[v];
		struct rte_tel_data *e;

		if (vip->affinity == SL_AFFINITY_NONE)
			continue;
		e = rte_tel_data_alloc();
		if (e == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_string(e, "affinity", sl_conf_affinity_name(vip->affinity));
		rte_tel_data_add_dict_u64(e, "repinned",
					  __atomic_load_n(&vs->repinned, __ATOMIC_RELAXED));
		if (vs->aff != NULL) {
			struct sl_affinity_stats st;

			sl_affinity_stats(vs->aff, &st);
			ADD_U64(e, &st, capacity);
			ADD_U64(e, &st, entries);
			ADD_U64(e, &st, memory_bytes);
			ADD_U64(e, &st, lookups);
			ADD_U64(e, &st, hits);
			ADD_U64(e, &st, misses);
			ADD_U64(e, &st, inserts);
			ADD_U64(e, &st, races);
			ADD_U64(e, &st, updates);
			ADD_U64(e, &st, full);
			ADD_U64(e, &st, expired);
			ADD_U64(e, &st, evicted);
			ADD_U64(e, &st, forgotten);
		} else {
			rte_tel_data_add_dict_u64(e, "cookies_set",
						  __atomic_load_n(&vs->cookies_set, __ATOMIC_RELAXED));
			rte_tel_data_add_dict_u64(e, "cookies_rejected",
						  __atomic_load_n(&vs->cookies_bad, __ATOMIC_RELAXED));
		}
		rte_tel_data_add_dict_container(d, vip->name, e, 0);
	}
	return 0;
}

static int
tel_limits(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (uint16_t i = 0; i < sl_app.conf->n_limits; i++) {
		const struct sl_conf_limit *lc = &sl_app.conf->limits[i];
		struct sl_limit_stats st;
		struct rte_tel_data *e;

		if (sl_app.shared->limits[i] == NULL)
			continue;
		e = rte_tel_data_alloc();
		if (e == NULL)
			return -ENOMEM;
		sl_limit_stats(sl_app.shared->limits[i], &st);
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_string(e, "key", sl_conf_limit_key_name(lc->key));
		rte_tel_data_add_dict_string(e, "kind",
					     lc->kind == SL_LIMIT_BANDWIDTH ? "bandwidth" : "rate");
		rte_tel_data_add_dict_u64(e, "rate", lc->rate.count);
		rte_tel_data_add_dict_u64(e, "period_s", lc->rate.period_s);
		rte_tel_data_add_dict_u64(e, "burst", lc->burst);
		ADD_U64(e, &st, capacity);
		ADD_U64(e, &st, entries);
		ADD_U64(e, &st, memory_bytes);
		ADD_U64(e, &st, decisions);
		ADD_U64(e, &st, allowed);
		ADD_U64(e, &st, delayed);
		ADD_U64(e, &st, rejected);
		ADD_U64(e, &st, new_keys);
		ADD_U64(e, &st, overflow);
		ADD_U64(e, &st, expired);
		rte_tel_data_add_dict_container(d, lc->name, e, 0);
	}
	return 0;
}

static int
tel_shed(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int w = 0; w < sl_app.n_workers; w++) {
		struct sl_proxy_shed_stats s;
		struct rte_tel_data *e = rte_tel_data_alloc();
		char name[24];

		if (e == NULL)
			return -ENOMEM;
		sl_proxy_shed_stats(sl_app.workers[w].proxy, &s);
		rte_tel_data_start_dict(e);
		ADD_U64(e, &s, inflight);
		ADD_U64(e, &s, waiting);
		ADD_U64(e, &s, queued);
		ADD_U64(e, &s, shed_inflight);
		ADD_U64(e, &s, shed_queue);
		ADD_U64(e, &s, shed_wait);
		ADD_U64(e, &s, wait_max_us);
		ADD_U64(e, &s, limited);
		ADD_U64(e, &s, delayed);
		ADD_U64(e, &s, delayed_now);
		ADD_U64(e, &s, conn_over);
		snprintf(name, sizeof(name), "worker%u", w);
		rte_tel_data_add_dict_container(d, name, e, 0);
	}
	return 0;
}

void
sl_telemetry_init(void)
{
	rte_telemetry_register_cmd("/sluice/workers", tel_workers,
				   "Per worker: lcore, packets, busy/idle cycles, steering. No parameters");
	rte_telemetry_register_cmd("/sluice/ports", tel_ports,
				   "Per port: device, NIC counters, steering mode. No parameters");
	rte_telemetry_register_cmd("/sluice/tcp", tel_tcp,
				   "Per worker TCP counters and drops by reason. No parameters");
	rte_telemetry_register_cmd("/sluice/vips", tel_vips,
				   "Per VIP connections, requests, responses by class. No parameters");
	rte_telemetry_register_cmd("/sluice/sessions", tel_sessions,
				   "Per affinity VIP: sessions, memory, hits, re-pins. No parameters");
	rte_telemetry_register_cmd("/sluice/limits", tel_limits,
				   "Per limit policy: keys, memory, allowed, delayed, rejected. No parameters");
	rte_telemetry_register_cmd("/sluice/shed", tel_shed,
				   "Per worker: in flight, waiting, shed 503s, throttled. No parameters");
}
