/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Concurrent connections per client: client IPv4 address -> connections
 * open now, an rculfhash over preallocated nodes shared by every worker
 * (max_conns_per_client counts the client's connections on all workers).
 *
 * Who writes what:
 *   workers   take a node from the free list and publish it with a count of
 *             1 (cds_lfht_add_unique); CAS the count up (acquire, below
 *             max) and down (release, above 0). They never unlink.
 *   control   marks an idle node dead (CAS count 0 -> CONN_DEAD), unlinks
 *             it and gives it back after a grace period (call_rcu).
 * A count above 0 is never marked, so an open connection's count is never
 * lost; an acquire that finds the mark looks up again, misses the dead node
 * (the match skips it) and publishes a new one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "limit_priv.h"

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring.h>

#define CONN_DEAD UINT32_MAX

/* One client, a cache line: workers on different cores CAS different clients. */
struct conn_node {
	struct cds_lfht_node node;
	uint32_t count;	 /* atomic; CONN_DEAD once being removed */
	uint32_t client; /* the key: constant while reachable */
	struct sl_limit_conn *t;
	struct rcu_head rcu;
} __rte_cache_aligned;

struct conn_lcore {
	uint64_t acquired;
	uint64_t busy;
	uint64_t untracked;
	uint64_t released;
	uint64_t unbalanced;
	uint64_t new_keys;
	uint64_t races;
} __rte_cache_aligned;

struct sl_limit_conn {
	struct cds_lfht *ht;
	struct rte_ring *free; /* struct conn_node *, MP/MC */
	struct conn_node *nodes;
	uint32_t max;
	uint32_t seed;
	unsigned long buckets;
	bool cursor_valid;
	uint32_t cursor;
	uint64_t expired;
	struct conn_lcore lc[RTE_MAX_LCORE + 1];
};

static unsigned int conn_uid;

static inline unsigned long
conn_hash(const struct sl_limit_conn *t, uint32_t client)
{
	/* Seeded per table: clients choose their addresses, not their buckets. */
	return rte_jhash_1word(client, t->seed);
}

static int
conn_match(struct cds_lfht_node *node, const void *key)
{
	const struct conn_node *n = caa_container_of(node, struct conn_node, node);

	return n->client == *(const uint32_t *)key &&
	       __atomic_load_n(&n->count, __ATOMIC_RELAXED) != CONN_DEAD;
}

static struct conn_node *
conn_find(struct sl_limit_conn *t, uint32_t client)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(t->ht, conn_hash(t, client), conn_match, &client, &it);
	node = cds_lfht_iter_get_node(&it);
	return node == NULL ? NULL : caa_container_of(node, struct conn_node, node);
}

struct sl_limit_conn *
sl_limit_conn_create(uint32_t max_keys, int socket)
{
	char name[RTE_RING_NAMESIZE];
	struct sl_limit_conn *t;
	uint32_t i;

	RTE_BUILD_BUG_ON(sizeof(struct conn_node) != RTE_CACHE_LINE_SIZE);
	if (max_keys == 0 || max_keys > SL_LIMIT_MAX_KEYS) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("sl_limit_conn", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL)
		goto nomem;
	t->max = max_keys;
	t->seed = (uint32_t)rte_rand();
	t->nodes = rte_zmalloc_socket("sl_limit_conn_nodes", sizeof(t->nodes[0]) * max_keys,
				      RTE_CACHE_LINE_SIZE, socket);
	if (t->nodes == NULL)
		goto nomem;
	snprintf(name, sizeof(name), "sl_limc_%u",
		 __atomic_fetch_add(&conn_uid, 1, __ATOMIC_RELAXED));
	/* RTS mode: workers may share a CPU; see lib/affinity/affinity.c. */
	t->free = rte_ring_create(name, max_keys, socket,
				  RING_F_EXACT_SZ | RING_F_MP_RTS_ENQ | RING_F_MC_RTS_DEQ);
	if (t->free == NULL)
		goto fail;
	for (i = 0; i < max_keys; i++) {
		struct conn_node *n = &t->nodes[i];

		n->t = t;
		cds_lfht_node_init(&n->node);
		if (rte_ring_enqueue(t->free, n) != 0)
			goto fail;
	}
	t->buckets = rte_align32pow2(max_keys);
	t->ht = cds_lfht_new(t->buckets, t->buckets, t->buckets, 0, NULL);
	if (t->ht == NULL)
		goto nomem;
	if (get_default_call_rcu_data() == NULL)
		goto nomem;
	return t;

nomem:
	rte_errno = ENOMEM;
fail:
	sl_limit_conn_destroy(t);
	return NULL;
}

void
sl_limit_conn_destroy(struct sl_limit_conn *t)
{
	struct cds_lfht_iter it;
	struct conn_node *n;

	if (t == NULL)
		return;
	if (t->ht != NULL) {
		cds_lfht_for_each_entry(t->ht, &it, n, node)
			cds_lfht_del(t->ht, &n->node);
	}
	lim_barrier();
	if (t->ht != NULL && cds_lfht_destroy(t->ht, NULL) != 0)
		LIM_LOG(ERR, "connection table not empty at destroy\n");
	rte_ring_free(t->free);
	rte_free(t->nodes);
	rte_free(t);
}

int
sl_limit_conn_acquire(struct sl_limit_conn *t, uint32_t client, uint32_t max)
{
	struct cds_lfht_node *old;
	struct conn_node *n;
	uint32_t count;
	void *p;

	if (unlikely(max == 0))
		return -EINVAL;
	for (;;) {
		n = conn_find(t, client);
		if (n == NULL) {
			if (unlikely(rte_ring_dequeue(t->free, &p) != 0)) {
				n = conn_find(t, client);
				if (n == NULL) {
					/* Fail-open: see sl_limit_conn_create(). */
					LIM_COUNT(t->lc, untracked);
					return SL_LIMIT_CONN_UNTRACKED;
				}
				LIM_COUNT(t->lc, races);
			} else {
				n = p;
				n->client = client;
				n->count = 1; /* max >= 1: the first connection always fits */
				old = cds_lfht_add_unique(t->ht, conn_hash(t, client), conn_match,
							  &client, &n->node);
				if (old == &n->node) {
					LIM_COUNT(t->lc, new_keys);
					LIM_COUNT(t->lc, acquired);
					return 0;
				}
				rte_ring_enqueue(t->free, n);
				LIM_COUNT(t->lc, races);
				n = caa_container_of(old, struct conn_node, node);
			}
		}
		count = __atomic_load_n(&n->count, __ATOMIC_RELAXED);
		while (count != CONN_DEAD) {
			if (count >= max) {
				LIM_COUNT(t->lc, busy);
				return -EBUSY;
			}
			if (__atomic_compare_exchange_n(&n->count, &count, count + 1, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
				LIM_COUNT(t->lc, acquired);
				return 0;
			}
		}
		/* Expired under us: look again, the dead node no longer matches. */
	}
}

int
sl_limit_conn_release(struct sl_limit_conn *t, uint32_t client)
{
	struct conn_node *n = conn_find(t, client);
	uint32_t count;

	if (n != NULL) {
		count = __atomic_load_n(&n->count, __ATOMIC_RELAXED);
		/* A count above 0 is never marked dead, so it stays ours to decrement. */
		while (count != 0 && count != CONN_DEAD) {
			if (__atomic_compare_exchange_n(&n->count, &count, count - 1, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
				LIM_COUNT(t->lc, released);
				return 0;
			}
		}
	}
	LIM_COUNT(t->lc, unbalanced);
	return -ENOENT;
}

uint32_t
sl_limit_conn_count(struct sl_limit_conn *t, uint32_t client)
{
	struct conn_node *n = conn_find(t, client);
	uint32_t count = n != NULL ? __atomic_load_n(&n->count, __ATOMIC_RELAXED) : 0;

	return count == CONN_DEAD ? 0 : count;
}

/* Runs in the call_rcu thread, after a grace period: no reader can hold n. */
static void
conn_free_rcu(struct rcu_head *head)
{
	struct conn_node *n = caa_container_of(head, struct conn_node, rcu);

	rte_ring_enqueue(n->t->free, n);
}

unsigned int
sl_limit_conn_expire(struct sl_limit_conn *t, unsigned int budget)
{
	unsigned int visited = 0, expired = 0;
	struct cds_lfht_node *node = NULL;
	struct cds_lfht_iter it;
	int was_online;

	was_online = lim_online();
	if (t->cursor_valid) {
		cds_lfht_lookup(t->ht, conn_hash(t, t->cursor), conn_match, &t->cursor, &it);
		node = cds_lfht_iter_get_node(&it);
	}
	if (node == NULL) {
		cds_lfht_first(t->ht, &it);
		node = cds_lfht_iter_get_node(&it);
	}
	while (node != NULL && (budget == 0 || visited < budget)) {
		struct conn_node *n = caa_container_of(node, struct conn_node, node);
		uint32_t zero = 0;

		visited++;
		/* Only an idle entry, and only if no acquire lands first. */
		if (__atomic_compare_exchange_n(&n->count, &zero, CONN_DEAD, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			if (cds_lfht_del(t->ht, &n->node) == 0) {
				call_rcu(&n->rcu, conn_free_rcu);
				expired++;
			} else {
				LIM_LOG(ERR, "a dead connection entry was not linked\n");
			}
		}
		cds_lfht_next(t->ht, &it);
		node = cds_lfht_iter_get_node(&it);
	}
	t->cursor_valid = node != NULL;
	if (node != NULL)
		t->cursor = caa_container_of(node, struct conn_node, node)->client;
	__atomic_fetch_add(&t->expired, expired, __ATOMIC_RELAXED);
	lim_offline(was_online);
	return expired;
}

void
sl_limit_conn_walk(struct sl_limit_conn *t, sl_limit_conn_walk_cb *cb, void *arg)
{
	struct cds_lfht_iter it;
	struct conn_node *n;
	int was_online;

	was_online = lim_online();
	cds_lfht_for_each_entry(t->ht, &it, n, node) {
		uint32_t count = __atomic_load_n(&n->count, __ATOMIC_RELAXED);

		if (count != CONN_DEAD)
			cb(n->client, count, arg);
	}
	lim_offline(was_online);
}

#define CONN_SUM(t, field) lim_sum((t)->lc, sizeof((t)->lc[0]), offsetof(struct conn_lcore, field))

void
sl_limit_conn_stats(const struct sl_limit_conn *t, struct sl_limit_conn_stats *s)
{
	uint64_t taken;

	memset(s, 0, sizeof(*s));
	s->capacity = t->max;
	s->acquired = CONN_SUM(t, acquired);
	s->busy = CONN_SUM(t, busy);
	s->untracked = CONN_SUM(t, untracked);
	s->released = CONN_SUM(t, released);
	s->unbalanced = CONN_SUM(t, unbalanced);
	s->new_keys = CONN_SUM(t, new_keys);
	s->races = CONN_SUM(t, races);
	s->expired = __atomic_load_n(&t->expired, __ATOMIC_RELAXED);
	s->entries = s->new_keys > s->expired ? s->new_keys - s->expired : 0;
	s->free_nodes = rte_ring_count(t->free);
	taken = s->capacity - s->free_nodes;
	s->pending = taken > s->entries ? taken - s->entries : 0;
	s->memory_bytes = sizeof(*t) + sizeof(t->nodes[0]) * (uint64_t)t->max +
			  sizeof(struct cds_lfht_node) * (uint64_t)t->buckets +
			  (uint64_t)rte_ring_get_memsize(rte_ring_get_size(t->free));
}
