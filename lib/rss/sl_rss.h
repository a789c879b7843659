/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Flow ownership by RSS: which worker a TCP flow belongs to, and which local
 * port makes a connection the gateway opens come back to the worker that
 * opened it.
 *
 * A flow belongs to the worker whose queue the device's RSS selects:
 *
 *     owner(tuple) = reta[toeplitz(key, tuple) mod reta_size]
 *
 * (queue i is worker i). Two kinds of object:
 *  - struct sl_rss: the key, the hashed tuple, the RETA. Built by the control
 *    thread at port bring-up, read-only afterwards, shared by every worker.
 *    sl_rss_from_port() reads back what the device really has: that read-back
 *    is the single source of truth. Where the device cannot tell (net_tap,
 *    net_ring, net_null, a single-queue af_packet) it falls back to the
 *    profile's key and a uniform RETA and sets software = true: the device's
 *    choice of queue means nothing and the worker must compute the owner of
 *    every packet and pass the others on.
 *  - struct sl_rss_ports: one per worker, owned by that worker's lcore,
 *    choosing local ports for connections to backends (sl_rss_pick_port(),
 *    an sl_tcp_pick_port_fn).
 *
 * Conventions, everywhere in this header: IPv4 addresses in network byte
 * order (as in the IPv4 header), ports in host byte order. The tuple is the
 * one the NIC hashes for a *received* packet: source address, destination
 * address, source port, destination port of that packet. For traffic coming
 * back from a backend, the source is the backend.
 *
 * Hash fields modelled: RTE_ETH_RSS_NONFRAG_IPV4_TCP (4-tuple) and
 * RTE_ETH_RSS_IPV4 (2-tuple: addresses only; with both bits set a TCP packet
 * is hashed on its 4-tuple). docs/rss.md has the derivations and figures.
 */
#ifndef SL_RSS_H
#define SL_RSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>

struct rte_mbuf;

#define SL_RSS_KEY_LEN_MAX 52	/**< longest Toeplitz key (i40e, ice) */
#define SL_RSS_RETA_MAX	   2048 /**< largest RETA modelled (a 2K LUT); a power of two */
#define SL_RSS_RETA_SW	   512	/**< RETA size of software steering (uniform) */
#define SL_RSS_TUPLE_LEN   12	/**< bytes of an IPv4 4-tuple: addresses, ports */
#define SL_RSS_REASON_MAX  128
#define SL_RSS_NO_PORT	   UINT16_MAX /**< sl_rss.port_id when not read from a port */

/** The well-known 40-byte default key (Microsoft RSS, most NICs, default.ini). */
extern const uint8_t sl_rss_default_key[40];

/**
 * The owner function, one per device (or per process when every port agrees,
 * see sl_rss_same()). Read-only after construction; every field may be read.
 *
 * tbl[k][v] is the Toeplitz hash of a tuple whose only non-zero byte is byte
 * k with value v. The hash is linear over GF(2) (XOR of one key window per
 * set input bit, RSS spec "Verifying the RSS hash calculation"), so the hash
 * of any tuple is the XOR of its 12 bytes' entries: 12 loads from a 12 KiB
 * table instead of one shift-and-XOR per set bit (rte_softrss). Bytes that
 * are not hashed (the ports of a 2-tuple) have all-zero tables.
 */
struct sl_rss {
	uint32_t reta_mask; /**< reta_size - 1: the index is the hash's low bits */
	uint16_t reta_size; /**< power of two, 1..SL_RSS_RETA_MAX */
	uint16_t n_queues;  /**< workers; every RETA entry is < n_queues */
	uint64_t rss_hf;    /**< modelled hash fields: IPV4 and/or NONFRAG_IPV4_TCP */
	uint8_t tuple_len;  /**< bytes hashed: 12 (4-tuple) or 8 (2-tuple) */
	uint8_t key_len;    /**< 16..52, a multiple of 4 (40 or 52 in practice) */
	bool software;	    /**< the device's queue choice is not the owner */
	uint16_t port_id;   /**< the port read back, or SL_RSS_NO_PORT */
	int socket_id;
	uint32_t key_be[SL_RSS_KEY_LEN_MAX / 4]; /**< rte_convert_rss_key(): for rte_softrss_be */
	uint8_t key[SL_RSS_KEY_LEN_MAX] __rte_aligned(4); /**< the key as the device has it */
	char reason[SL_RSS_REASON_MAX]; /**< why software (or how hardware) steers: a log line */
	uint32_t tbl[SL_RSS_TUPLE_LEN][256] __rte_cache_aligned;
	uint16_t reta[SL_RSS_RETA_MAX] __rte_cache_aligned; /**< queue of each index */
};

/**
 * Build an owner function from explicit values.
 * @param key Toeplitz key, or NULL for sl_rss_default_key (key_len ignored).
 * @param key_len 16..SL_RSS_KEY_LEN_MAX, a multiple of 4 (40 or 52).
 * @param rss_hf RTE_ETH_RSS_* bits; those sluice models are kept (IPV4,
 *        NONFRAG_IPV4_TCP; at least one must be set), other flow types are
 *        ignored, modifiers that change the tuple (L3_SRC_ONLY ..., L3_PRE*,
 *        *_CHKSUM) are refused.
 * @param reta reta_size queue ids, each < n_queues; NULL: uniform, entry
 *        i = i mod n_queues (what PMDs program by default).
 * @param reta_size a power of two 1..SL_RSS_RETA_MAX; 0: SL_RSS_RETA_SW.
 * @param n_queues 1..RTE_MAX_QUEUES_PER_PORT.
 * @return the owner function (software = false, port_id = SL_RSS_NO_PORT),
 * or NULL with rte_errno EINVAL or ENOMEM.
 * Context: any thread with EAL up, at init. Allocates (rte_zmalloc_socket).
 */
struct sl_rss *sl_rss_create(const uint8_t *key, uint8_t key_len, uint64_t rss_hf,
			     const uint16_t *reta, uint16_t reta_size, uint16_t n_queues,
			     int socket_id);

/**
 * Build the owner function of a started port from what the device reports:
 * the key and hash fields (rte_eth_dev_rss_hash_conf_get), the RETA
 * (rte_eth_dev_rss_reta_query, dev_info.reta_size entries). Call it after
 * rte_eth_dev_start(): some PMDs program the RETA at start.
 *
 * When the device cannot report them (-ENOTSUP: net_tap, net_ring), has no
 * key (net_null), RSS is not enabled on the port, it hashes IPv4 TCP on
 * fields sluice does not model, or its RETA names a queue >= n_queues, the
 * result steers in software: software = true, key = (key, key_len) or the
 * default key when key is NULL / key_len 0 ("device"), hash fields rss_hf
 * (those modelled; none: NONFRAG_IPV4_TCP), a uniform RETA of SL_RSS_RETA_SW
 * entries; reason says why, for the log. With n_queues == 1 nothing needs
 * steering: software = false, every flow is queue 0's.
 *
 * @param n_queues the workers, i.e. the RX queues configured on the port.
 * @param key, key_len, rss_hf the profile's; used only by the fallback.
 * @return the owner function, or NULL with rte_errno ENODEV (no such port),
 * EINVAL (n_queues 0 or > RTE_MAX_QUEUES_PER_PORT), ENOMEM.
 * Context: control thread, at port bring-up. Allocates.
 */
struct sl_rss *sl_rss_from_port(uint16_t port_id, uint16_t n_queues, const uint8_t *key,
				uint8_t key_len, uint64_t rss_hf, int socket_id);

/** Free an owner function (NULL is a no-op). No sl_rss_ports may still use it. */
void sl_rss_free(struct sl_rss *rss);

/**
 * Whether two owner functions give every IPv4 TCP flow the same owner (same
 * tuple, same first 16 key bytes, same RETA). When every port agrees, one
 * struct sl_rss serves the process; otherwise each port needs its own.
 */
bool sl_rss_same(const struct sl_rss *a, const struct sl_rss *b);

/** RETA entries that name queue: 0 means that worker owns no flow at all. */
unsigned int sl_rss_queue_entries(const struct sl_rss *rss, uint16_t queue);

/**
 * One line describing the owner function ("hardware RSS on port 0: ...",
 * "software RSS: <reason>; ..."), snprintf semantics.
 */
int sl_rss_describe(const struct sl_rss *rss, char *buf, size_t len);

/**
 * Toeplitz hash of a received packet's tuple, bit-exact with the device
 * (and with rte_softrss() over the same key and rte_ipv4_tuple). Ports are
 * ignored for a 2-tuple. Context: any lcore; no allocation, no lock.
 */
static inline uint32_t
sl_rss_hash(const struct sl_rss *rss, rte_be32_t src_ip, rte_be32_t dst_ip, uint16_t src_port,
	    uint16_t dst_port)
{
	const uint32_t(*t)[256] = rss->tbl;
	uint32_t s = rte_be_to_cpu_32(src_ip), d = rte_be_to_cpu_32(dst_ip);

	return t[0][s >> 24] ^ t[1][(s >> 16) & 0xff] ^ t[2][(s >> 8) & 0xff] ^ t[3][s & 0xff] ^
	       t[4][d >> 24] ^ t[5][(d >> 16) & 0xff] ^ t[6][(d >> 8) & 0xff] ^ t[7][d & 0xff] ^
	       t[8][src_port >> 8] ^ t[9][src_port & 0xff] ^ t[10][dst_port >> 8] ^
	       t[11][dst_port & 0xff];
}

/**
 * The queue (= worker) that owns a received packet's flow: the RETA entry at
 * the hash's low bits. Context: any lcore; no allocation, no lock.
 */
static inline uint16_t
sl_rss_owner(const struct sl_rss *rss, rte_be32_t src_ip, rte_be32_t dst_ip, uint16_t src_port,
	     uint16_t dst_port)
{
	return rss->reta[sl_rss_hash(rss, src_ip, dst_ip, src_port, dst_port) & rss->reta_mask];
}

/** Outcome of sl_rss_check_mbuf(). */
enum sl_rss_check {
	SL_RSS_CHECK_MATCH = 0, /**< the device's hash equals ours */
	SL_RSS_CHECK_MISMATCH,	/**< it does not: do not trust the device's queue */
	SL_RSS_CHECK_NO_HASH,	/**< no RTE_MBUF_F_RX_RSS_HASH: the device gave no hash */
	SL_RSS_CHECK_SKIP,	/**< not an unfragmented IPv4 TCP packet: nothing to compare */
};

/**
 * Start-up self-test on a received packet: compare the device's hash
 * (m->hash.rss, when RTE_MBUF_F_RX_RSS_HASH is set) with sl_rss_hash() of
 * the packet's tuple. m starts at the Ethernet header (up to two VLAN tags);
 * the headers must be in the first segment. The port must have
 * RTE_ETH_RX_OFFLOAD_RSS_HASH enabled for most PMDs to give a hash.
 * Context: any lcore; reads m only.
 */
enum sl_rss_check sl_rss_check_mbuf(const struct sl_rss *rss, const struct rte_mbuf *m);

/** "match", "mismatch", "no_hash", "skip". */
const char *sl_rss_check_name(enum sl_rss_check c);

/** A worker's local-port chooser (opaque). */
struct sl_rss_ports;

/**
 * Create a worker's chooser of local ports in [lo, hi] (1 <= lo <= hi).
 * Every worker may be given the same range: a worker only ever returns a
 * port whose reply tuple hashes to its own queue, so for a given (laddr,
 * raddr, rport) the workers' candidate ports are disjoint, and no two
 * workers can pick the same 4-tuple (docs/rss.md, "No collisions").
 * Keeps a reference to rss, which must outlive it.
 * @return the chooser, or NULL with rte_errno EINVAL (queue >= n_queues, bad
 * range) or ENOMEM. Context: any thread, at init. Allocates about
 * 2 * (hi - lo + 1) + 16 * reta_size bytes (rte_zmalloc_socket).
 */
struct sl_rss_ports *sl_rss_ports_create(const struct sl_rss *rss, uint16_t queue, uint16_t lo,
					 uint16_t hi, int socket_id);

/** Free a chooser (NULL is a no-op). */
void sl_rss_ports_free(struct sl_rss_ports *ports);

/**
 * Choose a local port p in [lo, hi] such that the reply tuple (src raddr:rport,
 * dst laddr:p: the backend's packets as they arrive) is owned by this
 * worker's queue. Successive calls for the same backend go through every
 * such port of the range (about (hi - lo + 1) / n_queues) once before one
 * comes back, whatever calls for other backends come in between.
 * An sl_tcp_pick_port_fn: pass it with arg = the worker's sl_rss_ports.
 * @param arg the worker's struct sl_rss_ports.
 * @param laddr, raddr network byte order; rport host byte order.
 * @return the port, or -1: no port of the range works (with a 2-tuple hash,
 * the addresses alone decide and belong to another worker; or this queue has
 * no RETA entry).
 * Context: the owning lcore only (it advances the chooser's cursors). O(1)
 * amortized: one hash, one cursor; when the cursor leaves a bucket it skips
 * buckets with nothing for this queue (at most min(RETA entries of the
 * queue, non-empty buckets) probes). -1 costs one hash and one load.
 */
int sl_rss_pick_port(void *arg, uint32_t laddr, uint32_t raddr, uint16_t rport);

#endif /* SL_RSS_H */
