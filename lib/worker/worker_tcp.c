/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's TCP: one lib/tcp instance per worker, wired to lib/net for
 * output, and the built-in services operators use to test the data path
 * (mode = echo | discard on a VIP).
 *
 * echo is zero copy: the mbufs TCP delivers are queued back on the same
 * connection one segment at a time. What the send queue cannot take yet stays
 * pending and unconsumed, so the receive window closes and the client is
 * slowed by TCP itself: memory per connection stays within snd_buf + rcv_buf.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "sl_worker.h"
#include "worker_priv.h"

/* Per-connection state of a built-in service. */
struct svc_conn {
	struct sl_tcp_conn *conn;
	enum sl_vip_mode mode;
	bool peer_fin;
	struct rte_mbuf *pending;	/* echo: received, not yet in the send queue */
	uint32_t next_free;
};

#define SVC_NONE UINT32_MAX

static struct svc_conn *
svc_alloc(struct sl_worker *w)
{
	struct svc_conn *s;

	if (w->svc_free == SVC_NONE)
		return NULL;
	s = &w->svc[w->svc_free];
	w->svc_free = s->next_free;
	memset(s, 0, sizeof(*s));
	return s;
}

static void
svc_release(struct sl_worker *w, struct svc_conn *s)
{
	rte_pktmbuf_free(s->pending);
	s->pending = NULL;
	s->conn = NULL;
	s->next_free = w->svc_free;
	w->svc_free = (uint32_t)(s - w->svc);
}

/*
 * Queue pending echo data one segment at a time while the send buffer takes
 * it; each accepted segment's bytes are returned to the receive window.
 */
static void
svc_echo_flush(struct svc_conn *s)
{
	while (s->pending != NULL) {
		struct rte_mbuf *head = s->pending, *next = head->next;
		uint32_t len = head->data_len;

		if (next != NULL) {
			next->pkt_len = head->pkt_len - len;
			next->nb_segs = head->nb_segs - 1;
			head->next = NULL;
			head->nb_segs = 1;
			head->pkt_len = len;
		}
		if (len == 0) {
			rte_pktmbuf_free(head);
			s->pending = next;
			continue;
		}
		if (sl_tcp_send(s->conn, head) != 0) {
			/* Not now: put the segment back in front and wait for SEND_SPACE. */
			if (next != NULL) {
				head->next = next;
				head->nb_segs = next->nb_segs + 1;
				head->pkt_len = len + next->pkt_len;
			}
			return;
		}
		s->pending = next;
		sl_tcp_consumed(s->conn, len);
	}
	if (s->peer_fin)
		sl_tcp_shutdown(s->conn);
}

static void
svc_data(struct svc_conn *s, struct rte_mbuf *m, uint32_t len)
{
	if (s->mode == SL_VIP_DISCARD) {
		rte_pktmbuf_free(m);
		sl_tcp_consumed(s->conn, len);
		return;
	}
	if (s->pending == NULL) {
		s->pending = m;
	} else if (rte_pktmbuf_chain(s->pending, m) != 0) {
		/* More segments than a chain holds: flush first, then retry. */
		svc_echo_flush(s);
		if (s->pending == NULL)
			s->pending = m;
		else if (rte_pktmbuf_chain(s->pending, m) != 0) {
			rte_pktmbuf_free(m);
			sl_tcp_abort(s->conn);
			s->conn = NULL;
			return;
		}
	}
	svc_echo_flush(s);
}

static void
worker_tcp_event(void *arg, const struct sl_tcp_event *ev)
{
	struct sl_worker *w = arg;
	struct svc_conn *s = ev->user;

	if (ev->type == SL_TCP_EV_ACCEPTED) {
		const struct sl_conf_vip *vip = ev->user;

		if (vip->mode == SL_VIP_HTTP) {
			sl_proxy_accept(w->proxy, ev->conn, vip);
			return;
		}
	} else if (sl_proxy_owns(w->proxy, ev->user)) {
		sl_proxy_event(w->proxy, ev);
		return;
	}
	switch (ev->type) {
	case SL_TCP_EV_ACCEPTED: {
		const struct sl_conf_vip *vip = ev->user;

		s = svc_alloc(w);
		if (s == NULL) {
			w->tcp_svc_full++;
			sl_tcp_abort(ev->conn);
			return;
		}
		s->conn = ev->conn;
		s->mode = vip->mode;
		sl_tcp_set_user(ev->conn, s);
		return;
	}
	case SL_TCP_EV_DATA:
		if (s == NULL || s->conn == NULL) {
			rte_pktmbuf_free(ev->data.m);
			return;
		}
		svc_data(s, ev->data.m, ev->data.len);
		if (s->conn == NULL)	/* aborted */
			svc_release(w, s);
		return;
	case SL_TCP_EV_PEER_FIN:
		if (s == NULL)
			return;
		s->peer_fin = true;
		if (s->pending == NULL)
			sl_tcp_shutdown(s->conn);
		return;
	case SL_TCP_EV_SEND_SPACE:
		if (s != NULL && s->conn != NULL)
			svc_echo_flush(s);
		return;
	case SL_TCP_EV_CLOSED:
		if (s != NULL)
			svc_release(w, s);
		return;
	case SL_TCP_EV_CONNECTED:
		return;
	}
}

/* TCP's output: a complete IPv4 packet, routed and framed by lib/net. */
static void
worker_tcp_output(void *arg, struct rte_mbuf *m)
{
	struct sl_worker *w = arg;

	sl_net_output(&w->net, m);
}

/* New connections: the VIP's max_new_conns (HTTP VIPs; the listener's context is the VIP). */
static bool
worker_syn_filter(void *arg, void *listen_ctx, uint32_t raddr)
{
	struct sl_worker *w = arg;

	return sl_proxy_syn_admit(w->proxy, listen_ctx, raddr);
}

int
sl_worker_tcp_init(struct sl_worker *w, const struct sl_config *conf, struct rte_mempool *pool,
		   const struct sl_net *net, const struct sl_lb *lb,
		   struct sl_proxy_shared *shared)
{
	const struct sl_conf_tcp *tc = &conf->tcp;
	struct sl_tcp_params p;
	char name[32];
	uint16_t mtu = UINT16_MAX, i;
	uint32_t n;
	int rc;

	for (i = 0; i < conf->n_ports; i++)
		mtu = RTE_MIN(mtu, conf->ports[i].profile.mtu);
	snprintf(name, sizeof(name), "tcp%u", w->id);
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.socket_id = (int)rte_lcore_to_socket_id(w->lcore_id);
	p.max_conns = tc->max_conns;
	p.max_listeners = SL_VIPS_MAX;
	p.syn_backlog = tc->syn_backlog;
	p.snd_buf = tc->snd_buf;
	p.rcv_buf = tc->rcv_buf;
	p.mtu = mtu;
	p.rto_min_ms = tc->rto_min_ms;
	p.rto_max_ms = tc->rto_max_ms;
	p.rto_init_ms = tc->rto_init_ms;
	/* lib/tcp reads 0 as "its default": the config's 0 (no delay) is its 1 ms tick. */
	p.delack_ms = tc->delack_ms != 0 ? tc->delack_ms : 1;
	p.max_retries = tc->max_retries;
	p.syn_retries = tc->syn_retries;
	p.time_wait_max = tc->time_wait_max;
	p.time_wait_ms = tc->time_wait_ms != 0 ? tc->time_wait_ms : 1;
	p.fin_wait2_ms = tc->fin_wait2_ms;
	p.challenge_ack_limit = tc->challenge_ack_limit;
	p.flags = (tc->sack ? SL_TCP_F_SACK : 0) | (tc->timestamps ? SL_TCP_F_TIMESTAMPS : 0) |
		  (tc->wscale ? SL_TCP_F_WSCALE : 0) | (tc->syncookies ? SL_TCP_F_SYNCOOKIES : 0);
	p.tsc_hz = rte_get_tsc_hz();
	/*
	 * Checksums by the device when every port has IPv4 and TCP transmit
	 * checksum offload enabled (the profile asked and the device can): TCP
	 * then writes only the pseudo-header sum. Any port without: software
	 * (a profile's [offloads] tx decides, as for every offload).
	 */
	p.tx_cksum_offload = conf->n_ports != 0;
	for (i = 0; i < w->n_ports; i++) {
		struct rte_eth_conf dc;
		const uint64_t need = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;

		if (rte_eth_dev_conf_get(w->ports[i].port_id, &dc) != 0 ||
		    (dc.txmode.offloads & need) != need)
			p.tx_cksum_offload = false;
	}
	if (tc->has_secret)
		memcpy(p.key, tc->secret, sizeof(p.key));
	p.hdr_pool = pool;
	p.output = worker_tcp_output;
	p.output_arg = w;
	p.event = worker_tcp_event;
	p.event_arg = w;
	for (i = 0; i < conf->n_vips; i++)
		if (conf->vips[i].max_new_conns.count != 0) {
			p.syn_filter = worker_syn_filter;
			p.syn_filter_arg = w;
		}
	p.eph_lo = 32768;
	p.eph_hi = 60999;
	if (w->steer != NULL) {
		/*
		 * Connections this worker opens use local ports whose reply tuple
		 * hashes to this worker: backend traffic comes home by construction,
		 * and no two workers can ever pick the same 4-tuple.
		 */
		w->rss_ports = sl_rss_ports_create(w->steer->rss[0], (uint16_t)w->id, p.eph_lo,
						   p.eph_hi, p.socket_id);
		if (w->rss_ports == NULL)
			return -rte_errno;
		p.pick_port = sl_rss_pick_port;
		p.pick_port_arg = w->rss_ports;
	}

	w->tcp = sl_tcp_create(&p);
	if (w->tcp == NULL)
		return -rte_errno;

	w->svc = rte_zmalloc_socket("sl_svc", sizeof(*w->svc) * tc->max_conns,
				    RTE_CACHE_LINE_SIZE, p.socket_id);
	if (w->svc == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	for (n = 0; n < tc->max_conns; n++)
		w->svc[n].next_free = n + 1 < tc->max_conns ? n + 1 : SVC_NONE;
	w->svc_free = 0;
	w->svc_count = tc->max_conns;

	{
		struct sl_proxy_params pp = {
			.conf = conf,
			.lb = lb,
			.net = net,
			.tcp = w->tcp,
			.pool = pool,
			.worker_id = w->id,
			.socket_id = p.socket_id,
			.max_clients = tc->max_conns,
			.max_backend_conns = tc->max_conns,
			.shared = shared,
			.shed = {
				.max_inflight = conf->shed.max_inflight,
				.max_queue = conf->shed.max_queue,
				.max_queue_ms = conf->shed.max_queue_ms,
				.retry_after = conf->shed.retry_after,
			},
		};

		w->proxy = sl_proxy_create(&pp);
		if (w->proxy == NULL) {
			rc = -rte_errno;
			goto fail;
		}
	}
	for (i = 0; i < conf->n_vips; i++) {
		const struct sl_conf_vip *vip = &conf->vips[i];

		rc = sl_tcp_listen(w->tcp, rte_cpu_to_be_32(vip->addr), vip->port, (void *)vip);
		if (rc != 0)
			goto fail;
	}
	return 0;
fail:
	sl_worker_tcp_fini(w);
	return rc;
}

void
sl_worker_tcp_fini(struct sl_worker *w)
{
	uint32_t n;

	if (w->tcp != NULL) {
		sl_tcp_destroy(w->tcp);
		w->tcp = NULL;
	}
	sl_proxy_destroy(w->proxy);
	w->proxy = NULL;
	sl_rss_ports_free(w->rss_ports);
	w->rss_ports = NULL;
	if (w->svc != NULL) {
		/* Destroy delivers no events: free what services still hold. */
		for (n = 0; n < w->svc_count; n++)
			rte_pktmbuf_free(w->svc[n].pending);
		rte_free(w->svc);
		w->svc = NULL;
	}
}
