/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by limit.c (GCRA limits) and limit_conn.c (connection
 * counts): per-lcore counters and the control calls' RCU bracket.
 */
#ifndef LIMIT_PRIV_H
#define LIMIT_PRIV_H

/* The flavour header must come before rculfhash.h: it maps the generic names. */
#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include <rte_branch_prediction.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "sl_limit.h"

extern int sl_limit_logtype;
#define LIM_LOG(level, ...) rte_log(RTE_LOG_##level, sl_limit_logtype, "sluice.limit: " __VA_ARGS__)

/*
 * Count one event in the calling lcore's slot of @p arr (an array of
 * RTE_MAX_LCORE + 1 cache-aligned structs): a plain add on its own line, no
 * lock prefix; threads without an lcore id share the last slot with atomic adds.
 */
#define LIM_COUNT_N(arr, field, n)                                                              \
	do {                                                                                    \
		unsigned int l_ = rte_lcore_id();                                               \
		if (likely(l_ < RTE_MAX_LCORE))                                                 \
			__atomic_store_n(&(arr)[l_].field, (arr)[l_].field + (n),               \
					 __ATOMIC_RELAXED);                                     \
		else                                                                            \
			__atomic_fetch_add(&(arr)[RTE_MAX_LCORE].field, (n), __ATOMIC_RELAXED); \
	} while (0)
#define LIM_COUNT(arr, field) LIM_COUNT_N(arr, field, 1)

/* Sum one uint64_t field (at byte offset @p off) over the RTE_MAX_LCORE + 1 slots of @p base. */
static inline uint64_t
lim_sum(const void *base, size_t stride, size_t off)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i <= RTE_MAX_LCORE; i++)
		sum += __atomic_load_n((const uint64_t *)((const char *)base + i * stride + off),
				       __ATOMIC_RELAXED);
	return sum;
}

/*
 * The control calls need the caller online: an offline qsbr thread is
 * invisible to grace periods, so a node it looks at could be reused under it.
 */
static inline int
lim_online(void)
{
	int was_online = rcu_read_ongoing();

	if (!was_online)
		rcu_thread_online();
	rcu_read_lock();
	return was_online;
}

static inline void
lim_offline(int was_online)
{
	rcu_read_unlock();
	if (!was_online)
		rcu_thread_offline();
}

/* rcu_barrier() from any caller: an online qsbr caller would wait for itself forever. */
static inline void
lim_barrier(void)
{
	int was_online = rcu_read_ongoing();

	if (was_online)
		rcu_thread_offline();
	rcu_barrier();
	if (was_online)
		rcu_thread_online();
}

#endif /* LIMIT_PRIV_H */
