/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Consistent hashing on a request attribute: the pool's hash_key (source
 * address, URI, a header or a cookie; the proxy extracts it and hashes it
 * with sl_lb_hash_bytes()) looked up in a Maglev table, so the same value
 * keeps going to the same backend and a change of backends moves as few
 * values as Maglev does. Table build, publication and pick are maglev's
 * (lb_maglev.c has the derivation); only the key differs: maglev is given
 * the connection's hash, hash the configured attribute's.
 */
#include "lb_priv.h"

const struct sl_lb_ops sl_lb_hash = {
	.name = "hash",
	.pick = lb_maglev_pick,
	.build = lb_maglev_build,
};
