/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice: the init sequence and nothing else.
 *   EAL -> signals -> args -> config -> mbuf pool -> ports -> net -> workers
 *   -> ready -> control loop (CLI) -> stop -> cleanup -> mbuf accounting.
 * The main lcore is the control plane: it never polls a queue.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <urcu-qsbr.h>

#include "app.h"

RTE_LOG_REGISTER_DEFAULT(sl_app_logtype, INFO);

struct sl_app sl_app;

static volatile sig_atomic_t quit_signal;

void
sl_app_quit(void)
{
	sl_worker_stop();
}

static void
on_signal(int sig)
{
	quit_signal = sig;
	sl_worker_stop();
}

/* --check: validate without EAL, like haproxy -c and nginx -t. */
static int
check_only(int argc, char **argv)
{
	struct sl_config *conf;
	struct sl_args args;
	int i, first = 0, rc;

	/* Accept both "sluice --check -f F" and "sluice [EAL] -- --check -f F". */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			first = i;
			break;
		}
	if (first != 0)
		argv[first] = argv[0];
	rc = sl_args_parse(argc - first, argv + first, &args);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	conf = sl_conf_load(args.config, args.profile_dir, stderr);
	if (conf == NULL)
		return 1;
	printf("%s: configuration is valid (%u ports, %u VIPs, %u pools, %u backends)\n",
	       args.config, conf->n_ports, conf->n_vips, conf->n_pools, conf->n_backends);
	sl_conf_free(conf);
	return 0;
}

static bool
has_arg(int argc, char **argv, const char *arg)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], arg) == 0)
			return true;
	return false;
}

static bool
want_idle(const struct sl_config *conf)
{
	uint16_t i;

	if (conf->global.idle != SL_IDLE_AUTO)
		return conf->global.idle == SL_IDLE_ON;
	for (i = 0; i < conf->n_ports; i++)
		if (!conf->ports[i].profile.idle)
			return false;
	return true;
}

static int
start_workers(struct sl_app *app)
{
	unsigned int lcore, i = 0;
	bool idle = want_idle(app->conf);
	int rc;

	app->workers = rte_zmalloc("sl_workers", sizeof(*app->workers) * app->n_workers,
				   RTE_CACHE_LINE_SIZE);
	app->net_base = rte_zmalloc("sl_net_base", sizeof(*app->net_base) * app->n_workers, 0);
	if (app->workers == NULL || app->net_base == NULL)
		return -ENOMEM;
	if (app->n_workers > 1) {
		const struct sl_rss *rss[SL_PORTS_MAX];

		for (uint16_t p = 0; p < app->conf->n_ports; p++) {
			rss[p] = app->ports[p].rss;
			if (!sl_rss_same(rss[0], rss[p]))
				APP_LOG(WARNING, "port %s hashes unlike port %s: connections to "
					"backends pick ports by %s's function",
					app->conf->ports[p].name, app->conf->ports[0].name,
					app->conf->ports[0].name);
		}
		app->steer = sl_steer_create(app->n_workers, app->net, rss, (int)rte_socket_id());
		if (app->steer == NULL)
			return -ENOMEM;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		rc = sl_worker_init(&app->workers[i], i, lcore, app->net, app->pool, app->conf,
				    app->lb, app->shared, app->steer, idle);
		if (rc < 0) {
			APP_LOG(ERR, "worker %u: %s", i, strerror(-rc));
			return rc;
		}
		i++;
	}
	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		rc = rte_eal_remote_launch(sl_worker_main, &app->workers[i], lcore);
		if (rc != 0) {
			APP_LOG(ERR, "cannot launch worker %u on lcore %u: %s", i, lcore,
				strerror(-rc));
			return rc;
		}
		i++;
	}
	return 0;
}

/* After every port is closed, every mbuf must be back: anything else is a leak. */
static int
account_mbufs(struct rte_mempool *mp)
{
	unsigned int avail = rte_mempool_avail_count(mp), size = mp->size;

	if (avail == size) {
		APP_LOG(NOTICE, "all %u mbufs back in pool", size);
		return 0;
	}
	APP_LOG(ERR, "mbuf leak: %u of %u mbufs not back in pool", size - avail, size);
	return 1;
}

int
main(int argc, char **argv)
{
	struct sl_app *app = &sl_app;
	struct sigaction sa;
	unsigned int n_lcores;
	int rc, exit_code = 0;
	uint16_t i;

	if (has_arg(argc, argv, "--check"))
		return check_only(argc, argv);

	rc = rte_eal_init(argc, argv);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n", rte_strerror(rte_errno));
	argc -= rc;
	argv += rc;
	argv[0] = "sluice";

	/* No SA_RESTART: a blocked control thread must see EINTR and notice. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = sl_args_parse(argc, argv, &app->args);
	if (rc != 0) {
		rte_eal_cleanup();
		return rc > 0 ? 0 : 2;
	}
	app->conf = sl_conf_load(app->args.config, app->args.profile_dir, stderr);
	if (app->conf == NULL) {
		rte_eal_cleanup();
		return 1;
	}

	n_lcores = rte_lcore_count();
	app->n_workers = n_lcores - 1;
	if (app->n_workers == 0)
		rte_exit(EXIT_FAILURE, "sluice needs a worker lcore besides the main one "
			 "(EAL -l 0-1, or --lcores)\n");

	/* The control thread reads RCU-protected tables (neighbours) for the CLI. */
	rcu_register_thread();
	rcu_thread_offline();
	rcu_assign_pointer(sl_worker_conf, app->conf);

	{
		unsigned int need = sl_port_mbufs_needed(app->conf, app->n_workers, n_lcores);

		if (app->conf->global.mbufs < need)
			rte_exit(EXIT_FAILURE, "%s: [global] mbufs: %u is too few for %u port(s) x "
				 "%u queue(s): at least %u are needed\n", app->conf->path,
				 app->conf->global.mbufs, app->conf->n_ports, app->n_workers, need);
	}
	app->pool = rte_pktmbuf_pool_create("sl_mbufs", app->conf->global.mbufs,
					    app->conf->global.mbuf_cache, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (app->pool == NULL)
		rte_exit(EXIT_FAILURE, "cannot create the mbuf pool (%u mbufs): %s\n",
			 app->conf->global.mbufs, rte_strerror(rte_errno));

	{
		struct rte_ether_addr macs[SL_PORTS_MAX];
		uint16_t ids[SL_PORTS_MAX];

		for (i = 0; i < app->conf->n_ports; i++) {
			rc = sl_port_setup(app, i, app->n_workers);
			if (rc != 0) {
				exit_code = 1;
				goto stop_ports;
			}
			macs[i] = app->ports[i].mac;
			ids[i] = app->ports[i].port_id;
		}
		app->net = sl_net_create(app->conf, macs, ids, app->n_workers);
		if (app->net == NULL) {
			APP_LOG(ERR, "cannot create network state: %s", rte_strerror(rte_errno));
			exit_code = 1;
			goto stop_ports;
		}
		app->lb = sl_lb_create(app->conf);
		if (app->lb == NULL) {
			APP_LOG(ERR, "cannot create pools: %s", rte_strerror(rte_errno));
			exit_code = 1;
			goto stop_workers;
		}
		app->shared = sl_proxy_shared_create(app->conf, app->lb);
		if (app->shared == NULL) {
			APP_LOG(ERR, "cannot create the VIPs' shared state: %s",
				rte_strerror(rte_errno));
			exit_code = 1;
			goto stop_workers;
		}
	}

	sl_cli_init();
	app->started_tsc = rte_rdtsc();
	rc = start_workers(app);
	if (rc != 0) {
		sl_worker_stop();
		exit_code = 1;
		goto stop_workers;
	}
	if (app->args.cli_socket != NULL && sl_cli_start_socket(app->args.cli_socket) != 0) {
		sl_worker_stop();
		exit_code = 1;
		goto stop_workers;
	}
	sl_telemetry_init();
	APP_LOG(NOTICE, "ready: %u port(s), %u worker(s), %u VIP(s)", app->conf->n_ports,
		app->n_workers, app->conf->n_vips);

	if (app->args.cmdline_file != NULL)
		sl_cli_run_file(app->args.cmdline_file);
	if (app->args.interactive && !sl_worker_stopping())
		sl_cli_start_stdin();

	/* The control thread's housekeeping: affinity expiry, every 100 ms. */
	while (!sl_worker_stopping()) {
		rte_delay_us_sleep(100 * 1000);
		sl_proxy_shared_tick(app->shared, rte_rdtsc());
	}
	if (quit_signal != 0)
		APP_LOG(NOTICE, "signal %d: stopping", (int)quit_signal);
	else
		APP_LOG(NOTICE, "stopping");

stop_workers:
	rte_eal_mp_wait_lcore();
	sl_cli_stop();
	if (app->workers != NULL)
		for (unsigned int w = 0; w < app->n_workers; w++)
			sl_worker_fini(&app->workers[w]);
	sl_steer_destroy(app->steer);
	if (app->net != NULL)
		sl_net_destroy(app->net);
	sl_proxy_shared_destroy(app->shared);
	sl_lb_destroy(app->lb);
stop_ports:
	for (i = 0; i < app->conf->n_ports; i++)
		sl_port_teardown(app, i);
	if (account_mbufs(app->pool) != 0)
		exit_code = 1;
	rte_mempool_free(app->pool);
	rte_free(app->workers);
	rte_free(app->net_base);
	rcu_unregister_thread();
	sl_conf_free(app->conf);
	rte_eal_cleanup();
	return exit_code;
}
