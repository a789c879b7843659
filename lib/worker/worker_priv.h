/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by the worker's files. */
#ifndef SL_WORKER_PRIV_H
#define SL_WORKER_PRIV_H

#include "sl_worker.h"

/* Create the worker's TCP instance and the listeners of echo/discard VIPs. */
int sl_worker_tcp_init(struct sl_worker *w, const struct sl_config *conf,
		       struct rte_mempool *pool, const struct sl_net *net, const struct sl_lb *lb,
		       struct sl_proxy_shared *shared);
/* Free it; after the lcore stopped. Idempotent. */
void sl_worker_tcp_fini(struct sl_worker *w);

/* steer.c (the loop's side; sl_steer_create/destroy are public) */
extern int sl_worker_logtype;
#define WLOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sl_worker_logtype, "worker: " fmt "\n", ##__VA_ARGS__)

#endif /* SL_WORKER_PRIV_H */
