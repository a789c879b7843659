/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pools and backends built from the configuration; the runtime changes and
 * their RCU publication; the key hash.
 *
 * Publication (control thread, lb->ctl held): build the new member snapshot
 * and, for maglev and hash pools, the new table off the packet path;
 * rcu_assign_pointer() each (a release store: a worker that sees the pointer
 * sees what it points to); synchronize_rcu(), which returns once every
 * worker has passed a quiescent state, so none still holds the old ones;
 * free them. A worker may see the new members with the old table or the
 * other way round for a moment: both only name backends that are live or
 * whose `used` flag was cleared before the publication, which every pick
 * checks (sl_lb_backend_usable()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <urcu-qsbr.h>

#include "lb_priv.h"

/* The key hash (wyhash v4 structure, Wang Yi, public domain) */

#define WY_P0 UINT64_C(0xa0761d6478bd642f)
#define WY_P1 UINT64_C(0xe7037ed1a0b428db)
#define WY_P2 UINT64_C(0x8ebc6af09c88c6e3)
#define WY_P3 UINT64_C(0x589965cc75374cc3)

static inline uint64_t
wy_r64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t
wy_r32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Up to 16 bytes are read as two (possibly overlapping) words, longer keys
 * 16 bytes (48 in three lanes) per multiply-fold; the length is mixed in
 * last, so "a" and "a\0" differ. Every input bit reaches every output bit
 * through a 64x64->128 multiply.
 */
uint64_t
sl_lb_hash_seed(const void *key, size_t len, uint64_t seed)
{
	const uint8_t *p = key;
	uint64_t a, b;
	__uint128_t r;

	seed ^= lb_mum(seed ^ WY_P0, WY_P1);
	if (len <= 16) {
		if (len >= 4) {
			size_t q = (len >> 3) << 2;

			a = wy_r32(p) << 32 | wy_r32(p + q);
			b = wy_r32(p + len - 4) << 32 | wy_r32(p + len - 4 - q);
		} else if (len > 0) {
			a = (uint64_t)p[0] << 16 | (uint64_t)p[len >> 1] << 8 | p[len - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		size_t i = len;

		if (i > 48) {
			uint64_t s1 = seed, s2 = seed;

			do {
				seed = lb_mum(wy_r64(p) ^ WY_P1, wy_r64(p + 8) ^ seed);
				s1 = lb_mum(wy_r64(p + 16) ^ WY_P2, wy_r64(p + 24) ^ s1);
				s2 = lb_mum(wy_r64(p + 32) ^ WY_P3, wy_r64(p + 40) ^ s2);
				p += 48;
				i -= 48;
			} while (i > 48);
			seed ^= s1 ^ s2;
		}
		while (i > 16) {
			seed = lb_mum(wy_r64(p) ^ WY_P1, wy_r64(p + 8) ^ seed);
			i -= 16;
			p += 16;
		}
		/* The last 16 bytes, overlapping what was mixed: len > 16. */
		a = wy_r64(p + i - 16);
		b = wy_r64(p + i - 8);
	}
	a ^= WY_P1;
	b ^= seed;
	r = (__uint128_t)a * b;
	a = (uint64_t)r;
	b = (uint64_t)(r >> 64);
	return lb_mum(a ^ WY_P0 ^ len, b ^ WY_P1);
}

uint64_t
sl_lb_hash_bytes(const void *p, size_t n)
{
	return sl_lb_hash_seed(p, n, 0);
}

/* Fallback pick by key (maglev, hash) */

static int
key_among(const struct sl_lb_backend *bs, const uint16_t *idx, uint16_t n, uint64_t key,
	  int avoid)
{
	uint64_t total = 0, acc = 0, r;
	uint16_t i;

	for (i = 0; i < n; i++)
		if (lb_ok(bs, idx[i], avoid))
			total += __atomic_load_n(&bs[idx[i]].weight, __ATOMIC_RELAXED);
	if (total == 0)
		return -1;
	/* total <= SL_BACKENDS_MAX * SL_LB_WEIGHT_MAX < 2^32: no overflow. */
	r = ((key >> 32) * total) >> 32;
	for (i = 0; i < n; i++) {
		if (!lb_ok(bs, idx[i], avoid))
			continue;
		acc += __atomic_load_n(&bs[idx[i]].weight, __ATOMIC_RELAXED);
		if (r < acc)
			return idx[i];
	}
	return -1; /* a weight changed under us: the caller tries again next request */
}

int
lb_pick_by_key(const struct sl_lb_pool *pool, uint64_t key, int avoid)
{
	const struct sl_lb_members *m = sl_lb_pool_members(pool);
	const struct sl_lb_backend *bs = pool->lb->backends;
	int k = key_among(bs, m->idx, m->n_primary, key, avoid);

	if (k < 0)
		k = key_among(bs, m->idx + m->n_primary, (uint16_t)(m->n - m->n_primary), key,
			      avoid);
	return k;
}

/* Construction */

static const struct sl_lb_ops *
lb_ops_of(enum sl_lb_algo a)
{
	switch (a) {
	case SL_LB_ROUNDROBIN:
		return &sl_lb_roundrobin;
	case SL_LB_LEASTCONN:
		return &sl_lb_leastconn;
	case SL_LB_RANDOM2:
		return &sl_lb_random2;
	case SL_LB_MAGLEV:
		return &sl_lb_maglev;
	case SL_LB_HASH:
		return &sl_lb_hash;
	}
	return NULL;
}

const char *
sl_lb_backend_state_name(enum sl_backend_state s)
{
	switch (s) {
	case SL_BACKEND_UP:
		return "up";
	case SL_BACKEND_DRAIN:
		return "drain";
	case SL_BACKEND_DOWN:
		return "down";
	}
	return "?";
}

static uint64_t
lb_tsc(void)
{
	return rte_rdtsc();
}

/* The clock reading that marks "usable from now": never 0, which means "no ramp". */
static uint64_t
lb_up_now(const struct sl_lb *lb)
{
	uint64_t now = lb->clock();

	return now != 0 ? now : 1;
}

/*
 * A member snapshot of @p list (backend indexes, in order): primaries first,
 * then backups, each in list order. NULL when out of memory.
 */
static struct sl_lb_members *
members_make(const struct sl_lb *lb, const uint16_t *list, uint16_t n)
{
	struct sl_lb_members *m;
	uint16_t i, j = 0;
	int backup;

	m = rte_zmalloc("sl_lb_members", sizeof(*m) + sizeof(m->idx[0]) * RTE_MAX(n, 1),
			RTE_CACHE_LINE_SIZE);
	if (m == NULL)
		return NULL;
	m->w_max = 1;
	for (backup = 0; backup < 2; backup++) {
		for (i = 0; i < n; i++) {
			const struct sl_lb_backend *b = &lb->backends[list[i]];

			if (b->backup != backup)
				continue;
			m->idx[j++] = list[i];
			if (!backup)
				m->w_max = RTE_MAX(m->w_max,
						   __atomic_load_n(&b->weight, __ATOMIC_RELAXED));
		}
		if (!backup)
			m->n_primary = j;
	}
	m->n = j;
	return m;
}

/*
 * Publish pool @p p's new members @p nm (NULL: keep them, e.g. a state
 * change) and, when its algorithm has one, a table rebuilt from them; wait
 * for a grace period and free what was replaced. On -ENOMEM nothing changed
 * (@p nm is the caller's to free). lb->ctl held.
 */
static int
pool_publish(struct sl_lb *lb, uint16_t p, struct sl_lb_members *nm)
{
	struct sl_lb_pool *pool = &lb->pools[p];
	struct sl_lb_members *om = pool->members;
	struct sl_lb_maglev *ot = pool->maglev, *nt = NULL;
	int rc;

	if (pool->ops->build != NULL) {
		rc = pool->ops->build(lb, pool, nm != NULL ? nm : om, &nt);
		if (rc != 0)
			return rc;
	}
	if (nm == NULL && nt == NULL)
		return 0;
	if (nm != NULL)
		rcu_assign_pointer(pool->members, nm);
	if (nt != NULL)
		rcu_assign_pointer(pool->maglev, nt);
	synchronize_rcu();
	if (nm != NULL)
		rte_free(om);
	if (nt != NULL)
		rte_free(ot);
	return 0;
}

/* M for a pool: the configured prime, or the default for a hand-built config. */
static uint32_t
pool_maglev_size(const struct sl_conf_pool *cp)
{
	return cp->maglev_size >= SL_MAGLEV_SIZE_MIN ? cp->maglev_size : SL_MAGLEV_SIZE_DEFAULT;
}

struct sl_lb *
sl_lb_create(const struct sl_config *conf)
{
	uint16_t *list = NULL;
	struct sl_lb *lb;
	uint16_t i;
	int rc = ENOMEM;

	lb = rte_zmalloc("sl_lb", sizeof(*lb), RTE_CACHE_LINE_SIZE);
	if (lb == NULL)
		goto fail;
	pthread_mutex_init(&lb->ctl, NULL);
	lb->clock = lb_tsc;
	lb->tsc_hz = rte_get_tsc_hz();
	lb->n_backends = conf->n_backends;
	lb->n_pools = conf->n_pools;
	lb->backends = rte_zmalloc("sl_lb_backends", sizeof(*lb->backends) * SL_BACKENDS_MAX,
				   RTE_CACHE_LINE_SIZE);
	list = malloc(sizeof(*list) * RTE_MAX(conf->n_backends, 1));
	if (lb->backends == NULL || list == NULL)
		goto fail;
	for (i = 0; i < conf->n_backends; i++) {
		const struct sl_conf_backend *cb = &conf->backends[i];
		struct sl_lb_backend *b = &lb->backends[i];

		memcpy(b->name, cb->name, sizeof(b->name));
		b->pool = (uint16_t)cb->pool;
		b->addr = rte_cpu_to_be_32(cb->addr);
		b->port = cb->port;
		b->weight = cb->weight;
		b->backup = cb->backup;
		b->used = true;
		b->state = SL_BACKEND_UP;
	}
	for (i = 0; i < conf->n_pools; i++) {
		const struct sl_conf_pool *cp = &conf->pools[i];
		struct sl_lb_pool *p = &lb->pools[i];
		uint16_t j, n = 0;

		memcpy(p->name, cp->name, sizeof(p->name));
		p->ops = lb_ops_of(cp->algorithm);
		p->lb = lb;
		if (p->ops == NULL) {
			rc = EINVAL;
			goto fail;
		}
		p->hash_key = cp->hash_key;
		memcpy(p->hash_name, cp->hash_name, sizeof(p->hash_name));
		p->maglev_size = pool_maglev_size(cp);
		p->slow_start_tsc = (uint64_t)cp->slow_start_ms * lb->tsc_hz / 1000;
		for (j = 0; j < conf->n_backends; j++)
			if (conf->backends[j].pool == i)
				list[n++] = j;
		p->members = members_make(lb, list, n);
		if (p->members == NULL)
			goto fail;
		if (p->ops->build != NULL && p->ops->build(lb, p, p->members, &p->maglev) != 0)
			goto fail;
	}
	free(list);
	return lb;
fail:
	free(list);
	sl_lb_destroy(lb);
	rte_errno = rc;
	return NULL;
}

void
sl_lb_destroy(struct sl_lb *lb)
{
	uint16_t i;

	if (lb == NULL)
		return;
	for (i = 0; i < SL_POOLS_MAX; i++) {
		rte_free(lb->pools[i].members);
		rte_free(lb->pools[i].maglev);
	}
	rte_free(lb->backends);
	pthread_mutex_destroy(&lb->ctl);
	rte_free(lb);
}

int
sl_lb_worker_init(struct sl_lb_worker *lw, const struct sl_lb *lb, int socket)
{
	uint64_t seed = rte_rdtsc() ^ (uint64_t)(uintptr_t)lw ^ (uint64_t)rte_lcore_id() << 48;

	memset(lw, 0, sizeof(*lw));
	lw->lb = lb;
	lw->rng = sl_lb_hash_seed(&seed, sizeof(seed), 0);
	lw->rot = (uint32_t)lb_rand(&lw->rng);
	lw->cw = rte_zmalloc_socket("sl_lb_cw", sizeof(*lw->cw) * SL_BACKENDS_MAX, 0, socket);
	return lw->cw == NULL ? -ENOMEM : 0;
}

void
sl_lb_worker_fini(struct sl_lb_worker *lw)
{
	rte_free(lw->cw);
	lw->cw = NULL;
}

/* Runtime changes */

static void
lb_lock(const struct sl_lb *lb)
{
	/* The mutex is the one field control threads write through a const lb. */
	pthread_mutex_lock((pthread_mutex_t *)(uintptr_t)&lb->ctl);
}

static void
lb_unlock(const struct sl_lb *lb)
{
	pthread_mutex_unlock((pthread_mutex_t *)(uintptr_t)&lb->ctl);
}

static bool
backend_live(const struct sl_lb *lb, uint16_t k)
{
	return k < lb->n_backends && lb->backends[k].used;
}

int
sl_lb_set_state(struct sl_lb *lb, uint16_t backend, enum sl_backend_state s)
{
	struct sl_lb_backend *b;
	uint32_t old;
	int rc;

	if (s != SL_BACKEND_UP && s != SL_BACKEND_DRAIN && s != SL_BACKEND_DOWN)
		return -EINVAL;
	lb_lock(lb);
	if (!backend_live(lb, backend)) {
		lb_unlock(lb);
		return -EINVAL;
	}
	b = &lb->backends[backend];
	if (s == SL_BACKEND_UP && __atomic_load_n(&b->state, __ATOMIC_RELAXED) != SL_BACKEND_UP)
		__atomic_store_n(&b->up_since_tsc, lb_up_now(lb), __ATOMIC_RELAXED);
	old = __atomic_exchange_n(&b->state, (uint32_t)s, __ATOMIC_RELEASE);
	rc = pool_publish(lb, b->pool, NULL);
	if (rc != 0)
		__atomic_store_n(&b->state, old, __ATOMIC_RELEASE);
	lb_unlock(lb);
	return rc;
}

/* A copy of pool @p p's member list, without @p drop and with @p add (-1: none). */
static struct sl_lb_members *
members_edit(const struct sl_lb *lb, uint16_t p, int drop, int add)
{
	const struct sl_lb_members *om = lb->pools[p].members;
	uint16_t list[SL_BACKENDS_MAX];
	uint16_t i, n = 0;

	/* Keep the order the backends were configured or added in. */
	for (i = 0; i < om->n; i++)
		if (om->idx[i] != drop)
			list[n++] = om->idx[i];
	if (add >= 0)
		list[n++] = (uint16_t)add;
	return members_make(lb, list, n);
}

int
sl_lb_set_weight(struct sl_lb *lb, uint16_t backend, uint32_t w)
{
	struct sl_lb_members *nm;
	struct sl_lb_backend *b;
	uint32_t old;
	int rc;

	if (w > SL_LB_WEIGHT_MAX)
		return -ERANGE;
	lb_lock(lb);
	if (!backend_live(lb, backend)) {
		lb_unlock(lb);
		return -EINVAL;
	}
	b = &lb->backends[backend];
	old = __atomic_load_n(&b->weight, __ATOMIC_RELAXED);
	if (old == 0 && w != 0)
		__atomic_store_n(&b->up_since_tsc, lb_up_now(lb), __ATOMIC_RELAXED);
	__atomic_store_n(&b->weight, w, __ATOMIC_RELEASE);
	/* The same members, for a new w_max. */
	nm = members_edit(lb, b->pool, -1, -1);
	rc = nm == NULL ? -ENOMEM : pool_publish(lb, b->pool, nm);
	if (rc != 0) {
		rte_free(nm);
		__atomic_store_n(&b->weight, old, __ATOMIC_RELEASE);
	}
	lb_unlock(lb);
	return rc;
}

int
sl_lb_rebuild(struct sl_lb *lb, uint16_t pool)
{
	int rc;

	if (pool >= lb->n_pools)
		return -EINVAL;
	lb_lock(lb);
	rc = pool_publish(lb, pool, NULL);
	lb_unlock(lb);
	return rc;
}

static bool
name_valid(const char *name)
{
	size_t len = strnlen(name, SL_NAME_MAX);
	const char *c;

	if (len == 0 || len >= SL_NAME_MAX)
		return false;
	for (c = name; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '-'))
			return false;
	return true;
}

int
sl_lb_add_backend(struct sl_lb *lb, const char *name, uint16_t pool, uint32_t addr_be,
		  uint16_t port, uint32_t weight, bool backup)
{
	struct sl_lb_members *nm;
	struct sl_lb_backend *b;
	int k = -1, rc;
	uint16_t i;

	if (pool >= lb->n_pools || name == NULL || !name_valid(name) || weight > SL_LB_WEIGHT_MAX)
		return -EINVAL;
	lb_lock(lb);
	for (i = 0; i < lb->n_backends; i++) {
		if (lb->backends[i].used && strcmp(lb->backends[i].name, name) == 0) {
			rc = -EEXIST;
			goto out;
		}
	}
	if (lb->pools[pool].ops->build != NULL &&
	    lb->pools[pool].maglev_size / 100 < (uint32_t)lb->pools[pool].members->n + 1) {
		rc = -E2BIG;
		goto out;
	}
	/*
	 * A deleted slot first (del waited for its grace period, so no pick
	 * can still return it; inflight 0: no request still counts on it),
	 * else the next never-used one.
	 */
	for (i = 0; i < lb->n_backends && k < 0; i++)
		if (lb->retired[i] &&
		    __atomic_load_n(&lb->backends[i].inflight, __ATOMIC_ACQUIRE) == 0)
			k = i;
	if (k < 0 && lb->n_backends < SL_BACKENDS_MAX)
		k = lb->n_backends;
	if (k < 0) {
		rc = -ENOSPC;
		goto out;
	}
	b = &lb->backends[k];
	memset(b->name, 0, sizeof(b->name));
	memcpy(b->name, name, strlen(name));
	b->pool = pool;
	b->addr = addr_be;
	b->port = port;
	b->weight = weight;
	b->backup = backup;
	b->state = SL_BACKEND_UP;
	b->up_since_tsc = lb_up_now(lb);
	b->gen++;
	__atomic_store_n(&b->used, true, __ATOMIC_RELEASE);
	nm = members_edit(lb, pool, -1, k);
	rc = nm == NULL ? -ENOMEM : pool_publish(lb, pool, nm);
	if (rc != 0) {
		rte_free(nm);
		__atomic_store_n(&b->used, false, __ATOMIC_RELEASE);
		if (k < lb->n_backends)
			lb->retired[k] = true;
		goto out;
	}
	lb->retired[k] = false;
	if (k == lb->n_backends)
		__atomic_store_n(&lb->n_backends, (uint16_t)(k + 1), __ATOMIC_RELEASE);
	rc = k;
out:
	lb_unlock(lb);
	return rc;
}

int
sl_lb_del_backend(struct sl_lb *lb, uint16_t backend)
{
	struct sl_lb_members *nm;
	struct sl_lb_backend *b;
	int rc = 0;

	lb_lock(lb);
	if (!backend_live(lb, backend)) {
		lb_unlock(lb);
		return -EINVAL;
	}
	b = &lb->backends[backend];
	nm = members_edit(lb, b->pool, backend, -1);
	if (nm == NULL) {
		lb_unlock(lb);
		return -ENOMEM;
	}
	/* Before the publication: a worker still on the old snapshot skips it too. */
	__atomic_store_n(&b->used, false, __ATOMIC_RELEASE);
	if (pool_publish(lb, b->pool, nm) != 0) {
		/* No memory for a new table: the members still go, and the old
		 * table is harmless (picks skip a backend that is not used). */
		struct sl_lb_members *om = lb->pools[b->pool].members;

		rcu_assign_pointer(lb->pools[b->pool].members, nm);
		synchronize_rcu();
		rte_free(om);
	}
	lb->retired[backend] = true;
	lb_unlock(lb);
	return rc;
}

int
sl_lb_pool_copy(const struct sl_lb *lb, uint16_t pool, uint16_t *idx)
{
	const struct sl_lb_members *m;
	int n;

	if (pool >= lb->n_pools)
		return -EINVAL;
	lb_lock(lb);
	m = lb->pools[pool].members;
	memcpy(idx, m->idx, sizeof(idx[0]) * m->n);
	n = m->n;
	lb_unlock(lb);
	return n;
}

void
sl_lb_maglev_counts(const struct sl_lb *lb, uint16_t pool, uint32_t *entries_per_backend,
		    uint32_t *table_size)
{
	const struct sl_lb_maglev *t;
	uint32_t e;

	if (entries_per_backend != NULL)
		memset(entries_per_backend, 0, sizeof(*entries_per_backend) * SL_BACKENDS_MAX);
	*table_size = 0;
	if (pool >= lb->n_pools)
		return;
	lb_lock(lb);
	t = lb->pools[pool].maglev;
	if (t != NULL) {
		*table_size = t->size;
		for (e = 0; entries_per_backend != NULL && e < t->size; e++)
			if (t->entry[e] < SL_BACKENDS_MAX)
				entries_per_backend[t->entry[e]]++;
	}
	lb_unlock(lb);
}
