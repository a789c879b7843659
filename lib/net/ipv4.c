/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4: validation of what we receive (RFC 791, RFC 1122 §3.2.1), ICMP echo
 * (RFC 792), and the output path: route, neighbour, Ethernet header, or hold
 * until the next hop resolves.
 */
#include <errno.h>
#include <string.h>

#include <rte_ring_elem.h>

#include "net_priv.h"

/*
 * RFC 1122 §3.2.1.3: a source that cannot be a host. 0/8 ("this network"),
 * 127/8 (loopback, never on a wire), class D and E (224/4 and 240/4,
 * including 255.255.255.255), or the directed broadcast of one of our subnets.
 */
static bool
ipv4_src_invalid(const struct sl_net *net, rte_be32_t src)
{
	uint32_t first = rte_be_to_cpu_32(src) >> 24;
	unsigned int i;

	if (first == 0 || first == 127 || first >= 224)
		return true;
	for (i = 0; i < net->n_ifaces; i++)
		if (net->ifaces[i].broadcast != 0 && src == net->ifaces[i].broadcast)
			return true;
	return false;
}

static bool
ipv4_cksum_bad(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	switch (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
	case RTE_MBUF_F_RX_IP_CKSUM_BAD:
		return true;
	case RTE_MBUF_F_RX_IP_CKSUM_GOOD:
	case RTE_MBUF_F_RX_IP_CKSUM_NONE: /* header integrity verified by the device */
		return false;
	default:
		/* Over the header including its checksum: a valid one sums to 0xffff. */
		return rte_ipv4_cksum(ip) != 0;
	}
}

enum sl_net_verdict
ipv4_input(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m)
{
	const struct sl_net *net = w->net;
	const struct rte_ipv4_hdr *ip;
	uint32_t avail, total;
	uint8_t ihl;

	/* The header must be in the first segment: we read it in place. */
	if (unlikely(rte_pktmbuf_data_len(m) < NET_ETH_LEN + NET_IP_LEN)) {
		net_drop(w, m, SL_DROP_IP_SHORT);
		return SL_NET_CONSUMED;
	}
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, NET_ETH_LEN);
	if (unlikely((ip->version_ihl >> 4) != 4)) {
		net_drop(w, m, SL_DROP_IP_VERSION);
		return SL_NET_CONSUMED;
	}
	ihl = ip->version_ihl & RTE_IPV4_HDR_IHL_MASK;
	if (unlikely(ihl < 5)) {
		net_drop(w, m, SL_DROP_IP_BAD_IHL);
		return SL_NET_CONSUMED;
	}
	/*
	 * Options (source route, record route, timestamps) are nothing a
	 * gateway terminating TCP needs, and a classic attack surface: refused.
	 */
	if (unlikely(ihl > 5)) {
		net_drop(w, m, SL_DROP_IP_OPTIONS);
		return SL_NET_CONSUMED;
	}
	avail = rte_pktmbuf_pkt_len(m) - NET_ETH_LEN;
	total = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(total < NET_IP_LEN || total > avail)) {
		net_drop(w, m, SL_DROP_IP_SHORT);
		return SL_NET_CONSUMED;
	}
	/*
	 * Ethernet pads frames to 60 bytes: what follows total_length is not
	 * the datagram, and TCP must not take it for payload. The padding is
	 * in the last segment; a frame where it is not is not worth saving.
	 */
	if (total < avail && unlikely(rte_pktmbuf_trim(m, (uint16_t)(avail - total)) != 0)) {
		net_drop(w, m, SL_DROP_IP_SHORT);
		return SL_NET_CONSUMED;
	}
	if (unlikely(ipv4_cksum_bad(m, ip))) {
		net_drop(w, m, SL_DROP_IP_CKSUM);
		return SL_NET_CONSUMED;
	}
	if (unlikely(ip->time_to_live == 0)) {
		net_drop(w, m, SL_DROP_IP_TTL);
		return SL_NET_CONSUMED;
	}
	/* No reassembly: our peers do PMTU discovery (DF) and TCP segments fit. */
	if (unlikely(ip->fragment_offset &
		     RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		net_drop(w, m, SL_DROP_IP_FRAG);
		return SL_NET_CONSUMED;
	}
	if (unlikely(ipv4_src_invalid(net, ip->src_addr))) {
		net_drop(w, m, SL_DROP_IP_SRC_INVALID);
		return SL_NET_CONSUMED;
	}
	if (unlikely(!sl_net_is_local(net, ip->dst_addr))) {
		net_drop(w, m, SL_DROP_IP_NOT_LOCAL);
		return SL_NET_CONSUMED;
	}
	m->l2_len = NET_ETH_LEN;
	m->l3_len = NET_IP_LEN;
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		w->stats.rx_tcp++;
		return SL_NET_TCP;
	case IPPROTO_ICMP:
		if (w->arp_owner)
			icmp_input(w, iface, m);
		else
			net_handoff(w, iface, m, NET_KIND_ICMP);
		return SL_NET_CONSUMED;
	default:
		net_drop(w, m, SL_DROP_IP_PROTO);
		return SL_NET_CONSUMED;
	}
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), the checksum after one 16-bit
 * word changes from m to m'. One's complement sums do not depend on byte
 * order, so the words are used as they sit in the packet.
 */
static uint16_t
cksum_update16(uint16_t hc, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~hc + (uint32_t)(uint16_t)~old + new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void
icmp_input(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	uint16_t ck, old_word, new_word;
	rte_be32_t peer;
	uint32_t len;

	RTE_SET_USED(iface); /* the reply is routed like anything we send */
	w->stats.rx_icmp++;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, NET_ETH_LEN);
	len = rte_be_to_cpu_16(ip->total_length) - NET_IP_LEN;
	if (unlikely(len < NET_ICMP_LEN ||
		     rte_pktmbuf_data_len(m) < NET_ETH_LEN + NET_IP_LEN + NET_ICMP_LEN)) {
		net_drop(w, m, SL_DROP_ICMP_SHORT);
		return;
	}
	/* RFC 792: the checksum covers the whole ICMP message, which may span segments. */
	if (unlikely(rte_raw_cksum_mbuf(m, NET_ETH_LEN + NET_IP_LEN, len, &ck) != 0 ||
		     ck != 0xffff)) {
		net_drop(w, m, SL_DROP_ICMP_CKSUM);
		return;
	}
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		net_drop(w, m, SL_DROP_ICMP_TYPE);
		return;
	}
	/*
	 * Echo reply in place (RFC 792: swap source and destination, type 0,
	 * same identifier, sequence and data). Only the type changes in the
	 * ICMP message, so its checksum is updated, not recomputed.
	 */
	memcpy(&old_word, icmp, sizeof(old_word));
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	memcpy(&new_word, icmp, sizeof(new_word));
	icmp->icmp_cksum = cksum_update16(icmp->icmp_cksum, old_word, new_word);
	peer = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = peer;
	ip->time_to_live = NET_TTL;
	ip->packet_id = rte_cpu_to_be_16(w->ip_id++);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	net_reuse(m);
	rte_pktmbuf_adj(m, NET_ETH_LEN);
	/* Through the neighbour table, not back to the frame's source MAC:
	 * the source may be off-subnet, and the table is what we trust. */
	if (sl_net_output(w, m) == 0)
		w->stats.tx_icmp_reply++;
}

/* Prepend Ethernet for a resolved next hop and transmit. */
static int
net_xmit(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m, uint64_t macstate)
{
	const struct sl_net_iface *ifp = &w->net->ifaces[iface];
	struct rte_ether_hdr *eth;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, NET_ETH_LEN);
	if (unlikely(eth == NULL)) {
		/* No headroom: the caller built the packet wrong; nothing to build it in. */
		net_drop(w, m, SL_DROP_NO_MBUF);
		return -ENOBUFS;
	}
	neigh_mac_of(macstate, &eth->dst_addr);
	rte_ether_addr_copy(&ifp->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	m->l2_len = NET_ETH_LEN;
	w->stats.tx_ip++;
	w->tx(w->tx_arg, iface, m);
	return 0;
}

/* Get @p next_hop resolved: the owner asks now, others ask the owner. */
static void
net_want_resolve(struct sl_net_worker *w, uint16_t iface, rte_be32_t next_hop)
{
	if (w->arp_owner)
		neigh_resolve(w, iface, next_hop);
	else
		/* Full: the next flush asks again, the packet stays held. */
		rte_ring_mp_enqueue_elem(w->net->resolve, &next_hop, sizeof(next_hop));
}

/* True when a held packet before slot @p end already waits for @p next_hop. */
static bool
net_held_has(const struct sl_net_worker *w, uint32_t end, rte_be32_t next_hop)
{
	uint32_t i;

	for (i = 0; i < end; i++)
		if (w->held[i].next_hop == next_hop)
			return true;
	return false;
}

int
sl_net_output(struct sl_net_worker *w, struct rte_mbuf *m)
{
	const struct sl_net *net = w->net;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	struct sl_net_held *h;
	struct sl_neigh *n;
	rte_be32_t next_hop;
	uint16_t iface;
	bool asked;

	if (unlikely(sl_net_route(net, ip->dst_addr, &iface, &next_hop) != 0)) {
		net_drop(w, m, SL_DROP_NO_ROUTE);
		return -ENETUNREACH;
	}
	n = neigh_lookup(net->neigh, next_hop);
	if (likely(n != NULL)) {
		uint64_t v = neigh_load(n);

		if (likely(neigh_usable(neigh_state_of(v))))
			return net_xmit(w, iface, m, v);
		neigh_want(w, n);
		if (neigh_state_of(v) == SL_NEIGH_FAILED) {
			net_drop(w, m, SL_DROP_NEIGH_FAILED);
			return -EHOSTUNREACH;
		}
	}
	if (w->n_held >= net->hold_max) {
		net_drop(w, m, SL_DROP_NEIGH_HOLD_FULL);
		return -ENOBUFS;
	}
	/* Ask once per next hop: the packets already held for it asked before. */
	asked = n != NULL || net_held_has(w, w->n_held, next_hop);
	h = &w->held[w->n_held++];
	h->m = m;
	h->next_hop = next_hop;
	h->iface = iface;
	h->since = w->now;
	w->stats.held++;
	if (!asked)
		net_want_resolve(w, iface, next_hop);
	return 0;
}

/*
 * Every worker, once per tick: send what resolved, drop what failed or
 * waited as long as the owner keeps asking (retries * retry_tsc), keep the
 * rest in order.
 */
void
net_held_flush(struct sl_net_worker *w, uint64_t now)
{
	const struct sl_net *net = w->net;
	uint64_t timeout = net->retry_tsc * net->retries;
	uint32_t i, kept = 0;

	for (i = 0; i < w->n_held; i++) {
		struct sl_net_held h = w->held[i];
		struct sl_neigh *n = neigh_lookup(net->neigh, h.next_hop);
		uint64_t v = n != NULL ? neigh_load(n) : 0;

		if (n != NULL && neigh_usable(neigh_state_of(v))) {
			net_xmit(w, h.iface, h.m, v);
			continue;
		}
		if ((n != NULL && neigh_state_of(v) == SL_NEIGH_FAILED) ||
		    now - h.since >= timeout) {
			net_drop(w, h.m, SL_DROP_NEIGH_FAILED);
			continue;
		}
		/* No entry: the table was full or the request ring was; ask again. */
		if (n == NULL && !net_held_has(w, kept, h.next_hop))
			net_want_resolve(w, h.iface, h.next_hop);
		w->held[kept++] = h;
	}
	w->n_held = kept;
}

/* The owner: next hops other workers hold packets for. */
void
net_resolve_drain(struct sl_net_worker *w)
{
	rte_be32_t ips[NET_DRAIN_BURST];
	unsigned int i, n;
	uint16_t iface;
	rte_be32_t nh;

	n = rte_ring_sc_dequeue_burst_elem(w->net->resolve, ips, sizeof(ips[0]), NET_DRAIN_BURST,
					   NULL);
	for (i = 0; i < n; i++) {
		/* The port whose subnet holds it (a gateway is on one). */
		if (sl_net_route(w->net, ips[i], &iface, &nh) == 0)
			neigh_resolve(w, iface, ips[i]);
	}
}
