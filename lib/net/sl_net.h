/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Layers 2 and 3 of the gateway: Ethernet, ARP (responder and a neighbour
 * table that resolves next hops), IPv4 validation and ICMP echo.
 *
 * Two kinds of object:
 *  - struct sl_net, one per process: the interfaces (one per DPDK port) and
 *    the neighbour table. Built by the control thread before workers start,
 *    read-only afterwards except for the neighbour table.
 *  - struct sl_net_worker, one per worker lcore, owned by that lcore: its
 *    counters, its transmit hook and the packets it holds while a next hop
 *    resolves.
 *
 * The neighbour table is a liburcu rculfhash read by every worker inside its
 * urcu-qsbr read side (workers are always online readers between quiescent
 * states), written by one worker only: the ARP owner (worker 0). ARP and ICMP
 * received by another worker are handed to the owner over a ring, and so are
 * resolution requests, so the table has a single writer and replies stay
 * consistent whichever queue a packet arrived on.
 *
 * RCU contract. Workers are urcu-qsbr readers that stay online and announce
 * a quiescent state once per poll-loop iteration (rcu_quiescent_state(), in
 * the worker loop, outside this library). sl_net_input(), sl_net_output() and
 * sl_net_poll() rely on that and take no rcu_read_lock() themselves: in the
 * qsbr flavour the read side is the whole online period, free of cost. A
 * thread that is not such a reader (the control thread) goes through
 * sl_neigh_walk(), which brings itself online for the walk.
 *
 * Nothing here allocates on the packet path: the neighbour table has a fixed
 * bucket count (no resize) and preallocated entries; an entry removed by the
 * owner comes back to a free list from liburcu's call_rcu thread after a
 * grace period.
 *
 * Addresses in this header are in network byte order (rte_be32_t).
 */
#ifndef SL_NET_H
#define SL_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "sl_conf.h"

/** Why a packet was dropped. Every drop is counted under exactly one. */
#define SL_DROP_REASONS(X)						\
	X(ETH_SHORT,		"eth_short")	/* frame shorter than an Ethernet header */ \
	X(ETH_NOT_FOR_US,	"eth_not_for_us") /* unicast to another MAC */	\
	X(ETH_UNSUPPORTED,	"eth_unsupported") /* IPv6, VLAN, LLDP, ... */	\
	X(ARP_MALFORMED,	"arp_malformed") /* not Ethernet/IPv4, bad lengths */ \
	X(ARP_NOT_FOR_US,	"arp_not_for_us") /* request for someone else's address */ \
	X(ARP_CONFLICT,		"arp_conflict")	/* someone claims one of our addresses */ \
	X(IP_SHORT,		"ip_short")	/* truncated header or total length */ \
	X(IP_VERSION,		"ip_version")						\
	X(IP_OPTIONS,		"ip_options")	/* IHL > 5: options are not accepted */	\
	X(IP_BAD_IHL,		"ip_bad_ihl")	/* IHL < 5 */				\
	X(IP_CKSUM,		"ip_cksum")						\
	X(IP_TTL,		"ip_ttl")	/* TTL 0 */				\
	X(IP_FRAG,		"ip_frag")	/* MF set or offset != 0 */		\
	X(IP_SRC_INVALID,	"ip_src_invalid") /* 0/8, 127/8, multicast, broadcast */ \
	X(IP_NOT_LOCAL,		"ip_not_local")	/* not one of our addresses: we do not route */ \
	X(IP_PROTO,		"ip_proto")	/* a protocol nothing here handles */	\
	X(ICMP_SHORT,		"icmp_short")						\
	X(ICMP_CKSUM,		"icmp_cksum")						\
	X(ICMP_TYPE,		"icmp_type")	/* not an echo request */		\
	X(NO_ROUTE,		"no_route")	/* off every subnet and no gateway */	\
	X(NEIGH_FAILED,		"neigh_failed")	/* next hop did not answer ARP */	\
	X(NEIGH_HOLD_FULL,	"neigh_hold_full") /* no room to hold while resolving */ \
	X(RING_FULL,		"ring_full")	/* hand-off to another worker refused */ \
	X(NO_MBUF,		"no_mbuf")	/* pool empty when building a packet */	\
	X(TX_FULL,		"tx_full")	/* device did not take the packet */

enum sl_drop {
#define SL_DROP_ENUM(e, s) SL_DROP_##e,
	SL_DROP_REASONS(SL_DROP_ENUM)
#undef SL_DROP_ENUM
	SL_DROP__MAX
};

/** The counter name of a drop reason ("ip_cksum"). */
const char *sl_drop_name(enum sl_drop reason);

/** Per-worker counters; written by the owning lcore only. */
struct sl_net_stats {
	uint64_t rx;		/**< frames given to sl_net_input() */
	uint64_t rx_arp;
	uint64_t rx_icmp;
	uint64_t rx_tcp;	/**< handed up to TCP */
	uint64_t tx_arp_reply;
	uint64_t tx_arp_request;
	uint64_t tx_icmp_reply;	/**< echo replies accepted by sl_net_output() (sent or held) */
	uint64_t tx_ip;		/**< IPv4 frames given to the tx hook (sl_net_output(), held) */
	uint64_t handoff;	/**< ARP/ICMP passed to the ARP owner (which counts rx_arp/rx_icmp) */
	uint64_t held;		/**< packets held while their next hop resolved */
	uint64_t neigh_full;	/**< neighbour entries refused: table full (owner) */
	uint64_t drop[SL_DROP__MAX];
};

/** One gateway interface: a DPDK port with an IPv4 address. */
struct sl_net_iface {
	uint16_t port_id;
	uint16_t mtu;
	struct rte_ether_addr mac;
	rte_be32_t addr;
	rte_be32_t mask;
	rte_be32_t gateway;	/**< 0 when none */
	rte_be32_t broadcast;	/**< directed broadcast; 0 for /31 and /32 (RFC 3021) */
	uint16_t n_local;	/**< addresses answered for with ARP on this port */
	rte_be32_t local[1 + SL_VIPS_MAX]; /**< [0] is addr, then VIPs on the subnet */
	char name[SL_NAME_MAX];
};

enum sl_neigh_state {
	SL_NEIGH_INCOMPLETE = 0,	/**< request sent, no answer yet */
	SL_NEIGH_REACHABLE,		/**< answered within neigh_reachable_ms */
	SL_NEIGH_PROBE,			/**< in use past reachable time, re-asking */
	SL_NEIGH_FAILED,		/**< did not answer: packets to it are dropped */
};

/** A neighbour as seen by sl_neigh_walk() (a copy, safe to keep). */
struct sl_neigh_info {
	rte_be32_t ip;
	uint16_t iface;
	struct rte_ether_addr mac;
	enum sl_neigh_state state;
	uint32_t age_ms;	/**< since last confirmed (or since created) */
	uint32_t probes;	/**< requests sent since last confirmed */
};

struct sl_neigh_table;

/** Process-wide network state. */
struct sl_net {
	uint16_t n_ifaces;
	struct sl_net_iface ifaces[SL_PORTS_MAX];
	uint16_t n_offlink;	/**< VIPs on no port's subnet (routed to us) */
	rte_be32_t offlink[SL_VIPS_MAX];
	struct sl_neigh_table *neigh;
	struct rte_ring *to_owner;	/**< MP/SC: ARP/ICMP frames for the ARP owner
					 *   (16-byte elements: mbuf, iface, kind) */
	struct rte_ring *resolve;	/**< MP/SC: next hops other workers want resolved
					 *   (4-byte elements: rte_be32_t) */
	uint64_t tsc_hz;
	uint64_t reachable_tsc;
	uint64_t retry_tsc;
	uint32_t retries;
	uint32_t hold_max;
	uint64_t tick_tsc;	/**< period of sl_net_poll() housekeeping (10 ms) */
	uint16_t n_addrs;	/**< distinct local addresses, for sl_net_is_local() */
	rte_be32_t addrs[SL_PORTS_MAX + SL_VIPS_MAX]; /**< sorted (as uint32_t) */
};

/**
 * Hook a worker gives lib/net to transmit a finished frame on an interface.
 * It takes the mbuf whatever happens: a frame the device refuses is the
 * hook's to free and to count (SL_DROP_TX_FULL in the worker's stats).
 */
typedef void sl_net_tx_fn(void *arg, uint16_t iface, struct rte_mbuf *m);

struct sl_net_held {
	struct rte_mbuf *m;
	rte_be32_t next_hop;
	uint16_t iface;
	uint64_t since;
};

/** Per-worker network context. Owned by one lcore. */
struct sl_net_worker {
	struct sl_net *net;
	unsigned int id;
	bool arp_owner;
	sl_net_tx_fn *tx;
	void *tx_arg;
	struct rte_mempool *pool;	/**< where ARP requests are allocated */
	uint32_t n_held;
	struct sl_net_held *held;	/**< hold_max slots */
	uint64_t next_tick;
	uint64_t now;		/**< TSC given to the last sl_net_poll(): the clock
				 *   of this worker's timestamps (held, neighbours) */
	uint16_t ip_id;		/**< next IPv4 id of packets built here (random start) */
	struct sl_net_stats stats;
} __rte_cache_aligned;

/**
 * Build the process-wide state from a config snapshot.
 * @param macs      MAC address of each configured port, in config order
 * @param port_ids  DPDK port id of each configured port, in config order
 * @param n_workers workers that will call sl_net_input(), for the rings
 * @return NULL with rte_errno set on failure.
 * Context: control thread, before workers start. Allocates (rte_zmalloc,
 * rings, the liburcu table) and makes sure liburcu's default call_rcu thread
 * exists, so that removing an entry later never creates it on a worker.
 * Requires neigh_size, neigh_retry_ms, neigh_retries and neigh_reachable_ms
 * non-zero (EINVAL otherwise).
 */
struct sl_net *sl_net_create(const struct sl_config *conf, const struct rte_ether_addr *macs,
			     const uint16_t *port_ids, unsigned int n_workers);

/**
 * Free what sl_net_create() made. Context: control thread, after every worker
 * has stopped and has gone offline or unregistered from urcu-qsbr (it waits
 * for pending call_rcu callbacks with rcu_barrier(), which cannot finish while
 * a stopped reader is still online); frames still in the hand-off ring are
 * freed. NULL is accepted.
 */
void sl_net_destroy(struct sl_net *net);

/**
 * Set up a worker's context. Worker 0 must be the ARP owner.
 * @return 0 or -errno (-ENOMEM for the hold array).
 * Context: control thread before launch, or the worker itself.
 */
int sl_net_worker_init(struct sl_net_worker *w, struct sl_net *net, unsigned int id,
		       struct rte_mempool *pool, sl_net_tx_fn *tx, void *tx_arg);

/** Free held packets and the hold array. Context: after the worker stopped. */
void sl_net_worker_fini(struct sl_net_worker *w);

/** What sl_net_input() did with a frame. */
enum sl_net_verdict {
	SL_NET_CONSUMED = 0,	/**< answered, handed off or dropped: the mbuf is gone */
	SL_NET_TCP,		/**< IPv4/TCP for a local address: the caller owns the
				 *   mbuf, l2_len and l3_len are set, data still
				 *   starts at the Ethernet header */
};

/**
 * Process one frame received on interface @p iface (index into net->ifaces).
 * Answers ARP for local addresses, echo requests, learns neighbours, drops
 * and counts everything else. Replies are built in place in @p m, which must
 * be writable (a direct mbuf with refcnt 1, as a PMD delivers). Timestamps
 * use w->now (the last sl_net_poll()).
 * On a worker other than the ARP owner, ARP and (valid) ICMP frames are
 * counted as handoff and queued to the owner, which counts rx_arp/rx_icmp and
 * any drop when it processes them in its sl_net_poll().
 * Context: worker lcore, inside its RCU read side (online qsbr reader; no
 * rcu_read_lock() is taken).
 */
enum sl_net_verdict sl_net_input(struct sl_net_worker *w, uint16_t iface, struct rte_mbuf *m);

/**
 * Send an IPv4 packet. The mbuf's data starts at the IPv4 header, which is
 * complete (addresses, lengths, checksum or offload flags). Chooses the
 * interface and next hop, prepends the Ethernet header and transmits; when the
 * next hop is not resolved yet, holds the packet (up to hold_max per worker)
 * and asks the ARP owner to resolve it.
 * @return 0 when sent or held; -errno when dropped (counted, mbuf freed):
 *         -ENETUNREACH no route, -EHOSTUNREACH neighbour failed,
 *         -ENOBUFS hold full (or no headroom for the Ethernet header).
 * A held packet is stamped with w->now and dropped (NEIGH_FAILED) when its
 * next hop fails or after retries * retry_tsc. On the ARP owner an unknown
 * next hop gets its entry and first request at once (an mbuf from w->pool);
 * other workers queue it on net->resolve, once per next hop they hold for.
 * Context: worker lcore, RCU read side (no rcu_read_lock() taken).
 */
int sl_net_output(struct sl_net_worker *w, struct rte_mbuf *m);

/**
 * Route lookup: the interface and next hop for @p dst.
 * @return 0, or -ENETUNREACH.
 * Context: any thread (reads only what sl_net_create() wrote).
 */
int sl_net_route(const struct sl_net *net, rte_be32_t dst, uint16_t *iface, rte_be32_t *next_hop);

/** True when @p ip is one of the gateway's addresses (port or VIP). Context: any. */
bool sl_net_is_local(const struct sl_net *net, rte_be32_t ip);

/**
 * Periodic work, called by every worker once per poll-loop iteration with the
 * current TSC (cheap when nothing is due: one comparison). The ARP owner
 * drains the hand-off rings, retries and ages the neighbour table; every
 * worker sends the packets it holds whose next hop resolved and drops those
 * whose next hop failed.
 * The owner drains its rings (a bounded burst) on every call where they are
 * not empty; the rest runs once per net->tick_tsc. @p now must not go
 * backwards.
 * Context: worker lcore, RCU read side (no rcu_read_lock() taken). The owner
 * may call call_rcu() here (and in sl_net_input() when the table is full)
 * to remove an entry: no allocation, the call_rcu thread exists since
 * sl_net_create(), but waking it can cost a futex system call.
 */
void sl_net_poll(struct sl_net_worker *w, uint64_t now);

/**
 * Call @p cb for each neighbour entry. Context: any thread registered with
 * urcu-qsbr (rcu_register_thread()), normally offline (rcu_thread_offline())
 * like the control thread: the walk brings the thread online, takes
 * rcu_read_lock() and restores the previous state on return, so an already
 * online caller stays online. @p cb runs inside the read side: it must not
 * block for long (it delays every grace period) nor call rcu_barrier() or
 * synchronize_rcu().
 */
void sl_neigh_walk(struct sl_net *net, void (*cb)(const struct sl_neigh_info *n, void *arg),
		   void *arg);

/** Name of a neighbour state ("reachable"). */
const char *sl_neigh_state_name(enum sl_neigh_state s);

#endif /* SL_NET_H */
