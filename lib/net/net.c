/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process-wide network state (interfaces, address sets, rings), the per-worker
 * context, the Ethernet demultiplexer and the periodic work.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring_elem.h>

#include "net_priv.h"

int sl_net_logtype;

RTE_INIT(sl_net_log_init)
{
	sl_net_logtype = rte_log_register_type_and_pick_level("sluice.net", RTE_LOG_INFO);
	if (sl_net_logtype < 0)
		sl_net_logtype = RTE_LOGTYPE_USER1;
}

/* Unique suffix for ring names: two sl_net may coexist during a test or reload. */
static unsigned int net_uid;

static const char *const drop_names[SL_DROP__MAX] = {
#define SL_DROP_NAME(e, s) [SL_DROP_##e] = s,
	SL_DROP_REASONS(SL_DROP_NAME)
#undef SL_DROP_NAME
};

const char *
sl_drop_name(enum sl_drop reason)
{
	if ((unsigned int)reason >= SL_DROP__MAX)
		return "unknown";
	return drop_names[reason];
}

const char *
sl_neigh_state_name(enum sl_neigh_state s)
{
	switch (s) {
	case SL_NEIGH_INCOMPLETE:
		return "incomplete";
	case SL_NEIGH_REACHABLE:
		return "reachable";
	case SL_NEIGH_PROBE:
		return "probe";
	case SL_NEIGH_FAILED:
		return "failed";
	}
	return "unknown";
}

static uint64_t
ms_to_tsc(uint64_t hz, uint32_t ms)
{
	return hz / 1000 * ms + hz % 1000 * ms / 1000;
}

static bool
addr_in(const rte_be32_t *set, unsigned int n, rte_be32_t ip)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (set[i] == ip)
			return true;
	return false;
}

static int
addr_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Interface i from port i of the config; VIPs on its subnet become local[]. */
static int
net_iface_init(struct sl_net *net, const struct sl_config *conf, unsigned int i,
	       const struct rte_ether_addr *mac, uint16_t port_id)
{
	const struct sl_conf_port *cp = &conf->ports[i];
	struct sl_net_iface *ifp = &net->ifaces[i];
	unsigned int v;

	if (cp->prefix_len > 32 || cp->addr == 0)
		return -EINVAL;
	ifp->port_id = port_id;
	ifp->mtu = cp->profile.mtu ? cp->profile.mtu : RTE_ETHER_MTU;
	rte_ether_addr_copy(mac, &ifp->mac);
	ifp->addr = rte_cpu_to_be_32(cp->addr);
	ifp->mask = cp->prefix_len == 0 ? 0 : rte_cpu_to_be_32(UINT32_MAX << (32 - cp->prefix_len));
	ifp->gateway = rte_cpu_to_be_32(cp->gateway);
	/* RFC 3021: a /31 has no broadcast address; a /32 has no neighbours at all. */
	ifp->broadcast = cp->prefix_len >= 31 ? 0 : (ifp->addr | ~ifp->mask);
	snprintf(ifp->name, sizeof(ifp->name), "%s", cp->name);
	ifp->local[0] = ifp->addr;
	ifp->n_local = 1;
	for (v = 0; v < conf->n_vips; v++) {
		rte_be32_t a = rte_cpu_to_be_32(conf->vips[v].addr);

		if (a == 0 || !net_on_subnet(ifp, a) || addr_in(ifp->local, ifp->n_local, a))
			continue;
		ifp->local[ifp->n_local++] = a;
	}
	return 0;
}

static void
net_addrs_init(struct sl_net *net, const struct sl_config *conf)
{
	unsigned int i, v;

	for (i = 0; i < net->n_ifaces; i++)
		for (v = 0; v < net->ifaces[i].n_local; v++)
			if (!addr_in(net->addrs, net->n_addrs, net->ifaces[i].local[v]))
				net->addrs[net->n_addrs++] = net->ifaces[i].local[v];
	for (v = 0; v < conf->n_vips; v++) {
		rte_be32_t a = rte_cpu_to_be_32(conf->vips[v].addr);

		if (a == 0 || addr_in(net->addrs, net->n_addrs, a))
			continue;
		/* On no port's subnet (else it is in some local[] already). */
		net->offlink[net->n_offlink++] = a;
		net->addrs[net->n_addrs++] = a;
	}
	qsort(net->addrs, net->n_addrs, sizeof(net->addrs[0]), addr_cmp);
}

struct sl_net *
sl_net_create(const struct sl_config *conf, const struct rte_ether_addr *macs,
	      const uint16_t *port_ids, unsigned int n_workers)
{
	const struct sl_conf_global *g;
	char name[RTE_RING_NAMESIZE];
	struct sl_net *net = NULL;
	unsigned int uid, i, count;
	int err = EINVAL;

	if (conf == NULL || n_workers == 0 || conf->n_ports > SL_PORTS_MAX ||
	    conf->n_vips > SL_VIPS_MAX || (conf->n_ports > 0 && (macs == NULL || port_ids == NULL)))
		goto fail;
	g = &conf->global;
	if (g->neigh_size == 0 || g->neigh_retry_ms == 0 || g->neigh_retries == 0 ||
	    g->neigh_reachable_ms == 0)
		goto fail;

	err = ENOMEM;
	net = rte_zmalloc("sl_net", sizeof(*net), RTE_CACHE_LINE_SIZE);
	if (net == NULL)
		goto fail;
	err = EINVAL;
	for (i = 0; i < conf->n_ports; i++) {
		if (net_iface_init(net, conf, i, &macs[i], port_ids[i]) != 0) {
			NET_LOG(ERR, "port %s: bad address or prefix\n", conf->ports[i].name);
			goto fail;
		}
	}
	net->n_ifaces = conf->n_ports;
	net_addrs_init(net, conf);

	net->tsc_hz = rte_get_tsc_hz();
	net->reachable_tsc = ms_to_tsc(net->tsc_hz, g->neigh_reachable_ms);
	net->retry_tsc = ms_to_tsc(net->tsc_hz, g->neigh_retry_ms);
	net->retries = g->neigh_retries;
	net->hold_max = g->neigh_hold;
	net->tick_tsc = net->tsc_hz / NET_TICK_HZ;
	if (net->tick_tsc == 0)
		net->tick_tsc = 1;

	/*
	 * The hand-off ring carries ARP and ICMP only: low rate in normal
	 * operation, so when a flood fills it the excess is dropped (RING_FULL)
	 * rather than queued behind. The resolve ring takes at most one request
	 * per distinct next hop per worker (workers deduplicate what they hold).
	 */
	uid = __atomic_fetch_add(&net_uid, 1, __ATOMIC_RELAXED);
	err = ENOMEM;
	count = RTE_MAX(512u, 128u * n_workers);
	snprintf(name, sizeof(name), "sl_owner_%u", uid);
	net->to_owner = rte_ring_create_elem(name, sizeof(struct net_handoff), count, SOCKET_ID_ANY,
					     RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (net->to_owner == NULL)
		goto fail_errno;
	count = RTE_MIN(65536u, net->hold_max * n_workers);
	count = RTE_MAX(64u, count);
	snprintf(name, sizeof(name), "sl_resolve_%u", uid);
	net->resolve = rte_ring_create_elem(name, sizeof(rte_be32_t), count, SOCKET_ID_ANY,
					    RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (net->resolve == NULL)
		goto fail_errno;
	net->neigh = neigh_table_create(g->neigh_size, uid);
	if (net->neigh == NULL)
		goto fail_errno;
	return net;

fail_errno:
	err = rte_errno ? rte_errno : ENOMEM;
fail:
	sl_net_destroy(net);
	rte_errno = err;
	return NULL;
}

void
sl_net_destroy(struct sl_net *net)
{
	struct net_handoff h;

	if (net == NULL)
		return;
	if (net->to_owner != NULL)
		while (rte_ring_dequeue_elem(net->to_owner, &h, sizeof(h)) == 0)
			rte_pktmbuf_free(h.m);
	rte_ring_free(net->to_owner);
	rte_ring_free(net->resolve);
	neigh_table_destroy(net->neigh);
	rte_free(net);
}

int
sl_net_worker_init(struct sl_net_worker *w, struct sl_net *net, unsigned int id,
		   struct rte_mempool *pool, sl_net_tx_fn *tx, void *tx_arg)
{
	if (w == NULL || net == NULL || pool == NULL || tx == NULL)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	w->net = net;
	w->id = id;
	w->arp_owner = id == 0;
	w->tx = tx;
	w->tx_arg = tx_arg;
	w->pool = pool;
	if (net->hold_max > 0) {
		w->held = rte_zmalloc("sl_net_held", sizeof(w->held[0]) * net->hold_max,
				      RTE_CACHE_LINE_SIZE);
		if (w->held == NULL)
			return -ENOMEM;
	}
	w->now = rte_rdtsc();
	w->next_tick = 0;
	/* RFC 6864 §4.1: ids need not be sequential; a random start hides our rate. */
	w->ip_id = (uint16_t)rte_rand();
	return 0;
}

void
sl_net_worker_fini(struct sl_net_worker *w)
{
	uint32_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n_held; i++)
		rte_pktmbuf_free(w->held[i].m);
	w->n_held = 0;
	rte_free(w->held);
	w->held = NULL;
}

bool
sl_net_is_local(const struct sl_net *net, rte_be32_t ip)
{
	unsigned int lo = 0, hi = net->n_addrs;
	uint32_t key = ip;

	/* Binary search: this runs for every IPv4 packet, with up to 72 addresses. */
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		uint32_t a = net->addrs[mid];

		if (a == key)
			return true;
		if (a < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool
net_iface_is_local(const struct sl_net_iface *ifp, rte_be32_t ip)
{
	return addr_in(ifp->local, ifp->n_local, ip);
}

bool
net_is_our_mac(const struct sl_net *net, const struct rte_ether_addr *mac)
{
	unsigned int i;

	for (i = 0; i < net->n_ifaces; i++)
		if (rte_is_same_ether_addr(&net->ifaces[i].mac, mac))
			return true;
	return false;
}

int
sl_net_route(const struct sl_net *net, rte_be32_t dst, uint16_t *iface, rte_be32_t *next_hop)
{
	uint16_t i;

	for (i = 0; i < net->n_ifaces; i++) {
		if (net_on_subnet(&net->ifaces[i], dst)) {
			*iface = i;
			*next_hop = dst;
			return 0;
		}
	}
	for (i = 0; i < net->n_ifaces; i++) {
		if (net->ifaces[i].gateway != 0) {
			*iface = i;
			*next_hop = net->ifaces[i].gateway;
			return 0;
		}
	}
	return -ENETUNREACH;
}

int
net_handoff(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m, enum net_kind kind)
{
	struct net_handoff h = { .m = m, .iface = iface, .kind = (uint16_t)kind };

	if (unlikely(rte_ring_mp_enqueue_elem(w->net->to_owner, &h, sizeof(h)) != 0)) {
		net_drop(w, m, SL_DROP_RING_FULL);
		return -ENOBUFS;
	}
	w->stats.handoff++;
	return 0;
}

enum sl_net_verdict
sl_net_input(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m)
{
	const struct sl_net_iface *ifp = &w->net->ifaces[iface];
	const struct rte_ether_hdr *eth;

	RTE_ASSERT(iface < w->net->n_ifaces);
	w->stats.rx++;
	if (unlikely(rte_pktmbuf_data_len(m) < NET_ETH_LEN)) {
		net_drop(w, m, SL_DROP_ETH_SHORT);
		return SL_NET_CONSUMED;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	/*
	 * Only our unicast address, and broadcast for ARP (requests are
	 * broadcast, RFC 826). Multicast groups are never joined: a port in
	 * promiscuous mode shows us the whole segment, none of it for us.
	 */
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, &ifp->mac)) &&
	    !(rte_is_broadcast_ether_addr(&eth->dst_addr) &&
	      eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP))) {
		net_drop(w, m, SL_DROP_ETH_NOT_FOR_US);
		return SL_NET_CONSUMED;
	}
	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		return ipv4_input(w, iface, m);
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		/* One writer for the neighbour table: the owner. */
		if (w->arp_owner)
			arp_input(w, iface, m);
		else
			net_handoff(w, iface, m, NET_KIND_ARP);
		return SL_NET_CONSUMED;
	default:
		net_drop(w, m, SL_DROP_ETH_UNSUPPORTED);
		return SL_NET_CONSUMED;
	}
}

/* The owner: frames other workers passed on, processed as if received here. */
static void
net_owner_drain(struct sl_net_worker *w)
{
	struct net_handoff h[NET_DRAIN_BURST];
	unsigned int i, n;

	n = rte_ring_sc_dequeue_burst_elem(w->net->to_owner, h, sizeof(h[0]), NET_DRAIN_BURST,
					   NULL);
	for (i = 0; i < n; i++) {
		if (h[i].kind == NET_KIND_ARP)
			arp_input(w, h[i].iface, h[i].m);
		else
			icmp_input(w, h[i].iface, h[i].m);
	}
	net_resolve_drain(w);
}

void
sl_net_poll(struct sl_net_worker *w, uint64_t now)
{
	struct sl_net *net = w->net;

	w->now = now;
	if (w->arp_owner && (!rte_ring_empty(net->to_owner) || !rte_ring_empty(net->resolve)))
		net_owner_drain(w);
	if (likely((int64_t)(now - w->next_tick) < 0))
		return;
	w->next_tick = now + net->tick_tsc;
	if (w->arp_owner)
		neigh_age(w, now);
	if (w->n_held > 0)
		net_held_flush(w, now);
}
