/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Session affinity: which backend a client sticks to.
 *
 * Two mechanisms, used by the proxy after the algorithm's pick:
 *
 *  - Source affinity: a table client IPv4 address -> backend index, shared by
 *    every worker. A liburcu rculfhash with a fixed bucket count and nodes
 *    from a preallocated pool, so that nothing on a worker allocates, locks
 *    or waits: lookups are wait-free reads, inserts one lock-free list
 *    operation, and the only thing a worker writes into a shared entry is
 *    its last-use time (and, rarely, its backend). Entries are removed by
 *    the control thread only: idle ones (expiry) and, when the table is more
 *    than 90% full, the least recently used ones (the size bound); each
 *    removed node goes back to the pool through call_rcu, after a grace
 *    period.
 *
 *  - Sticky cookie: a cookie the gateway sets whose value names the backend
 *    opaquely and cannot be forged without the key (a SipHash-2-4 MAC over
 *    the VIP and the backend's name), so any worker, and any other sluice
 *    instance with the same key, routes it the same way with no shared state.
 *
 * RCU contract (urcu-qsbr). Workers are registered qsbr readers that stay
 * online and call rcu_quiescent_state() between poll-loop iterations: in the
 * qsbr flavour the whole online period is a read-side section, so the worker
 * calls (lookup, insert, update) take no rcu_read_lock() themselves and a
 * node they hold stays valid until the worker's next quiescent state. Any
 * other registered thread may call them inside rcu_read_lock() while online.
 * The control-thread calls (expire, forget_backend, flush, walk) bring the
 * calling thread online for their duration and leave it as they found it,
 * so a control thread can stay offline between them (and so never holds up
 * a grace period).
 *
 * Addresses are in network byte order (rte_be32_t); times are TSC cycles.
 */
#ifndef SL_AFFINITY_H
#define SL_AFFINITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>

/* ------------------------------------------------------------------ */
/* Source affinity table */

struct sl_affinity;

/** What sl_affinity_stats() reports. Counters are totals since create. */
struct sl_affinity_stats {
	uint64_t capacity;     /**< max_entries given to create */
	uint64_t entries;      /**< entries in the table now (inserts - removed) */
	uint64_t free_nodes;   /**< nodes in the free list now */
	uint64_t pending;      /**< removed, waiting for a grace period to be reused */
	uint64_t lookups;      /**< sl_affinity_lookup() calls: hits + misses */
	uint64_t hits;	       /**< lookups that found an entry */
	uint64_t misses;       /**< lookups that found none */
	uint64_t inserts;      /**< entries published (by insert or update) */
	uint64_t races;	       /**< inserts that found an entry already (another worker's) */
	uint64_t updates;      /**< entries whose backend was changed in place */
	uint64_t full;	       /**< inserts refused: no free node (-ENOSPC) */
	uint64_t expired;      /**< removed idle (ttl) */
	uint64_t evicted;      /**< removed by the size bound (least recently used) */
	uint64_t forgotten;    /**< removed by sl_affinity_forget_backend() / flush */
	uint64_t memory_bytes; /**< nodes + buckets + free list + counters */
};

/**
 * Create a table for up to @p max_entries clients.
 *
 * Everything is allocated here, from DPDK memory on @p socket (or
 * SOCKET_ID_ANY): the nodes, the free list (an MP/MC rte_ring of node
 * pointers), the per-lcore counters, and the rculfhash with a fixed bucket
 * count (the power of two >= max_entries: a load factor of 1 at most, no
 * resize ever). It also makes sure liburcu's default call_rcu thread exists,
 * so that the first removal does not create it.
 *
 * @param ttl_tsc an entry idle (not looked up) for longer than this is
 *   removed by sl_affinity_expire(); 0: never by idleness, only by the size
 *   bound.
 * @return the table, or NULL with rte_errno set (EINVAL: max_entries 0 or
 *   above 2^28; ENOMEM).
 *
 * Context: the control thread, before workers use the table. Need not be a
 * registered RCU thread.
 */
struct sl_affinity *sl_affinity_create(uint32_t max_entries, uint64_t ttl_tsc, int socket);

/**
 * Destroy a table: unlink every entry, wait for the removals still in flight
 * (rcu_barrier()), free everything. NULL is accepted.
 *
 * Context: the control thread, once no worker can reach the table any more
 * (workers stopped, or the table unpublished and a grace period passed).
 * The caller must not be inside rcu_read_lock(); if it is an online qsbr
 * thread it is taken offline for the barrier (which could never end
 * otherwise) and brought back online.
 */
void sl_affinity_destroy(struct sl_affinity *a);

/**
 * The backend recorded for @p client, or -1 when there is none.
 *
 * A hit refreshes the entry's last-use time with a relaxed atomic store,
 * only when it is older than ttl/64 (so a busy client does not bounce the
 * entry's cache line between workers on every request); expiry allows for
 * that slack, so an entry is never removed before it has really been idle
 * for ttl_tsc.
 *
 * Context: a worker (an online urcu-qsbr reader between quiescent states: no
 * rcu_read_lock() needed), or any registered thread inside rcu_read_lock().
 * Allocates nothing, takes no lock.
 */
int sl_affinity_lookup(struct sl_affinity *a, rte_be32_t client, uint64_t now_tsc);

/**
 * Record @p client -> @p backend, unless the client already has an entry.
 *
 * Takes a node from the free list and publishes it with
 * cds_lfht_add_unique(). When another worker published an entry for the same
 * client first, the node (never visible to anyone) goes straight back to the
 * free list and the existing entry wins, so that both workers agree.
 *
 * @return the backend now recorded for @p client: @p backend when this call
 *   inserted it (or the entry already said so), another index when another
 *   worker got there first (route there); -ENOSPC when the free list is
 *   empty and the client has no entry (counted as `full`: use the
 *   algorithm's pick, affinity is not recorded). Note: not "0 on success", since 0 is a valid backend index.
 *
 * Context: as sl_affinity_lookup(). Allocates nothing: one ring dequeue, one
 * lock-free list insertion.
 */
int sl_affinity_insert(struct sl_affinity *a, rte_be32_t client, uint16_t backend,
		       uint64_t now_tsc);

/**
 * Re-pin @p client to @p backend (its affine backend went down or drains and
 * the proxy picked another): the backend is replaced in place, with a 16-bit
 * atomic store in the entry, and the last-use time refreshed. Readers see
 * the old backend or the new one, never anything else. Inserts when the
 * entry is gone (expired meanwhile).
 *
 * In place rather than cds_lfht_replace(): a replace needs a second node, a
 * grace period and a call_rcu for the old one, and could fail with an empty
 * free list; the value is one word, so a store is already atomic. Two
 * workers re-pinning the same client at once: the last store wins (both
 * picked a usable backend).
 *
 * @return 0, or -ENOSPC when the entry had to be inserted and no node was
 *   free.
 *
 * Context: as sl_affinity_lookup().
 */
int sl_affinity_update(struct sl_affinity *a, rte_be32_t client, uint16_t backend,
		       uint64_t now_tsc);

/**
 * Remove idle entries and enforce the size bound.
 *
 * Visits up to @p budget entries (0: all), resuming where the previous call
 * stopped (a full pass of the table takes size/budget calls), and removes
 *  - every visited entry idle for more than ttl_tsc (+ the ttl/64 refresh
 *    slack, see sl_affinity_lookup()), counted as `expired`;
 *  - when more than 90% of max_entries are in use after that, the entries
 *    with the oldest last use among those visited, until 90% is reached
 *    (approximate LRU: at most 4096 per call), counted as `evicted`.
 * Removal is cds_lfht_del() then call_rcu(): the node returns to the free
 * list after a grace period, when no worker can still hold it.
 *
 * A worker may refresh an entry at the very moment it is found idle and
 * removed; that client's next request simply misses and is re-pinned.
 *
 * @return how many entries this call removed.
 *
 * Context: the control thread (one caller at a time: the call keeps the
 * walk's position in the table), a registered urcu-qsbr thread, online or
 * offline: it is brought online for the call and left as it was.
 */
unsigned int sl_affinity_expire(struct sl_affinity *a, uint64_t now_tsc, unsigned int budget);

/**
 * Remove every entry pointing at @p backend (a backend being removed from
 * the configuration). Remove it from the pools first and wait for a grace
 * period, so that no worker inserts it again meanwhile.
 *
 * @return how many entries were removed (counted as `forgotten`).
 *
 * Context: as sl_affinity_expire() (may run concurrently with it: a node is
 * unlinked, and freed, by whichever call unlinks it first).
 */
unsigned int sl_affinity_forget_backend(struct sl_affinity *a, uint16_t backend);

/**
 * Remove every entry (backend indexes changed across a reload, or `clear
 * sessions`). @return how many were removed (counted as `forgotten`).
 *
 * Context: as sl_affinity_forget_backend().
 */
unsigned int sl_affinity_flush(struct sl_affinity *a);

/** What sl_affinity_walk() calls for each entry. */
typedef void sl_affinity_walk_cb(rte_be32_t client, uint16_t backend, uint64_t idle_tsc, void *arg);

/**
 * Call @p cb for every entry, with its idle time at the walk's start (0 when
 * it was used after that). The callback must not call back into this table's
 * control functions.
 *
 * Context: as sl_affinity_expire(), any number of walkers at once.
 */
void sl_affinity_walk(struct sl_affinity *a, sl_affinity_walk_cb *cb, void *arg);

/**
 * Sum the counters. Counters are per lcore (each cache-aligned and written
 * by its lcore only; threads without an lcore id share one slot with atomic
 * adds), so this sum is a moment's approximation while workers run, and
 * exact once they are stopped.
 *
 * Context: any thread.
 */
void sl_affinity_stats(const struct sl_affinity *a, struct sl_affinity_stats *s);

/* ------------------------------------------------------------------ */
/* Sticky cookie */

/** A 128-bit SipHash key: k0 is bytes 0..7 of the key, little-endian, k1 bytes 8..15. */
struct sl_cookie_key {
	uint64_t k0;
	uint64_t k1;
};

/** Length of a cookie value made by sl_affinity_cookie_make(). */
#define SL_AFFINITY_COOKIE_LEN 14

/**
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * INDOCRYPT 2012) of @p len bytes, 64-bit output. Exposed for the test
 * vectors and for deriving stable identifiers (sl_affinity_cookie_vip_id()).
 * Context: any.
 */
uint64_t sl_affinity_siphash(const struct sl_cookie_key *k, const void *data, size_t len);

/** Set @p k from 16 raw key bytes. Context: any. */
void sl_affinity_cookie_key(struct sl_cookie_key *k, const uint8_t raw[16]);

/**
 * Set @p k from a config key of @p len bytes (struct sl_vip_conf cookie_key):
 * 16 bytes are the key; 32 bytes are folded to 16 (first half XOR second
 * half: SipHash's key is 128 bits, so a longer random key adds no strength,
 * and every instance folds it the same way).
 * @return 0, or -EINVAL for another length. Context: any.
 */
int sl_affinity_cookie_key_set(struct sl_cookie_key *k, const uint8_t *raw, size_t len);

/**
 * Set @p k from 32 hexadecimal digits (a config value).
 * @return 0, or -EINVAL (not exactly 32 hex digits). Context: any.
 */
int sl_affinity_cookie_key_parse(struct sl_cookie_key *k, const char *hex);

/**
 * A VIP identifier for the cookie MAC that stays the same across reloads and
 * instances: a keyed hash of the VIP's name (not its index). Context: any.
 */
uint32_t sl_affinity_cookie_vip_id(const struct sl_cookie_key *k, const char *vip_name);

/**
 * Build the cookie value for @p backend of VIP @p vip_id:
 *
 *   base64url-nopad( backend (16 bits, big-endian) || MAC (64 bits, big-endian) )
 *   MAC = SipHash-2-4_k( "SLc1" || vip_id (32 bits, LE) || backend (16 bits, BE)
 *                        || backend_name )
 *
 * 10 bytes, SL_AFFINITY_COOKIE_LEN (14) characters of [A-Za-z0-9_-], which
 * need no quoting in a cookie. No issue time: the value is the same wherever
 * and whenever it is made, so every worker and every instance with the same
 * key sets the same cookie (expiry is the cookie's Max-Age).
 *
 * @p backend is the 16-bit identifier that @p name_of maps back to a name in
 * sl_affinity_cookie_check(): the backend's index, or better a stable id if
 * the caller keeps one. The MAC covers both the id and the backend's NAME, so
 * a cookie is valid wherever that id names the same backend (every worker,
 * another instance with the same key and backends, a reload that keeps the
 * ids), and is rejected, never misrouted, where the id now names another
 * backend (a reload that reordered them): the client is then re-pinned.
 * @p vip_id should be stable too: sl_affinity_cookie_vip_id() of the name.
 *
 * @return the value's length (14), NUL-terminated in @p out; 0 when @p outlen
 *   < 15 or @p backend_name is NULL.
 * Context: any. Allocates nothing.
 */
size_t sl_affinity_cookie_make(const struct sl_cookie_key *k, uint32_t vip_id, uint16_t backend,
			       const char *backend_name, char *out, size_t outlen);

/**
 * Check a cookie value (@p len bytes, no NUL needed) made by
 * sl_affinity_cookie_make() for VIP @p vip_id: decode it (exactly 14
 * characters of the base64url alphabet, canonical: the unused low bits of
 * the last character zero), ask @p name_of for the name of the backend it
 * names (NULL: no such backend now), recompute the MAC over that name and
 * compare the two in constant time.
 *
 * @return 0 and *backend_out set when valid; -EINVAL when malformed,
 *   truncated, extended, forged, made with another key or for another VIP,
 *   or naming a backend that does not exist or has another name now.
 * Context: any. Allocates nothing.
 */
int sl_affinity_cookie_check(const struct sl_cookie_key *k, uint32_t vip_id, const char *value,
			     size_t len, uint16_t *backend_out,
			     const char *(*name_of)(uint16_t backend, void *arg), void *arg);

/**
 * Find the cookie @p name in a Cookie header field value of @p len bytes
 * (RFC 6265 §4.2.1 / §5.4: "a=b; c=d"). Parsing is lenient as servers are:
 * pairs are split on ';', spaces and tabs around names and values are
 * ignored, a pair without '=' is skipped; names compare case-sensitively; a
 * value in double quotes is returned without them. When the name appears
 * more than once the first wins: browsers send the cookie with the longest
 * (most specific) path first (RFC 6265 §5.4 step 2).
 *
 * @return 0 with *value / *vlen pointing into @p cookie_header (no copy), or
 *   -ENOENT. Context: any.
 */
int sl_affinity_cookie_find(const char *cookie_header, size_t len, const char *name,
			    const char **value, size_t *vlen);

/**
 * Build a Set-Cookie field value (RFC 6265 §4.1):
 *   name=value[; Path=path][; Max-Age=n][; Secure][; HttpOnly][; SameSite=s]
 * @p path NULL: no Path; @p max_age 0: no Max-Age (a session cookie);
 * @p samesite NULL: none, else "Strict", "Lax" or "None" (any case; written
 * in that spelling), and "None" requires @p secure (browsers drop it otherwise).
 *
 * @return the length written (NUL-terminated), or 0 when @p out is too small
 *   or an argument is invalid: name not a token, value not cookie-octets,
 *   path with a control character or ';', unknown SameSite.
 * Context: any.
 */
size_t sl_affinity_set_cookie(char *out, size_t len, const char *name, const char *value,
			      const char *path, uint32_t max_age, bool httponly, bool secure,
			      const char *samesite);

#endif /* SL_AFFINITY_H */
