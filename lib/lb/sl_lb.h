/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Backend pools and load-balancing algorithms.
 *
 * struct sl_lb is built by the control thread from a config snapshot and
 * shared read-mostly by all workers: each backend's state and in-flight
 * counter are atomics every worker may update. Algorithms are ops structs,
 * one per file (lb_<name>.c); state an algorithm keeps per worker (the
 * smooth round robin's current weights) lives in struct sl_lb_worker, owned
 * by one lcore, so a pick touches no shared cache line but the backends'.
 */
#ifndef SL_LB_H
#define SL_LB_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "sl_conf.h"

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
	uint32_t weight;
	bool backup;
	uint32_t state;		/**< enum sl_backend_state; atomic */
	uint32_t inflight;	/**< requests in flight, all workers; atomic */
} __rte_cache_aligned;

struct sl_lb_pool;
struct sl_lb_worker;

/** One algorithm. */
struct sl_lb_ops {
	const char *name;
	/** Pick a backend of @p pool for a request with @p key (a hash of what the
	 * algorithm uses; ignored by round robin), skipping @p avoid (-1: none).
	 * @return a backend index into sl_lb.backends, or -1 when none can take it. */
	int (*pick)(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, uint64_t key,
		    int avoid);
};

struct sl_lb_pool {
	char name[SL_NAME_MAX];
	const struct sl_lb_ops *ops;
	const struct sl_lb *lb;
	uint16_t n;		/**< backends in the pool */
	uint16_t *members;	/**< their indexes into sl_lb.backends */
};

struct sl_lb {
	uint16_t n_pools;
	uint16_t n_backends;
	struct sl_lb_pool pools[SL_POOLS_MAX];
	struct sl_lb_backend *backends;	/**< n_backends */
};

/** Per-worker algorithm state. Owned by one lcore. */
struct sl_lb_worker {
	const struct sl_lb *lb;
	int32_t *cw;		/**< smooth round robin: current weight per backend */
};

/**
 * Build pools and backends from @p conf. Backends keep their config order.
 * @return NULL with rte_errno set. Context: control thread. Allocates.
 */
struct sl_lb *sl_lb_create(const struct sl_config *conf);
void sl_lb_destroy(struct sl_lb *lb);

/** Per-worker state for @p lb. 0 or -ENOMEM. Context: control thread, before launch. */
int sl_lb_worker_init(struct sl_lb_worker *lw, const struct sl_lb *lb, int socket);
void sl_lb_worker_fini(struct sl_lb_worker *lw);

/** Pick through the pool's algorithm. Context: worker lcore. */
static inline int
sl_lb_pick(const struct sl_lb_pool *pool, struct sl_lb_worker *lw, uint64_t key, int avoid)
{
	return pool->ops->pick(pool, lw, key, avoid);
}

/** True when a backend may be given a new request. */
static inline bool
sl_lb_backend_usable(const struct sl_lb_backend *b)
{
	return __atomic_load_n(&b->state, __ATOMIC_RELAXED) == SL_BACKEND_UP && b->weight != 0;
}

/** Algorithms, one file each. */
extern const struct sl_lb_ops sl_lb_roundrobin;

const char *sl_lb_backend_state_name(enum sl_backend_state s);

#endif /* SL_LB_H */
