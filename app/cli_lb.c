/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CLI: runtime changes to pools and backends, and what they look like.
 *   add backend <name> <pool> <addr:port> [weight <n>] [backup]
 *   del backend <name>
 *   set backend <name> weight <n>
 *   set backend <name> drain|down|up
 *   show pool <name>
 *   show maglev <pool>
 * Changes go through lib/lb, which publishes the new member snapshot and
 * Maglev table by RCU and waits for a grace period: when the command returns,
 * every worker picks with the new state. No request in flight is touched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>

#include "app.h"

static int
backend_by_name(const char *name)
{
	const struct sl_lb *lb = sl_app.lb;

	for (uint16_t i = 0; i < lb->n_backends; i++)
		if (__atomic_load_n(&lb->backends[i].used, __ATOMIC_ACQUIRE) &&
		    strcmp(lb->backends[i].name, name) == 0)
			return i;
	return -1;
}

static int
pool_by_name(const char *name)
{
	for (uint16_t i = 0; i < sl_app.lb->n_pools; i++)
		if (strcmp(sl_app.lb->pools[i].name, name) == 0)
			return i;
	return -1;
}

/* "10.1.0.11:8080" into a network-order address and a host-order port. */
static int
parse_addr_port(const char *s, uint32_t *addr_be, uint16_t *port)
{
	char buf[32];
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long p;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = '\0';
	if (inet_pton(AF_INET, buf, addr_be) != 1)
		return -EINVAL;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p == 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

static void
report(struct cmdline *cl, const char *what, const char *name, int rc)
{
	if (rc >= 0) {
		cmdline_printf(cl, "backend %s: %s\n", name, what);
		return;
	}
	switch (rc) {
	case -EEXIST:
		cmdline_printf(cl, "backend %s: a backend of that name exists\n", name);
		break;
	case -ENOSPC:
		cmdline_printf(cl, "backend %s: no free backend slot (at most %u)\n", name,
			       SL_BACKENDS_MAX);
		break;
	case -E2BIG:
		cmdline_printf(cl, "backend %s: the pool's Maglev table would be under 100 x its "
			       "backends: raise maglev_size\n", name);
		break;
	case -ERANGE:
		cmdline_printf(cl, "backend %s: weight out of range\n", name);
		break;
	default:
		cmdline_printf(cl, "backend %s: %s\n", name, strerror(-rc));
	}
}

struct cmd_be_result {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t backend;
	cmdline_fixed_string_t name;
	cmdline_fixed_string_t pool;
	cmdline_fixed_string_t addr;
	cmdline_fixed_string_t kw;
	uint32_t weight;
	cmdline_fixed_string_t backup;
};

static void
add_backend(struct cmdline *cl, struct cmd_be_result *r, uint32_t weight, bool backup)
{
	uint32_t addr;
	uint16_t port;
	int pool = pool_by_name(r->pool);

	if (pool < 0) {
		cmdline_printf(cl, "no pool '%s'\n", r->pool);
		return;
	}
	if (parse_addr_port(r->addr, &addr, &port) != 0) {
		cmdline_printf(cl, "'%s' is not an IPv4 address:port\n", r->addr);
		return;
	}
	report(cl, "added", r->name,
	       sl_lb_add_backend(sl_app.lb, r->name, (uint16_t)pool, addr, port, weight, backup));
}

static void
cmd_add_parsed(void *parsed, struct cmdline *cl, void *data)
{
	add_backend(cl, parsed, 1, false);
}

static void
cmd_add_weight_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_be_result *r = parsed;

	add_backend(cl, r, r->weight, false);
}

static void
cmd_add_weight_backup_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_be_result *r = parsed;

	add_backend(cl, r, r->weight, true);
}

static void
cmd_del_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_be_result *r = parsed;
	int b = backend_by_name(r->name), rc;

	if (b < 0) {
		cmdline_printf(cl, "no backend '%s'\n", r->name);
		return;
	}
	rc = sl_lb_del_backend(sl_app.lb, (uint16_t)b);
	report(cl, "removed (requests in flight complete)", r->name, rc);
	if (rc == 0) {
		unsigned int n = sl_proxy_shared_forget_backend(sl_app.shared, (uint16_t)b);

		if (n != 0)
			cmdline_printf(cl, "%u source-affinity session(s) forgotten\n", n);
	}
}

static void
cmd_set_weight_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_be_result *r = parsed;
	int b = backend_by_name(r->name);
	char what[32];

	if (b < 0) {
		cmdline_printf(cl, "no backend '%s'\n", r->name);
		return;
	}
	snprintf(what, sizeof(what), "weight %u", r->weight);
	report(cl, what, r->name, sl_lb_set_weight(sl_app.lb, (uint16_t)b, r->weight));
}

static void
cmd_set_state_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_be_result *r = parsed;
	int b = backend_by_name(r->name);
	enum sl_backend_state s;

	if (b < 0) {
		cmdline_printf(cl, "no backend '%s'\n", r->name);
		return;
	}
	if (strcmp(r->kw, "drain") == 0)
		s = SL_BACKEND_DRAIN;
	else if (strcmp(r->kw, "down") == 0)
		s = SL_BACKEND_DOWN;
	else
		s = SL_BACKEND_UP;
	report(cl, sl_lb_backend_state_name(s), r->name, sl_lb_set_state(sl_app.lb, (uint16_t)b, s));
}

/* --- show pool, show maglev ------------------------------------------------ */

struct cmd_pool_result {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t name;
};

static void
cmd_show_pool_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_pool_result *r = parsed;
	const struct sl_lb *lb = sl_app.lb;
	static uint32_t entries[SL_BACKENDS_MAX];
	uint16_t idx[SL_BACKENDS_MAX];
	uint64_t reqs[SL_BACKENDS_MAX], total = 0;
	uint32_t tsize = 0;
	int p = pool_by_name(r->name), n;

	if (p < 0) {
		cmdline_printf(cl, "no pool '%s'\n", r->name);
		return;
	}
	n = sl_lb_pool_copy(lb, (uint16_t)p, idx);
	if (n < 0)
		n = 0;
	sl_lb_maglev_counts(lb, (uint16_t)p, entries, &tsize);
	for (int i = 0; i < n; i++) {
		reqs[i] = 0;
		for (unsigned int w = 0; w < sl_app.n_workers; w++)
			reqs[i] += sl_proxy_backend_stats(sl_app.workers[w].proxy, idx[i])->requests;
		total += reqs[i];
	}
	cmdline_printf(cl, "pool %s: algorithm %s, %d backend(s), %" PRIu64 " request(s)",
		       lb->pools[p].name, lb->pools[p].ops->name, n, total);
	if (tsize != 0)
		cmdline_printf(cl, ", Maglev table %u entries", tsize);
	cmdline_printf(cl, "\n  %-16s %-21s %6s %-6s %-6s %12s %7s", "backend", "address", "weight",
		       "backup", "state", "requests", "share");
	if (tsize != 0)
		cmdline_printf(cl, " %8s", "entries");
	cmdline_printf(cl, "\n");
	for (int i = 0; i < n; i++) {
		const struct sl_lb_backend *b = &lb->backends[idx[i]];
		char ip[16], ap[24];

		snprintf(ap, sizeof(ap), "%s:%u", sl_conf_ip_str(rte_be_to_cpu_32(b->addr), ip),
			 b->port);
		cmdline_printf(cl, "  %-16s %-21s %6u %-6s %-6s %12" PRIu64 " %6.1f%%", b->name, ap,
			       __atomic_load_n(&b->weight, __ATOMIC_RELAXED), b->backup ? "yes" : "no",
			       sl_lb_backend_state_name(__atomic_load_n(&b->state, __ATOMIC_RELAXED)),
			       reqs[i], total ? 100.0 * (double)reqs[i] / (double)total : 0.0);
		if (tsize != 0)
			cmdline_printf(cl, " %8u", entries[idx[i]]);
		cmdline_printf(cl, "\n");
	}
}

static void
cmd_show_maglev_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_pool_result *r = parsed;
	const struct sl_lb *lb = sl_app.lb;
	static uint32_t entries[SL_BACKENDS_MAX];
	uint16_t idx[SL_BACKENDS_MAX];
	uint32_t tsize = 0;
	int p = pool_by_name(r->name), n;

	if (p < 0) {
		cmdline_printf(cl, "no pool '%s'\n", r->name);
		return;
	}
	sl_lb_maglev_counts(lb, (uint16_t)p, entries, &tsize);
	if (tsize == 0) {
		cmdline_printf(cl, "pool %s: algorithm %s has no Maglev table\n", lb->pools[p].name,
			       lb->pools[p].ops->name);
		return;
	}
	n = sl_lb_pool_copy(lb, (uint16_t)p, idx);
	cmdline_printf(cl, "pool %s: Maglev table of %u entries (prime), %d backend(s)\n",
		       lb->pools[p].name, tsize, n);
	for (int i = 0; i < n; i++) {
		const struct sl_lb_backend *b = &lb->backends[idx[i]];

		cmdline_printf(cl, "  %-16s weight %-5u %8u entries (%.3f%%)\n", b->name,
			       __atomic_load_n(&b->weight, __ATOMIC_RELAXED), entries[idx[i]],
			       100.0 * entries[idx[i]] / tsize);
	}
}

static cmdline_parse_token_string_t t_add = TOKEN_STRING_INITIALIZER(struct cmd_be_result, verb, "add");
static cmdline_parse_token_string_t t_del = TOKEN_STRING_INITIALIZER(struct cmd_be_result, verb, "del");
static cmdline_parse_token_string_t t_set = TOKEN_STRING_INITIALIZER(struct cmd_be_result, verb, "set");
static cmdline_parse_token_string_t t_backend =
	TOKEN_STRING_INITIALIZER(struct cmd_be_result, backend, "backend");
static cmdline_parse_token_string_t t_name = TOKEN_STRING_INITIALIZER(struct cmd_be_result, name, NULL);
static cmdline_parse_token_string_t t_pool = TOKEN_STRING_INITIALIZER(struct cmd_be_result, pool, NULL);
static cmdline_parse_token_string_t t_addr = TOKEN_STRING_INITIALIZER(struct cmd_be_result, addr, NULL);
static cmdline_parse_token_string_t t_kw_weight =
	TOKEN_STRING_INITIALIZER(struct cmd_be_result, kw, "weight");
static cmdline_parse_token_string_t t_kw_state =
	TOKEN_STRING_INITIALIZER(struct cmd_be_result, kw, "drain#down#up");
static cmdline_parse_token_num_t t_weight = TOKEN_NUM_INITIALIZER(struct cmd_be_result, weight, RTE_UINT32);
static cmdline_parse_token_string_t t_backup =
	TOKEN_STRING_INITIALIZER(struct cmd_be_result, backup, "backup");

static cmdline_parse_inst_t cmd_add = {
	.f = cmd_add_parsed,
	.help_str = "add backend <name> <pool> <addr:port> [weight <n> [backup]]: a new backend, "
		    "up at once (with the pool's slow start)",
	.tokens = { (void *)&t_add, (void *)&t_backend, (void *)&t_name, (void *)&t_pool,
		    (void *)&t_addr, NULL },
};
static cmdline_parse_inst_t cmd_add_weight = {
	.f = cmd_add_weight_parsed,
	.help_str = "add backend <name> <pool> <addr:port> weight <n>",
	.tokens = { (void *)&t_add, (void *)&t_backend, (void *)&t_name, (void *)&t_pool,
		    (void *)&t_addr, (void *)&t_kw_weight, (void *)&t_weight, NULL },
};
static cmdline_parse_inst_t cmd_add_weight_backup = {
	.f = cmd_add_weight_backup_parsed,
	.help_str = "add backend <name> <pool> <addr:port> weight <n> backup",
	.tokens = { (void *)&t_add, (void *)&t_backend, (void *)&t_name, (void *)&t_pool,
		    (void *)&t_addr, (void *)&t_kw_weight, (void *)&t_weight, (void *)&t_backup,
		    NULL },
};
static cmdline_parse_inst_t cmd_del = {
	.f = cmd_del_parsed,
	.help_str = "del backend <name>: no new requests; those in flight complete",
	.tokens = { (void *)&t_del, (void *)&t_backend, (void *)&t_name, NULL },
};
static cmdline_parse_inst_t cmd_set_weight = {
	.f = cmd_set_weight_parsed,
	.help_str = "set backend <name> weight <n>",
	.tokens = { (void *)&t_set, (void *)&t_backend, (void *)&t_name, (void *)&t_kw_weight,
		    (void *)&t_weight, NULL },
};
static cmdline_parse_inst_t cmd_set_state = {
	.f = cmd_set_state_parsed,
	.help_str = "set backend <name> drain|down|up: drain takes no new requests and lets "
		    "those in flight complete; down takes none; up takes them again",
	.tokens = { (void *)&t_set, (void *)&t_backend, (void *)&t_name, (void *)&t_kw_state,
		    NULL },
};

static cmdline_parse_token_string_t t_show = TOKEN_STRING_INITIALIZER(struct cmd_pool_result, verb, "show");
static cmdline_parse_token_string_t t_pool_kw = TOKEN_STRING_INITIALIZER(struct cmd_pool_result, what, "pool");
static cmdline_parse_token_string_t t_maglev_kw =
	TOKEN_STRING_INITIALIZER(struct cmd_pool_result, what, "maglev");
static cmdline_parse_token_string_t t_pname = TOKEN_STRING_INITIALIZER(struct cmd_pool_result, name, NULL);

static cmdline_parse_inst_t cmd_show_pool = {
	.f = cmd_show_pool_parsed,
	.help_str = "show pool <name>: algorithm, backends, weights, states, share of traffic",
	.tokens = { (void *)&t_show, (void *)&t_pool_kw, (void *)&t_pname, NULL },
};
static cmdline_parse_inst_t cmd_show_maglev = {
	.f = cmd_show_maglev_parsed,
	.help_str = "show maglev <pool>: table size and entries per backend",
	.tokens = { (void *)&t_show, (void *)&t_maglev_kw, (void *)&t_pname, NULL },
};

cmdline_parse_inst_t *sl_cli_lb_cmds[] = {
	&cmd_add,
	&cmd_add_weight,
	&cmd_add_weight_backup,
	&cmd_del,
	&cmd_set_weight,
	&cmd_set_state,
	&cmd_show_pool,
	&cmd_show_maglev,
	NULL,
};
