/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering between workers: a TCP packet received by a worker that
 * does not own its flow goes to the owner over ring[src][dst], single
 * producer and single consumer, so the packets of one flow from one receiving
 * worker stay in order. Packets are buffered per owner and enqueued in bursts.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "sl_worker.h"
#include "worker_priv.h"

/* The worker that owns a TCP packet lib/net validated (l2_len, l3_len set). */
unsigned int
sl_steer_owner(const struct sl_steer *st, uint16_t iface, const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;

	if (unlikely(m->data_len < m->l2_len + m->l3_len + 4))
		return UINT32_MAX;	/* no ports to hash: TCP drops it wherever it is */
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, m->l2_len);
	th = (const struct rte_tcp_hdr *)((const char *)ip + m->l3_len);
	return sl_rss_owner(st->rss[iface], ip->src_addr, ip->dst_addr,
			    rte_be_to_cpu_16(th->src_port), rte_be_to_cpu_16(th->dst_port));
}

/*
 * Start-up self-test of hardware steering: the device's hash of a packet must
 * be what sl_rss computes for its tuple, or the queue it chose is not the
 * owner. The first mismatch switches the port to software steering for all.
 */
void
sl_steer_selftest(struct sl_worker *w, uint16_t iface, const struct rte_mbuf *m)
{
	struct sl_steer *st = w->steer;
	enum sl_rss_check c = sl_rss_check_mbuf(st->rss[iface], m);

	if (c == SL_RSS_CHECK_MATCH || c == SL_RSS_CHECK_MISMATCH)
		w->stats.rss_checked++;
	if (c != SL_RSS_CHECK_MISMATCH)
		return;
	w->stats.rss_mismatch++;
	if (!__atomic_exchange_n(&st->software[iface], true, __ATOMIC_RELAXED))
		WLOG(WARNING, "port %u: the device's RSS hash differs from the key read back: "
		     "steering TCP in software from now on", m->port);
}

/* Enqueue what is buffered for owner d; what the ring refuses is dropped, counted. */
static void
steer_flush_one(struct sl_worker *w, unsigned int d)
{
	struct sl_steer *st = w->steer;
	unsigned int cnt = w->sbuf_n[d], k;

	if (cnt == 0)
		return;
	k = rte_ring_sp_enqueue_burst(st->rings[w->id * st->n_workers + d],
				      (void **)&w->sbuf[d * SL_BURST], cnt, NULL);
	w->stats.steered_out += k;
	if (k < cnt) {
		rte_pktmbuf_free_bulk(&w->sbuf[d * SL_BURST + k], cnt - k);
		w->stats.steer_drop += cnt - k;
		w->net.stats.drop[SL_DROP_RING_FULL] += cnt - k;
	}
	w->sbuf_n[d] = 0;
}

void
sl_steer_push(struct sl_worker *w, unsigned int owner, struct rte_mbuf *m)
{
	w->sbuf[owner * SL_BURST + w->sbuf_n[owner]++] = m;
	if (w->sbuf_n[owner] == SL_BURST)
		steer_flush_one(w, owner);
}

void
sl_steer_flush(struct sl_worker *w)
{
	for (unsigned int d = 0; d < w->steer->n_workers; d++)
		steer_flush_one(w, d);
}

unsigned int
sl_steer_pull(struct sl_worker *w, struct rte_mbuf **pkts, unsigned int max)
{
	struct sl_steer *st = w->steer;
	unsigned int n_w = st->n_workers, got = 0;

	for (unsigned int s = 0; s < n_w && got < max; s++) {
		if (s == w->id)
			continue;
		got += rte_ring_sc_dequeue_burst(st->rings[s * n_w + w->id], (void **)(pkts + got),
						 max - got, NULL);
	}
	w->stats.steered_in += got;
	return got;
}

struct sl_steer *
sl_steer_create(unsigned int n_workers, const struct sl_net *net,
		const struct sl_rss *const *rss, int socket)
{
	struct sl_steer *st;
	char name[RTE_RING_NAMESIZE];

	st = rte_zmalloc_socket("sl_steer", sizeof(*st), RTE_CACHE_LINE_SIZE, socket);
	if (st == NULL)
		goto nomem;
	st->n_workers = n_workers;
	st->n_ifaces = net->n_ifaces;
	for (uint16_t i = 0; i < net->n_ifaces; i++) {
		st->rss[i] = rss[i];
		st->software[i] = rss[i]->software;
		st->iface_of_port[net->ifaces[i].port_id] = i;
	}
	st->rings = rte_zmalloc_socket("sl_steer_rings", sizeof(*st->rings) * n_workers * n_workers,
				       0, socket);
	if (st->rings == NULL)
		goto nomem;
	for (unsigned int s = 0; s < n_workers; s++)
		for (unsigned int d = 0; d < n_workers; d++) {
			if (s == d)
				continue;
			snprintf(name, sizeof(name), "sl_st%u_%u", s % 1000, d % 1000);
			st->rings[s * n_workers + d] = rte_ring_create(name, 4096, socket,
								       RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (st->rings[s * n_workers + d] == NULL) {
				sl_steer_destroy(st);
				return NULL;
			}
		}
	return st;
nomem:
	sl_steer_destroy(st);
	rte_errno = ENOMEM;
	return NULL;
}

void
sl_steer_destroy(struct sl_steer *st)
{
	struct rte_mbuf *m;

	if (st == NULL)
		return;
	for (unsigned int i = 0; st->rings != NULL && i < st->n_workers * st->n_workers; i++) {
		if (st->rings[i] == NULL)
			continue;
		while (rte_ring_sc_dequeue(st->rings[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(st->rings[i]);
	}
	rte_free(st->rings);
	rte_free(st);
}

