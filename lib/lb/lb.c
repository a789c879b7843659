/* SPDX-License-Identifier: BSD-3-Clause */
/* Pools and backends built from the configuration. */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "sl_lb.h"

static const struct sl_lb_ops *
lb_ops_of(enum sl_lb_algo a)
{
	switch (a) {
	case SL_LB_ROUNDROBIN:
		return &sl_lb_roundrobin;
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

struct sl_lb *
sl_lb_create(const struct sl_config *conf)
{
	struct sl_lb *lb;
	uint16_t i;

	lb = rte_zmalloc("sl_lb", sizeof(*lb), RTE_CACHE_LINE_SIZE);
	if (lb == NULL)
		goto nomem;
	lb->n_backends = conf->n_backends;
	lb->n_pools = conf->n_pools;
	lb->backends = rte_zmalloc("sl_lb_backends",
				   sizeof(*lb->backends) * RTE_MAX(conf->n_backends, 1),
				   RTE_CACHE_LINE_SIZE);
	if (lb->backends == NULL)
		goto nomem;
	for (i = 0; i < conf->n_backends; i++) {
		const struct sl_conf_backend *cb = &conf->backends[i];
		struct sl_lb_backend *b = &lb->backends[i];

		memcpy(b->name, cb->name, sizeof(b->name));
		b->pool = (uint16_t)cb->pool;
		b->addr = rte_cpu_to_be_32(cb->addr);
		b->port = cb->port;
		b->weight = cb->weight;
		b->backup = cb->backup;
		b->state = SL_BACKEND_UP;
	}
	for (i = 0; i < conf->n_pools; i++) {
		struct sl_lb_pool *p = &lb->pools[i];
		uint16_t j, n = 0;

		memcpy(p->name, conf->pools[i].name, sizeof(p->name));
		p->ops = lb_ops_of(conf->pools[i].algorithm);
		p->lb = lb;
		if (p->ops == NULL) {
			sl_lb_destroy(lb);
			rte_errno = EINVAL;
			return NULL;
		}
		for (j = 0; j < conf->n_backends; j++)
			n += conf->backends[j].pool == i;
		p->members = rte_zmalloc("sl_lb_members", sizeof(*p->members) * RTE_MAX(n, 1), 0);
		if (p->members == NULL)
			goto nomem;
		for (j = 0; j < conf->n_backends; j++)
			if (conf->backends[j].pool == i)
				p->members[p->n++] = j;
	}
	return lb;
nomem:
	sl_lb_destroy(lb);
	rte_errno = ENOMEM;
	return NULL;
}

void
sl_lb_destroy(struct sl_lb *lb)
{
	uint16_t i;

	if (lb == NULL)
		return;
	for (i = 0; i < SL_POOLS_MAX; i++)
		rte_free(lb->pools[i].members);
	rte_free(lb->backends);
	rte_free(lb);
}

int
sl_lb_worker_init(struct sl_lb_worker *lw, const struct sl_lb *lb, int socket)
{
	lw->lb = lb;
	lw->cw = rte_zmalloc_socket("sl_lb_cw", sizeof(*lw->cw) * RTE_MAX(lb->n_backends, 1), 0,
				    socket);
	return lw->cw == NULL ? -ENOMEM : 0;
}

void
sl_lb_worker_fini(struct sl_lb_worker *lw)
{
	rte_free(lw->cw);
	lw->cw = NULL;
}
