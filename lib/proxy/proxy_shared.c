/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the workers' proxies share, per VIP: the source-affinity tables, the
 * sticky cookie keys, the VIP-wide connection count. Built and torn down by
 * the control thread; its housekeeping (affinity expiry) runs from the
 * control thread's loop.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "proxy_priv.h"

/* Entries visited per table per tick: a table of 1 M entries is swept in ~10 s at 10 ticks/s. */
#define PX_EXPIRE_BUDGET 10000

struct sl_proxy_shared *
sl_proxy_shared_create(const struct sl_config *conf, const struct sl_lb *lb)
{
	struct sl_proxy_shared *sh;
	uint64_t hz = rte_get_tsc_hz();

	sh = rte_zmalloc("sl_proxy_shared", sizeof(*sh), RTE_CACHE_LINE_SIZE);
	if (sh == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	sh->conf = conf;
	sh->lb = lb;
	sh->tsc_hz = hz;
	for (uint16_t i = 0; i < conf->n_vips; i++) {
		const struct sl_conf_vip *v = &conf->vips[i];
		struct sl_proxy_vip_shared *vs = &sh->vips[i];

		if (v->mode != SL_VIP_HTTP)
			continue;
		if (v->affinity == SL_AFFINITY_SOURCE) {
			vs->aff = sl_affinity_create(v->affinity_max,
						     hz / 1000 * v->affinity_ttl_ms, SOCKET_ID_ANY);
			if (vs->aff == NULL) {
				PXLOG(ERR, "vip %s: cannot create its affinity table (%u entries): %s",
				      v->name, v->affinity_max, rte_strerror(rte_errno));
				goto fail;
			}
		} else if (v->affinity == SL_AFFINITY_COOKIE) {
			if (sl_affinity_cookie_key_set(&vs->ckey, v->cookie_key,
						       v->cookie_key_len) != 0) {
				PXLOG(ERR, "vip %s: cookie_key of %u bytes", v->name,
				      v->cookie_key_len);
				rte_errno = EINVAL;
				goto fail;
			}
			vs->cookie_vip_id = sl_affinity_cookie_vip_id(&vs->ckey, v->name);
		}
	}
	return sh;
fail:
	sl_proxy_shared_destroy(sh);
	return NULL;
}

void
sl_proxy_shared_destroy(struct sl_proxy_shared *sh)
{
	if (sh == NULL)
		return;
	for (unsigned int i = 0; i < SL_VIPS_MAX; i++)
		sl_affinity_destroy(sh->vips[i].aff);
	rte_free(sh);
}

void
sl_proxy_shared_tick(struct sl_proxy_shared *sh, uint64_t now_tsc)
{
	if (sh == NULL)
		return;
	for (uint16_t i = 0; i < sh->conf->n_vips; i++)
		if (sh->vips[i].aff != NULL)
			sl_affinity_expire(sh->vips[i].aff, now_tsc, PX_EXPIRE_BUDGET);
}

unsigned int
sl_proxy_shared_forget_backend(struct sl_proxy_shared *sh, uint16_t backend)
{
	unsigned int n = 0;

	if (sh == NULL)
		return 0;
	for (uint16_t i = 0; i < sh->conf->n_vips; i++)
		if (sh->vips[i].aff != NULL)
			n += sl_affinity_forget_backend(sh->vips[i].aff, backend);
	return n;
}
