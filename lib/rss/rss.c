/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The owner function: construction from explicit values or from a port's
 * read-back (with the software fallback), and the start-up self-test on
 * received packets.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_thash.h>

#include "rss_priv.h"

RTE_LOG_REGISTER_SUFFIX(sl_rss_logtype, rss, INFO);

const uint8_t sl_rss_default_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* The hash fields modelled, and the modifiers that would change the tuple. */
#define RSS_HF_MODELLED (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP)
#define RSS_HF_MODIFIERS                                                               \
	(RTE_ETH_RSS_L3_SRC_ONLY | RTE_ETH_RSS_L3_DST_ONLY | RTE_ETH_RSS_L4_SRC_ONLY | \
	 RTE_ETH_RSS_L4_DST_ONLY | RTE_ETH_RSS_L3_PRE32 | RTE_ETH_RSS_L3_PRE40 |       \
	 RTE_ETH_RSS_L3_PRE48 | RTE_ETH_RSS_L3_PRE56 | RTE_ETH_RSS_L3_PRE64 |          \
	 RTE_ETH_RSS_L3_PRE96 | RTE_ETH_RSS_IPV4_CHKSUM | RTE_ETH_RSS_L4_CHKSUM)

/* The first 16 key bytes are all an IPv4 4-tuple reaches: 96 input bits + 31. */
#define RSS_KEY_LEN_MIN 16

static bool
key_len_ok(unsigned int len)
{
	return len >= RSS_KEY_LEN_MIN && len <= SL_RSS_KEY_LEN_MAX && len % 4 == 0;
}

static bool
reta_size_ok(unsigned int size)
{
	return size >= 1 && size <= SL_RSS_RETA_MAX && rte_is_power_of_2(size);
}

/*
 * Bits [off, off + 32) of the key, bit 0 being the most significant bit of
 * key[0]: the window that input bit off XORs into the hash (Toeplitz: for
 * every set bit i of the input, MSB first, hash ^= the 32 key bits from i).
 */
static uint32_t
key_window(const uint8_t *key, unsigned int off)
{
	const uint8_t *k = key + off / 8;
	uint64_t w = (uint64_t)k[0] << 32 | (uint64_t)k[1] << 24 | (uint64_t)k[2] << 16 |
		     (uint64_t)k[3] << 8 | k[4];

	return (uint32_t)(w >> (8 - off % 8));
}

/*
 * Fill every field of rss from validated values. The tables: tbl[k][v] is
 * the XOR of the windows of the set bits of v at byte k; bytes past
 * tuple_len stay zero, so the 12-byte formula of sl_rss_hash() is the hash
 * of the first tuple_len bytes.
 */
static void
rss_fill(struct sl_rss *rss, const uint8_t *key, unsigned int key_len, uint64_t hf,
	 const uint16_t *reta, unsigned int reta_size, unsigned int n_queues)
{
	unsigned int k, v, j;

	rss->reta_size = (uint16_t)reta_size;
	rss->reta_mask = reta_size - 1;
	rss->n_queues = (uint16_t)n_queues;
	rss->rss_hf = hf & RSS_HF_MODELLED;
	rss->tuple_len = (rss->rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) ? 12 : 8;
	rss->key_len = (uint8_t)key_len;
	memset(rss->key, 0, sizeof(rss->key));
	memcpy(rss->key, key, key_len);
	rte_convert_rss_key((const uint32_t *)rss->key, rss->key_be, (int)key_len);
	for (k = 0; k < SL_RSS_TUPLE_LEN; k++)
		for (v = 0; v < 256; v++) {
			uint32_t h = 0;

			for (j = 0; j < 8 && k < rss->tuple_len; j++)
				if (v & (0x80u >> j))
					h ^= key_window(rss->key, 8 * k + j);
			rss->tbl[k][v] = h;
		}
	for (k = 0; k < reta_size; k++)
		rss->reta[k] = reta != NULL ? reta[k] : (uint16_t)(k % n_queues);
}

static struct sl_rss *
rss_alloc(int socket_id)
{
	struct sl_rss *rss;

	rss = rte_zmalloc_socket("sl_rss", sizeof(*rss), RTE_CACHE_LINE_SIZE, socket_id);
	if (rss == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rss->port_id = SL_RSS_NO_PORT;
	rss->socket_id = socket_id;
	return rss;
}

struct sl_rss *
sl_rss_create(const uint8_t *key, uint8_t key_len, uint64_t rss_hf, const uint16_t *reta,
	      uint16_t reta_size, uint16_t n_queues, int socket_id)
{
	struct sl_rss *rss;
	unsigned int i;

	if (key == NULL) {
		key = sl_rss_default_key;
		key_len = sizeof(sl_rss_default_key);
	}
	if (reta_size == 0)
		reta_size = SL_RSS_RETA_SW;
	if (!key_len_ok(key_len) || !reta_size_ok(reta_size) || n_queues == 0 ||
	    n_queues > RTE_MAX_QUEUES_PER_PORT || (rss_hf & RSS_HF_MODELLED) == 0 ||
	    (rss_hf & RSS_HF_MODIFIERS) != 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	for (i = 0; reta != NULL && i < reta_size; i++)
		if (reta[i] >= n_queues) {
			rte_errno = EINVAL;
			return NULL;
		}
	rss = rss_alloc(socket_id);
	if (rss == NULL)
		return NULL;
	rss_fill(rss, key, key_len, rss_hf, reta, reta_size, n_queues);
	snprintf(rss->reason, sizeof(rss->reason), "explicit");
	return rss;
}

void
sl_rss_free(struct sl_rss *rss)
{
	rte_free(rss);
}

/*
 * The fallback: the profile's key (the default key for "device" or an
 * unusable length), its modelled hash fields (none: the 4-tuple, the finest
 * spread), a uniform RETA. software is set by the caller.
 */
static struct sl_rss *rss_fallback(uint16_t port_id, uint16_t n_queues, const uint8_t *key,
				   uint8_t key_len, uint64_t rss_hf, int socket_id, bool software,
				   const char *fmt, ...) __rte_format_printf(8, 9);

static struct sl_rss *
rss_fallback(uint16_t port_id, uint16_t n_queues, const uint8_t *key, uint8_t key_len,
	     uint64_t rss_hf, int socket_id, bool software, const char *fmt, ...)
{
	struct sl_rss *rss;
	va_list ap;

	if (key == NULL || !key_len_ok(key_len)) {
		key = sl_rss_default_key;
		key_len = sizeof(sl_rss_default_key);
	}
	rss_hf &= RSS_HF_MODELLED;
	if (rss_hf == 0)
		rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	rss = rss_alloc(socket_id);
	if (rss == NULL)
		return NULL;
	rss_fill(rss, key, key_len, rss_hf, NULL, SL_RSS_RETA_SW, n_queues);
	rss->port_id = port_id;
	rss->software = software;
	va_start(ap, fmt);
	vsnprintf(rss->reason, sizeof(rss->reason), fmt, ap);
	va_end(ap);
	return rss;
}

struct sl_rss *
rss_from_readback(const struct rss_readback *rb, uint16_t port_id, uint16_t n_queues,
		  const uint8_t *key, uint8_t key_len, uint64_t rss_hf, int socket_id)
{
	struct sl_rss *rss;
	unsigned int i;

#define FALLBACK(...) \
	rss_fallback(port_id, n_queues, key, key_len, rss_hf, socket_id, true, __VA_ARGS__)

	if (n_queues == 0 || n_queues > RTE_MAX_QUEUES_PER_PORT) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (n_queues == 1)
		return rss_fallback(port_id, n_queues, key, key_len, rss_hf, socket_id, false,
				    "one queue: every flow is worker 0's");
	if (rb->key_rc != 0)
		return FALLBACK("device cannot report its RSS key (%s)", rte_strerror(-rb->key_rc));
	if (rb->key_size == 0)
		return FALLBACK("device has no RSS key (hash_key_size 0): it computes no hash");
	if (!key_len_ok(rb->key_size))
		return FALLBACK("device key of %u bytes is not modelled", rb->key_size);
	if (!rb->rss_enabled)
		return FALLBACK("RSS is not enabled on the port");
	if ((rb->rss_hf & RSS_HF_MODIFIERS) != 0)
		return FALLBACK("device hashes with modifiers not modelled (rss_hf 0x%" PRIx64 ")",
				rb->rss_hf);
	if ((rb->rss_hf & RSS_HF_MODELLED) == 0)
		return FALLBACK("device does not hash IPv4 TCP (rss_hf 0x%" PRIx64 ")", rb->rss_hf);
	if (rb->reta_size == 0)
		return FALLBACK("device has no RETA");
	if (!reta_size_ok(rb->reta_size))
		return FALLBACK("RETA of %u entries is not modelled (a power of two up to %u)",
				rb->reta_size, SL_RSS_RETA_MAX);
	if (rb->reta_rc != 0)
		return FALLBACK("device cannot report its RETA (%s)", rte_strerror(-rb->reta_rc));
	for (i = 0; i < rb->reta_size; i++)
		if (rb->reta[i] >= n_queues)
			return FALLBACK("RETA entry %u names queue %u, only %u workers", i,
					rb->reta[i], n_queues);
#undef FALLBACK

	rss = rss_alloc(socket_id);
	if (rss == NULL)
		return NULL;
	rss_fill(rss, rb->key, rb->key_size, rb->rss_hf, rb->reta, rb->reta_size, n_queues);
	rss->port_id = port_id;
	snprintf(rss->reason, sizeof(rss->reason), "read back from the device");
	return rss;
}

int
rss_read_port(uint16_t port_id, struct rss_readback *rb)
{
	struct rte_eth_rss_reta_entry64 conf[SL_RSS_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	struct rte_eth_rss_conf rc;
	struct rte_eth_dev_info info;
	struct rte_eth_conf dc;
	unsigned int i, groups;
	int ret;

	memset(rb, 0, sizeof(*rb));
	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret != 0)
		return ret;
	if (rte_eth_dev_conf_get(port_id, &dc) == 0)
		rb->rss_enabled = (dc.rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) != 0;
	rb->key_size = info.hash_key_size;
	memset(&rc, 0, sizeof(rc));
	/* A key longer than the buffer is not modelled anyway: ask for rss_hf only. */
	if (info.hash_key_size <= SL_RSS_KEY_LEN_MAX) {
		rc.rss_key = rb->key;
		rc.rss_key_len = (uint8_t)info.hash_key_size;
	}
	rb->key_rc = rte_eth_dev_rss_hash_conf_get(port_id, &rc);
	if (rb->key_rc == 0)
		rb->rss_hf = rc.rss_hf;
	rb->reta_size = info.reta_size;
	rb->reta_rc = -EINVAL;
	if (reta_size_ok(info.reta_size)) {
		groups = (info.reta_size + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE;
		memset(conf, 0, sizeof(conf));
		for (i = 0; i < groups; i++)
			conf[i].mask = info.reta_size >= RTE_ETH_RETA_GROUP_SIZE ?
					       UINT64_MAX :
					       RTE_LEN2MASK(info.reta_size, uint64_t);
		rb->reta_rc = rte_eth_dev_rss_reta_query(port_id, conf, info.reta_size);
		for (i = 0; rb->reta_rc == 0 && i < info.reta_size; i++)
			rb->reta[i] =
				conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
	}
	return 0;
}

struct sl_rss *
sl_rss_from_port(uint16_t port_id, uint16_t n_queues, const uint8_t *key, uint8_t key_len,
		 uint64_t rss_hf, int socket_id)
{
	struct rss_readback *rb;
	struct sl_rss *rss;
	char line[256];
	int ret;

	rb = rte_zmalloc("sl_rss_readback", sizeof(*rb), 0);
	if (rb == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	ret = rss_read_port(port_id, rb);
	if (ret != 0) {
		rte_free(rb);
		rte_errno = -ret;
		return NULL;
	}
	rss = rss_from_readback(rb, port_id, n_queues, key, key_len, rss_hf, socket_id);
	rte_free(rb);
	if (rss != NULL) {
		sl_rss_describe(rss, line, sizeof(line));
		RSS_LOG(DEBUG, "%s\n", line);
	}
	return rss;
}

bool
sl_rss_same(const struct sl_rss *a, const struct sl_rss *b)
{
	return a->tuple_len == b->tuple_len && a->reta_size == b->reta_size &&
	       memcmp(a->key, b->key, RSS_KEY_LEN_MIN) == 0 &&
	       memcmp(a->reta, b->reta, a->reta_size * sizeof(a->reta[0])) == 0;
}

unsigned int
sl_rss_queue_entries(const struct sl_rss *rss, uint16_t queue)
{
	unsigned int i, n = 0;

	for (i = 0; i < rss->reta_size; i++)
		n += rss->reta[i] == queue;
	return n;
}

int
sl_rss_describe(const struct sl_rss *rss, char *buf, size_t len)
{
	char port[16] = "";

	if (rss->port_id != SL_RSS_NO_PORT)
		snprintf(port, sizeof(port), " on port %u", rss->port_id);
	return snprintf(buf, len,
			"%s RSS%s (%s): %s, key %u bytes %02x%02x%02x%02x..., RETA %u over %u "
			"queues",
			rss->software ? "software" : "hardware", port, rss->reason,
			rss->tuple_len == 12 ? "4-tuple" : "2-tuple", rss->key_len, rss->key[0],
			rss->key[1], rss->key[2], rss->key[3], rss->reta_size, rss->n_queues);
}

enum sl_rss_check
sl_rss_check_mbuf(const struct sl_rss *rss, const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_ether_hdr *eh;
	const struct rte_vlan_hdr *vh;
	const struct rte_tcp_hdr *th;
	uint32_t len = rte_pktmbuf_data_len(m), off, ihl;
	rte_be16_t type, frag;
	int tags;

	if (!(m->ol_flags & RTE_MBUF_F_RX_RSS_HASH))
		return SL_RSS_CHECK_NO_HASH;
	if (len < sizeof(*eh))
		return SL_RSS_CHECK_SKIP;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	type = eh->ether_type;
	off = sizeof(*eh);
	for (tags = 0; tags < 2 && (type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
				    type == RTE_BE16(RTE_ETHER_TYPE_QINQ));
	     tags++) {
		if (len < off + sizeof(*vh))
			return SL_RSS_CHECK_SKIP;
		vh = rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *, off);
		type = vh->eth_proto;
		off += sizeof(*vh);
	}
	if (type != RTE_BE16(RTE_ETHER_TYPE_IPV4) || len < off + sizeof(*ip))
		return SL_RSS_CHECK_SKIP;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	ihl = (ip->version_ihl & 0x0f) * 4u;
	frag = ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || ip->next_proto_id != IPPROTO_TCP ||
	    frag != 0 || len < off + ihl + 4)
		return SL_RSS_CHECK_SKIP;
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, off + ihl);
	if (sl_rss_hash(rss, ip->src_addr, ip->dst_addr, rte_be_to_cpu_16(th->src_port),
			rte_be_to_cpu_16(th->dst_port)) == m->hash.rss)
		return SL_RSS_CHECK_MATCH;
	return SL_RSS_CHECK_MISMATCH;
}

const char *
sl_rss_check_name(enum sl_rss_check c)
{
	switch (c) {
	case SL_RSS_CHECK_MATCH:
		return "match";
	case SL_RSS_CHECK_MISMATCH:
		return "mismatch";
	case SL_RSS_CHECK_NO_HASH:
		return "no_hash";
	case SL_RSS_CHECK_SKIP:
		return "skip";
	}
	return "?";
}
