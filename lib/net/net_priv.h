/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/net internals shared by its files: the neighbour entry and table, the
 * hand-off element, and the helpers every path uses to count and drop.
 */
#ifndef SL_NET_PRIV_H
#define SL_NET_PRIV_H

#include <stdbool.h>
#include <stdint.h>

/* The flavour header must come before rculfhash.h: it maps the generic names. */
#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include <rte_arp.h>
#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "sl_net.h"

extern int sl_net_logtype;
#define NET_LOG(level, ...) rte_log(RTE_LOG_##level, sl_net_logtype, "sluice.net: " __VA_ARGS__)

#define NET_TICK_HZ	100 /* sl_net_poll() housekeeping every 10 ms */
#define NET_DRAIN_BURST 32  /* hand-off elements the owner takes per call */
#define NET_ETH_LEN	((uint32_t)sizeof(struct rte_ether_hdr))
#define NET_ARP_LEN	((uint32_t)sizeof(struct rte_arp_hdr))
#define NET_IP_LEN	((uint32_t)sizeof(struct rte_ipv4_hdr))
#define NET_ICMP_LEN	((uint32_t)sizeof(struct rte_icmp_hdr))
#define NET_TTL		64 /* RFC 1700 default TTL for what we originate */

/* What the owner is asked to do with a frame from another worker. */
enum net_kind {
	NET_KIND_ARP = 1, /* raw frame, Ethernet checked */
	NET_KIND_ICMP,	  /* Ethernet and IPv4 checked, l2_len/l3_len set */
};

/* Element of net->to_owner. */
struct net_handoff {
	struct rte_mbuf *m;
	uint16_t iface;
	uint16_t kind;
	uint32_t pad;
};

/*
 * A neighbour. Readers (every worker, the walk) find it in the rculfhash and
 * read ip and iface, which never change while it is linked, and macstate, the
 * MAC and the state packed in one 64-bit word so that a single atomic load
 * gives a consistent pair without a lock. Everything else belongs to the ARP
 * owner (the walk reads confirmed and probes with relaxed loads, for display).
 */
struct sl_neigh {
	struct cds_lfht_node node;
	uint64_t macstate; /* MAC bytes 0..5 in bits 0..47, state in 48..55 */
	rte_be32_t ip;
	uint16_t iface;
	bool linked; /* owner: in the table (else in the free list or freeing) */
	uint8_t pad;
	/*
	 * Last w->now at which a worker wanted this entry while it was not
	 * usable (INCOMPLETE or FAILED); relaxed stores by readers, written only
	 * when it changes, so the fast path (REACHABLE) never writes here.
	 */
	uint64_t wanted;
	uint64_t confirmed; /* owner: last answer (or creation) */
	uint64_t changed;   /* owner: last state change */
	uint64_t last_req;  /* owner: last request sent (or tried) */
	uint32_t probes;    /* owner: requests since last confirmed */
	uint32_t index;	    /* in tbl->nodes, what the free list holds */
	struct sl_neigh_table *tbl;
	struct rcu_head rcu;
} __rte_cache_aligned;

struct sl_neigh_table {
	struct cds_lfht *ht;
	struct sl_neigh *nodes; /* size entries, preallocated */
	uint32_t size;
	uint32_t seed;	       /* hash seed, random: senders choose the keys we learn */
	struct rte_ring *free; /* MP/MC ring of uint32_t indices of unlinked nodes */
};

#define NEIGH_STATE_SHIFT 48

static inline uint64_t
neigh_pack(const struct rte_ether_addr *mac, enum sl_neigh_state s)
{
	uint64_t v = (uint64_t)s << NEIGH_STATE_SHIFT;
	unsigned int i;

	if (mac != NULL)
		for (i = 0; i < RTE_ETHER_ADDR_LEN; i++)
			v |= (uint64_t)mac->addr_bytes[i] << (8 * i);
	return v;
}

static inline enum sl_neigh_state
neigh_state_of(uint64_t v)
{
	return (enum sl_neigh_state)((v >> NEIGH_STATE_SHIFT) & 0xff);
}

static inline void
neigh_mac_of(uint64_t v, struct rte_ether_addr *mac)
{
	unsigned int i;

	for (i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		mac->addr_bytes[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t
neigh_load(const struct sl_neigh *n)
{
	/* Pairs with the release store of the owner: MAC and state together. */
	return __atomic_load_n(&n->macstate, __ATOMIC_ACQUIRE);
}

static inline bool
neigh_usable(enum sl_neigh_state s)
{
	/* PROBE still answers with the last MAC we know: keep sending to it. */
	return s == SL_NEIGH_REACHABLE || s == SL_NEIGH_PROBE;
}

/* Count a drop under its one reason and free the frame. */
static inline void
net_drop(struct sl_net_worker *w, struct rte_mbuf *m, enum sl_drop reason)
{
	w->stats.drop[reason]++;
	rte_pktmbuf_free(m);
}

/*
 * Forget the receive side of a frame we turn into a reply in place: the RX
 * offload bits mean nothing on transmit, only the buffer attachment bits stay.
 */
static inline void
net_reuse(struct rte_mbuf *m)
{
	m->ol_flags &= RTE_MBUF_F_EXTERNAL | RTE_MBUF_F_INDIRECT;
	m->packet_type = 0;
	m->vlan_tci = 0;
}

static inline bool
net_on_subnet(const struct sl_net_iface *ifp, rte_be32_t ip)
{
	return ((ip ^ ifp->addr) & ifp->mask) == 0;
}

bool net_iface_is_local(const struct sl_net_iface *ifp, rte_be32_t ip);
bool net_is_our_mac(const struct sl_net *net, const struct rte_ether_addr *mac);
int net_handoff(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m, enum net_kind kind);

/* neigh.c */
struct sl_neigh_table *neigh_table_create(uint32_t size, unsigned int uid);
void neigh_table_destroy(struct sl_neigh_table *tbl);
struct sl_neigh *neigh_lookup(const struct sl_neigh_table *tbl, rte_be32_t ip);
struct sl_neigh *neigh_create(struct sl_net_worker *w, uint16_t iface, rte_be32_t ip,
			      enum sl_neigh_state state, const struct rte_ether_addr *mac);
void neigh_confirm(struct sl_net_worker *w, struct sl_neigh *n, const struct rte_ether_addr *mac);
int neigh_resolve(struct sl_net_worker *w, uint16_t iface, rte_be32_t ip);
void neigh_want(const struct sl_net_worker *w, struct sl_neigh *n);
void neigh_age(struct sl_net_worker *w, uint64_t now);

/* arp.c */
void arp_input(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m);
int arp_request(struct sl_net_worker *w, uint16_t iface, rte_be32_t target,
		const struct rte_ether_addr *unicast);

/* ipv4.c */
enum sl_net_verdict ipv4_input(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m);
void icmp_input(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m);
void net_held_flush(struct sl_net_worker *w, uint64_t now);
void net_resolve_drain(struct sl_net_worker *w);

#endif /* SL_NET_PRIV_H */
