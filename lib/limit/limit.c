/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GCRA limits: a policy, and key -> theoretical arrival time (TAT) in an
 * rculfhash over preallocated nodes shared by every worker.
 *
 * The arithmetic (docs/limits.md has it with examples). Times are ticks of
 * 2^-8 cycle, compared modulo 2^64. The policy's emission interval is the
 * rational T = num / den ticks (num = period_tsc << 8, den = units), and c
 * units cost T(c) = ceil(c x num / den) ticks: exact to a tick per call
 * (rounded up, so never above the rate), one multiply for c = 1 (T(1) is
 * kept) and a 128-by-64-bit division otherwise. With tat = max(TAT, now):
 *
 *   REJECT   new = tat + T(c); conforms iff new - now <= H, H = (burst+1) T(1)
 *   DELAY    conforms iff tat - now <= tau = burst T(1); TAT = tat + T(c)
 *   take     grants the largest g <= want with tat + T(g) - now <= H,
 *            i.e. g = floor((H - (tat - now)) x den / num)
 *
 * H is (burst + 1) x T(1), not ceil((burst + 1) x T): burst + 1 unit
 * requests at once cost exactly (burst + 1) x T(1), and so a new key takes
 * exactly burst + 1 of them (nginx's limit_req burst=N nodelay takes N + 1)
 * whatever the rounding of T. A retry after new - now - H (REJECT) or
 * tat - now - tau (DELAY) ticks conforms, and one cycle less does not.
 *
 * One word of state: TAT is all GCRA needs (the leaky bucket's level is
 * TAT - now), so a decision is a load, a compare and one compare-and-swap;
 * a rejection writes nothing. Two sentinels: LIM_NEW (a state never used:
 * the overflow and shared states at create, a flushed one, a caller's new
 * sl_limit_state) reads as "no TAT", LIM_DEAD marks a node being removed; a
 * computed TAT that would equal either is moved on by two ticks.
 *
 * Old states: TAT - now above `stale` (3 x 2^61 ticks, 2^55 cycles) is a
 * TAT so far in the past that it wrapped around: it reads as no TAT, like a
 * TAT in the past. The expiry removes entries long before (TAT <= now), and
 * moves the two states it never removes forward. `stale` is not tied to the
 * horizon: a caller's clock can be old by much more than the horizon (a
 * worker descheduled between reading the TSC and its compare-and-swap, on a
 * loaded machine), and such a caller must see the TAT as ahead (and be
 * refused), not as wrapped: reading it as no TAT would move the TAT back and
 * hand out a whole burst. Measured: with the window at 2 H + 2^36 ticks, a
 * 50/s burst 10 policy under wrk on a 2-core VM running other loads at the
 * same time admitted 634 in 10 s instead of 511.
 *
 * Who writes what:
 *   workers   take a node from the free list (MP/MC rte_ring) and publish it
 *             (cds_lfht_add_unique); CAS a TAT forward. They never unlink.
 *   control   marks a node dead (CAS TAT -> LIM_DEAD from the value it saw),
 *             unlinks it (cds_lfht_del) and gives it back to the free list
 *             from the call_rcu thread after a grace period.
 * A node's key never changes while it is reachable: written before the
 * node is published (add_unique has a full barrier) and reused only after
 * a grace period, when no reader can still see it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "limit_priv.h"

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "sl_affinity.h" /* sl_affinity_siphash() */

RTE_LOG_REGISTER_SUFFIX(sl_limit_logtype, limit, INFO);

#define LIM_F	 SL_LIMIT_FRAC_BITS
#define LIM_NEW	 (UINT64_MAX - 1)    /* no TAT: as a key never seen */
#define LIM_DEAD UINT64_MAX	     /* the node is being removed */
#define LIM_SKEW (UINT64_C(1) << 36) /* 2^28 cycles: far more than two callers' clocks differ */
#define LIM_STALE (UINT64_C(3) << 61) /* TAT - now above this: wrapped (see above) */
#define LIM_IDLE_MOV \
	(UINT64_C(1) << 40) /* the expiry resets an overflow/shared state idle this long */
#define LIM_PERIOD_MAX (UINT64_C(1) << 56)
#define LIM_RETRY      (-EAGAIN) /* the node is dead: look the key up again */

_Static_assert(2 * SL_LIMIT_HORIZON_MAX + LIM_SKEW <= LIM_STALE && LIM_STALE < (UINT64_C(1) << 63),
	       "every state ahead of now compares as positive, and is not read as wrapped");

/* The policy, in ticks. Read-only after create. */
struct lim_policy {
	uint64_t num;	   /* period_tsc << 8: T = num / den ticks */
	uint64_t den;	   /* units */
	uint64_t t1;	   /* T(1) = ceil(num / den) */
	uint64_t tau;	   /* burst x T(1) */
	uint64_t horizon;  /* H = (burst + 1) x T(1) */
	uint64_t stale;	   /* TAT - now above this: wrapped, read as no TAT */
	uint64_t limit;	   /* burst + 1 */
	uint64_t take_max; /* floor(H x den / num): what a full budget grants */
	enum sl_limit_action action;
};

/*
 * One key. Two cache lines: the first holds what every decision reads and
 * the one word it writes (so a key's updates do not invalidate another
 * key's entry on the other workers), the second what only a hash match, the
 * CLI and the removal read.
 */
struct lim_node {
	struct cds_lfht_node node;
	uint64_t tat;  /* atomic, relaxed: the whole state */
	uint64_t hash; /* keyed SipHash-2-4 of the whole key; the rculfhash hash too */
	uint16_t len;  /* the key's length */
	uint8_t plen;  /* bytes of prefix used: min(len, 32) */
	uint8_t pad[5];
	uint8_t prefix[SL_LIMIT_PREFIX_MAX];
	struct sl_limit *l; /* for the call_rcu callback */
	struct rcu_head rcu;
} __rte_cache_aligned;

/* What a lookup compares: a node matches on hash, length and prefix, and is not dead. */
struct lim_key {
	uint64_t hash;
	const uint8_t *bytes;
	uint16_t len;
};

/* Counters of one lcore, written by that lcore only. */
struct lim_lcore {
	uint64_t decisions;
	uint64_t allowed;
	uint64_t delayed;
	uint64_t rejected;
	uint64_t new_keys;
	uint64_t races;
	uint64_t overflow;
	uint64_t errors;
} __rte_cache_aligned;

/* A state word on a line of its own: every worker CASes it. */
struct lim_word {
	uint64_t tat;
} __rte_cache_aligned;

struct sl_limit {
	struct lim_policy p;
	struct sl_cookie_key hkey;
	bool shared;
	uint32_t max;
	unsigned long buckets;
	struct cds_lfht *ht;
	struct rte_ring *free; /* struct lim_node *, MP/MC */
	struct lim_node *nodes;
	char name[SL_NAME_MAX];
	/* The control thread's: where the expiry walk resumes. */
	bool cursor_valid;
	uint16_t cursor_len;
	uint64_t cursor_hash;
	uint8_t cursor_prefix[SL_LIMIT_PREFIX_MAX];
	/* Control-side counters: rare, possibly two control threads: atomics. */
	uint64_t expired;
	uint64_t flushed;
	struct lim_word shared_state; /* shared_key: the only state */
	struct lim_word overflow;     /* table full: every key without an entry */
	/* [RTE_MAX_LCORE]: threads without an lcore id share it, with atomic adds. */
	struct lim_lcore lc[RTE_MAX_LCORE + 1];
};

static unsigned int lim_uid;

/* ------------------------------------------------------------------ */
/* The arithmetic */

static inline uint64_t
lim_ticks(uint64_t tsc)
{
	return tsc << LIM_F; /* modulo 2^64: only differences are used */
}

/* Ticks to cycles, rounded up: a caller waiting that long has waited long enough. */
static inline uint64_t
lim_tsc(uint64_t ticks)
{
	return (ticks >> LIM_F) + ((ticks & ((UINT64_C(1) << LIM_F) - 1)) != 0);
}

/* max(TAT, now) in the modular sense; no TAT, a TAT in the past or a wrapped one: now. */
static inline uint64_t
lim_base(const struct lim_policy *p, uint64_t tat, uint64_t now)
{
	uint64_t ahead = tat - now;

	if (tat == LIM_NEW || (int64_t)ahead <= 0 || ahead > p->stale)
		return now;
	return tat;
}

/* T(c) = ceil(c x T) ticks, for 1 <= c <= 2^61. */
static inline uint64_t
lim_cost(const struct lim_policy *p, uint64_t c)
{
	if (likely(c == 1))
		return p->t1;
	return (uint64_t)(((unsigned __int128)c * p->num + p->den - 1) / p->den);
}

/* A TAT to store: never one of the sentinels (two ticks later is as good). */
static inline uint64_t
lim_fix(uint64_t tat)
{
	return tat >= LIM_NEW ? tat + 2 : tat;
}

/* remaining, reset and limit of a state @p ahead ticks ahead of now. */
static inline void
lim_fill(const struct lim_policy *p, uint64_t ahead, struct sl_limit_verdict *v)
{
	v->limit = p->limit;
	v->reset_tsc = lim_tsc(ahead);
	v->remaining = ahead < p->horizon ? (p->horizon - ahead) / p->t1 : 0;
}

/* One decide or take, with its inputs and results. */
struct lim_op {
	bool take;
	uint64_t cost;		    /* decide */
	struct sl_limit_verdict *v; /* decide */
	int rc;			    /* decide */
	uint64_t want, min;	    /* take (min: 1..want) */
	uint64_t granted, wait;	    /* take; wait in ticks */
};

/*
 * The operation on a state whose TAT is @p old: fills op's results and
 * returns true with *new the TAT to store, or false when nothing changes.
 */
static bool
lim_step(const struct lim_policy *p, uint64_t old, uint64_t now, struct lim_op *op, uint64_t *new)
{
	uint64_t base = lim_base(p, old, now);
	uint64_t ahead = base - now;

	if (!op->take) {
		struct sl_limit_verdict *v = op->v;
		uint64_t c = lim_cost(p, op->cost);
		bool delay = p->action == SL_LIMIT_DELAY;

		if (delay ? ahead > p->tau : ahead + c > p->horizon) {
			op->rc = SL_LIMIT_REJECTED;
			lim_fill(p, ahead, v);
			v->delay_tsc = 0;
			v->retry_after_tsc =
				lim_tsc(delay ? ahead - p->tau : ahead + c - p->horizon);
			return false;
		}
		*new = lim_fix(base + c);
		op->rc = delay && ahead != 0 ? SL_LIMIT_DELAYED : SL_LIMIT_ALLOWED;
		lim_fill(p, ahead + c, v);
		v->delay_tsc = delay ? lim_tsc(ahead) : 0;
		v->retry_after_tsc = 0;
		return true;
	}

	uint64_t avail = ahead < p->horizon ? p->horizon - ahead : 0;
	uint64_t n = (uint64_t)((unsigned __int128)avail * p->den / p->num);
	uint64_t g = RTE_MIN(op->want, n), cg;

	if (op->want == 0) {
		op->granted = 0;
		op->wait = 0;
		return false;
	}
	if (g < op->min) {
		/* T(min) > avail: min units conform once ahead + T(min) - H has passed. */
		op->granted = 0;
		op->wait = ahead + lim_cost(p, op->min) - p->horizon;
		return false;
	}
	cg = lim_cost(p, g);
	*new = lim_fix(base + cg);
	op->granted = g;
	/* g < want means g = n: the next unit does not fit, so the wait is > 0. */
	op->wait = g == op->want ?
			   0 :
			   ahead + cg + lim_cost(p, RTE_MIN(op->min, op->want - g)) - p->horizon;
	return true;
}

/* The operation on a state word; LIM_RETRY when it is (or turns) dead. */
static int
lim_apply(const struct lim_policy *p, uint64_t *word, uint64_t now, struct lim_op *op)
{
	uint64_t old = __atomic_load_n(word, __ATOMIC_RELAXED), new;

	for (;;) {
		if (unlikely(old == LIM_DEAD))
			return LIM_RETRY;
		if (!lim_step(p, old, now, op, &new))
			return 0;
		/* The word is the whole state: no other memory is ordered by it. */
		if (__atomic_compare_exchange_n(word, &old, new, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return 0;
	}
}

/* ------------------------------------------------------------------ */
/* The table */

static int
lim_match(struct cds_lfht_node *node, const void *key)
{
	const struct lim_node *n = caa_container_of(node, struct lim_node, node);
	const struct lim_key *k = key;

	return n->hash == k->hash && n->len == k->len &&
	       (n->plen == 0 || memcmp(n->prefix, k->bytes, n->plen) == 0) &&
	       __atomic_load_n(&n->tat, __ATOMIC_RELAXED) != LIM_DEAD;
}

static struct lim_node *
lim_find(struct sl_limit *l, const struct lim_key *k)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(l->ht, k->hash, lim_match, k, &it);
	node = cds_lfht_iter_get_node(&it);
	return node == NULL ? NULL : caa_container_of(node, struct lim_node, node);
}

/*
 * A key without an entry: publish one holding the operation's outcome on a
 * new state (*done), or use the overflow state when no node is free
 * (*done), or return the entry another worker published first (not done:
 * the caller applies the operation to it).
 */
static struct lim_node *
lim_insert(struct sl_limit *l, const struct lim_key *k, uint64_t now, struct lim_op *op, bool *done)
{
	struct cds_lfht_node *old;
	struct lim_node *n;
	uint64_t tat;
	void *p;

	*done = true;
	/* On a new state: a decide always conforms (cost <= burst + 1), a take grants >= min. */
	if (!lim_step(&l->p, LIM_NEW, now, op, &tat))
		return NULL; /* nothing to record (take of 0) */
	if (unlikely(rte_ring_dequeue(l->free, &p) != 0)) {
		/* Full: still share the entry a worker made for this key meanwhile. */
		n = lim_find(l, k);
		if (n != NULL) {
			LIM_COUNT(l->lc, races);
			*done = false;
			return n;
		}
		LIM_COUNT(l->lc, overflow);
		lim_apply(&l->p, &l->overflow.tat, now, op); /* never dead */
		return NULL;
	}
	n = p;
	n->hash = k->hash;
	n->len = k->len;
	n->plen = (uint8_t)RTE_MIN(k->len, SL_LIMIT_PREFIX_MAX);
	if (n->plen != 0)
		memcpy(n->prefix, k->bytes, n->plen);
	n->tat = tat;
	/* Full barrier before the commit: a reader that finds n sees the fields above. */
	old = cds_lfht_add_unique(l->ht, k->hash, lim_match, k, &n->node);
	if (old != &n->node) {
		/* Never published, so no reader can hold it: reusable at once. */
		rte_ring_enqueue(l->free, n);
		LIM_COUNT(l->lc, races);
		*done = false;
		return caa_container_of(old, struct lim_node, node);
	}
	LIM_COUNT(l->lc, new_keys);
	return NULL;
}

/* The operation on @p key's state (an entry, the overflow state, or the shared one). */
static void
lim_run(struct sl_limit *l, const void *key, size_t len, uint64_t now_tsc, struct lim_op *op)
{
	uint64_t now = lim_ticks(now_tsc);
	struct lim_node *n;
	struct lim_key k;
	bool done;

	if (l->shared) {
		lim_apply(&l->p, &l->shared_state.tat, now, op);
		return;
	}
	k.hash = sl_affinity_siphash(&l->hkey, key, len);
	k.bytes = key;
	k.len = (uint16_t)len;
	for (;;) {
		n = lim_find(l, &k);
		if (n == NULL) {
			n = lim_insert(l, &k, now, op, &done);
			if (done)
				return;
		}
		/* Dead: expired under us; a second lookup misses it and inserts afresh. */
		if (lim_apply(&l->p, &n->tat, now, op) == 0)
			return;
	}
}

static void
lim_count(struct sl_limit *l, int rc)
{
	LIM_COUNT(l->lc, decisions);
	if (rc == SL_LIMIT_REJECTED) {
		LIM_COUNT(l->lc, rejected);
		return;
	}
	LIM_COUNT(l->lc, allowed);
	if (rc == SL_LIMIT_DELAYED)
		LIM_COUNT(l->lc, delayed);
}

static int
lim_check_decide(struct sl_limit *l, size_t len, uint64_t cost)
{
	if (unlikely(cost == 0 || len > SL_LIMIT_KEY_MAX)) {
		LIM_COUNT(l->lc, errors);
		return -EINVAL;
	}
	if (unlikely(cost > l->p.limit)) {
		LIM_COUNT(l->lc, errors);
		return -E2BIG;
	}
	return 0;
}

int
sl_limit_decide(struct sl_limit *l, const void *key, size_t len, uint64_t cost, uint64_t now_tsc,
		struct sl_limit_verdict *v)
{
	struct lim_op op = { .take = false, .cost = cost, .v = v };
	int rc = lim_check_decide(l, len, cost);

	if (rc != 0)
		return rc;
	lim_run(l, key, len, now_tsc, &op);
	lim_count(l, op.rc);
	return op.rc;
}

int
sl_limit_state_decide(struct sl_limit *l, struct sl_limit_state *s, uint64_t cost, uint64_t now_tsc,
		      struct sl_limit_verdict *v)
{
	struct lim_op op = { .take = false, .cost = cost, .v = v };
	int rc = lim_check_decide(l, 0, cost);

	if (rc != 0)
		return rc;
	lim_apply(&l->p, &s->tat, lim_ticks(now_tsc), &op);
	lim_count(l, op.rc);
	return op.rc;
}

/* The take's min, checked: 1..want. */
static int
lim_check_take(struct sl_limit *l, size_t len, uint64_t want, uint64_t min, struct lim_op *op)
{
	op->take = true;
	op->want = want;
	op->min = RTE_MIN(min != 0 ? min : 1, want);
	if (unlikely(len > SL_LIMIT_KEY_MAX)) {
		LIM_COUNT(l->lc, errors);
		return -EINVAL;
	}
	if (unlikely(want != 0 && op->min > l->p.take_max)) {
		LIM_COUNT(l->lc, errors);
		return -E2BIG;
	}
	return 0;
}

static void
lim_take_done(struct sl_limit *l, const struct lim_op *op, uint64_t *granted, uint64_t *wait_tsc)
{
	*granted = op->granted;
	*wait_tsc = lim_tsc(op->wait);
	if (op->want != 0)
		lim_count(l, op->granted != 0 ? SL_LIMIT_ALLOWED : SL_LIMIT_REJECTED);
}

int
sl_limit_take(struct sl_limit *l, const void *key, size_t len, uint64_t want, uint64_t min,
	      uint64_t now_tsc, uint64_t *granted, uint64_t *wait_tsc)
{
	struct lim_op op = { 0 };
	int rc = lim_check_take(l, len, want, min, &op);

	if (rc != 0)
		return rc;
	lim_run(l, key, len, now_tsc, &op);
	lim_take_done(l, &op, granted, wait_tsc);
	return 0;
}

int
sl_limit_state_take(struct sl_limit *l, struct sl_limit_state *s, uint64_t want, uint64_t min,
		    uint64_t now_tsc, uint64_t *granted, uint64_t *wait_tsc)
{
	struct lim_op op = { 0 };
	int rc = lim_check_take(l, 0, want, min, &op);

	if (rc != 0)
		return rc;
	lim_apply(&l->p, &s->tat, lim_ticks(now_tsc), &op);
	lim_take_done(l, &op, granted, wait_tsc);
	return 0;
}

void
sl_limit_state_init(struct sl_limit_state *s, uint64_t now_tsc)
{
	RTE_SET_USED(now_tsc);
	__atomic_store_n(&s->tat, LIM_NEW, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* Create, destroy */

int
sl_limit_params_from_conf(struct sl_limit_params *p, const struct sl_conf_limit *c, uint64_t tsc_hz)
{
	memset(p, 0, sizeof(*p));
	p->name = c->name;
	p->units = c->rate.count;
	if (__builtin_mul_overflow((uint64_t)c->rate.period_s, tsc_hz, &p->period_tsc))
		return -ERANGE;
	p->burst = c->burst;
	/* Bandwidth is paced with sl_limit_take(), which grants what conforms. */
	p->action = c->kind == SL_LIMIT_BANDWIDTH ? SL_LIMIT_REJECT : c->action;
	p->max_keys = c->max_keys;
	p->shared_key = c->key == SL_LIMIT_KEY_VIP || c->key == SL_LIMIT_KEY_CONNECTION;
	return 0;
}

/* The policy in ticks, or -EINVAL when it cannot be represented. */
static int
lim_policy_init(struct lim_policy *pol, const struct sl_limit_params *p)
{
	uint64_t t1;

	if (p->units == 0 || p->period_tsc == 0 || p->period_tsc >= LIM_PERIOD_MAX ||
	    (p->action != SL_LIMIT_REJECT && p->action != SL_LIMIT_DELAY))
		return -EINVAL;
	pol->num = p->period_tsc << LIM_F;
	pol->den = p->units;
	/* T below one tick (more than 256 units per cycle): not representable. */
	if (pol->num < pol->den)
		return -EINVAL;
	t1 = pol->num / pol->den + (pol->num % pol->den != 0);
	if (p->burst >= SL_LIMIT_HORIZON_MAX || p->burst + 1 > SL_LIMIT_HORIZON_MAX / t1)
		return -EINVAL;
	pol->t1 = t1;
	pol->limit = p->burst + 1;
	pol->horizon = pol->limit * t1;
	pol->tau = pol->horizon - t1;
	/* Anything stored is at most H ahead of a fresh clock; old clocks see it further ahead. */
	pol->stale = LIM_STALE;
	pol->take_max = (uint64_t)((unsigned __int128)pol->horizon * pol->den / pol->num);
	pol->action = p->action;
	return 0;
}

struct sl_limit *
sl_limit_create(const struct sl_limit_params *p, int socket)
{
	char name[RTE_RING_NAMESIZE];
	struct lim_policy pol;
	struct sl_limit *l;
	uint32_t i;

	RTE_BUILD_BUG_ON(sizeof(struct lim_node) != 2 * RTE_CACHE_LINE_SIZE);
	RTE_BUILD_BUG_ON(offsetof(struct lim_node, prefix) + 24 > RTE_CACHE_LINE_SIZE);
	RTE_BUILD_BUG_ON(SL_LIMIT_KEY_MAX > UINT16_MAX);
	if (p == NULL || lim_policy_init(&pol, p) != 0 ||
	    (!p->shared_key && (p->max_keys == 0 || p->max_keys > SL_LIMIT_MAX_KEYS))) {
		rte_errno = EINVAL;
		return NULL;
	}
	l = rte_zmalloc_socket("sl_limit", sizeof(*l), RTE_CACHE_LINE_SIZE, socket);
	if (l == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	l->p = pol;
	l->shared = p->shared_key;
	snprintf(l->name, sizeof(l->name), "%s", p->name != NULL ? p->name : "");
	l->shared_state.tat = LIM_NEW;
	l->overflow.tat = LIM_NEW;
	/* Clients choose their keys, not their buckets. */
	l->hkey.k0 = rte_rand();
	l->hkey.k1 = rte_rand();
	if (l->shared)
		return l;

	l->max = p->max_keys;
	l->nodes = rte_zmalloc_socket("sl_limit_nodes", sizeof(l->nodes[0]) * l->max,
				      RTE_CACHE_LINE_SIZE, socket);
	if (l->nodes == NULL)
		goto nomem;
	snprintf(name, sizeof(name), "sl_lim_%u",
		 __atomic_fetch_add(&lim_uid, 1, __ATOMIC_RELAXED));
	/* Producers: workers (a node they could not publish) and the call_rcu thread. */
	/* RTS mode: workers may share a CPU; see lib/affinity/affinity.c. */
	l->free = rte_ring_create(name, l->max, socket,
				  RING_F_EXACT_SZ | RING_F_MP_RTS_ENQ | RING_F_MC_RTS_DEQ);
	if (l->free == NULL)
		goto fail;
	for (i = 0; i < l->max; i++) {
		struct lim_node *n = &l->nodes[i];

		n->l = l;
		cds_lfht_node_init(&n->node);
		if (rte_ring_enqueue(l->free, n) != 0)
			goto fail;
	}
	/* A fixed bucket count (init = min = max, no auto-resize): no allocation ever after. */
	l->buckets = rte_align32pow2(l->max);
	l->ht = cds_lfht_new(l->buckets, l->buckets, l->buckets, 0, NULL);
	if (l->ht == NULL)
		goto nomem;
	/* The default call_rcu thread is made on first use (malloc, pthread_create): now. */
	if (get_default_call_rcu_data() == NULL)
		goto nomem;
	return l;

nomem:
	rte_errno = ENOMEM;
fail:
	sl_limit_destroy(l);
	return NULL;
}

void
sl_limit_destroy(struct sl_limit *l)
{
	struct cds_lfht_iter it;
	struct lim_node *n;

	if (l == NULL)
		return;
	if (l->ht != NULL) {
		/* No reader is left: unlink without a grace period, the array goes below. */
		cds_lfht_for_each_entry(l->ht, &it, n, node)
			cds_lfht_del(l->ht, &n->node);
	}
	/* Nodes removed earlier may still be on their way back through call_rcu. */
	lim_barrier();
	if (l->ht != NULL && cds_lfht_destroy(l->ht, NULL) != 0)
		LIM_LOG(ERR, "%s: table not empty at destroy\n", l->name);
	rte_ring_free(l->free);
	rte_free(l->nodes);
	rte_free(l);
}

/* ------------------------------------------------------------------ */
/* Control thread */

/* Runs in the call_rcu thread, after a grace period: no reader can hold n. */
static void
lim_free_rcu(struct rcu_head *head)
{
	struct lim_node *n = caa_container_of(head, struct lim_node, rcu);

	/* Cannot fail: the ring has room for every node. */
	rte_ring_enqueue(n->l->free, n);
}

/* Mark n dead if its TAT is still @p seen, then unlink it; true when this call removed it. */
static bool
lim_remove(struct sl_limit *l, struct lim_node *n, uint64_t seen)
{
	if (!__atomic_compare_exchange_n(&n->tat, &seen, LIM_DEAD, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return false; /* a worker moved it on (or another control call marked it) */
	/* Only the thread that marked a node unlinks it. */
	if (cds_lfht_del(l->ht, &n->node) != 0) {
		LIM_LOG(ERR, "%s: a dead entry was not linked\n", l->name);
		return false;
	}
	call_rcu(&n->rcu, lim_free_rcu);
	return true;
}

/* An overflow or shared state idle for long: back to LIM_NEW, so it never ages out of range. */
static void
lim_refresh(const struct lim_policy *p, uint64_t *word, uint64_t now)
{
	uint64_t old = __atomic_load_n(word, __ATOMIC_RELAXED);
	uint64_t ahead = old - now;

	if (old == LIM_NEW || ((int64_t)ahead > -(int64_t)LIM_IDLE_MOV && ahead <= p->stale))
		return;
	/* Failing means a worker used it just now: then it is not idle. */
	__atomic_compare_exchange_n(word, &old, LIM_NEW, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

unsigned int
sl_limit_expire(struct sl_limit *l, uint64_t now_tsc, unsigned int budget)
{
	uint64_t now = lim_ticks(now_tsc);
	unsigned int visited = 0, expired = 0;
	struct cds_lfht_node *node = NULL;
	struct cds_lfht_iter it;
	int was_online;

	lim_refresh(&l->p, &l->shared_state.tat, now);
	lim_refresh(&l->p, &l->overflow.tat, now);
	if (l->shared)
		return 0;
	was_online = lim_online();
	if (l->cursor_valid) {
		/* Resume at the first entry the previous call did not visit, if it is still there. */
		struct lim_key k = { l->cursor_hash, l->cursor_prefix, l->cursor_len };

		cds_lfht_lookup(l->ht, k.hash, lim_match, &k, &it);
		node = cds_lfht_iter_get_node(&it);
	}
	if (node == NULL) {
		cds_lfht_first(l->ht, &it);
		node = cds_lfht_iter_get_node(&it);
	}
	while (node != NULL && (budget == 0 || visited < budget)) {
		struct lim_node *n = caa_container_of(node, struct lim_node, node);
		uint64_t tat = __atomic_load_n(&n->tat, __ATOMIC_RELAXED);

		visited++;
		/* The iterator holds the next node already: unlinking this one is fine. */
		if (tat != LIM_DEAD && lim_base(&l->p, tat, now) == now && lim_remove(l, n, tat))
			expired++;
		cds_lfht_next(l->ht, &it);
		node = cds_lfht_iter_get_node(&it);
	}
	l->cursor_valid = node != NULL;
	if (node != NULL) {
		const struct lim_node *n = caa_container_of(node, struct lim_node, node);

		l->cursor_hash = n->hash;
		l->cursor_len = n->len;
		memcpy(l->cursor_prefix, n->prefix, n->plen);
	}
	__atomic_fetch_add(&l->expired, expired, __ATOMIC_RELAXED);
	lim_offline(was_online);
	return expired;
}

unsigned int
sl_limit_flush(struct sl_limit *l)
{
	unsigned int removed = 0;
	struct cds_lfht_iter it;
	struct lim_node *n;
	int was_online;

	__atomic_store_n(&l->shared_state.tat, LIM_NEW, __ATOMIC_RELAXED);
	__atomic_store_n(&l->overflow.tat, LIM_NEW, __ATOMIC_RELAXED);
	if (l->shared)
		return 0;
	was_online = lim_online();
	cds_lfht_for_each_entry(l->ht, &it, n, node) {
		uint64_t tat = __atomic_load_n(&n->tat, __ATOMIC_RELAXED);

		/* A worker's CAS between the load and the mark: load again. */
		while (tat != LIM_DEAD && !lim_remove(l, n, tat))
			tat = __atomic_load_n(&n->tat, __ATOMIC_RELAXED);
		if (tat != LIM_DEAD)
			removed++;
	}
	__atomic_fetch_add(&l->flushed, removed, __ATOMIC_RELAXED);
	lim_offline(was_online);
	return removed;
}

int
sl_limit_lookup(struct sl_limit *l, const void *key, size_t len, uint64_t now_tsc,
		struct sl_limit_verdict *v)
{
	struct lim_op op = { .take = false, .cost = 1, .v = v };
	uint64_t now = lim_ticks(now_tsc), tat = LIM_NEW, unused;
	struct lim_node *n = NULL;
	int was_online, rc;

	if (len > SL_LIMIT_KEY_MAX)
		return -EINVAL;
	was_online = lim_online();
	if (l->shared) {
		tat = __atomic_load_n(&l->shared_state.tat, __ATOMIC_RELAXED);
	} else {
		struct lim_key k = { sl_affinity_siphash(&l->hkey, key, len), key, (uint16_t)len };

		n = lim_find(l, &k);
		if (n != NULL)
			tat = __atomic_load_n(&n->tat, __ATOMIC_RELAXED);
		if (tat == LIM_DEAD)
			tat = LIM_NEW; /* removed this instant: as good as new */
	}
	lim_offline(was_online);
	lim_step(&l->p, tat, now, &op, &unused);
	/* The state as it is, nothing taken. */
	lim_fill(&l->p, lim_base(&l->p, tat, now) - now, v);
	rc = op.rc;
	return l->shared || n != NULL ? rc : -ENOENT;
}

void
sl_limit_walk(struct sl_limit *l, uint64_t now_tsc, sl_limit_walk_cb *cb, void *arg)
{
	uint64_t now = lim_ticks(now_tsc);
	struct cds_lfht_iter it;
	struct lim_node *n;
	int was_online;

	if (l->shared)
		return;
	was_online = lim_online();
	cds_lfht_for_each_entry(l->ht, &it, n, node) {
		uint64_t tat = __atomic_load_n(&n->tat, __ATOMIC_RELAXED);

		if (tat != LIM_DEAD)
			cb(n->prefix, n->plen, n->len, lim_tsc(lim_base(&l->p, tat, now) - now),
			   arg);
	}
	lim_offline(was_online);
}

#define LIM_SUM(l, field) lim_sum((l)->lc, sizeof((l)->lc[0]), offsetof(struct lim_lcore, field))

void
sl_limit_stats(const struct sl_limit *l, struct sl_limit_stats *s)
{
	uint64_t taken, out;

	memset(s, 0, sizeof(*s));
	s->capacity = l->max;
	s->decisions = LIM_SUM(l, decisions);
	s->allowed = LIM_SUM(l, allowed);
	s->delayed = LIM_SUM(l, delayed);
	s->rejected = LIM_SUM(l, rejected);
	s->new_keys = LIM_SUM(l, new_keys);
	s->races = LIM_SUM(l, races);
	s->overflow = LIM_SUM(l, overflow);
	s->errors = LIM_SUM(l, errors);
	s->expired = __atomic_load_n(&l->expired, __ATOMIC_RELAXED);
	s->flushed = __atomic_load_n(&l->flushed, __ATOMIC_RELAXED);
	out = s->expired + s->flushed;
	/* Summed while workers insert: a removal can be seen before its insert. */
	s->entries = s->new_keys > out ? s->new_keys - out : 0;
	s->memory_bytes = sizeof(*l);
	if (l->shared)
		return;
	s->free_nodes = rte_ring_count(l->free);
	/* Out of the free list but not in the table: waiting for call_rcu (or mid-insert). */
	taken = s->capacity - s->free_nodes;
	s->pending = taken > s->entries ? taken - s->entries : 0;
	s->memory_bytes += sizeof(l->nodes[0]) * (uint64_t)l->max +
			   sizeof(struct cds_lfht_node) * (uint64_t)l->buckets +
			   (uint64_t)rte_ring_get_memsize(rte_ring_get_size(l->free));
}

const char *
sl_limit_name(const struct sl_limit *l)
{
	return l->name;
}

uint64_t
sl_limit_window_tsc(const struct sl_limit *l)
{
	return lim_tsc(l->p.horizon);
}
