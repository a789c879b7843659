/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table: an rculfhash keyed by IPv4 address over preallocated
 * entries, written by the ARP owner only, read by every worker.
 *
 * States and timers (a simplified RFC 1122 §2.3.2.1 / Linux NUD machine):
 *   INCOMPLETE  broadcast request every retry_tsc; after `retries` requests
 *               without an answer -> FAILED.
 *   REACHABLE   confirmed by an ARP from the neighbour; reachable_tsc after
 *               that -> PROBE.
 *   PROBE       still used for sending; unicast request every retry_tsc, an
 *               ARP from the neighbour -> REACHABLE, `retries` unanswered
 *               -> FAILED.
 *   FAILED      packets to it are dropped. reachable_tsc later it is removed,
 *               unless a worker wanted it meanwhile: then it is asked for
 *               again (INCOMPLETE), so a host that comes back is found
 *               without waiting for it to speak first.
 * Removal is cds_lfht_del() then call_rcu(): the entry returns to the free
 * list after a grace period, when no worker can still hold a pointer to it.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring_elem.h>

#include "net_priv.h"

static inline unsigned long
neigh_hash(const struct sl_neigh_table *tbl, rte_be32_t ip)
{
	return rte_jhash_1word(ip, tbl->seed);
}

static int
neigh_match(struct cds_lfht_node *node, const void *key)
{
	const struct sl_neigh *n = caa_container_of(node, struct sl_neigh, node);

	return n->ip == *(const rte_be32_t *)key;
}

struct sl_neigh_table *
neigh_table_create(uint32_t size, unsigned int uid)
{
	char name[RTE_RING_NAMESIZE];
	struct sl_neigh_table *tbl;
	unsigned long buckets;
	uint32_t i;

	tbl = rte_zmalloc("sl_neigh_table", sizeof(*tbl), RTE_CACHE_LINE_SIZE);
	if (tbl == NULL)
		goto nomem;
	tbl->size = size;
	tbl->seed = (uint32_t)rte_rand();
	tbl->nodes = rte_zmalloc("sl_neigh", sizeof(tbl->nodes[0]) * size, RTE_CACHE_LINE_SIZE);
	if (tbl->nodes == NULL)
		goto nomem;
	snprintf(name, sizeof(name), "sl_nfree_%u", uid);
	/* Producers: the owner (unused nodes) and the call_rcu thread. */
	tbl->free =
		rte_ring_create_elem(name, sizeof(uint32_t), size, SOCKET_ID_ANY, RING_F_EXACT_SZ);
	if (tbl->free == NULL)
		goto fail;
	for (i = 0; i < size; i++) {
		tbl->nodes[i].index = i;
		tbl->nodes[i].tbl = tbl;
		cds_lfht_node_init(&tbl->nodes[i].node);
		if (rte_ring_enqueue_elem(tbl->free, &i, sizeof(i)) != 0)
			goto fail;
	}
	/*
	 * A fixed bucket count (min = max = initial, no CDS_LFHT_AUTO_RESIZE):
	 * every bucket is allocated here and none later, so adding and removing
	 * entries on a worker never allocates. One bucket per entry at most.
	 */
	buckets = rte_align32pow2(size);
	tbl->ht = cds_lfht_new(buckets, buckets, buckets, 0, NULL);
	if (tbl->ht == NULL)
		goto nomem;
	/*
	 * The default call_rcu thread is created on first use, with malloc and
	 * pthread_create: make that happen here, not on the owner's data path.
	 */
	if (get_default_call_rcu_data() == NULL)
		goto nomem;
	return tbl;

nomem:
	rte_errno = ENOMEM;
fail:
	neigh_table_destroy(tbl);
	return NULL;
}

void
neigh_table_destroy(struct sl_neigh_table *tbl)
{
	uint32_t i;

	if (tbl == NULL)
		return;
	if (tbl->ht != NULL) {
		/*
		 * No reader is left (workers stopped): entries can be unlinked
		 * without a grace period, they are freed with the array below.
		 */
		for (i = 0; i < tbl->size; i++) {
			if (tbl->nodes[i].linked) {
				cds_lfht_del(tbl->ht, &tbl->nodes[i].node);
				tbl->nodes[i].linked = false;
			}
		}
	}
	/* Entries removed earlier may still be on their way back through call_rcu. */
	rcu_barrier();
	if (tbl->ht != NULL && cds_lfht_destroy(tbl->ht, NULL) != 0)
		NET_LOG(ERR, "neighbour table not empty at destroy\n");
	rte_ring_free(tbl->free);
	rte_free(tbl->nodes);
	rte_free(tbl);
}

struct sl_neigh *
neigh_lookup(const struct sl_neigh_table *tbl, rte_be32_t ip)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(tbl->ht, neigh_hash(tbl, ip), neigh_match, &ip, &it);
	node = cds_lfht_iter_get_node(&it);
	return node == NULL ? NULL : caa_container_of(node, struct sl_neigh, node);
}

/* Runs in the call_rcu thread, after a grace period: no reader can see n. */
static void
neigh_free_rcu(struct rcu_head *head)
{
	struct sl_neigh *n = caa_container_of(head, struct sl_neigh, rcu);

	/* Cannot fail: the ring holds every index. */
	rte_ring_mp_enqueue_elem(n->tbl->free, &n->index, sizeof(n->index));
}

static void
neigh_unlink(struct sl_neigh_table *tbl, struct sl_neigh *n)
{
	if (cds_lfht_del(tbl->ht, &n->node) != 0)
		return; /* not linked: nothing to give back */
	n->linked = false;
	call_rcu(&n->rcu, neigh_free_rcu);
}

static inline void
neigh_set(struct sl_neigh *n, const struct rte_ether_addr *mac, enum sl_neigh_state s)
{
	/* Release: a reader that sees the new state sees the MAC with it. */
	__atomic_store_n(&n->macstate, neigh_pack(mac, s), __ATOMIC_RELEASE);
}

/* The owner's fields the walk reads: relaxed, single writer. */
#define OWNER_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

/* Evict the FAILED entry that failed first; its slot is usable after a grace period. */
static void
neigh_evict(struct sl_neigh_table *tbl)
{
	struct sl_neigh *victim = NULL;
	uint32_t i;

	for (i = 0; i < tbl->size; i++) {
		struct sl_neigh *n = &tbl->nodes[i];

		if (!n->linked || neigh_state_of(n->macstate) != SL_NEIGH_FAILED)
			continue;
		if (victim == NULL || (int64_t)(n->changed - victim->changed) < 0)
			victim = n;
	}
	if (victim != NULL)
		neigh_unlink(tbl, victim);
}

struct sl_neigh *
neigh_create(struct sl_net_worker *w, uint16_t iface, rte_be32_t ip, enum sl_neigh_state state,
	     const struct rte_ether_addr *mac)
{
	struct sl_neigh_table *tbl = w->net->neigh;
	struct cds_lfht_node *old;
	struct sl_neigh *n;
	uint32_t idx;

	RTE_ASSERT(w->arp_owner);
	if (rte_ring_dequeue_elem(tbl->free, &idx, sizeof(idx)) != 0) {
		/*
		 * Full. A removed entry comes back only after a grace period,
		 * which cannot end while we (an online reader) are in this call:
		 * refuse now, make room for the next attempt.
		 */
		w->stats.neigh_full++;
		neigh_evict(tbl);
		return NULL;
	}
	n = &tbl->nodes[idx];
	n->ip = ip;
	n->iface = iface;
	n->macstate = neigh_pack(mac, state);
	n->wanted = w->now;
	n->confirmed = w->now;
	n->changed = w->now;
	n->last_req = w->now;
	n->probes = 0;
	/* Publishes with a release barrier: readers see the fields above. */
	old = cds_lfht_add_unique(tbl->ht, neigh_hash(tbl, ip), neigh_match, &ip, &n->node);
	if (old != &n->node) {
		/* Never published: back to the free list at once. */
		rte_ring_enqueue_elem(tbl->free, &idx, sizeof(idx));
		return caa_container_of(old, struct sl_neigh, node);
	}
	n->linked = true;
	return n;
}

void
neigh_confirm(struct sl_net_worker *w, struct sl_neigh *n, const struct rte_ether_addr *mac)
{
	RTE_ASSERT(w->arp_owner);
	neigh_set(n, mac, SL_NEIGH_REACHABLE);
	OWNER_SET(n->confirmed, w->now);
	OWNER_SET(n->probes, 0);
	n->changed = w->now;
}

/* Ask for an entry again: first request now, the rest from neigh_age(). */
static void
neigh_solicit(struct sl_net_worker *w, struct sl_neigh *n, const struct rte_ether_addr *unicast)
{
	/* Counted as attempted even when no mbuf was free: retries stay bounded. */
	arp_request(w, n->iface, n->ip, unicast);
	OWNER_SET(n->probes, n->probes + 1);
	n->last_req = w->now;
}

int
neigh_resolve(struct sl_net_worker *w, uint16_t iface, rte_be32_t ip)
{
	struct sl_neigh *n;

	if (neigh_lookup(w->net->neigh, ip) != NULL)
		return 0; /* asked already: neigh_age() does the rest */
	n = neigh_create(w, iface, ip, SL_NEIGH_INCOMPLETE, NULL);
	if (n == NULL)
		return -ENOSPC;
	neigh_solicit(w, n, NULL);
	return 0;
}

void
neigh_want(const struct sl_net_worker *w, struct sl_neigh *n)
{
	/* Written only when it changes: at most once per poll-loop iteration. */
	if (__atomic_load_n(&n->wanted, __ATOMIC_RELAXED) != w->now)
		__atomic_store_n(&n->wanted, w->now, __ATOMIC_RELAXED);
}

static void
neigh_fail(struct sl_neigh *n, uint64_t now)
{
	neigh_set(n, NULL, SL_NEIGH_FAILED);
	n->changed = now;
}

/* One entry's timers. Context: the owner, once per tick. */
static void
neigh_age_one(struct sl_net_worker *w, struct sl_neigh *n, uint64_t now)
{
	const struct sl_net *net = w->net;
	struct rte_ether_addr mac;
	uint64_t v = n->macstate; /* ours: no other writer */

	switch (neigh_state_of(v)) {
	case SL_NEIGH_INCOMPLETE:
		if (now - n->last_req < net->retry_tsc)
			break;
		if (n->probes >= net->retries)
			neigh_fail(n, now);
		else
			neigh_solicit(w, n, NULL);
		break;
	case SL_NEIGH_REACHABLE:
		if (now - n->confirmed < net->reachable_tsc)
			break;
		/* Keep the MAC and keep sending; ask the neighbour directly. */
		neigh_mac_of(v, &mac);
		neigh_set(n, &mac, SL_NEIGH_PROBE);
		n->changed = now;
		OWNER_SET(n->probes, 0);
		neigh_solicit(w, n, &mac);
		break;
	case SL_NEIGH_PROBE:
		if (now - n->last_req < net->retry_tsc)
			break;
		if (n->probes >= net->retries) {
			neigh_fail(n, now);
		} else {
			neigh_mac_of(v, &mac);
			neigh_solicit(w, n, &mac);
		}
		break;
	case SL_NEIGH_FAILED:
		if (now - n->changed < net->reachable_tsc)
			break;
		if (now - __atomic_load_n(&n->wanted, __ATOMIC_RELAXED) < net->reachable_tsc) {
			neigh_set(n, NULL, SL_NEIGH_INCOMPLETE);
			n->changed = now;
			OWNER_SET(n->probes, 0);
			neigh_solicit(w, n, NULL);
		} else {
			neigh_unlink(net->neigh, n);
		}
		break;
	}
}

void
neigh_age(struct sl_net_worker *w, uint64_t now)
{
	struct sl_neigh_table *tbl = w->net->neigh;
	uint32_t i;

	/* The array, not the hash: sequential, and the owner knows what is linked. */
	for (i = 0; i < tbl->size; i++)
		if (tbl->nodes[i].linked)
			neigh_age_one(w, &tbl->nodes[i], now);
}

void
sl_neigh_walk(struct sl_net *net, void (*cb)(const struct sl_neigh_info *n, void *arg), void *arg)
{
	uint64_t now = rte_rdtsc(), ms_tsc = RTE_MAX(net->tsc_hz / 1000, (uint64_t)1);
	struct sl_neigh_info info;
	struct cds_lfht_iter it;
	struct sl_neigh *n;
	int was_online;

	/*
	 * An offline qsbr thread is invisible to grace periods: come online
	 * for the walk so no entry we look at is reused under us, and leave
	 * the thread as we found it.
	 */
	was_online = rcu_read_ongoing();
	if (!was_online)
		rcu_thread_online();
	rcu_read_lock();
	cds_lfht_for_each_entry(net->neigh->ht, &it, n, node) {
		uint64_t v = neigh_load(n);
		uint64_t since = __atomic_load_n(&n->confirmed, __ATOMIC_RELAXED);
		uint64_t age = (int64_t)(now - since) > 0 ? (now - since) / ms_tsc : 0;

		memset(&info, 0, sizeof(info));
		info.ip = n->ip;
		info.iface = n->iface;
		neigh_mac_of(v, &info.mac);
		info.state = neigh_state_of(v);
		info.age_ms = (uint32_t)RTE_MIN(age, (uint64_t)UINT32_MAX);
		info.probes = __atomic_load_n(&n->probes, __ATOMIC_RELAXED);
		cb(&info, arg);
	}
	rcu_read_unlock();
	if (!was_online)
		rcu_thread_offline();
}
