/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) on the ARP owner: the responder, the merge of what senders
 * tell us into the neighbour table, conflict detection (RFC 5227 §2.4), and
 * the requests the neighbour table sends.
 */
#include <errno.h>
#include <string.h>

#include "net_priv.h"

/* The frame we build and answer with: Ethernet + ARP, no padding (the PMD pads). */
#define ARP_FRAME_LEN (NET_ETH_LEN + NET_ARP_LEN)

static void
arp_reply(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m)
{
	const struct sl_net_iface *ifp = &w->net->ifaces[iface];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	struct rte_arp_ipv4 *d = &arp->arp_data;
	rte_be32_t asked = d->arp_tip;

	/*
	 * RFC 826, "Packet Reception": swap the hardware and protocol fields,
	 * put our own in the sender fields, set the opcode to reply and send it
	 * to the new target hardware address. Done in the received mbuf.
	 */
	rte_ether_addr_copy(&d->arp_sha, &eth->dst_addr);
	rte_ether_addr_copy(&ifp->mac, &eth->src_addr);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&d->arp_sha, &d->arp_tha);
	d->arp_tip = d->arp_sip;
	rte_ether_addr_copy(&ifp->mac, &d->arp_sha);
	d->arp_sip = asked;
	/* Drop the sender's padding rather than echo bytes we never looked at. */
	if (rte_pktmbuf_pkt_len(m) > ARP_FRAME_LEN)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - ARP_FRAME_LEN);
	net_reuse(m);
	m->l2_len = NET_ETH_LEN;
	w->stats.tx_arp_reply++;
	w->tx(w->tx_arg, iface, m);
}

void
arp_input(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m)
{
	struct sl_net *net = w->net;
	const struct sl_net_iface *ifp = &net->ifaces[iface];
	const struct rte_arp_hdr *arp;
	const struct rte_arp_ipv4 *d;
	struct sl_neigh *n = NULL;
	rte_be32_t sip, tip;
	uint16_t op;

	w->stats.rx_arp++;
	if (unlikely(rte_pktmbuf_data_len(m) < ARP_FRAME_LEN)) {
		net_drop(w, m, SL_DROP_ARP_MALFORMED);
		return;
	}
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, NET_ETH_LEN);
	d = &arp->arp_data;
	op = rte_be_to_cpu_16(arp->arp_opcode);
	/*
	 * Only Ethernet/IPv4 ARP, the only kind that can fill our table. A
	 * group address as sender hardware address would make us send
	 * unicast traffic to a group: malformed too.
	 */
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != sizeof(rte_be32_t) ||
	    (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) ||
	    !rte_is_unicast_ether_addr(&d->arp_sha) || rte_is_zero_ether_addr(&d->arp_sha)) {
		net_drop(w, m, SL_DROP_ARP_MALFORMED);
		return;
	}
	sip = d->arp_sip;
	tip = d->arp_tip;
	/*
	 * Our own frame come back (a looping switch, a tap bridge): neither a
	 * conflict nor anything to learn or answer.
	 */
	if (unlikely(net_is_our_mac(net, &d->arp_sha))) {
		net_drop(w, m, SL_DROP_ARP_NOT_FOR_US);
		return;
	}
	/*
	 * RFC 5227 §2.4: another host using one of our addresses. Never let it
	 * into the table (we would send our own traffic to it); count it so the
	 * operator sees the duplicate. We do not defend with an announcement.
	 */
	if (unlikely(sl_net_is_local(net, sip))) {
		net_drop(w, m, SL_DROP_ARP_CONFLICT);
		return;
	}
	/*
	 * RFC 826 merge: a sender we already know gets its MAC refreshed
	 * whatever the target, which is also how a reply completes an
	 * INCOMPLETE entry and a gratuitous ARP updates a known host. A sender
	 * IP of 0 is an RFC 5227 probe: nothing to merge.
	 */
	if (sip != 0) {
		n = neigh_lookup(net->neigh, sip);
		if (n != NULL && n->iface == iface)
			neigh_confirm(w, n, &d->arp_sha);
	}
	if (!net_iface_is_local(ifp, tip)) {
		net_drop(w, m, SL_DROP_ARP_NOT_FOR_US);
		return;
	}
	/*
	 * Addressed to us: learn the sender (it is about to talk to us), but
	 * only a host on this port's subnet: anything else we reach through
	 * the gateway, and an off-subnet sender must not fill the table.
	 */
	if (n == NULL && sip != 0 && net_on_subnet(ifp, sip) && sip != ifp->broadcast)
		neigh_create(w, iface, sip, SL_NEIGH_REACHABLE, &d->arp_sha);
	if (op == RTE_ARP_OP_REQUEST)
		arp_reply(w, iface, m);
	else
		rte_pktmbuf_free(m); /* a reply to us: merged above, done */
}

int
arp_request(struct sl_net_worker *w, uint16_t iface, rte_be32_t target,
	    const struct rte_ether_addr *unicast)
{
	const struct sl_net_iface *ifp = &w->net->ifaces[iface];
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;

	m = rte_pktmbuf_alloc(w->pool);
	if (unlikely(m == NULL)) {
		w->stats.drop[SL_DROP_NO_MBUF]++;
		return -ENOBUFS;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, ARP_FRAME_LEN);
	if (unlikely(eth == NULL)) {
		net_drop(w, m, SL_DROP_NO_MBUF);
		return -ENOBUFS;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	/* PROBE asks the neighbour directly (RFC 1122 §2.3.2.1 unicast poll). */
	if (unicast != NULL)
		rte_ether_addr_copy(unicast, &eth->dst_addr);
	else
		memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(&ifp->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = sizeof(rte_be32_t);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&ifp->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = ifp->addr;
	/* The target hardware address is what we ask for: zero (RFC 5227 §2.1.1 style). */
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = target;
	m->l2_len = NET_ETH_LEN;
	w->stats.tx_arp_request++;
	w->tx(w->tx_arg, iface, m);
	return 0;
}
