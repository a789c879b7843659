/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of lib/rss, shared by its source files and its unit test.
 *
 * sl_rss_from_port() is two steps so that the decision can be tested on any
 * device, real or imagined: rss_read_port() gathers what the device reports
 * (every call's return code kept), rss_from_readback() turns that into an
 * owner function or the software fallback.
 */
#ifndef SL_RSS_PRIV_H
#define SL_RSS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

#include "sl_rss.h"

extern int sl_rss_logtype;
#define RSS_LOG(level, ...) rte_log(RTE_LOG_##level, sl_rss_logtype, "sluice.rss: " __VA_ARGS__)

/* Bytes of key buffer handed to PMDs: some copy 40 bytes whatever they report. */
#define RSS_KEY_BUF 64

/* What a port reports about its RSS, as read back by rss_read_port(). */
struct rss_readback {
	bool rss_enabled;  /* rte_eth_dev_conf_get(): mq_mode has RTE_ETH_MQ_RX_RSS_FLAG */
	uint16_t key_size; /* dev_info.hash_key_size */
	int key_rc;	   /* rte_eth_dev_rss_hash_conf_get(): 0 or -errno */
	uint64_t rss_hf;   /* valid if key_rc == 0 */
	uint8_t key[RSS_KEY_BUF] __rte_aligned(4); /* valid if key_rc == 0 */
	uint16_t reta_size;			   /* dev_info.reta_size */
	int reta_rc; /* rte_eth_dev_rss_reta_query(): 0 or -errno (not asked: -EINVAL) */
	uint16_t reta[SL_RSS_RETA_MAX]; /* valid if reta_rc == 0 */
};

/* Gather a port's RSS state. 0, or -ENODEV / the error of rte_eth_dev_info_get(). */
int rss_read_port(uint16_t port_id, struct rss_readback *rb);

/* The decision of sl_rss_from_port() on a read-back (see sl_rss.h). */
struct sl_rss *rss_from_readback(const struct rss_readback *rb, uint16_t port_id, uint16_t n_queues,
				 const uint8_t *key, uint8_t key_len, uint64_t rss_hf,
				 int socket_id);

#endif /* SL_RSS_PRIV_H */
