/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The HTTP reverse proxy of one worker: client connections accepted on HTTP
 * VIPs, requests parsed (lib/http), routed to a pool, balanced to a backend
 * (lib/lb) and relayed over pooled keep-alive backend connections this worker
 * opened itself (lib/tcp), responses streamed back.
 *
 * One struct sl_proxy per worker, owned by its lcore: connection records,
 * idle-connection pools and timeout queues are preallocated at create, the
 * packet path allocates nothing but mbufs. Bodies are relayed zero copy: the
 * mbufs TCP delivers are handed to the other connection's send queue, only
 * what that queue can take at the moment, so a slow reader closes the other
 * side's TCP window instead of growing a buffer.
 */
#ifndef SL_PROXY_H
#define SL_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "sl_affinity.h"
#include "sl_conf.h"
#include "sl_lb.h"
#include "sl_limit.h"
#include "sl_net.h"
#include "sl_tcp.h"

struct sl_proxy;

/**
 * State every worker's proxy shares, per VIP: the source-affinity table and
 * the sticky cookie's key. Built by the control thread before the workers
 * start and destroyed after they stop; workers only read the pointers (the
 * tables themselves are lock-free, see sl_affinity.h).
 */
struct sl_proxy_vip_shared {
	struct sl_affinity *aff;	/**< affinity = source; NULL otherwise */
	struct sl_cookie_key ckey;	/**< affinity = cookie: the MAC key */
	uint32_t cookie_vip_id;		/**< sl_affinity_cookie_vip_id() of the VIP's name */
	uint32_t conns;			/**< client connections open now, all workers
					     (max_conns); atomic */
	uint64_t conn_refused;		/**< refused by max_conns, all workers; atomic */
	uint64_t repinned;		/**< affine backend unusable: request sent
					     elsewhere, affinity moved; atomic */
	uint64_t cookies_set;		/**< Set-Cookie fields inserted; atomic */
	uint64_t cookies_bad;		/**< cookie present but forged, stale or for a
					     backend of another pool; atomic */
	struct sl_limit *new_conns;	/**< max_new_conns (one shared state); NULL: none */
	struct sl_limit *bandwidth;	/**< [vip] bandwidth: the policy each connection paces
					     its own state by; NULL: none */
	struct sl_limit_conn *per_client; /**< max_conns_per_client; NULL: none */
	uint64_t syn_limited;		/**< SYNs dropped by max_new_conns; atomic */
	uint64_t conn_over;		/**< connections over max_conns_per_client; atomic */
};

struct sl_proxy_shared {
	const struct sl_config *conf;
	const struct sl_lb *lb;
	uint64_t tsc_hz;
	struct sl_proxy_vip_shared vips[SL_VIPS_MAX];
	struct sl_limit *limits[SL_LIMITS_MAX];	/**< one per [limit.NAME], config order */
};

/**
 * Build the shared state of @p conf's VIPs. @return NULL with rte_errno set.
 * Context: control thread, before the workers start. Allocates.
 */
struct sl_proxy_shared *sl_proxy_shared_create(const struct sl_config *conf,
					       const struct sl_lb *lb);

/** Free it (NULL accepted). Context: control thread, after the workers stopped. */
void sl_proxy_shared_destroy(struct sl_proxy_shared *sh);

/**
 * Housekeeping: expire idle source-affinity entries, limit keys whose
 * budget is full again and per-client connection entries at 0 (a bounded
 * slice of each table per call). Context: the control thread, every 100 ms or so; a
 * registered urcu-qsbr thread, online or offline.
 */
void sl_proxy_shared_tick(struct sl_proxy_shared *sh, uint64_t now_tsc);

/**
 * Backend @p backend was deleted: forget the source-affinity entries that
 * point at it (after sl_lb_del_backend(), which has waited for a grace
 * period). Sticky cookies naming it are rejected by their MAC's name check
 * once the slot is reused, and re-pinned. Context: control thread.
 * @return the entries removed.
 */
unsigned int sl_proxy_shared_forget_backend(struct sl_proxy_shared *sh, uint16_t backend);

/** Statuses the gateway answers itself, counted per VIP. */
#define SL_PROXY_ERRORS(X) \
	X(400) X(404) X(405) X(408) X(413) X(414) X(417) X(429) X(431) X(501) X(502) X(503) \
	X(504) X(505)

enum sl_proxy_err {
#define SL_PROXY_ERR_ENUM(code) SL_PROXY_ERR_##code,
	SL_PROXY_ERRORS(SL_PROXY_ERR_ENUM)
#undef SL_PROXY_ERR_ENUM
	SL_PROXY_ERR__MAX
};

/** Per VIP counters of one worker. */
struct sl_proxy_vip_stats {
	uint64_t conns;			/**< client connections accepted */
	uint64_t active;		/**< client connections open now (gauge) */
	uint64_t requests;		/**< requests whose header section was complete */
	uint64_t responses[6];		/**< responses sent by class: [1]=1xx ... [5]=5xx */
	uint64_t errors[SL_PROXY_ERR__MAX]; /**< answered by the gateway itself */
	uint64_t rx_bytes, tx_bytes;	/**< client payload in and out */
};

/** Per backend counters of one worker. */
struct sl_proxy_backend_stats {
	uint64_t requests;		/**< requests sent */
	uint64_t responses[6];		/**< by class */
	uint64_t connects;		/**< connections opened */
	uint64_t connect_fail;		/**< refused or timed out */
	uint64_t reused;		/**< requests sent on a pooled connection */
	uint64_t retries;		/**< requests re-sent after a failure */
	uint64_t resets;		/**< connection lost with a request in flight */
	uint64_t timeouts;		/**< response timeouts */
	uint64_t active;		/**< connections open now, busy or idle (gauge) */
	uint64_t idle;			/**< idle pooled connections now (gauge) */
};

/** Load shedding and backend queues of one worker ([shed], backend max_conns). */
struct sl_proxy_shed_stats {
	uint64_t inflight;		/**< requests in flight now (gauge) */
	uint64_t waiting;		/**< requests waiting for a backend connection now (gauge) */
	uint64_t queued;		/**< requests that had to wait for a backend connection */
	uint64_t shed_inflight;		/**< 503: max_inflight requests were in flight */
	uint64_t shed_queue;		/**< 503: max_queue requests were waiting */
	uint64_t shed_wait;		/**< 503: waited max_queue_ms for a connection */
	uint64_t wait_max_us;		/**< the longest wait for a connection so far */
	uint64_t limited;		/**< requests refused by a rate limit */
	uint64_t delayed;		/**< requests held by a delay policy */
	uint64_t delayed_now;		/**< held now (gauge) */
	uint64_t conn_over;		/**< requests refused: max_conns_per_client */
};

/** Load-shedding thresholds of one worker ([shed]); 0: that check is off. */
struct sl_proxy_shed_params {
	uint32_t max_inflight;		/**< requests in flight on the worker */
	uint32_t max_queue;		/**< requests waiting for a backend connection */
	uint32_t max_queue_ms;		/**< longest wait for one (0: the connect timeout) */
	uint32_t retry_after;		/**< seconds, in the Retry-After of every 503 the
					     gateway answers (0 is sent as 0) */
};

struct sl_proxy_params {
	const struct sl_config *conf;
	const struct sl_lb *lb;
	const struct sl_net *net;	/**< for the local address toward each backend */
	struct sl_tcp *tcp;
	struct rte_mempool *pool;	/**< for heads, error responses, chain splits */
	unsigned int worker_id;
	int socket_id;
	uint32_t max_clients;		/**< client connection records */
	uint32_t max_backend_conns;	/**< backend connection records */
	struct sl_proxy_shared *shared;	/**< per-VIP state shared by the workers; NULL:
					     no affinity, max_conns per worker */
	struct sl_proxy_shed_params shed;
};

/**
 * Create the proxy of one worker. @return NULL with rte_errno set.
 * Context: control thread before launch. Allocates everything it uses.
 */
struct sl_proxy *sl_proxy_create(const struct sl_proxy_params *p);

/** Free it; open connections are dropped silently (the TCP instance is destroyed after). */
void sl_proxy_destroy(struct sl_proxy *px);

/** A client connection was accepted on HTTP VIP @p vip (SL_TCP_EV_ACCEPTED). */
void sl_proxy_accept(struct sl_proxy *px, struct sl_tcp_conn *conn, const struct sl_conf_vip *vip);

/** True when @p user (a connection's user context) is one of this proxy's records. */
bool sl_proxy_owns(const struct sl_proxy *px, const void *user);

/** Any other TCP event on a connection the proxy owns. */
void sl_proxy_event(struct sl_proxy *px, const struct sl_tcp_event *ev);

/** Timeouts; once per poll-loop iteration (one comparison when none is due). */
void sl_proxy_poll(struct sl_proxy *px, uint64_t now);

/** Live counters (read by the control thread: plain 64-bit loads). */
const struct sl_proxy_vip_stats *sl_proxy_vip_stats(const struct sl_proxy *px, uint16_t vip);
const struct sl_proxy_backend_stats *sl_proxy_backend_stats(const struct sl_proxy *px,
							     uint16_t backend);

/** Shedding and limit counters of this worker (copied out: a moment's reading). */
void sl_proxy_shed_stats(const struct sl_proxy *px, struct sl_proxy_shed_stats *s);

/**
 * Admission of a SYN to VIP @p vip from @p raddr (network order): false when
 * the VIP's max_new_conns is exceeded (the SYN is dropped, counted in
 * syn_limited). For the worker's sl_tcp_syn_filter_fn. Context: the worker.
 */
bool sl_proxy_syn_admit(struct sl_proxy *px, const struct sl_conf_vip *vip, uint32_t raddr);

/** The status code of an enum sl_proxy_err. */
unsigned int sl_proxy_err_code(enum sl_proxy_err e);

#endif /* SL_PROXY_H */
