/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Traffic control: GCRA rate limiting and bandwidth pacing in a table shared
 * by every worker, and per-client connection counts.
 *
 *  - struct sl_limit: one policy (a rate T = period_tsc / units per unit and
 *    a burst) and its state per key. The state of a key is one 64-bit word,
 *    its theoretical arrival time (TAT, GCRA: ITU-T I.371 / the ATM Forum's
 *    virtual scheduling algorithm), updated with one compare-and-swap: no
 *    lock, no allocation but one node from a preallocated free list for a
 *    key seen for the first time. The keys live in a liburcu rculfhash with
 *    a fixed bucket count; the control thread alone removes entries, those
 *    whose TAT has passed (they carry no information: such a key is
 *    indistinguishable from a new one), with call_rcu. docs/limits.md has
 *    the derivation, the boundary and the races.
 *
 *  - struct sl_limit_conn: client address -> connections open now, for
 *    max_conns_per_client, in the same kind of table.
 *
 * Time. Every `now_tsc` / `*_tsc` is in TSC cycles (rte_rdtsc() or a
 * simulated clock); the caller's clock only has to be monotonic per caller,
 * and different callers' clocks may differ by far less than a second.
 * Internally times are ticks of 2^-SL_LIMIT_FRAC_BITS cycle, so that a byte
 * at 10 GiB/s (0.28 cycles on a 3 GHz TSC) still costs a whole number of
 * ticks (71.5 -> 72), and compared modulo 2^64 (a TSC value shifted left by
 * 8 wraps after 2^56 cycles, about 278 days at 3 GHz; differences are what
 * count, and they stay far below 2^63).
 *
 * RCU contract (urcu-qsbr), as sl_affinity.h's. Workers are registered qsbr
 * readers that stay online and call rcu_quiescent_state() between poll-loop
 * iterations: in the qsbr flavour the whole online period is a read-side
 * section, so the worker calls (decide, take, acquire, release, the state
 * calls) take no rcu_read_lock() themselves and a node they hold stays valid
 * until the worker's next quiescent state. Any other registered thread may
 * call them inside rcu_read_lock() while online. The control-thread calls
 * (expire, flush, walk, lookup) bring the calling thread online for their
 * duration and leave it as they found it, so a control thread can stay
 * offline between them (and so never holds up a grace period).
 */
#ifndef SL_LIMIT_H
#define SL_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_conf.h" /* enum sl_limit_action, struct sl_conf_limit */

/** Fraction bits of the internal time unit: a tick is 1/256 of a TSC cycle. */
#define SL_LIMIT_FRAC_BITS 8
/** Most entries a table may have. */
#define SL_LIMIT_MAX_KEYS (UINT32_C(1) << 24)
/** Longest key: a header or cookie value is hashed whole (SipHash-2-4, 64-bit). */
#define SL_LIMIT_KEY_MAX 65535
/** Bytes of a key kept in its entry, for display and for the identity check. */
#define SL_LIMIT_PREFIX_MAX 32
/** Longest horizon (burst + 1 units) in ticks: 2^53 cycles, 34 days at 3 GHz. */
#define SL_LIMIT_HORIZON_MAX (UINT64_C(1) << 61)

/* ------------------------------------------------------------------ */
/* Rate and bandwidth limits (GCRA) */

struct sl_limit;

/** What sl_limit_create() takes. */
struct sl_limit_params {
	const char *name; /**< for logs and the RateLimit fields: 1..31 characters
				     (longer is cut), NULL: "" */
	/**
	 * The rate: @p units per @p period_tsc cycles, exactly: the emission
	 * interval (the cost of one unit) is T = period_tsc / units cycles,
	 * a rational, never rounded to a per-second figure. 100 requests a
	 * minute: units 100, period_tsc 60 * tsc_hz. 10 GiB/s: units
	 * 10737418240, period_tsc tsc_hz. Both >= 1; period_tsc < 2^56; T at
	 * least one tick (at most 256 units per cycle).
	 */
	uint64_t units;
	uint64_t period_tsc;
	/**
	 * Units above the rate that may come at once: the tolerance is
	 * tau = burst x T (GCRA's "limit", nginx's limit_req burst). A new
	 * key takes burst + 1 units at once; (burst + 1) x T must stay under
	 * SL_LIMIT_HORIZON_MAX ticks.
	 */
	uint64_t burst;
	enum sl_limit_action action; /**< what sl_limit_decide() does above the rate */
	uint32_t max_keys; /**< table entries, 1..SL_LIMIT_MAX_KEYS; unused with shared_key */
	bool shared_key;   /**< one state for every key (key = VIP): no table */
};

/** sl_limit_decide() and sl_limit_lookup() results (negative: -errno). */
enum sl_limit_result {
	SL_LIMIT_ALLOWED = 0,  /**< conforms: serve it now */
	SL_LIMIT_DELAYED = 1,  /**< DELAY policy: serve it after verdict.delay_tsc */
	SL_LIMIT_REJECTED = 2, /**< above the limit: refuse it (retry_after_tsc) */
};

/**
 * The outcome of one decision, for the response and the IETF RateLimit
 * fields (draft-ietf-httpapi-ratelimit-headers-10). All times are TSC cycles
 * from the decision's now, rounded up to a whole cycle.
 */
struct sl_limit_verdict {
	/** DELAYED: hold the request until now + delay_tsc; 0 otherwise. */
	uint64_t delay_tsc;
	/**
	 * REJECTED: the same decision (same cost) conforms at now +
	 * retry_after_tsc and not one cycle earlier (when nothing else takes
	 * from the key meanwhile); 0 otherwise. Retry-After is this in
	 * seconds, rounded up.
	 */
	uint64_t retry_after_tsc;
	/**
	 * Cost-1 decisions that would be allowed (or, DELAY, admitted) right
	 * after this one: floor((H - max(TAT - now, 0)) / T(1)), 0..limit
	 * (sl_limit_decide() defines H and T(1)). RateLimit r=.
	 */
	uint64_t remaining;
	/** Until the budget is full again (remaining = limit): max(TAT - now, 0). RateLimit t=. */
	uint64_t reset_tsc;
	/** burst + 1: what a new key may take at once. RateLimit-Policy q=. */
	uint64_t limit;
};

/** What sl_limit_stats() reports. Counters are totals since create. */
struct sl_limit_stats {
	uint64_t capacity;     /**< max_keys (0 with shared_key) */
	uint64_t entries;      /**< keys in the table now: new_keys - expired - flushed */
	uint64_t free_nodes;   /**< nodes in the free list now */
	uint64_t pending;      /**< removed, waiting for a grace period to be reused */
	uint64_t decisions;    /**< decide and take calls that got a verdict: allowed + rejected */
	uint64_t allowed;      /**< served (delayed included); take: granted something */
	uint64_t delayed;      /**< allowed with a delay (DELAY policy) */
	uint64_t rejected;     /**< refused; take: granted nothing */
	uint64_t new_keys;     /**< entries published */
	uint64_t races;	       /**< a new key another worker published first */
	uint64_t overflow;     /**< decisions made on the overflow state (table full) */
	uint64_t errors;       /**< calls refused with -EINVAL / -E2BIG */
	uint64_t expired;      /**< entries removed by sl_limit_expire() */
	uint64_t flushed;      /**< entries removed by sl_limit_flush() */
	uint64_t memory_bytes; /**< nodes + buckets + free list + counters */
};

/**
 * Create a policy and its table.
 *
 * Everything is allocated here, from DPDK memory on @p socket (or
 * SOCKET_ID_ANY): max_keys nodes of 128 bytes, the free list (an MP/MC
 * rte_ring of node pointers), the per-lcore counters, the rculfhash with a
 * fixed bucket count (the power of two >= max_keys, never resized), a
 * random SipHash key (clients choose their keys, not their buckets), and
 * liburcu's default call_rcu thread if it does not exist yet.
 *
 * Table full: a key that finds no free node shares one overflow state with
 * every other such key (the same policy, a single TAT), so a flood of
 * distinct keys can neither bypass the limit nor evict tracked keys; each
 * such decision is counted (`overflow`).
 *
 * @return the limit, or NULL with rte_errno set: EINVAL (units or period_tsc
 *   0, period_tsc >= 2^56, more than 256 units per cycle, a horizon above
 *   SL_LIMIT_HORIZON_MAX, max_keys 0 or above SL_LIMIT_MAX_KEYS without
 *   shared_key, an unknown action), ENOMEM.
 *
 * Context: the control thread, before workers use the limit. Need not be a
 * registered RCU thread.
 */
struct sl_limit *sl_limit_create(const struct sl_limit_params *p, int socket);

/**
 * Fill @p p from a [limit.NAME] for a TSC of @p tsc_hz: units =
 * rate.count, period_tsc = rate.period_s x tsc_hz, burst, action (reject
 * for bandwidth: it is paced with sl_limit_take()), max_keys, and
 * shared_key for key vip and connection (connection: the per-connection
 * states are the caller's, see sl_limit_state_take()). @p p->name points
 * into @p c.
 * @return 0, or -ERANGE when period_tsc overflows. Context: any.
 */
int sl_limit_params_from_conf(struct sl_limit_params *p, const struct sl_conf_limit *c,
			      uint64_t tsc_hz);

/**
 * Destroy a limit: unlink every entry, wait for the removals still in
 * flight (rcu_barrier()), free everything. NULL is accepted.
 *
 * Context: the control thread, once no worker can reach the limit any more.
 * The caller must not be inside rcu_read_lock(); an online qsbr caller is
 * taken offline for the barrier and brought back online.
 */
void sl_limit_destroy(struct sl_limit *l);

/**
 * Decide one request of @p cost units (1 for a request) for @p key.
 *
 * With tat = max(TAT, now), T(c) = ceil(c x T) in ticks (T(1) = T rounded
 * up to a tick), tau = burst x T(1) and the horizon H = tau + T(1) =
 * (burst + 1) x T(1):
 *  - REJECT: new = tat + T(cost). When new - now > H it is rejected, TAT
 *    unchanged, retry_after = new - now - H; else allowed and TAT = new.
 *    A new key takes exactly burst + 1 unit requests at once, the next one
 *    T later; over a long run at a load above the rate, allowed = burst + 1
 *    + rate x duration.
 *  - DELAY: release = tat. When release - now > tau: rejected (the key's
 *    queue is full: at most burst requests wait per key), retry_after =
 *    release - now - tau; else TAT = release + T(cost), delay = release -
 *    now (DELAYED when > 0, else ALLOWED). The caller holds the request on
 *    its timer queue until now + delay, never blocking.
 * The verdict is filled for every result >= 0.
 *
 * @param key  @p len bytes of key material (an IPv4 address, a header or
 *   cookie value), 0..SL_LIMIT_KEY_MAX; ignored (may be NULL) with
 *   shared_key. Identity: its keyed 64-bit SipHash, its length and its
 *   first 32 bytes (keys up to 32 bytes are compared whole).
 * @return SL_LIMIT_ALLOWED, SL_LIMIT_DELAYED, SL_LIMIT_REJECTED; -EINVAL for
 *   cost 0 or a key too long; -E2BIG for a cost above burst + 1 (it could
 *   never conform).
 *
 * Context: a worker (an online urcu-qsbr reader: no rcu_read_lock() needed),
 * or any registered thread inside rcu_read_lock(). No lock; allocates
 * nothing but, for a key seen for the first time, one node from the free
 * list (one ring dequeue and one lock-free list insertion).
 */
int sl_limit_decide(struct sl_limit *l, const void *key, size_t len, uint64_t cost,
		    uint64_t now_tsc, struct sl_limit_verdict *v);

/**
 * Pacing: may @p want units (bytes) go now, and if not all, when?
 *
 * Grants g = min(want, what conforms now) when g >= min(@p min, want) (min
 * 0 counts as 1), else 0, and takes it (TAT = tat + T(g), a REJECT-policy
 * step that never rejects: the burst is how far ahead a sender may get).
 * *wait_tsc is 0 when all of @p want was granted, else the time from now
 * until min(min, want - g) more units conform. The proxy calls it with the
 * bytes it could send, sends *granted, and arms a timer for *wait_tsc. The
 * policy's action does not apply. want 0: granted 0, wait 0.
 *
 * @return 0; -EINVAL for a key too long; -E2BIG when min exceeds what a
 *   full budget grants (it could never be granted).
 * Context: as sl_limit_decide().
 */
int sl_limit_take(struct sl_limit *l, const void *key, size_t len, uint64_t want, uint64_t min,
		  uint64_t now_tsc, uint64_t *granted, uint64_t *wait_tsc);

/**
 * What a cost-1 sl_limit_decide() would return for @p key now, without
 * taking anything: the result, and in @p v the delay or retry it would get,
 * and the key's remaining and reset as they are (nothing taken).
 *
 * @return the result as sl_limit_decide(), or -ENOENT when the key has no
 *   entry (@p v is then a new key's: remaining = limit, reset 0); never
 *   -ENOENT with shared_key. -EINVAL: a key too long.
 * Context: the control thread or a CLI thread, registered, online or offline.
 */
int sl_limit_lookup(struct sl_limit *l, const void *key, size_t len, uint64_t now_tsc,
		    struct sl_limit_verdict *v);

/**
 * Remove entries whose TAT is not after @p now_tsc: they are equivalent to a
 * new key, so removing them changes no decision. Visits up to @p budget
 * entries (0: all), resuming where the previous call stopped. An entry is
 * first marked dead with a compare-and-swap from the TAT it was seen with,
 * then unlinked (cds_lfht_del) and given back to the free list after a
 * grace period (call_rcu): a worker's update that lands first makes the
 * mark fail and keeps the entry; a worker that finds the mark looks up (and
 * inserts) the key again. No update is lost.
 *
 * A worker whose clock reads δ earlier than @p now_tsc may see a removed
 * entry it would still have found δ ahead: it loses at most δ (δ/T units).
 * To keep entries a while after they fall idle (fewer re-inserts), pass
 * now - linger. Also moves the overflow and shared states of a long-idle
 * limit forward (they are never removed), so that they cannot age past the
 * 2^63-tick comparison range.
 *
 * @return how many entries this call removed.
 * Context: the control thread (one caller at a time: the call keeps the
 * walk's position), a registered urcu-qsbr thread, online or offline.
 */
unsigned int sl_limit_expire(struct sl_limit *l, uint64_t now_tsc, unsigned int budget);

/**
 * Forget every key (`clear limits`): every entry is removed as by expiry,
 * whatever its TAT, and the overflow and shared states start afresh (as a
 * new key). @return how many entries were removed.
 * Context: as sl_limit_expire() (may run concurrently with it).
 */
unsigned int sl_limit_flush(struct sl_limit *l);

/** What sl_limit_walk() calls per entry: its first plen (<= 32) of len key bytes, TAT - now. */
typedef void sl_limit_walk_cb(const uint8_t *prefix, size_t plen, size_t len, uint64_t ahead_tsc,
			      void *arg);

/**
 * Call @p cb for every entry, with how far its TAT is ahead of @p now_tsc
 * (0: it is as good as new). The callback must not call back into this
 * limit's control functions.
 * Context: as sl_limit_expire(), any number of walkers at once.
 */
void sl_limit_walk(struct sl_limit *l, uint64_t now_tsc, sl_limit_walk_cb *cb, void *arg);

/**
 * Sum the counters (per lcore, each cache-aligned and written by its lcore
 * only; threads without an lcore id share one slot with atomic adds): a
 * moment's approximation while workers run, exact once they stop.
 * Context: any thread.
 */
void sl_limit_stats(const struct sl_limit *l, struct sl_limit_stats *s);

/** The name given to create. Context: any. */
const char *sl_limit_name(const struct sl_limit *l);

/**
 * The time an empty budget takes to fill: (burst + 1) x T, in cycles rounded
 * up. RateLimit-Policy w= is this in seconds (rounded up) with q = limit.
 * Context: any.
 */
uint64_t sl_limit_window_tsc(const struct sl_limit *l);

/* ------------------------------------------------------------------ */
/* A state the caller keeps (key = connection) */

/** One key's state outside any table: put it in the connection record. */
struct sl_limit_state {
	uint64_t tat; /**< theoretical arrival time, ticks; atomic */
};

/**
 * Make @p s a new key's state. It holds no TAT yet, which reads as new at
 * any clock: @p now_tsc is not needed and is ignored. Context: any.
 */
void sl_limit_state_init(struct sl_limit_state *s, uint64_t now_tsc);

/**
 * sl_limit_decide() and sl_limit_take() on a state of the caller's under
 * @p l's policy (usually a shared_key limit made for the purpose). The state
 * is updated with the same compare-and-swap, so it may even be shared.
 * Counted in @p l's stats. Context: any thread; no RCU needed.
 */
int sl_limit_state_decide(struct sl_limit *l, struct sl_limit_state *s, uint64_t cost,
			  uint64_t now_tsc, struct sl_limit_verdict *v);
int sl_limit_state_take(struct sl_limit *l, struct sl_limit_state *s, uint64_t want, uint64_t min,
			uint64_t now_tsc, uint64_t *granted, uint64_t *wait_tsc);

/* ------------------------------------------------------------------ */
/* Concurrent connections per client */

struct sl_limit_conn;

/** sl_limit_conn_acquire(): allowed, but not counted (table full): do not release. */
#define SL_LIMIT_CONN_UNTRACKED 1

/** What sl_limit_conn_stats() reports. Counters are totals since create. */
struct sl_limit_conn_stats {
	uint64_t capacity; /**< max_keys */
	uint64_t entries;  /**< clients in the table now (open connections or not yet expired) */
	uint64_t free_nodes;
	uint64_t pending;    /**< removed, waiting for a grace period */
	uint64_t acquired;   /**< acquire calls that returned 0 */
	uint64_t busy;	     /**< acquire calls refused: the client had max already */
	uint64_t untracked;  /**< acquire calls allowed uncounted: table full (fail-open) */
	uint64_t released;   /**< release calls that found a count to decrement */
	uint64_t unbalanced; /**< release calls that found none (a caller's bug) */
	uint64_t new_keys;
	uint64_t races;
	uint64_t expired; /**< idle entries (count 0) removed */
	uint64_t memory_bytes;
};

/**
 * Create a table of up to @p max_keys clients, allocated as sl_limit_create()
 * does (64-byte nodes). When it is full, a client without an entry is let
 * in uncounted (fail-open, counted `untracked`): a shared overflow count
 * would let a flood of spoofed-looking addresses lock every new client out,
 * and [vip] max_conns still bounds the total. Size it to the connections the
 * gateway can hold ([tcp] max_conns x workers) and it is full only of idle
 * entries waiting for sl_limit_conn_expire().
 * @return the table, or NULL with rte_errno EINVAL (0 or above
 *   SL_LIMIT_MAX_KEYS) or ENOMEM. Context: as sl_limit_create().
 */
struct sl_limit_conn *sl_limit_conn_create(uint32_t max_keys, int socket);

/** As sl_limit_destroy(). */
void sl_limit_conn_destroy(struct sl_limit_conn *t);

/**
 * Count one more connection of @p client, unless it has @p max already.
 * @return 0 (call sl_limit_conn_release() when the connection ends),
 *   SL_LIMIT_CONN_UNTRACKED (allowed, table full: do not release), -EBUSY
 *   (it has max: refuse the connection), -EINVAL (max 0).
 * Context: as sl_limit_decide(). Allocates one free-list node for a new client.
 */
int sl_limit_conn_acquire(struct sl_limit_conn *t, uint32_t client, uint32_t max);

/**
 * One connection of @p client ended (after an acquire that returned 0).
 * The entry stays, with its count at 0, until sl_limit_conn_expire().
 * @return 0, or -ENOENT when @p client has no count to decrement.
 * Context: as sl_limit_decide().
 */
int sl_limit_conn_release(struct sl_limit_conn *t, uint32_t client);

/** Connections @p client has now (0 without an entry). Context: as sl_limit_decide(). */
uint32_t sl_limit_conn_count(struct sl_limit_conn *t, uint32_t client);

/**
 * Remove entries whose count is 0 (marked dead with a CAS 0 -> dead first,
 * so a concurrent acquire either lands before and keeps the entry, or sees
 * the mark and inserts anew: no count is lost). Visits up to @p budget
 * entries (0: all), resuming where the previous call stopped.
 * @return how many were removed. Context: as sl_limit_expire().
 */
unsigned int sl_limit_conn_expire(struct sl_limit_conn *t, unsigned int budget);

/** What sl_limit_conn_walk() calls per entry. */
typedef void sl_limit_conn_walk_cb(uint32_t client, uint32_t count, void *arg);

/** Call @p cb for every entry. Context: as sl_limit_walk(). */
void sl_limit_conn_walk(struct sl_limit_conn *t, sl_limit_conn_walk_cb *cb, void *arg);

/** As sl_limit_stats(). */
void sl_limit_conn_stats(const struct sl_limit_conn *t, struct sl_limit_conn_stats *s);

#endif /* SL_LIMIT_H */
