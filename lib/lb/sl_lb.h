/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Backend pools and load-balancing algorithms.
 *
 * struct sl_lb is built by the control thread from a config snapshot and
 * shared read-mostly by all workers: each backend's state, weight and
 * in-flight counter are atomics every worker may read (and state and
 * in-flight update). Algorithms are ops structs, one per file (lb_<name>.c);
 * state an algorithm keeps per worker (the smooth round robin's current
 * weights, random2's PRNG, leastconn's rotating start) lives in struct
 * sl_lb_worker, owned by one lcore, so a pick touches no shared cache line but
 * the backends' and the pool's read-only snapshots.
 *
 * RCU. A pool's member list (struct sl_lb_members) and its Maglev lookup
 * table (struct sl_lb_maglev, algorithms maglev and hash) are snapshots the
 * control thread replaces with rcu_assign_pointer() and frees after
 * synchronize_rcu() (urcu-qsbr). Workers are always-online urcu-qsbr readers:
 * a pick runs inside their read side by construction and takes no lock.
 * Anything a worker derives from a snapshot (a backend index) is good until
 * its next quiescent state; sl_lb_backend_acquire() before that keeps the
 * backend's slot from being reused (see sl_lb_del_backend()).
 *
 * Writers (sl_lb_set_state, sl_lb_set_weight, sl_lb_rebuild,
 * sl_lb_add_backend, sl_lb_del_backend) are serialized by a mutex inside
 * struct sl_lb, run on control threads (registered with urcu-qsbr or not, but
 * never inside a read-side section whose pointers they use afterwards), and
 * block for a grace period. docs/lb.md has the algorithms and their
 * derivations.
 */
#ifndef SL_LB_H
#define SL_LB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "sl_conf.h"

#define SL_LB_WEIGHT_MAX 1000	/**< as [backend.NAME] weight */

enum sl_backend_state {
	SL_BACKEND_UP = 0,
	SL_BACKEND_DRAIN,	/**< no new requests; those in flight finish */
	SL_BACKEND_DOWN,	/**< no requests */
};

struct sl_lb_backend {
	char name[SL_NAME_MAX];
	uint16_t pool;		/**< index into sl_lb.pools */
	rte_be32_t addr;
	uint16_t port;		/**< host order */
	uint32_t weight;	/**< configured weight, 0..SL_LB_WEIGHT_MAX; atomic
				     (sl_lb_set_weight) */
	bool backup;
	bool used;		/**< the slot holds a live backend; atomic. false: never
				     used, or deleted (sl_lb_del_backend) */
	uint32_t gen;		/**< bumped each time the slot gets a new backend, so
				     per-index state (idle connections, counters) can
				     tell a reused slot from its previous tenant */
	uint32_t state;		/**< enum sl_backend_state; atomic */
	uint32_t inflight;	/**< requests in flight, all workers; atomic
				     (sl_lb_backend_acquire/release) */
	uint64_t up_since_tsc;	/**< TSC when it last turned usable (slow start); 0:
				     usable since start, no ramp; atomic */
} __rte_cache_aligned;

/**
 * A pool's members: a snapshot replaced whole by the control thread.
 * Primaries come first (idx[0..n_primary)), then the backups, each group in
 * the order the backends were configured or added.
 */
struct sl_lb_members {
	uint16_t n;		/**< members */
	uint16_t n_primary;	/**< of them not backup */
	uint32_t w_max;		/**< the largest configured weight among the primaries
				     (random2's rejection sampling), at least 1 */
	uint16_t idx[];		/**< indexes into sl_lb.backends */
};

/** A Maglev lookup table (maglev and hash pools), built by the control thread. */
struct sl_lb_maglev {
	uint32_t size;		/**< M: entries, a prime */
	uint16_t n;		/**< backends that got entries; 0: the table is empty */
	uint16_t entry[];	/**< M backend indexes */
};

struct sl_lb;
struct sl_lb_pool;
struct sl_lb_worker;

/** One algorithm. */
struct sl_lb_ops {
	const char *name;
	/** Pick a backend of @p pool for a request with @p key (a hash of what the
	 * algorithm uses; ignored by roundrobin, leastconn and random2), skipping
	 * @p avoid (-1: none) unless it is the only usable one.
	 * @return a backend index into sl_lb.backends, or -1 when none can take it.
	 * Context: worker lcore (an online urcu-qsbr reader). */
	int (*pick)(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, uint64_t key,
		    int avoid);
	/** Build the pool's shared state from @p m (the members about to be
	 * published) into *@p out: a Maglev table for maglev and hash. NULL: the
	 * algorithm has none. 0 or -ENOMEM. Context: control thread, lb mutex held. */
	int (*build)(const struct sl_lb *lb, const struct sl_lb_pool *pool,
		     const struct sl_lb_members *m, struct sl_lb_maglev **out);
};

struct sl_lb_pool {
	char name[SL_NAME_MAX];
	const struct sl_lb_ops *ops;
	const struct sl_lb *lb;
	struct sl_lb_members *members;	/**< RCU: sl_lb_pool_members() on a worker,
					     sl_lb_pool_copy() elsewhere */
	struct sl_lb_maglev *maglev;	/**< RCU; NULL unless ops->build */
	enum sl_lb_hash_key hash_key;	/**< algorithm hash: what the proxy hashes */
	char hash_name[SL_HASH_NAME_MAX]; /**< its header (lower case) or cookie name */
	uint32_t maglev_size;		/**< M of the tables this pool builds */
	uint64_t slow_start_tsc;	/**< slow start, in TSC cycles; 0: off */
};

struct sl_lb {
	uint16_t n_pools;
	uint16_t n_backends;	/**< slots ever used: backends[0..n_backends); some may be
				     deleted (!used). Grows at run time; atomic */
	struct sl_lb_pool pools[SL_POOLS_MAX];
	struct sl_lb_backend *backends;	/**< SL_BACKENDS_MAX slots */
	uint64_t (*clock)(void);	/**< TSC source for slow start: rte_rdtsc unless a
					     test drives time; read on a worker */
	uint64_t tsc_hz;
	pthread_mutex_t ctl;		/**< serializes the control-thread writers */
	bool retired[SL_BACKENDS_MAX];	/**< deleted, slot reusable once inflight is 0;
					     control thread, under ctl */
};

/** Per-worker algorithm state. Owned by one lcore. */
struct sl_lb_worker {
	const struct sl_lb *lb;
	int32_t *cw;		/**< smooth round robin: current weight per backend slot
				     (SL_BACKENDS_MAX, so indexes added later stay valid) */
	uint64_t rng;		/**< random2: wyrand state */
	uint32_t rot;		/**< leastconn: rotating start among equals */
} __rte_cache_aligned;

/**
 * Build pools and backends from @p conf. Backends keep their config order
 * (index i is conf->backends[i]); Maglev tables are built here.
 * @return NULL with rte_errno set. Context: control thread. Allocates (rte_malloc).
 */
struct sl_lb *sl_lb_create(const struct sl_config *conf);
/** Free everything. Context: control thread, once no worker uses @p lb. */
void sl_lb_destroy(struct sl_lb *lb);

/** Per-worker state for @p lb. 0 or -ENOMEM. Context: control thread, before launch. */
int sl_lb_worker_init(struct sl_lb_worker *lw, const struct sl_lb *lb, int socket);
void sl_lb_worker_fini(struct sl_lb_worker *lw);

/** Pick through the pool's algorithm. Context: worker lcore (online urcu-qsbr reader). */
static inline int
sl_lb_pick(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, uint64_t key, int avoid)
{
	return pool->ops->pick(pool, lw, key, avoid);
}

/** True when a backend may be given a new request. Any thread. */
static inline bool
sl_lb_backend_usable(const struct sl_lb_backend *b)
{
	return __atomic_load_n(&b->state, __ATOMIC_RELAXED) == SL_BACKEND_UP &&
	       __atomic_load_n(&b->weight, __ATOMIC_RELAXED) != 0 &&
	       __atomic_load_n(&b->used, __ATOMIC_RELAXED);
}

/**
 * A request was assigned to @p b / it completed (or failed). Every
 * acquire is paired with one release. Call acquire in the same read-side
 * section as the pick that returned @p b (before the worker's next quiescent
 * state): a deleted backend's slot is reused only once its count is 0.
 * Context: any worker.
 */
static inline void
sl_lb_backend_acquire(struct sl_lb_backend *b)
{
	__atomic_fetch_add(&b->inflight, 1, __ATOMIC_RELAXED);
}

static inline void
sl_lb_backend_release(struct sl_lb_backend *b)
{
	__atomic_fetch_sub(&b->inflight, 1, __ATOMIC_RELEASE);
}

/** The pool's current members. Context: worker lcore (online urcu-qsbr reader). */
static inline const struct sl_lb_members *
sl_lb_pool_members(const struct sl_lb_pool *pool)
{
	/* rcu_dereference() without pulling urcu into every includer. */
	return __atomic_load_n(&pool->members, __ATOMIC_CONSUME);
}

/**
 * Copy pool @p pool's member indexes (at most SL_BACKENDS_MAX) into @p idx.
 * @return how many, or -EINVAL. Context: control thread (takes the lb mutex:
 * no RCU read side needed).
 */
int sl_lb_pool_copy(const struct sl_lb *lb, uint16_t pool, uint16_t *idx);

/**
 * Runtime changes. Each takes the lb mutex, publishes the pool's new member
 * snapshot and Maglev table (maglev and hash pools) with rcu_assign_pointer(),
 * waits for a grace period (synchronize_rcu) and frees what it replaced.
 * Context: control thread, not inside a read-side section. Allocates.
 *
 * sl_lb_set_state: a backend turning UP from DRAIN or DOWN starts its slow
 * start ramp (when the pool has one). 0, -EINVAL (no such backend), -ENOMEM.
 * sl_lb_set_weight: 0..SL_LB_WEIGHT_MAX (-ERANGE above); from 0 to more also
 * starts the ramp. sl_lb_rebuild: rebuild pool @p pool's table from its
 * members as they are now (after health changes made by workers).
 */
int sl_lb_set_state(struct sl_lb *lb, uint16_t backend, enum sl_backend_state s);
int sl_lb_set_weight(struct sl_lb *lb, uint16_t backend, uint32_t w);
int sl_lb_rebuild(struct sl_lb *lb, uint16_t pool);

/**
 * Add a backend to pool @p pool at run time: it starts UP, with its slow start
 * ramp. The slot is a deleted one whose in-flight count is back to 0 (its gen
 * is bumped), else the next never-used one.
 * @return the backend's index; -EINVAL (bad pool, name not 1..31 of a-z 0-9 _ -,
 * weight above SL_LB_WEIGHT_MAX), -EEXIST (name taken), -ENOSPC (no free slot),
 * -E2BIG (a maglev or hash pool whose table would be under 100 x its backends),
 * -ENOMEM. Context: control thread (see above).
 */
int sl_lb_add_backend(struct sl_lb *lb, const char *name, uint16_t pool, uint32_t addr_be,
		      uint16_t port, uint32_t weight, bool backup);

/**
 * Remove a backend: it leaves its pool's member snapshot and table; when the
 * call returns, no pick returns it any more (a grace period has passed). The
 * slot is reused by sl_lb_add_backend() only once its in-flight count is 0.
 * @return 0 or -EINVAL (no such backend), -ENOMEM. Context: control thread.
 */
int sl_lb_del_backend(struct sl_lb *lb, uint16_t backend);

/**
 * For `show maglev`: the table size of pool @p pool (0 when it has no table)
 * and, when @p entries_per_backend is not NULL, the number of entries of each
 * backend slot (SL_BACKENDS_MAX counters, zeroed first).
 * Context: control thread (takes the lb mutex).
 */
void sl_lb_maglev_counts(const struct sl_lb *lb, uint16_t pool, uint32_t *entries_per_backend,
			 uint32_t *table_size);

/**
 * A fast 64-bit hash of @p n bytes (wyhash-style: 64x64->128 multiply-fold
 * mixing, after Wang Yi's public-domain wyhash v4), for the keys the proxy
 * gives sl_lb_pick(): source address, URI, header or cookie value.
 * sl_lb_hash_seed() is the same with a seed (Maglev's two name hashes).
 * Not keyed against an adversary choosing keys: a client can only aim its own
 * requests, which it can do anyway by choosing its key. Any thread.
 */
uint64_t sl_lb_hash_seed(const void *p, size_t n, uint64_t seed);
uint64_t sl_lb_hash_bytes(const void *p, size_t n);

/** Algorithms, one file each. */
extern const struct sl_lb_ops sl_lb_roundrobin;
extern const struct sl_lb_ops sl_lb_leastconn;
extern const struct sl_lb_ops sl_lb_random2;
extern const struct sl_lb_ops sl_lb_maglev;
extern const struct sl_lb_ops sl_lb_hash;

const char *sl_lb_backend_state_name(enum sl_backend_state s);

#endif /* SL_LB_H */
