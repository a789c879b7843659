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
	for (uint16_t i = 0; i < conf->n_limits; i++) {
		struct sl_limit_params lp;

		if (sl_limit_params_from_conf(&lp, &conf->limits[i], hz) != 0 ||
		    (sh->limits[i] = sl_limit_create(&lp, SOCKET_ID_ANY)) == NULL) {
			PXLOG(ERR, "limit %s: cannot create it: %s", conf->limits[i].name,
			      rte_strerror(rte_errno));
			if (rte_errno == 0)
				rte_errno = EINVAL;
			goto fail;
		}
	}
	for (uint16_t i = 0; i < conf->n_vips; i++) {
		const struct sl_conf_vip *v = &conf->vips[i];
		struct sl_proxy_vip_shared *vs = &sh->vips[i];

		if (v->mode != SL_VIP_HTTP)
			continue;
		if (v->max_new_conns.count != 0) {
			/* One shared state: up to a period's count at once, count per period. */
			struct sl_limit_params lp = {
				.name = v->name,
				.units = v->max_new_conns.count,
				.period_tsc = (uint64_t)v->max_new_conns.period_s * hz,
				.burst = v->max_new_conns.count - 1,
				.action = SL_LIMIT_REJECT,
				.shared_key = true,
			};

			vs->new_conns = sl_limit_create(&lp, SOCKET_ID_ANY);
			if (vs->new_conns == NULL) {
				PXLOG(ERR, "vip %s: max_new_conns: %s", v->name,
				      rte_strerror(rte_errno));
				goto fail;
			}
		}
		if (v->bandwidth_bps != 0) {
			/* A policy without a table: each connection keeps its own state. */
			struct sl_limit_params lp = {
				.name = v->name,
				.units = v->bandwidth_bps,
				.period_tsc = hz,
				.burst = PX_BW_BURST - 1,
				.action = SL_LIMIT_REJECT,
				.shared_key = true,
			};

			vs->bandwidth = sl_limit_create(&lp, SOCKET_ID_ANY);
			if (vs->bandwidth == NULL) {
				PXLOG(ERR, "vip %s: bandwidth: %s", v->name, rte_strerror(rte_errno));
				goto fail;
			}
		}
		if (v->max_conns_per_client != 0) {
			/* Every connection the gateway can hold, with room for idle entries. */
			uint32_t keys = RTE_MIN(conf->tcp.max_conns * 4u, SL_LIMIT_MAX_KEYS);

			vs->per_client = sl_limit_conn_create(keys, SOCKET_ID_ANY);
			if (vs->per_client == NULL) {
				PXLOG(ERR, "vip %s: max_conns_per_client: %s", v->name,
				      rte_strerror(rte_errno));
				goto fail;
			}
		}
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
	for (unsigned int i = 0; i < SL_VIPS_MAX; i++) {
		sl_affinity_destroy(sh->vips[i].aff);
		sl_limit_destroy(sh->vips[i].new_conns);
		sl_limit_destroy(sh->vips[i].bandwidth);
		sl_limit_conn_destroy(sh->vips[i].per_client);
	}
	for (unsigned int i = 0; i < SL_LIMITS_MAX; i++)
		sl_limit_destroy(sh->limits[i]);
	rte_free(sh);
}

void
sl_proxy_shared_tick(struct sl_proxy_shared *sh, uint64_t now_tsc)
{
	if (sh == NULL)
		return;
	for (uint16_t i = 0; i < sh->conf->n_vips; i++) {
		if (sh->vips[i].aff != NULL)
			sl_affinity_expire(sh->vips[i].aff, now_tsc, PX_EXPIRE_BUDGET);
		if (sh->vips[i].new_conns != NULL)
			sl_limit_expire(sh->vips[i].new_conns, now_tsc, PX_EXPIRE_BUDGET);
		if (sh->vips[i].per_client != NULL)
			sl_limit_conn_expire(sh->vips[i].per_client, PX_EXPIRE_BUDGET);
	}
	/* A second of linger: a key just idle is not removed and re-inserted at once. */
	for (uint16_t i = 0; i < sh->conf->n_limits; i++)
		if (sh->limits[i] != NULL)
			sl_limit_expire(sh->limits[i], now_tsc - sh->tsc_hz, PX_EXPIRE_BUDGET);
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
