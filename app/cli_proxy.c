/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI: show vips, show pools, show backends. Counters are summed over workers. */
#include <inttypes.h>
#include <string.h>

#include <cmdline_parse_string.h>

#include "app.h"

struct cmd_px_result {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t what;
};

static void
vip_sum(uint16_t v, struct sl_proxy_vip_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int w = 0; w < sl_app.n_workers; w++) {
		const uint64_t *s = (const uint64_t *)sl_proxy_vip_stats(sl_app.workers[w].proxy, v);

		for (size_t i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
			((uint64_t *)sum)[i] += s[i];
	}
}

static void
backend_sum(uint16_t b, struct sl_proxy_backend_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int w = 0; w < sl_app.n_workers; w++) {
		const uint64_t *s =
			(const uint64_t *)sl_proxy_backend_stats(sl_app.workers[w].proxy, b);

		for (size_t i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
			((uint64_t *)sum)[i] += s[i];
	}
}

static void
cmd_show_vips_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct sl_config *conf = sl_app.conf;

	for (uint16_t v = 0; v < conf->n_vips; v++) {
		const struct sl_conf_vip *vip = &conf->vips[v];
		struct sl_proxy_vip_stats s;
		char ip[16];

		vip_sum(v, &s);
		cmdline_printf(cl, "vip %s: %s:%u mode %s", vip->name, sl_conf_ip_str(vip->addr, ip),
			       vip->port, sl_conf_vip_mode_name(vip->mode));
		if (vip->mode != SL_VIP_HTTP) {
			cmdline_printf(cl, "\n");
			continue;
		}
		cmdline_printf(cl, " pool %s, %u route(s)\n",
			       vip->pool >= 0 ? conf->pools[vip->pool].name : "-", vip->n_routes);
		for (uint16_t r = 0; r < vip->n_routes; r++) {
			const struct sl_conf_route *rt = &vip->routes[r];

			cmdline_printf(cl, "  route.%u: host=%s%s path=%s -> pool %s\n", rt->number,
				       rt->host_wildcard ? "*" : "", rt->host[0] ? rt->host : "(any)",
				       rt->path[0] ? rt->path : "(any)", conf->pools[rt->pool].name);
		}
		cmdline_printf(cl, "  connections: %" PRIu64 " accepted, %" PRIu64 " open\n",
			       s.conns, s.active);
		cmdline_printf(cl, "  requests: %" PRIu64 "  responses: 1xx=%" PRIu64 " 2xx=%" PRIu64
			       " 3xx=%" PRIu64 " 4xx=%" PRIu64 " 5xx=%" PRIu64 "\n", s.requests,
			       s.responses[1], s.responses[2], s.responses[3], s.responses[4],
			       s.responses[5]);
		cmdline_printf(cl, "  bytes: %" PRIu64 " in, %" PRIu64 " out\n", s.rx_bytes,
			       s.tx_bytes);
		cmdline_printf(cl, "  answered by the gateway:");
		{
			uint64_t total = 0;

			for (unsigned int e = 0; e < SL_PROXY_ERR__MAX; e++) {
				if (s.errors[e] == 0)
					continue;
				cmdline_printf(cl, " %u=%" PRIu64, sl_proxy_err_code(e), s.errors[e]);
				total += s.errors[e];
			}
			cmdline_printf(cl, total == 0 ? " none\n" : "\n");
		}
	}
	if (conf->n_vips == 0)
		cmdline_printf(cl, "no VIPs configured\n");
}

static void
print_backend(struct cmdline *cl, uint16_t i)
{
	const struct sl_lb_backend *b = &sl_app.lb->backends[i];
	struct sl_proxy_backend_stats s;
	char ip[16];

	backend_sum(i, &s);
	cmdline_printf(cl, "backend %s: %s:%u pool %s weight %u%s state %s\n", b->name,
		       sl_conf_ip_str(rte_be_to_cpu_32(b->addr), ip), b->port,
		       sl_app.lb->pools[b->pool].name, b->weight, b->backup ? " backup" : "",
		       sl_lb_backend_state_name(__atomic_load_n(&b->state, __ATOMIC_RELAXED)));
	cmdline_printf(cl, "  connections: %" PRIu64 " open (%" PRIu64 " idle), %" PRIu64
		       " opened, %" PRIu64 " failed to open\n", s.active, s.idle, s.connects,
		       s.connect_fail);
	cmdline_printf(cl, "  requests: %" PRIu64 " (%" PRIu64 " on reused connections, %" PRIu64
		       " retried)  responses: 1xx=%" PRIu64 " 2xx=%" PRIu64 " 3xx=%" PRIu64
		       " 4xx=%" PRIu64 " 5xx=%" PRIu64 "\n", s.requests, s.reused, s.retries,
		       s.responses[1], s.responses[2], s.responses[3], s.responses[4],
		       s.responses[5]);
	cmdline_printf(cl, "  errors: %" PRIu64 " connection lost mid-request, %" PRIu64
		       " response timeouts\n", s.resets, s.timeouts);
}

static void
cmd_show_backends_parsed(void *parsed, struct cmdline *cl, void *data)
{
	unsigned int n = 0;

	for (uint16_t i = 0; i < sl_app.lb->n_backends; i++) {
		if (!__atomic_load_n(&sl_app.lb->backends[i].used, __ATOMIC_ACQUIRE))
			continue;	/* a deleted backend's slot */
		print_backend(cl, i);
		n++;
	}
	if (n == 0)
		cmdline_printf(cl, "no backends configured\n");
}

static void
cmd_show_pools_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct sl_lb *lb = sl_app.lb;

	for (uint16_t p = 0; p < lb->n_pools; p++) {
		const struct sl_lb_pool *pool = &lb->pools[p];
		uint64_t total = 0, reqs[SL_BACKENDS_MAX];
		uint16_t idx[SL_BACKENDS_MAX];
		int n = sl_lb_pool_copy(lb, p, idx);

		for (uint16_t i = 0; i < n; i++) {
			struct sl_proxy_backend_stats s;

			backend_sum(idx[i], &s);
			reqs[i] = s.requests;
			total += s.requests;
		}
		cmdline_printf(cl, "pool %s: algorithm %s, %u backend(s), %" PRIu64 " request(s)\n",
			       pool->name, pool->ops->name, n, total);
		for (uint16_t i = 0; i < n; i++) {
			const struct sl_lb_backend *b = &lb->backends[idx[i]];

			cmdline_printf(cl, "  %-16s weight %-4u %-5s %" PRIu64 " request(s) (%.1f%%)\n",
				       b->name, b->weight,
				       sl_lb_backend_state_name(__atomic_load_n(&b->state,
										__ATOMIC_RELAXED)),
				       reqs[i], total ? 100.0 * (double)reqs[i] / (double)total : 0.0);
		}
	}
	if (lb->n_pools == 0)
		cmdline_printf(cl, "no pools configured\n");
}

static cmdline_parse_token_string_t cmd_px_show =
	TOKEN_STRING_INITIALIZER(struct cmd_px_result, verb, "show");
static cmdline_parse_token_string_t cmd_px_vips =
	TOKEN_STRING_INITIALIZER(struct cmd_px_result, what, "vips");
static cmdline_parse_token_string_t cmd_px_pools =
	TOKEN_STRING_INITIALIZER(struct cmd_px_result, what, "pools");
static cmdline_parse_token_string_t cmd_px_backends =
	TOKEN_STRING_INITIALIZER(struct cmd_px_result, what, "backends");

static cmdline_parse_inst_t cmd_show_vips = {
	.f = cmd_show_vips_parsed,
	.help_str = "show vips: each VIP's address, mode, pool, routes, connections, requests, "
		    "responses by class, errors the gateway answered",
	.tokens = { (void *)&cmd_px_show, (void *)&cmd_px_vips, NULL },
};

static cmdline_parse_inst_t cmd_show_pools = {
	.f = cmd_show_pools_parsed,
	.help_str = "show pools: each pool's algorithm and backends with weights, states and "
		    "share of requests",
	.tokens = { (void *)&cmd_px_show, (void *)&cmd_px_pools, NULL },
};

static cmdline_parse_inst_t cmd_show_backends = {
	.f = cmd_show_backends_parsed,
	.help_str = "show backends: state, open and idle connections, requests, responses by "
		    "class, errors",
	.tokens = { (void *)&cmd_px_show, (void *)&cmd_px_backends, NULL },
};

cmdline_parse_inst_t *sl_cli_proxy_cmds[] = {
	&cmd_show_vips,
	&cmd_show_pools,
	&cmd_show_backends,
	NULL,
};
