/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Predictable local ports: choose the local port of a connection to a
 * backend so that the backend's replies hash to the worker that opened it.
 *
 * Derivation. The reply tuple is T(p) = (raddr, laddr, rport, p): source
 * address, destination address, source port, destination port of the
 * backend's packets. Toeplitz is linear over GF(2): the hash is the XOR, over
 * the set input bits, of the key window at that bit (RSS spec), so
 *
 *     hash(T(p)) = hash(T(0)) ^ H(p),    H(p) = tbl[10][p >> 8] ^ tbl[11][p & 0xff]
 *
 * where H(p) depends on the key only, not on the backend. The device takes
 * the RETA index from the low m bits (reta_size = 2^m), and XOR commutes with
 * masking:
 *
 *     index(p) = b ^ h(p),    b = hash(T(0)) & (2^m - 1),  h(p) = H(p) & (2^m - 1)
 *
 * so p is good for queue q iff reta[b ^ h(p)] == q, and the set of good
 * ports depends on the backend only through b, one of reta_size values.
 *
 * At creation the ports of [lo, hi] are counting-sorted into 2^m buckets by
 * h(p): bucket v holds every p with h(p) = v, and the good ports for b are
 * the union of the buckets b ^ t over q's RETA indices t (the targets). A
 * pick computes b (one hash) and resumes b's own cursor, which walks that
 * union as one list: the ports of one bucket in order, then the next
 * candidate bucket. The list of buckets is walked either as
 *   - the targets t, bucket b ^ t (skipping empty buckets), or
 *   - the non-empty buckets v, keeping those with reta[b ^ v] == q,
 * whichever list is shorter (chosen at creation): targets when the range
 * fills the buckets, non-empty buckets when the range is small or h has a
 * small image (a 2-tuple hash: h = 0, the addresses alone decide). Skipping
 * happens only when the cursor leaves a bucket, so a pick is O(1) amortized;
 * count[b], the good ports for b, precomputed, answers -1 at once when there
 * is none.
 *
 * Because the cursor belongs to b, successive picks for one backend go
 * through every good port once before any comes back, whatever picks for
 * other backends come in between (backends that share b share the cycle,
 * each seeing part of it). Nothing depends on reta_size beyond being a
 * power of two, on n_queues, or on what the RETA holds.
 *
 * Why not rte_thash (rte_thash_init_ctx / rte_thash_add_helper /
 * rte_thash_adjust_tuple)? rte_thash_add_helper() rewrites the key bits
 * that cover the helper's subtuple with an LFSR sequence, so its complement
 * table is valid only for that new key, which would then have to be
 * programmed into the device. sluice takes the key the device has (the
 * read-back is the source of truth; the net_tap fallback uses the profile's
 * key), so it cannot let a helper choose the key. The linear decomposition
 * above needs no key property at all.
 *
 * No collisions. For a given (laddr, raddr, rport), index(p) and hence the
 * owner of p is one function of p, the same for every worker; a worker only
 * returns p when that owner is itself. Two workers therefore never return
 * the same p for the same backend, i.e. never the same 4-tuple, even though
 * they share the whole range: the range is split by the hash, not by number.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "rss_priv.h"

struct rss_cursor {
	uint16_t i; /* position in the bucket list (targets or vals) */
	uint16_t r; /* next port of that bucket; bucket sizes are <= 65535 */
};

struct sl_rss_ports {
	const struct sl_rss *rss;
	uint32_t mask; /* rss->reta_mask */
	uint16_t queue;
	uint16_t lo, hi;
	bool by_target;		/* walk targets (else walk non-empty buckets) */
	uint32_t n_targets;	/* RETA indices that name queue */
	uint32_t n_vals;	/* non-empty buckets */
	uint16_t *targets;	/* [n_targets] */
	uint16_t *vals;		/* [n_vals] */
	uint32_t *start;	/* [reta_size + 1]: bucket v is ports[start[v] .. start[v + 1]) */
	uint32_t *count;	/* [reta_size]: good ports for b */
	struct rss_cursor *cur; /* [reta_size]: where the next pick for b resumes */
	uint16_t *ports;	/* [hi - lo + 1], sorted by bucket */
} __rte_cache_aligned;

/* The bucket of port p: the RETA-index bits that p contributes. */
static inline uint32_t
port_bucket(const struct sl_rss *rss, uint32_t p)
{
	return (rss->tbl[10][p >> 8] ^ rss->tbl[11][p & 0xff]) & rss->reta_mask;
}

static inline uint32_t
bucket_len(const struct sl_rss_ports *pp, uint32_t v)
{
	return pp->start[v + 1] - pp->start[v];
}

/* Bucket of entry i of b's list, or -1 if that entry holds no good port. */
static inline int64_t
list_bucket(const struct sl_rss_ports *pp, uint32_t b, uint32_t i)
{
	uint32_t v;

	if (pp->by_target) {
		v = b ^ pp->targets[i];
		return bucket_len(pp, v) != 0 ? (int64_t)v : -1;
	}
	v = pp->vals[i];
	return pp->rss->reta[b ^ v] == pp->queue ? (int64_t)v : -1;
}

struct sl_rss_ports *
sl_rss_ports_create(const struct sl_rss *rss, uint16_t queue, uint16_t lo, uint16_t hi,
		    int socket_id)
{
	struct sl_rss_ports *pp;
	uint32_t R, n, p, v, i, b, n_list;
	size_t off, size;
	uint8_t *mem;
	int64_t bv;

	if (rss == NULL || queue >= rss->n_queues || lo == 0 || lo > hi) {
		rte_errno = EINVAL;
		return NULL;
	}
	R = rss->reta_size;
	n = (uint32_t)hi - lo + 1;
	/* One allocation: the struct, then the arrays, widest first. */
	off = RTE_ALIGN_CEIL(sizeof(*pp), 8);
	size = off + (R + 1) * sizeof(uint32_t) + R * sizeof(uint32_t) +
	       R * sizeof(struct rss_cursor) + 2 * R * sizeof(uint16_t) + n * sizeof(uint16_t);
	mem = rte_zmalloc_socket("sl_rss_ports", size, RTE_CACHE_LINE_SIZE, socket_id);
	if (mem == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	pp = (struct sl_rss_ports *)mem;
	pp->start = (uint32_t *)(mem + off);
	pp->count = pp->start + R + 1;
	pp->cur = (struct rss_cursor *)(pp->count + R);
	pp->targets = (uint16_t *)(pp->cur + R);
	pp->vals = pp->targets + R;
	pp->ports = pp->vals + R;
	pp->rss = rss;
	pp->mask = rss->reta_mask;
	pp->queue = queue;
	pp->lo = lo;
	pp->hi = hi;

	/* Counting sort of [lo, hi] by bucket: count, prefix-sum, place. */
	for (p = lo; p <= hi; p++)
		pp->start[port_bucket(rss, p) + 1]++;
	for (v = 0; v < R; v++) {
		if (pp->start[v + 1] != 0)
			pp->vals[pp->n_vals++] = (uint16_t)v;
		pp->start[v + 1] += pp->start[v];
	}
	for (p = lo; p <= hi; p++) {
		v = port_bucket(rss, p);
		pp->ports[pp->start[v] + pp->count[v]++] = (uint16_t)p;
	}
	for (i = 0; i < R; i++)
		if (rss->reta[i] == queue)
			pp->targets[pp->n_targets++] = (uint16_t)i;
	/* Expected probes: R / n_vals walking targets, R / n_targets walking buckets. */
	pp->by_target = pp->n_targets <= pp->n_vals;
	n_list = pp->by_target ? pp->n_targets : pp->n_vals;
	for (b = 0; b < R; b++) {
		pp->count[b] = 0;
		for (i = 0; i < n_list; i++) {
			bv = list_bucket(pp, b, i);
			if (bv >= 0)
				pp->count[b] += bucket_len(pp, (uint32_t)bv);
		}
	}
	return pp;
}

void
sl_rss_ports_free(struct sl_rss_ports *ports)
{
	rte_free(ports);
}

int
sl_rss_pick_port(void *arg, uint32_t laddr, uint32_t raddr, uint16_t rport)
{
	struct sl_rss_ports *pp = arg;
	uint32_t b, n_list, k, len;
	struct rss_cursor *c;
	int64_t v;
	int p;

	b = sl_rss_hash(pp->rss, raddr, laddr, rport, 0) & pp->mask;
	if (pp->count[b] == 0)
		return -1;
	c = &pp->cur[b];
	n_list = pp->by_target ? pp->n_targets : pp->n_vals;
	/* count[b] > 0: a good bucket comes within one pass of the list. */
	for (k = 0; k <= n_list; k++) {
		v = list_bucket(pp, b, c->i);
		if (v >= 0) {
			len = bucket_len(pp, (uint32_t)v);
			p = pp->ports[pp->start[v] + c->r];
			if (++c->r < len)
				return p;
			c->r = 0;
			if (++c->i == n_list)
				c->i = 0;
			return p;
		}
		c->r = 0;
		if (++c->i == n_list)
			c->i = 0;
	}
	return -1; /* not reached */
}
