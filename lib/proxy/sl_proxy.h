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

#include "sl_conf.h"
#include "sl_lb.h"
#include "sl_net.h"
#include "sl_tcp.h"

struct sl_proxy;

/** Statuses the gateway answers itself, counted per VIP. */
#define SL_PROXY_ERRORS(X) \
	X(400) X(404) X(405) X(408) X(413) X(414) X(417) X(431) X(501) X(502) X(503) X(504) X(505)

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

/** The status code of an enum sl_proxy_err. */
unsigned int sl_proxy_err_code(enum sl_proxy_err e);

#endif /* SL_PROXY_H */
