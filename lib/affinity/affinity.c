/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The source affinity table: client IPv4 address -> backend index, an
 * rculfhash over preallocated nodes shared by every worker.
 *
 * Who writes what:
 *   workers   take a node from the free list (MP/MC rte_ring) and publish it
 *             (cds_lfht_add_unique); store last_use on a hit (relaxed, at
 *             most once per ttl/64); store backend on a re-pin (relaxed
 *             16-bit store). They never unlink.
 *   control   unlinks (cds_lfht_del): idle entries, the size bound, a
 *             removed backend, a flush. Each unlinked node goes back to the
 *             free list from the call_rcu thread after a grace period.
 * A node's client never changes while it is reachable: it is written before
 * the node is published (add_unique has release semantics) and the node is
 * reused only after a grace period, when no reader can still see it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The flavour header must come before rculfhash.h: it maps the generic names. */
#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "sl_affinity.h"

RTE_LOG_REGISTER_SUFFIX(sl_affinity_logtype, affinity, INFO);
#define AFF_LOG(level, ...) \
	rte_log(RTE_LOG_##level, sl_affinity_logtype, "sluice.affinity: " __VA_ARGS__)

#define AFF_MAX_ENTRIES (UINT32_C(1) << 28) /* 16 GiB of nodes; the ring's size fits */
#define AFF_TOUCH_DIV	64		    /* last_use is refreshed when older than ttl / 64 */
#define AFF_EVICT_MAX	4096		    /* size-bound victims per sl_affinity_expire() call */
#define AFF_HIGH_PCT	90		    /* the size bound: evict above 90% of max_entries */

/*
 * One entry. A cache line each: the only stores into a linked node are the
 * workers' last_use and backend, and a line of its own keeps one client's
 * refresh from invalidating another client's entry on the other workers.
 */
struct aff_node {
	struct cds_lfht_node node;
	uint64_t last_use; /* TSC of the last recorded use; atomic, relaxed */
	rte_be32_t client; /* the key: constant while reachable */
	uint16_t backend;  /* atomic, relaxed: one 16-bit store replaces it */
	uint16_t pad;
	struct sl_affinity *a; /* for the call_rcu callback */
	struct rcu_head rcu;
} __rte_cache_aligned;

/* Counters of one lcore, written by that lcore only. */
struct aff_lcore {
	uint64_t hits;
	uint64_t misses;
	uint64_t inserts;
	uint64_t races;
	uint64_t updates;
	uint64_t full;
} __rte_cache_aligned;

/* A size-bound candidate: its age when seen, so the ordering cannot move under the sort. */
struct aff_victim {
	int64_t age;
	struct aff_node *n;
};

struct sl_affinity {
	struct cds_lfht *ht;
	struct rte_ring *free; /* struct aff_node *, MP/MC */
	struct aff_node *nodes;
	uint32_t max;
	uint32_t seed;
	uint64_t ttl;
	uint64_t touch; /* refresh granularity, and the slack expiry allows for it */
	unsigned long buckets;
	/* The control thread's: the walk's position, and the size-bound scratch. */
	bool cursor_valid;
	rte_be32_t cursor;
	struct aff_victim *victims;
	/* Control-side counters: rare, possibly two control threads: atomics. */
	uint64_t expired;
	uint64_t evicted;
	uint64_t forgotten;
	/* [RTE_MAX_LCORE]: threads without an lcore id share it, with atomic adds. */
	struct aff_lcore lc[RTE_MAX_LCORE + 1];
};

static unsigned int aff_uid;

/* Count one event for the calling lcore: a plain add on its own line, no lock prefix. */
#define AFF_COUNT(a, field)                                                                     \
	do {                                                                                    \
		unsigned int l_ = rte_lcore_id();                                               \
		if (likely(l_ < RTE_MAX_LCORE)) {                                               \
			struct aff_lcore *c_ = &(a)->lc[l_];                                    \
			__atomic_store_n(&c_->field, c_->field + 1, __ATOMIC_RELAXED);          \
		} else {                                                                        \
			__atomic_fetch_add(&(a)->lc[RTE_MAX_LCORE].field, 1, __ATOMIC_RELAXED); \
		}                                                                               \
	} while (0)

static inline unsigned long
aff_hash(const struct sl_affinity *a, rte_be32_t client)
{
	/* Seeded per table: clients choose their addresses, not their buckets. */
	return rte_jhash_1word(client, a->seed);
}

static int
aff_match(struct cds_lfht_node *node, const void *key)
{
	const struct aff_node *n = caa_container_of(node, struct aff_node, node);

	return n->client == *(const rte_be32_t *)key;
}

static struct aff_node *
aff_find(struct sl_affinity *a, rte_be32_t client)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(a->ht, aff_hash(a, client), aff_match, &client, &it);
	node = cds_lfht_iter_get_node(&it);
	return node == NULL ? NULL : caa_container_of(node, struct aff_node, node);
}

static inline void
aff_touch(const struct sl_affinity *a, struct aff_node *n, uint64_t now)
{
	uint64_t last = __atomic_load_n(&n->last_use, __ATOMIC_RELAXED);

	/* Written only when it moved on by `touch`: a busy entry is not a store per request. */
	if ((int64_t)(now - last) > (int64_t)a->touch)
		__atomic_store_n(&n->last_use, now, __ATOMIC_RELAXED);
}

struct sl_affinity *
sl_affinity_create(uint32_t max_entries, uint64_t ttl_tsc, int socket)
{
	char name[RTE_RING_NAMESIZE];
	struct sl_affinity *a;
	uint32_t i;

	RTE_BUILD_BUG_ON(sizeof(struct aff_node) != RTE_CACHE_LINE_SIZE);
	if (max_entries == 0 || max_entries > AFF_MAX_ENTRIES) {
		rte_errno = EINVAL;
		return NULL;
	}
	a = rte_zmalloc_socket("sl_affinity", sizeof(*a), RTE_CACHE_LINE_SIZE, socket);
	if (a == NULL)
		goto nomem;
	a->max = max_entries;
	a->seed = (uint32_t)rte_rand();
	a->ttl = ttl_tsc;
	a->touch = (ttl_tsc != 0 ? ttl_tsc : rte_get_tsc_hz()) / AFF_TOUCH_DIV;
	a->nodes = rte_zmalloc_socket("sl_affinity_nodes", sizeof(a->nodes[0]) * max_entries,
				      RTE_CACHE_LINE_SIZE, socket);
	a->victims =
		rte_zmalloc_socket("sl_affinity_victims", sizeof(a->victims[0]) * AFF_EVICT_MAX,
				   RTE_CACHE_LINE_SIZE, socket);
	if (a->nodes == NULL || a->victims == NULL)
		goto nomem;
	snprintf(name, sizeof(name), "sl_aff_%u",
		 __atomic_fetch_add(&aff_uid, 1, __ATOMIC_RELAXED));
	/*
	 * Producers: workers (a node they could not publish) and the call_rcu
	 * thread; consumers: workers. RTS mode (relaxed tail sync): in the
	 * classic MP/MC mode a thread preempted between moving the head and the
	 * tail makes every other one spin until it runs again, and workers may
	 * share a CPU (two workers on one core in the tests, or an overcommitted
	 * VM): measured here, two inserting threads on one busy CPU went from
	 * microseconds to minutes. rte_ring_enqueue/dequeue follow the ring's mode.
	 */
	a->free = rte_ring_create(name, max_entries, socket,
				  RING_F_EXACT_SZ | RING_F_MP_RTS_ENQ | RING_F_MC_RTS_DEQ);
	if (a->free == NULL)
		goto fail;
	for (i = 0; i < max_entries; i++) {
		struct aff_node *n = &a->nodes[i];

		n->a = a;
		cds_lfht_node_init(&n->node);
		if (rte_ring_enqueue(a->free, n) != 0)
			goto fail;
	}
	/*
	 * A fixed bucket count (init = min = max, no CDS_LFHT_AUTO_RESIZE): every
	 * bucket is allocated here and none later, so inserting and removing
	 * never allocate. At most one entry per bucket on average.
	 */
	a->buckets = rte_align32pow2(max_entries);
	a->ht = cds_lfht_new(a->buckets, a->buckets, a->buckets, 0, NULL);
	if (a->ht == NULL)
		goto nomem;
	/* The default call_rcu thread is made on first use (malloc, pthread_create): now. */
	if (get_default_call_rcu_data() == NULL)
		goto nomem;
	return a;

nomem:
	rte_errno = ENOMEM;
fail:
	sl_affinity_destroy(a);
	return NULL;
}

void
sl_affinity_destroy(struct sl_affinity *a)
{
	struct cds_lfht_iter it;
	struct aff_node *n;
	int was_online;

	if (a == NULL)
		return;
	if (a->ht != NULL) {
		/* No reader is left: unlink without a grace period, the array goes below. */
		cds_lfht_for_each_entry(a->ht, &it, n, node)
			cds_lfht_del(a->ht, &n->node);
	}
	/*
	 * Nodes removed earlier may still be on their way back to the ring
	 * through call_rcu. The barrier waits for grace periods, which an online
	 * caller would hold up forever: go offline for it.
	 */
	was_online = rcu_read_ongoing();
	if (was_online)
		rcu_thread_offline();
	rcu_barrier();
	if (was_online)
		rcu_thread_online();
	if (a->ht != NULL && cds_lfht_destroy(a->ht, NULL) != 0)
		AFF_LOG(ERR, "table not empty at destroy\n");
	rte_ring_free(a->free);
	rte_free(a->victims);
	rte_free(a->nodes);
	rte_free(a);
}

int
sl_affinity_lookup(struct sl_affinity *a, rte_be32_t client, uint64_t now_tsc)
{
	struct aff_node *n = aff_find(a, client);

	if (n == NULL) {
		AFF_COUNT(a, misses);
		return -1;
	}
	AFF_COUNT(a, hits);
	aff_touch(a, n, now_tsc);
	return __atomic_load_n(&n->backend, __ATOMIC_RELAXED);
}

/*
 * Publish client -> backend. Returns the node now in the table for client
 * (ours, or the one another worker published first), NULL when no node was free.
 */
static struct aff_node *
aff_add(struct sl_affinity *a, rte_be32_t client, uint16_t backend, uint64_t now, bool *ours)
{
	struct cds_lfht_node *old;
	struct aff_node *n;
	void *p;

	*ours = false;
	if (unlikely(rte_ring_dequeue(a->free, &p) != 0)) {
		/* Full: still agree with a worker that recorded this client already. */
		n = aff_find(a, client);
		if (n != NULL) {
			AFF_COUNT(a, races);
			return n;
		}
		AFF_COUNT(a, full);
		return NULL;
	}
	n = p;
	n->client = client;
	n->backend = backend;
	n->last_use = now;
	/* Publishes with a release barrier: a reader that finds n sees the fields above. */
	old = cds_lfht_add_unique(a->ht, aff_hash(a, client), aff_match, &client, &n->node);
	if (old != &n->node) {
		/* Never published, so no reader can hold it: reusable at once. */
		rte_ring_enqueue(a->free, n);
		AFF_COUNT(a, races);
		return caa_container_of(old, struct aff_node, node);
	}
	AFF_COUNT(a, inserts);
	*ours = true;
	return n;
}

int
sl_affinity_insert(struct sl_affinity *a, rte_be32_t client, uint16_t backend, uint64_t now_tsc)
{
	struct aff_node *n;
	bool ours;

	n = aff_add(a, client, backend, now_tsc, &ours);
	if (n == NULL)
		return -ENOSPC;
	if (ours)
		return backend;
	aff_touch(a, n, now_tsc);
	return __atomic_load_n(&n->backend, __ATOMIC_RELAXED);
}

int
sl_affinity_update(struct sl_affinity *a, rte_be32_t client, uint16_t backend, uint64_t now_tsc)
{
	struct aff_node *n;
	bool ours = false;

	n = aff_find(a, client);
	if (n == NULL) {
		n = aff_add(a, client, backend, now_tsc, &ours);
		if (n == NULL)
			return -ENOSPC;
		if (ours)
			return 0;
	}
	/* In place: readers see the old backend or the new one. */
	__atomic_store_n(&n->backend, backend, __ATOMIC_RELAXED);
	__atomic_store_n(&n->last_use, now_tsc, __ATOMIC_RELAXED);
	AFF_COUNT(a, updates);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Control thread */

/* Runs in the call_rcu thread, after a grace period: no reader can hold n. */
static void
aff_free_rcu(struct rcu_head *head)
{
	struct aff_node *n = caa_container_of(head, struct aff_node, rcu);

	/* Cannot fail: the ring has room for every node. */
	rte_ring_enqueue(n->a->free, n);
}

/* Unlink n; true when this call did (a concurrent control call may have). */
static bool
aff_unlink(struct sl_affinity *a, struct aff_node *n)
{
	if (cds_lfht_del(a->ht, &n->node) != 0)
		return false;
	call_rcu(&n->rcu, aff_free_rcu);
	return true;
}

/*
 * The control calls need the caller online: an offline qsbr thread is
 * invisible to grace periods, so a node it looks at could be reused under it.
 */
static int
aff_online(void)
{
	int was_online = rcu_read_ongoing();

	if (!was_online)
		rcu_thread_online();
	rcu_read_lock();
	return was_online;
}

static void
aff_offline(int was_online)
{
	rcu_read_unlock();
	if (!was_online)
		rcu_thread_offline();
}

static uint64_t
aff_sum(const struct sl_affinity *a, size_t off)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i <= RTE_MAX_LCORE; i++)
		sum += __atomic_load_n((const uint64_t *)((const char *)&a->lc[i] + off),
				       __ATOMIC_RELAXED);
	return sum;
}

static uint64_t
aff_entries(const struct sl_affinity *a)
{
	uint64_t in = aff_sum(a, offsetof(struct aff_lcore, inserts));
	uint64_t out = __atomic_load_n(&a->expired, __ATOMIC_RELAXED) +
		       __atomic_load_n(&a->evicted, __ATOMIC_RELAXED) +
		       __atomic_load_n(&a->forgotten, __ATOMIC_RELAXED);

	/* Summed while workers insert: a removal can be seen before its insert. */
	return in > out ? in - out : 0;
}

static int
victim_older_first(const void *x, const void *y)
{
	const struct aff_victim *a = x, *b = y;

	return a->age < b->age ? 1 : a->age > b->age ? -1 : 0;
}

/* Keep the `cap` oldest seen so far in a max-heap on -age (the root is the youngest kept). */
static void
victim_offer(struct aff_victim *h, unsigned int *nh, unsigned int cap, struct aff_node *n,
	     int64_t age)
{
	unsigned int i, c;

	if (*nh < cap) {
		/* sift up */
		for (i = (*nh)++; i > 0 && h[(i - 1) / 2].age > age; i = (i - 1) / 2)
			h[i] = h[(i - 1) / 2];
		h[i] = (struct aff_victim){ age, n };
		return;
	}
	if (cap == 0 || age <= h[0].age)
		return;
	/* replace the root, sift down */
	for (i = 0; (c = 2 * i + 1) < cap; i = c) {
		if (c + 1 < cap && h[c + 1].age < h[c].age)
			c++;
		if (h[c].age >= age)
			break;
		h[i] = h[c];
	}
	h[i] = (struct aff_victim){ age, n };
}

unsigned int
sl_affinity_expire(struct sl_affinity *a, uint64_t now_tsc, unsigned int budget)
{
	const uint64_t high = (uint64_t)a->max * AFF_HIGH_PCT / 100;
	const int64_t limit = (int64_t)(a->ttl + a->touch);
	unsigned int visited = 0, expired = 0, evicted = 0, nvictims = 0, cap = 0, i;
	struct cds_lfht_node *node = NULL;
	struct cds_lfht_iter it;
	uint64_t entries, need;
	int was_online;

	was_online = aff_online();
	entries = aff_entries(a);
	/* Collect candidates only when the bound may be passed: at most the excess. */
	if (entries > high)
		cap = (unsigned int)RTE_MIN(entries - high, (uint64_t)AFF_EVICT_MAX);
	if (a->cursor_valid) {
		/* Resume at the first entry the previous call did not visit, if it is still there. */
		cds_lfht_lookup(a->ht, aff_hash(a, a->cursor), aff_match, &a->cursor, &it);
		node = cds_lfht_iter_get_node(&it);
	}
	if (node == NULL) {
		cds_lfht_first(a->ht, &it);
		node = cds_lfht_iter_get_node(&it);
	}
	while (node != NULL && (budget == 0 || visited < budget)) {
		struct aff_node *n = caa_container_of(node, struct aff_node, node);
		int64_t age = (int64_t)(now_tsc - __atomic_load_n(&n->last_use, __ATOMIC_RELAXED));

		visited++;
		/* The iterator holds the next node already: unlinking this one is fine. */
		if (a->ttl != 0 && age > limit) {
			if (aff_unlink(a, n))
				expired++;
		} else if (cap != 0) {
			victim_offer(a->victims, &nvictims, cap, n, age);
		}
		cds_lfht_next(a->ht, &it);
		node = cds_lfht_iter_get_node(&it);
	}
	a->cursor_valid = node != NULL;
	if (node != NULL)
		a->cursor = caa_container_of(node, struct aff_node, node)->client;
	__atomic_fetch_add(&a->expired, expired, __ATOMIC_RELAXED);

	entries = aff_entries(a);
	need = entries > high ? entries - high : 0;
	if (need != 0 && nvictims != 0) {
		/* Still online: every candidate is still a valid node, linked or not. */
		if (need < nvictims)
			qsort(a->victims, nvictims, sizeof(a->victims[0]), victim_older_first);
		for (i = 0; i < nvictims && evicted < need; i++)
			if (aff_unlink(a, a->victims[i].n))
				evicted++;
		__atomic_fetch_add(&a->evicted, evicted, __ATOMIC_RELAXED);
	}
	aff_offline(was_online);
	return expired + evicted;
}

/* Remove the entries for which pick() says so; all of them when pick is NULL. */
static unsigned int
aff_remove_if(struct sl_affinity *a, bool (*pick)(const struct aff_node *, uint16_t),
	      uint16_t backend)
{
	unsigned int removed = 0;
	struct cds_lfht_iter it;
	struct aff_node *n;
	int was_online;

	was_online = aff_online();
	cds_lfht_for_each_entry(a->ht, &it, n, node)
		if ((pick == NULL || pick(n, backend)) && aff_unlink(a, n))
			removed++;
	__atomic_fetch_add(&a->forgotten, removed, __ATOMIC_RELAXED);
	aff_offline(was_online);
	return removed;
}

static bool
aff_points_at(const struct aff_node *n, uint16_t backend)
{
	return __atomic_load_n(&n->backend, __ATOMIC_RELAXED) == backend;
}

unsigned int
sl_affinity_forget_backend(struct sl_affinity *a, uint16_t backend)
{
	return aff_remove_if(a, aff_points_at, backend);
}

unsigned int
sl_affinity_flush(struct sl_affinity *a)
{
	return aff_remove_if(a, NULL, 0);
}

void
sl_affinity_walk(struct sl_affinity *a, sl_affinity_walk_cb *cb, void *arg)
{
	uint64_t now = rte_rdtsc();
	struct cds_lfht_iter it;
	struct aff_node *n;
	int was_online;

	was_online = aff_online();
	cds_lfht_for_each_entry(a->ht, &it, n, node) {
		int64_t idle = (int64_t)(now - __atomic_load_n(&n->last_use, __ATOMIC_RELAXED));

		cb(n->client, __atomic_load_n(&n->backend, __ATOMIC_RELAXED),
		   idle > 0 ? (uint64_t)idle : 0, arg);
	}
	aff_offline(was_online);
}

void
sl_affinity_stats(const struct sl_affinity *a, struct sl_affinity_stats *s)
{
	uint64_t taken;

	memset(s, 0, sizeof(*s));
	s->capacity = a->max;
	s->hits = aff_sum(a, offsetof(struct aff_lcore, hits));
	s->misses = aff_sum(a, offsetof(struct aff_lcore, misses));
	s->lookups = s->hits + s->misses;
	s->inserts = aff_sum(a, offsetof(struct aff_lcore, inserts));
	s->races = aff_sum(a, offsetof(struct aff_lcore, races));
	s->updates = aff_sum(a, offsetof(struct aff_lcore, updates));
	s->full = aff_sum(a, offsetof(struct aff_lcore, full));
	s->expired = __atomic_load_n(&a->expired, __ATOMIC_RELAXED);
	s->evicted = __atomic_load_n(&a->evicted, __ATOMIC_RELAXED);
	s->forgotten = __atomic_load_n(&a->forgotten, __ATOMIC_RELAXED);
	s->entries = aff_entries(a);
	s->free_nodes = rte_ring_count(a->free);
	/* Out of the free list but not in the table: waiting for call_rcu (or mid-insert). */
	taken = s->capacity - s->free_nodes;
	s->pending = taken > s->entries ? taken - s->entries : 0;
	s->memory_bytes = sizeof(*a) + sizeof(a->nodes[0]) * (uint64_t)a->max +
			  sizeof(struct cds_lfht_node) * (uint64_t)a->buckets +
			  (uint64_t)rte_ring_get_memsize(rte_ring_get_size(a->free)) +
			  sizeof(a->victims[0]) * AFF_EVICT_MAX;
}
