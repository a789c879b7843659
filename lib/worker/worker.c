/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker poll loop. One iteration: receive a burst from each port's
 * queue, run each frame through lib/net (and, later, TCP and HTTP) to
 * completion, let lib/net do its periodic work, flush the TX buffers, account
 * the cycles, announce a quiescent state. Nothing here blocks, allocates or
 * makes a syscall unless the worker is idle and allowed to sleep.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include <urcu-qsbr.h>

#include "sl_worker.h"
#include "worker_priv.h"

RTE_LOG_REGISTER_SUFFIX(sl_worker_logtype, worker, INFO);

struct sl_config *sl_worker_conf;

static volatile int stop_requested;

void
sl_worker_stop(void)
{
	__atomic_store_n(&stop_requested, 1, __ATOMIC_RELEASE);
}

bool
sl_worker_stopping(void)
{
	return __atomic_load_n(&stop_requested, __ATOMIC_ACQUIRE) != 0;
}

/* lib/net's transmit hook: buffer the frame on this worker's queue of the port. */
static void
worker_tx(void *arg, uint16_t iface, struct rte_mbuf *m)
{
	struct sl_worker *w = arg;
	struct sl_worker_port *p = &w->ports[iface];

	/*
	 * TCP sends a header mbuf chained to views of the payload. A device
	 * without multi-segment transmit (net_af_xdp in 22.11) would send the
	 * first segment's length only: copy the chain into its first buffer.
	 */
	if (unlikely(p->flat_tx && m->nb_segs > 1) && rte_pktmbuf_linearize(m) != 0) {
		rte_pktmbuf_free(m);
		w->net.stats.drop[SL_DROP_NO_MBUF]++;
		return;
	}
	w->stats.tx += rte_eth_tx_buffer(p->port_id, p->queue, p->txb, m);
}

/* Called by rte_eth_tx_buffer(_flush) with what the device refused. */
static void
worker_tx_error(struct rte_mbuf **pkts, uint16_t unsent, void *arg)
{
	struct sl_worker *w = arg;

	rte_pktmbuf_free_bulk(pkts, unsent);
	w->stats.tx_drop += unsent;
	w->net.stats.drop[SL_DROP_TX_FULL] += unsent;
}

/*
 * A control request. The caller waits on state; if it gives up first it marks
 * the request abandoned and the worker frees it, so neither side ever touches
 * freed memory.
 */
enum { CALL_PENDING, CALL_DONE, CALL_ABANDONED };

struct worker_call {
	sl_worker_call_fn *fn;
	void *arg;
	int rc;
	int state;
};

int
sl_worker_call(struct sl_worker *w, sl_worker_call_fn *fn, void *arg, unsigned int timeout_ms)
{
	struct worker_call *c;
	uint64_t deadline;
	int expected, rc;

	if (sl_worker_stopping())
		return -ESRCH;
	c = malloc(sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->fn = fn;
	c->arg = arg;
	c->rc = 0;
	c->state = CALL_PENDING;
	if (rte_ring_mp_enqueue(w->calls, c) != 0) {
		free(c);
		return -ENOSPC;
	}
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() * timeout_ms / 1000;
	while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CALL_PENDING) {
		if (rte_get_timer_cycles() > deadline || sl_worker_stopping()) {
			expected = CALL_PENDING;
			if (__atomic_compare_exchange_n(&c->state, &expected, CALL_ABANDONED, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return -ETIMEDOUT;	/* the worker frees c */
			break;				/* it finished meanwhile */
		}
		rte_delay_us_sleep(50);
	}
	rc = c->rc;
	free(c);
	return rc;
}

/* Run what control threads asked for. One ring check per iteration otherwise. */
static unsigned int
worker_run_calls(struct sl_worker *w)
{
	struct worker_call *c = NULL;
	unsigned int n = 0;

	while (rte_ring_sc_dequeue(w->calls, (void **)&c) == 0) {
		int expected = CALL_PENDING;

		c->rc = c->fn(w, c->arg);
		if (!__atomic_compare_exchange_n(&c->state, &expected, CALL_DONE, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			free(c);	/* abandoned by its caller */
		n++;
	}
	return n;
}

/* Requests still queued when the worker stopped: answer them, never run them. */
static void
worker_drop_calls(struct sl_worker *w)
{
	struct worker_call *c = NULL;

	if (w->calls == NULL)
		return;
	while (rte_ring_sc_dequeue(w->calls, (void **)&c) == 0) {
		int expected = CALL_PENDING;

		c->rc = -ESRCH;
		if (!__atomic_compare_exchange_n(&c->state, &expected, CALL_DONE, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			free(c);
	}
}

int
sl_worker_init(struct sl_worker *w, unsigned int id, unsigned int lcore_id, struct sl_net *net,
	       struct rte_mempool *pool, const struct sl_config *conf, const struct sl_lb *lb,
	       struct sl_proxy_shared *shared,
	       struct sl_steer *steer, bool idle)
{
	unsigned int socket = rte_lcore_to_socket_id(lcore_id);
	uint16_t i;
	int rc;

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->lcore_id = lcore_id;
	w->idle = idle;
	w->idle_polls = conf->global.idle_polls;
	w->idle_sleep_us = conf->global.idle_sleep_us;
	w->n_ports = net->n_ifaces;
	for (i = 0; i < net->n_ifaces; i++) {
		struct sl_worker_port *p = &w->ports[i];

		p->port_id = net->ifaces[i].port_id;
		p->queue = id;
		{
			struct rte_eth_conf dc;

			p->flat_tx = rte_eth_dev_conf_get(p->port_id, &dc) != 0 ||
				     !(dc.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
		}
		p->txb = rte_zmalloc_socket("sl_txb", RTE_ETH_TX_BUFFER_SIZE(SL_BURST), 0, socket);
		if (p->txb == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		rte_eth_tx_buffer_init(p->txb, SL_BURST);
		rte_eth_tx_buffer_set_err_callback(p->txb, worker_tx_error, w);
	}
	{
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "sl_calls_%u", id);
		w->calls = rte_ring_create(name, 64, (int)socket, RING_F_SC_DEQ);
		if (w->calls == NULL) {
			rc = -rte_errno;
			goto fail;
		}
	}
	w->steer = steer;
	if (steer != NULL) {
		w->sbuf = rte_zmalloc_socket("sl_sbuf", sizeof(*w->sbuf) * SL_BURST *
					     steer->n_workers, 0, (int)socket);
		w->sbuf_n = rte_zmalloc_socket("sl_sbuf_n", sizeof(*w->sbuf_n) * steer->n_workers,
					       0, (int)socket);
		if (w->sbuf == NULL || w->sbuf_n == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	rc = sl_net_worker_init(&w->net, net, id, pool, worker_tx, w);
	if (rc < 0)
		goto fail;
	rc = sl_worker_tcp_init(w, conf, pool, net, lb, shared);
	if (rc < 0) {
		sl_net_worker_fini(&w->net);
		goto fail;
	}
	return 0;
fail:
	for (i = 0; i < w->n_ports; i++)
		rte_free(w->ports[i].txb);
	rte_ring_free(w->calls);
	w->calls = NULL;
	rte_free(w->sbuf);
	rte_free(w->sbuf_n);
	w->sbuf = NULL;
	w->sbuf_n = NULL;
	return rc;
}

void
sl_worker_fini(struct sl_worker *w)
{
	uint16_t i;

	worker_drop_calls(w);
	/* TCP first: its queued mbufs may be held in lib/net's structures. */
	sl_worker_tcp_fini(w);
	rte_ring_free(w->calls);
	w->calls = NULL;
	if (w->sbuf != NULL)
		for (unsigned int d = 0; d < w->steer->n_workers; d++)
			rte_pktmbuf_free_bulk(&w->sbuf[d * SL_BURST], w->sbuf_n[d]);
	rte_free(w->sbuf);
	rte_free(w->sbuf_n);
	w->sbuf = NULL;
	w->sbuf_n = NULL;
	sl_net_worker_fini(&w->net);
	for (i = 0; i < w->n_ports; i++) {
		struct sl_worker_port *p = &w->ports[i];

		if (p->txb == NULL)
			continue;
		/* Frames still buffered are freed, not sent: the port may be stopped. */
		rte_pktmbuf_free_bulk(p->txb->pkts, p->txb->length);
		p->txb->length = 0;
		rte_free(p->txb);
		p->txb = NULL;
	}
}

static inline void
worker_tcp_in(struct sl_worker *w, struct rte_mbuf *m)
{
	/* TCP takes the packet from its IPv4 header on. */
	rte_pktmbuf_adj(m, m->l2_len);
	sl_tcp_input(w->tcp, m);
}

static unsigned int
worker_rx(struct sl_worker *w)
{
	struct rte_mbuf *pkts[SL_BURST];
	struct sl_steer *st = w->steer;
	unsigned int total = 0;
	uint16_t i, j, n;

	for (i = 0; i < w->n_ports; i++) {
		struct sl_worker_port *p = &w->ports[i];
		bool sw = st != NULL && __atomic_load_n(&st->software[i], __ATOMIC_RELAXED);

		n = rte_eth_rx_burst(p->port_id, p->queue, pkts, SL_BURST);
		total += n;
		for (j = 0; j < n; j++) {
			struct rte_mbuf *m = pkts[j];
			unsigned int owner;

			if (j + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[j + 1], void *));
			if (sl_net_input(&w->net, i, m) != SL_NET_TCP)
				continue;
			if (st != NULL && !sw && unlikely(w->stats.rss_checked < 64))
				sl_steer_selftest(w, i, m);
			if (sw && (owner = sl_steer_owner(st, i, m)) != w->id &&
			    owner < st->n_workers) {
				sl_steer_push(w, owner, m);
				continue;
			}
			worker_tcp_in(w, m);
		}
	}
	w->stats.rx += total;
	return total;
}

/* Take what other workers handed to us. */
static unsigned int
worker_steer(struct sl_worker *w)
{
	struct rte_mbuf *pkts[SL_BURST];
	unsigned int n, got = 0;

	do {
		n = sl_steer_pull(w, pkts, SL_BURST);
		for (unsigned int j = 0; j < n; j++)
			worker_tcp_in(w, pkts[j]);
		got += n;
	} while (n == SL_BURST && got < 4 * SL_BURST);
	return got;
}

static unsigned int
worker_flush(struct sl_worker *w)
{
	unsigned int sent = 0;
	uint16_t i;

	for (i = 0; i < w->n_ports; i++) {
		struct sl_worker_port *p = &w->ports[i];

		if (p->txb->length != 0)
			sent += rte_eth_tx_buffer_flush(p->port_id, p->queue, p->txb);
	}
	w->stats.tx += sent;
	return sent;
}

/*
 * Idle back-off: after idle_polls empty iterations spin with rte_pause() for as
 * many again, then sleep, doubling from 1 us up to idle_sleep_us. A sleeping
 * worker is an offline RCU reader so it never holds up a grace period.
 */
static void
worker_idle(struct sl_worker *w, uint32_t *empty, uint32_t *sleep_us)
{
	if (!w->idle || ++*empty <= w->idle_polls)
		return;
	/*
	 * Never sleep on work that is only waiting for this worker: frames handed
	 * to the ARP owner, packets held for a next hop about to resolve.
	 */
	if (*empty <= 2 * w->idle_polls || w->idle_sleep_us == 0 || w->net.n_held != 0 ||
	    (w->net.arp_owner && (!rte_ring_empty(w->net.net->to_owner) ||
				  !rte_ring_empty(w->net.net->resolve)))) {
		rte_pause();
		return;
	}
	rcu_thread_offline();
	rte_delay_us_sleep(*sleep_us);
	rcu_thread_online();
	w->stats.sleeps++;
	if (*sleep_us < w->idle_sleep_us)
		*sleep_us = RTE_MIN(*sleep_us * 2, w->idle_sleep_us);
}

int
sl_worker_main(void *arg)
{
	struct sl_worker *w = arg;
	uint32_t empty = 0, sleep_us = 1;
	uint64_t prev, now;
	sigset_t set;

	/*
	 * net_tap signals received packets with SIGIO; let the control thread
	 * (on another CPU) take them instead of interrupting this loop.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	rcu_register_thread();
	WLOG(INFO, "worker %u polling on lcore %u (%u ports, idle back-off %s)", w->id,
	     w->lcore_id, w->n_ports, w->idle ? "on" : "off");

	prev = rte_rdtsc();
	while (!sl_worker_stopping()) {
		unsigned int work;

		now = rte_rdtsc();
		sl_tcp_poll(w->tcp, now);
		sl_proxy_poll(w->proxy, now);
		/*
		 * What other workers handed over was received before what this
		 * worker's queue holds now: take it first, so that a flow whose
		 * packets the device spread over two queues keeps its order as
		 * far as the rings can tell.
		 */
		work = w->steer != NULL ? worker_steer(w) : 0;
		work += worker_rx(w);
		if (w->steer != NULL)
			sl_steer_flush(w);
		sl_net_poll(&w->net, now);
		if (unlikely(!rte_ring_empty(w->calls)))
			work += worker_run_calls(w);
		work += worker_flush(w);

		now = rte_rdtsc();
		if (work != 0) {
			w->stats.busy_tsc += now - prev;
			empty = 0;
			sleep_us = 1;
		} else {
			worker_idle(w, &empty, &sleep_us);
			now = rte_rdtsc();
			w->stats.idle_tsc += now - prev;
		}
		prev = now;
		w->stats.loops++;
		rcu_quiescent_state();
	}
	worker_flush(w);
	rcu_unregister_thread();
	return 0;
}
