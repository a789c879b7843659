/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The worker lcore: a run-to-completion poll loop over one RX/TX queue pair
 * of every port, with transmit buffering, idle back-off for shared machines
 * and busy/idle cycle accounting.
 *
 * Each struct sl_worker is owned by the lcore that runs it; the control
 * thread reads its counters (plain 64-bit loads, a torn value is impossible
 * on the 64-bit targets DPDK supports) and never writes them.
 *
 * Workers are urcu-qsbr readers: registered at start, a quiescent state
 * announced once per loop iteration, offline while sleeping. Anything the
 * control thread publishes with rcu_assign_pointer() may be read between two
 * iterations without further locking.
 */
#ifndef SL_WORKER_H
#define SL_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>

#include "sl_conf.h"
#include "sl_net.h"
#include "sl_tcp.h"
#include "sl_lb.h"
#include "sl_proxy.h"
#include "sl_rss.h"

#define SL_WORKERS_MAX RTE_MAX_LCORE
#define SL_BURST 32

/**
 * Flow ownership across workers. A TCP packet belongs to the worker
 * sl_rss_owner() names for its tuple. Where the device's own queue choice is
 * that owner (hardware RSS, read back and self-tested), nothing crosses;
 * where it is not (software[iface]), the worker that received a packet hands
 * it to its owner over ring[src][dst] (single producer, single consumer, so
 * per-flow order is kept), in bursts.
 */
struct sl_worker;

struct sl_steer {
	unsigned int n_workers;
	uint16_t n_ifaces;
	const struct sl_rss *rss[SL_PORTS_MAX];	/**< per iface, owned by the app */
	bool software[SL_PORTS_MAX];	/**< steer this iface's TCP in software (atomic) */
	uint16_t iface_of_port[RTE_MAX_ETHPORTS];
	struct rte_ring **rings;	/**< n_workers * n_workers: [src * n + dst] */
};

/**
 * Build the steering state for @p n_workers over @p net's interfaces with
 * each interface's owner function. NULL with rte_errno on failure.
 * Context: control thread, before launch.
 */
struct sl_steer *sl_steer_create(unsigned int n_workers, const struct sl_net *net,
				 const struct sl_rss *const *rss, int socket);
/** Free it, and the packets still in its rings. After the workers stopped. */
void sl_steer_destroy(struct sl_steer *st);

/**
 * The worker owning a TCP packet lib/net validated on @p iface (l2_len and
 * l3_len set, data at the Ethernet header); UINT32_MAX when too short to hash.
 */
unsigned int sl_steer_owner(const struct sl_steer *st, uint16_t iface, const struct rte_mbuf *m);

/** Compare the device's RSS hash of @p m with sl_rss's; switch to software on a mismatch. */
void sl_steer_selftest(struct sl_worker *w, uint16_t iface, const struct rte_mbuf *m);

/**
 * Hand @p m to worker @p owner: buffered, enqueued when SL_BURST are waiting
 * or at sl_steer_flush(). Context: worker w's lcore.
 */
void sl_steer_push(struct sl_worker *w, unsigned int owner, struct rte_mbuf *m);
void sl_steer_flush(struct sl_worker *w);

/** Take up to @p max packets other workers handed to w. Context: worker w's lcore. */
unsigned int sl_steer_pull(struct sl_worker *w, struct rte_mbuf **pkts, unsigned int max);

/** One (port, queue) pair a worker polls. */
struct sl_worker_port {
	uint16_t port_id;
	uint16_t queue;
	bool flat_tx;		/**< the device sends only single-segment packets */
	struct rte_eth_dev_tx_buffer *txb;
};

/** Per-worker counters; written by the owning lcore only. */
struct sl_worker_stats {
	uint64_t loops;		/**< poll-loop iterations */
	uint64_t rx;		/**< packets received */
	uint64_t tx;		/**< packets the device accepted */
	uint64_t tx_drop;	/**< packets the device refused (also net TX_FULL) */
	uint64_t busy_tsc;	/**< cycles in iterations that had work */
	uint64_t idle_tsc;	/**< cycles in iterations without work, sleeps included */
	uint64_t sleeps;	/**< idle sleeps taken */
	uint64_t steered_out;	/**< TCP packets handed to their owner */
	uint64_t steered_in;	/**< TCP packets received from other workers */
	uint64_t steer_drop;	/**< hand-offs refused: ring full */
	uint64_t rss_checked;	/**< hardware hashes compared with software's */
	uint64_t rss_mismatch;	/**< ... that differed (steering then goes software) */
};

struct sl_worker;

/** A function the control thread asks a worker to run on its lcore. */
typedef int sl_worker_call_fn(struct sl_worker *w, void *arg);

struct sl_worker {
	unsigned int id;	/**< 0..n_workers-1; worker 0 owns ARP */
	unsigned int lcore_id;
	uint16_t n_ports;
	struct sl_worker_port ports[SL_PORTS_MAX];
	bool idle;		/**< back off when idle */
	uint32_t idle_polls;
	uint32_t idle_sleep_us;
	struct rte_ring *calls;	/**< MP/SC: requests from control threads */
	struct sl_steer *steer;	/**< NULL with one worker */
	struct rte_mbuf **sbuf;	/**< n_workers * SL_BURST: packets for each owner */
	uint16_t *sbuf_n;
	struct sl_rss_ports *rss_ports; /**< local ports whose replies come back here */
	struct sl_tcp *tcp;	/**< this worker's TCP instance */
	struct sl_proxy *proxy;	/**< this worker's HTTP proxy */
	struct svc_conn *svc;	/**< built-in service state, one per TCP slot */
	uint32_t svc_count;
	uint32_t svc_free;	/**< head of the free list of svc */
	uint64_t tcp_svc_full;	/**< connections refused: no service slot */
	struct sl_net_worker net;
	struct sl_worker_stats stats;
} __rte_cache_aligned;

/**
 * Prepare worker @p id to poll queue @p id of every port of @p net.
 * @return 0 or -errno (-ENOMEM).
 * Context: control thread, before the lcore is launched. Allocates.
 */
int sl_worker_init(struct sl_worker *w, unsigned int id, unsigned int lcore_id,
		   struct sl_net *net, struct rte_mempool *pool, const struct sl_config *conf,
		   const struct sl_lb *lb, struct sl_proxy_shared *shared, struct sl_steer *steer,
		   bool idle);

/** The lcore entry point (rte_eal_remote_launch); @p arg is a struct sl_worker. */
int sl_worker_main(void *arg);

/** Ask every worker to leave its loop. Async-signal-safe. */
void sl_worker_stop(void);

/** True once sl_worker_stop() was called. */
bool sl_worker_stopping(void);

/**
 * Release what sl_worker_init() took: flushes and frees TX buffers and the
 * packets lib/net holds. Context: control thread, after the lcore returned.
 */
void sl_worker_fini(struct sl_worker *w);

/**
 * Run @p fn(w, arg) on worker @p w's lcore, between two poll-loop iterations,
 * and wait for it: how the control plane reads state only a worker may touch
 * (its connection table, say). @p fn must be short and must not block.
 * @return fn's return value; -ETIMEDOUT if the worker did not run it within
 * @p timeout_ms (it may still run later: @p arg must then stay valid, so
 * pass heap memory the callee does not free, or a long timeout); -ENOSPC if
 * the request ring is full; -ESRCH once workers are stopping.
 * Context: control threads only (never a worker: it would wait for itself).
 */
int sl_worker_call(struct sl_worker *w, sl_worker_call_fn *fn, void *arg, unsigned int timeout_ms);

/**
 * The config snapshot workers read, published with rcu_assign_pointer().
 * Readers: workers (qsbr online) or a thread holding rcu_read_lock().
 */
extern struct sl_config *sl_worker_conf;

#endif /* SL_WORKER_H */
