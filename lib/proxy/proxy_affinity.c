/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session affinity on the request path (lib/affinity does the tables and the
 * MAC). Before the algorithm picks, the request's affine backend is looked
 * up: the client address in the VIP's shared table (affinity = source) or
 * the sticky cookie (affinity = cookie). It is used when it is a member of
 * the request's pool, usable (up, weight > 0: not draining, not down) and
 * not the backend a retry avoids. Otherwise the algorithm picks and the
 * affinity is moved to its pick: the table entry is inserted or re-pinned,
 * or the response carries a new Set-Cookie.
 */
#include <string.h>

#include "proxy_priv.h"

/* For sl_affinity_cookie_check(): the name of a live backend slot. */
static const char *
backend_name_of(uint16_t k, void *arg)
{
	const struct sl_lb *lb = arg;

	if (k >= __atomic_load_n(&lb->n_backends, __ATOMIC_ACQUIRE) ||
	    !__atomic_load_n(&lb->backends[k].used, __ATOMIC_ACQUIRE))
		return NULL;
	return lb->backends[k].name;
}

/* May the current request go to backend k? */
static bool
affine_ok(const struct sl_proxy *px, const struct px_client *c, int k, int avoid)
{
	const struct sl_lb_backend *b;

	if (k < 0 || k == avoid || k >= (int)__atomic_load_n(&px->lb->n_backends, __ATOMIC_ACQUIRE))
		return false;
	b = &px->lb->backends[k];
	return b->pool == (uint16_t)c->pool && sl_lb_backend_usable(b);
}

int
px_affinity_pick(struct sl_proxy *px, struct px_client *c, int avoid)
{
	struct sl_proxy_vip_shared *vs;
	int k = -1;

	c->aff_had = -1;
	c->set_cookie = -1;
	if (px->shared == NULL || c->vip->affinity == SL_AFFINITY_NONE)
		return -1;
	vs = &px->shared->vips[c->vip_idx];
	if (c->vip->affinity == SL_AFFINITY_SOURCE) {
		if (vs->aff == NULL)
			return -1;
		k = sl_affinity_lookup(vs->aff, c->ip, px->now);
	} else {
		char buf[1024];
		const char *v;
		size_t len;
		uint16_t id;

		v = px_request_cookie(c, c->vip->cookie_name, buf, sizeof(buf), &len);
		if (v == NULL)
			return -1;
		if (sl_affinity_cookie_check(&vs->ckey, vs->cookie_vip_id, v, len, &id,
					     backend_name_of, (void *)px->lb) == 0 &&
		    px->lb->backends[id].pool == (uint16_t)c->pool)
			k = id;
		else
			__atomic_fetch_add(&vs->cookies_bad, 1, __ATOMIC_RELAXED);
	}
	c->aff_had = (int16_t)k;
	return affine_ok(px, c, k, avoid) ? k : -1;
}

int
px_affinity_record(struct sl_proxy *px, struct px_client *c, int k, int avoid)
{
	struct sl_proxy_vip_shared *vs;

	if (px->shared == NULL || c->vip->affinity == SL_AFFINITY_NONE || c->aff_had == k)
		return k;
	vs = &px->shared->vips[c->vip_idx];
	if (c->aff_had >= 0)
		__atomic_fetch_add(&vs->repinned, 1, __ATOMIC_RELAXED);
	if (c->vip->affinity == SL_AFFINITY_COOKIE) {
		c->set_cookie = (int16_t)k;
		return k;
	}
	if (vs->aff == NULL)
		return k;
	if (c->aff_had < 0) {
		int r = sl_affinity_insert(vs->aff, c->ip, (uint16_t)k, px->now);

		/* Another worker pinned this client first: both agree on its pick. */
		if (r >= 0 && r != k) {
			if (affine_ok(px, c, r, avoid))
				return r;
			sl_affinity_update(vs->aff, c->ip, (uint16_t)k, px->now);
		}
		return k;
	}
	sl_affinity_update(vs->aff, c->ip, (uint16_t)k, px->now);
	return k;
}

void
px_affinity_set_cookie(struct sl_proxy *px, struct px_client *c, struct px_writer *w)
{
	const struct sl_conf_vip *v = c->vip;
	struct sl_proxy_vip_shared *vs;
	static const char *const samesite[] = {
		[SL_SAMESITE_LAX] = "Lax",
		[SL_SAMESITE_STRICT] = "Strict",
		[SL_SAMESITE_NONE] = "None",
		[SL_SAMESITE_OFF] = NULL,
	};
	char value[SL_AFFINITY_COOKIE_LEN + 1];
	char field[SL_COOKIE_NAME_MAX + SL_COOKIE_PATH_MAX + 128];
	int k = c->set_cookie;
	size_t n;

	if (k < 0 || px->shared == NULL || k >= (int)px->lb->n_backends)
		return;
	vs = &px->shared->vips[c->vip_idx];
	if (sl_affinity_cookie_make(&vs->ckey, vs->cookie_vip_id, (uint16_t)k,
				    px->lb->backends[k].name, value, sizeof(value)) == 0)
		return;
	n = sl_affinity_set_cookie(field, sizeof(field), v->cookie_name, value,
				   v->cookie_path[0] != '\0' ? v->cookie_path : NULL,
				   v->cookie_max_age, v->cookie_httponly, v->cookie_secure,
				   samesite[v->cookie_samesite]);
	if (n == 0)
		return;
	px_wr_str(w, "Set-Cookie: ");
	px_wr_put(w, field, n);
	px_wr_str(w, "\r\n");
	__atomic_fetch_add(&vs->cookies_set, 1, __ATOMIC_RELAXED);
}
